import { reportFigures } from '../helpers/telemetry.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console rollouts', () => {
  test('shows a rollout in progress with devices and figures per version against its limits, its decisions, and pauses and aborts it', async ({ page, hub, uid }) => {
    const name = `ro-${uid}`;
    await hub.model(name, 2);
    await hub.moveAlias(name, 'production', 1, 'first release');
    await signIn(page);
    await page.goto(`/models/${name}`);
    const section = page.getByRole('region', { name: 'Rollouts' });
    await expect(section).toContainText('No staged rollouts');

    const rollout = await hub.call('POST', `/v1/models/${name}/rollouts`, { alias: 'production', to: 2, steps: [5, 25, 100], interval: '1h', maxErrorRate: 0.01, maxP95Ratio: 1.2, minRequests: 200 });
    const now = Date.now();
    const report = (version: number, device: string, latencies: number[], errors: number) => ({ id: crypto.randomUUID(), type: 'telemetry', model: name, version, backend: 'wasm', deviceId: device, periodStart: now - 1000, periodEnd: now, ...reportFigures(latencies, errors) });
    await hub.sync([report(2, 'phone-a', [10, 12, 14], 1), report(2, 'phone-b', [11], 0), report(1, 'phone-c', [9, 9], 0)]);
    await page.reload();
    const card = section.getByRole('article', { name: /production: 1 → 2/ });
    await expect(card.getByRole('heading')).toContainText('running');
    await expect(card).toContainText('5% of devices on version 2');
    const candidate = card.getByRole('row', { name: /^2 \(candidate\)/ });
    await expect(candidate.getByRole('cell')).toHaveText(['2', '5', '20.00%', / ms$/, 'errors ≤ 1.00%, p95 ≤ 1.2× stable, ≥ 200 requests a step']);
    await expect(card.getByRole('row', { name: /^1 \(stable\)/ }).getByRole('cell').nth(0)).toHaveText('1');
    await expect(card).toContainText(rollout.id);
    await shoot(page, 'model-rollout');

    await card.getByRole('button', { name: 'Pause' }).click();
    await expect(card.getByRole('heading')).toContainText('paused');
    await card.getByRole('button', { name: 'Abort' }).click();
    await expect(card.getByRole('heading')).toContainText('aborted');
    await expect(card.getByRole('button', { name: 'Resume' })).toHaveCount(0);
    await expect(card.getByRole('listitem')).toHaveCount(3);
    await expect(card.getByRole('listitem').first()).toContainText('aborted at 0%');
  });
});
