import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console compare', () => {
  test('compares two runs picked in the table: one chart per metric with both, and a diff that marks what differs', async ({ page, hub, uid }) => {
    const exp = await hub.experiment(`compare-${uid}`);
    const curve = (rate: number) => Array.from({ length: 50 }, (_, i) => Math.exp(-i * rate));
    await hub.run(exp.id, { name: `fast-${uid}`, params: { lr: '0.1', epochs: '50' }, metrics: { loss: curve(0.2) } });
    await hub.run(exp.id, { name: `slow-${uid}`, params: { lr: '0.01', epochs: '50' }, metrics: { loss: curve(0.05) } });
    await hub.run(exp.id, { name: `other-${uid}`, params: { lr: '0.5', epochs: '50' } });

    await signIn(page);
    await page.goto(`/runs?exp=${exp.id}`);
    const compare = page.getByRole('button', { name: /^Compare/ });
    await expect(compare).toBeDisabled();
    await page.getByLabel(`Select run fast-${uid}`).check();
    await page.getByLabel(`Select run slow-${uid}`).check();
    await compare.click();

    await expect(page).toHaveURL(/\/compare\?run=.+&run=.+/);
    await expect(page.getByRole('heading', { name: 'Compare 2 runs' })).toBeVisible();
    const legend = page.locator('figure.chart', { hasText: 'loss' }).locator('.u-legend');
    await expect(legend).toContainText(`fast-${uid}`);
    await expect(legend).toContainText(`slow-${uid}`);

    const lr = page.getByRole('row', { name: /param lr/ });
    await expect(lr).toHaveClass(/differs/);
    await expect(lr).toContainText('≠');
    await expect(lr).toContainText('0.1');
    await expect(lr).toContainText('0.01');
    await expect(page.getByRole('row', { name: /param epochs/ })).not.toHaveClass(/differs/);
    await shoot(page, 'compare');

    await page.getByLabel('Only rows that differ').check();
    await expect(page.getByRole('row', { name: /param epochs/ })).toHaveCount(0);
    await expect(lr).toBeVisible();
  });
});
