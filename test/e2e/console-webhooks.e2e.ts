import { startReceiver } from '../helpers/webhook-receiver.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console webhooks', () => {
  test('subscribes a receiver (secret shown once), shows a retried delivery in the log, and redelivers it with the same id', async ({ page, hub, uid }) => {
    const receiver = await startReceiver([{ status: 500, body: 'receiver down' }]);
    try {
      await signIn(page);
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByLabel('URL').fill(receiver.url);
      await page.getByLabel('Description').fill(`e2e ${uid}`);
      await page.getByRole('checkbox', { name: 'alias.moved' }).check();
      await page.getByRole('button', { name: 'Create webhook' }).click();
      const secret = page.locator('code.secret');
      await expect(secret).toHaveText(/^whsec_/);
      const key = (await secret.textContent())!;

      const name = `hooked-${uid}`;
      await hub.model(name, 1);
      await hub.moveAlias(name, 'production', 1, 'first release');
      await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(2);
      const [event] = receiver.verified(key);
      expect(event).toMatchObject({ type: 'alias.moved', data: { model: name, alias: 'production', to: 1 } });

      const deliveries = page.getByRole('region', { name: `Deliveries to ${receiver.url}` });
      await expect(async () => {
        await deliveries.getByRole('button', { name: 'Refresh' }).click();
        await expect(deliveries.locator('tbody tr')).toContainText('succeeded', { timeout: 500 });
      }).toPass({ timeout: 10_000 });
      const row = deliveries.locator('tbody tr').first();
      await expect(row).toContainText('alias.moved');
      await row.locator('summary').click();
      await expect(row.locator('ol.attempts li')).toHaveCount(2);
      await expect(row.locator('ol.attempts li').first()).toContainText('500');
      await expect(row.locator('ol.attempts li').first()).toContainText('receiver down');
      await shoot(page, 'webhooks');

      await row.getByRole('button', { name: /^Redeliver / }).click();
      await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(3);
      expect(receiver.received[2]!.id).toBe(receiver.received[0]!.id);

      await page.reload();
      await expect(page.locator('code.secret')).toHaveCount(0); // shown once
      await page.getByRole('button', { name: `Delete ${receiver.url}` }).first().click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await expect(page.getByRole('button', { name: `Delete ${receiver.url}` })).toHaveCount(0);
    } finally {
      await receiver.close();
    }
  });

  test('sets an alias policy on the Models page; a failing promote shows the gate, and an admin forces it with a reason', async ({ page, hub, uid }) => {
    const name = `gated-${uid}`;
    await hub.model(name, 2); // accuracy 0.81 and 0.82
    await hub.moveAlias(name, 'production', 1, 'first release');
    await signIn(page);
    await page.goto(`/models/${name}`);
    const policies = page.getByRole('region', { name: 'Alias policies' });
    await policies.getByLabel('Alias').fill('production');
    await policies.getByLabel('Rules, one per line').fill('accuracy>=0.8\nmin-absolute-change accuracy=0.05');
    await policies.getByRole('button', { name: 'Save policy' }).click();
    const policyRow = policies.getByRole('row', { name: /^production/ });
    await expect(policyRow).toContainText('accuracy >= 0.8, +0.05 over baseline');
    await expect(policyRow).toContainText('the version the alias points to when it moves');

    await page.getByRole('button', { name: 'Promote version 2' }).click();
    const dialog = page.getByRole('dialog', { name: `Promote ${name}/2` });
    await dialog.getByLabel('Reason').fill('slightly better');
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await expect(dialog.getByRole('alert')).toContainText('fails the policy of alias "production"');
    await dialog.getByLabel(/Force past a failing policy gate/).check();
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.locator('table.history tbody tr').first()).toContainText('forced past the policy: slightly better');

    await policyRow.getByRole('button', { name: 'Remove the policy of production' }).click();
    await page.getByRole('dialog', { name: 'Remove the policy of “production”?' }).getByRole('button', { name: 'Remove' }).click();
    await expect(policies).toContainText('No alias requires a gate yet.');
  });
});
