import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console models', () => {
  test('promotes a version and rolls it back, each confirmed with a reason, and shows both in the alias history', async ({ page, hub, uid }) => {
    const name = `clf-${uid}`;
    await hub.model(name, 2);
    await hub.moveAlias(name, 'production', 1, 'first release');

    await signIn(page);
    await page.goto('/models');
    await page.getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
    const production = page.getByRole('row', { name: /^production/ });
    const productionVersion = production.getByRole('cell').first();
    await expect(productionVersion).toHaveText('1');
    await expect(production.getByRole('button', { name: 'Roll back' })).toBeDisabled(); // no earlier version yet
    // In the Versions table: a row of the alias history starts with its date, "2 Dec 2026" on the 2nd of a month.
    await expect(page.getByRole('region', { name: 'Versions' }).getByRole('row', { name: /^2 / })).toContainText('1 in, 1 out');

    await page.getByRole('button', { name: 'Promote version 2' }).click();
    const dialog = page.getByRole('dialog', { name: `Promote ${name}/2` });
    await expect(dialog).toContainText('moves from version 1 to version 2');
    const confirm = dialog.getByRole('button', { name: 'Promote' });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Reason').fill('better accuracy on the holdout set');
    await shoot(page, 'model-promote');
    await confirm.click();
    await expect(dialog).toBeHidden();
    await expect(productionVersion).toHaveText('2');

    await production.getByRole('button', { name: 'Roll back to 1' }).click();
    const rollback = page.getByRole('dialog', { name: `Roll back ${name}@production` });
    await expect(rollback).toContainText('from version 2 to version 1');
    await rollback.getByLabel('Reason').fill('p95 latency regressed on devices');
    await rollback.getByRole('button', { name: 'Roll back' }).click();
    await expect(rollback).toBeHidden();
    await expect(productionVersion).toHaveText('1');

    const history = page.locator('table.history tbody tr');
    await expect(history).toHaveCount(3);
    await expect(history.nth(0)).toContainText('2 → 1');
    await expect(history.nth(0)).toContainText('p95 latency regressed on devices');
    await expect(history.nth(0)).toContainText('bootstrap admin');
    await expect(history.nth(1)).toContainText('1 → 2');
    await expect(history.nth(1)).toContainText('better accuracy on the holdout set');
    await shoot(page, 'model');

    const { model } = await hub.call('GET', `/v1/models/${name}`);
    expect(model.aliases.production).toBe(1);
  });

  test('lists models, and says so when a model does not exist', async ({ page, hub, uid }) => {
    await hub.model(`listed-${uid}`, 1);
    await signIn(page);
    await page.goto('/models');
    await expect(page.getByRole('link', { name: `listed-${uid}` })).toBeVisible();
    await shoot(page, 'models');
    await page.goto('/models/no-such-model');
    await expect(page.getByRole('alert')).toContainText('no-such-model');
  });
});
