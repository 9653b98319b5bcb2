import { expect, shoot, signIn, test } from './console/fixtures.js';

const rows = (page: import('@playwright/test').Page) => page.locator('table.runs tbody tr[aria-rowindex]');

test.describe('console runs', () => {
  test('filters and sorts runs on the hub, shows a filter mistake at its column, and keeps the view in the URL', async ({ page, hub, uid }) => {
    const exp = await hub.experiment(`runs-${uid}`);
    const start = Date.now() - 3600_000;
    for (const [i, [name, lr, acc]] of ([['sgd', '0.1', 0.5], ['adam', '0.01', 0.9], ['rmsprop', '0.001', 0.7]] as const).entries()) {
      await hub.run(exp.id, { name, params: { lr, optimizer: name }, metrics: { acc: [acc / 2, acc] }, startTime: start + i * 1000 });
    }
    await signIn(page);
    await page.goto(`/runs?exp=${exp.id}`);
    await expect(rows(page)).toHaveCount(3);
    await expect(rows(page).first()).toContainText('rmsprop'); // newest first by default

    const filter = page.getByLabel('Filter runs');
    await filter.fill('metrics.acc > ');
    await expect(page.getByText('at column 15')).toBeVisible();
    await expect(filter).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('.filter-error pre')).toHaveText(/\n {14}\^$/);
    await shoot(page, 'runs-filter-error');

    await filter.fill('metrics.acc > 0.6');
    await filter.press('Enter');
    await expect(rows(page)).toHaveCount(2);
    await expect(page).toHaveURL(/filter=metrics\.acc/);

    await page.getByRole('button', { name: 'acc', exact: true }).click();
    await expect(page).toHaveURL(/sort=metrics\.acc\+DESC/);
    await expect(rows(page).first()).toContainText('adam');
    await expect(page.getByRole('columnheader', { name: 'acc' })).toHaveAttribute('aria-sort', 'descending');
    await page.getByRole('button', { name: 'acc', exact: true }).click();
    await expect(rows(page).first()).toContainText('rmsprop');

    await page.getByText('Columns').click();
    await page.getByRole('checkbox', { name: 'optimizer' }).uncheck();
    await expect(page.getByRole('columnheader', { name: 'optimizer' })).toHaveCount(0);
    await shoot(page, 'runs');
    // The column choice is in the address before the reload (it lands there a moment after the header goes).
    await expect(page).toHaveURL(/[?&]col=/);
    await expect(page).not.toHaveURL(/col=params\.optimizer/);

    // The URL alone rebuilds the view: filter, sort and columns.
    await page.reload();
    await expect(page.getByLabel('Filter runs')).toHaveValue('metrics.acc > 0.6');
    await expect(rows(page)).toHaveCount(2);
    await expect(rows(page).first()).toContainText('rmsprop');
    await expect(page.getByRole('columnheader', { name: 'lr' })).toBeVisible();
    await expect(page.getByRole('columnheader', { name: 'optimizer' })).toHaveCount(0);

    await filter.fill("params.optimizer = 'none'");
    await filter.press('Enter');
    await expect(page.getByText('No runs match this filter.')).toBeVisible();
  });

  test('keeps only the rows in view in the page and loads keyset pages as the table scrolls', async ({ page, hub, uid }) => {
    const name = `many-${uid}`;
    await hub.manyRuns(name, `r${uid}`, 2500);
    const { experiments } = await hub.call('GET', '/v1/experiments');
    const exp = experiments.find((e: { name: string }) => e.name === name);
    await signIn(page);
    await page.goto(`/runs?exp=${exp.id}&sort=params.index+ASC`);
    await expect(page.getByText(/^200\+ runs/)).toBeVisible();
    await expect(rows(page).first()).toContainText(`r${uid}-0`);
    expect(await rows(page).count()).toBeLessThan(80);

    const table = page.locator('.table-scroll');
    await expect(async () => {
      await table.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await expect(page.getByText(/^2,500 runs/)).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await table.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect(rows(page).last()).toContainText(`r${uid}-999`); // params sort as strings: '999' is the largest
    expect(await rows(page).count()).toBeLessThan(80);
  });
});
