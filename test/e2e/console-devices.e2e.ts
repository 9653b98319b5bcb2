import { latencyBucket } from '../../shared/telemetry/histogram.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console devices', () => {
  test('shows telemetry sent through /v1/sync per version and backend, with a chart over time', async ({ page, hub, uid }) => {
    const model = `dev-${uid}`;
    await hub.model(model, 2);
    const minute = 60_000;
    const now = Math.floor(Date.now() / minute) * minute;
    const report = (id: string, version: number, backend: string, deviceId: string, ago: number, count: number, errors: number, ms: number) => ({
      id: `${uid}-${id}`,
      type: 'telemetry',
      model,
      version,
      backend,
      deviceId,
      periodStart: now - ago * minute,
      periodEnd: now - ago * minute + 59_000,
      count,
      errors,
      latency: { histogram: { [latencyBucket(ms)]: count - errors }, sumMs: ms * (count - errors), minMs: ms, maxMs: ms },
      ...(errors ? { lastError: 'WebGPU device was lost' } : {}),
    });
    const results = await hub.sync([
      report('a', 2, 'webgpu', 'phone-1', 50, 60, 0, 4),
      report('b', 2, 'webgpu', 'laptop-1', 20, 40, 2, 4),
      report('c', 1, 'wasm', 'phone-2', 30, 25, 0, 12),
    ]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);

    await signIn(page);
    await page.goto('/devices');
    await page.getByLabel('Period').selectOption('1h');
    const webgpu = page.locator('table.telemetry').getByRole('row', { name: new RegExp(`${model}\\s*/2\\s*webgpu`) });
    await expect(webgpu).toContainText('100');
    await expect(webgpu).toContainText('2 (2.0%)');
    await expect(webgpu).toContainText(/4\.\d+ ms/);
    await expect(webgpu).toContainText('WebGPU device was lost');
    await expect(webgpu.getByRole('cell').nth(5)).toHaveText('2'); // two devices
    await expect(page.locator('table.telemetry').getByRole('row', { name: new RegExp(`${model}\\s*/1\\s*wasm`) })).toContainText('25');
    await expect(page.locator('figure.chart canvas')).toBeVisible();
    await page.getByLabel('Chart').selectOption('p95Ms');
    await expect(page.locator('figure.chart')).toContainText('Latency p95');
    await shoot(page, 'devices');
  });
});
