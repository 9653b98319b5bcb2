import { readFileSync } from 'node:fs';
import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console run detail', () => {
  test('shows params, tags, a downsampled chart whose zoom fetches the visible steps at full resolution, artifacts to download, and the versions it produced', async ({ page, hub, uid }) => {
    const exp = await hub.experiment(`detail-${uid}`);
    const loss = Array.from({ length: 5000 }, (_, i) => 2 * Math.exp(-i / 800) + 0.05 * Math.sin(i / 7) + 0.1);
    const run = await hub.run(exp.id, { name: `train-${uid}`, params: { lr: '0.01' }, tags: { dataset: 'digits-v2' }, metrics: { loss, acc: [0.2, 0.5, 0.8] } });
    const weights = new TextEncoder().encode(`weights of ${uid}`);
    await hub.artifact(run.id, 'model/weights.bin', weights);
    await hub.artifact(run.id, 'notes.txt', new TextEncoder().encode('notes'));
    await hub.model(`m-${uid}`, 1, run.id);

    await signIn(page);
    await page.goto(`/runs?exp=${exp.id}`);
    await page.getByRole('link', { name: `train-${uid}` }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(`train-${uid}`);
    await expect(page.getByRole('row', { name: 'lr 0.01' })).toBeVisible();
    await expect(page.getByRole('row', { name: 'dataset digits-v2' })).toBeVisible();

    const chart = page.locator('figure.chart', { hasText: 'loss' });
    await expect(chart.locator('canvas')).toBeVisible();
    await expect(chart.locator('.u-legend')).toContainText(`train-${uid}`);
    const panel = page.locator('.metric-panel', { has: chart });
    const points = panel.locator('p');
    await expect(points).toContainText(/[\d,]+ of 5,000 points/);

    // Drag across a tenth of the chart: zoomed, and that step range fetched again with every point in it.
    const zoomFetch = page.waitForRequest((r) => r.url().endsWith('/v1/metrics/series') && r.postDataJSON()?.minStep !== undefined);
    const box = (await chart.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const reset = chart.getByRole('button', { name: 'Reset zoom' });
    await expect(reset).toBeEnabled();
    const asked = (await zoomFetch).postDataJSON();
    expect(asked).toMatchObject({ keys: ['loss'], minStep: expect.any(Number), maxStep: expect.any(Number) });
    expect(asked.minStep).toBeGreaterThan(1000);
    expect(asked.maxStep).toBeLessThan(2500);
    const inRange = Array.from({ length: asked.maxStep - asked.minStep + 1 }, (_, i) => asked.minStep + i);
    const reply = await (await (await zoomFetch).response())!.json();
    expect(reply.series[0]).toMatchObject({ total: inRange.length, steps: inRange, values: inRange.map((i) => loss[i]) });
    const fmt = (n: number) => n.toLocaleString('en-US');
    await expect(points).toHaveText(new RegExp(`^all ${fmt(inRange.length)} points of steps ${fmt(asked.minStep)}–${fmt(asked.maxStep)}`));
    await shoot(page, 'run-zoomed');
    await reset.click();
    await expect(reset).toBeDisabled();
    await expect(points).toContainText(/[\d,]+ of 5,000 points/);

    await page.getByLabel('Log scale').check();
    await page.getByLabel('X axis').selectOption('time');
    await expect(chart.locator('.u-legend')).toContainText('time');

    await page.getByRole('button', { name: /model\// }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download model/weights.bin' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('weights.bin');
    expect(readFileSync((await file.path())!)).toEqual(Buffer.from(weights));

    const lineage = page.locator('section', { has: page.getByRole('heading', { name: 'Lineage' }) });
    await expect(lineage).toContainText('digits-v2');
    await expect(lineage.getByRole('link', { name: `m-${uid}/1` })).toBeVisible();
    await shoot(page, 'run');
  });
});
