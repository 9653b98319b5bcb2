import { expect, linearOnnx, openSite, test } from './runtime/fixtures.js';

test.describe('runtime under a staged rollout', () => {
  test.describe.configure({ timeout: 120_000 });

  test('sends its device id with manifest requests, so a rollout decides its version; an abort brings it back', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() });
    const key = await api.publishableKey();
    const headers: Array<string | undefined> = [];
    page.on('request', (r) => r.url().includes('/manifest') && headers.push(r.headers()['outpost-device']));
    await openSite(page, site);
    const deviceId = await page.evaluate(async ({ hub, key }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      (window as any).op = op;
      return op.deviceId as string;
    }, { hub: hubUrl, key });
    // Every device on the candidate at once: the runtime's id must reach the hub for it to be steered.
    const { rollout } = await api.call('POST', `/v1/models/${modelName}/rollouts`, { alias: 'production', to: 2, steps: [100], interval: '1h' });
    const load = () => page.evaluate(async (ref) => (await (window as any).op.load(ref)).version as number, `${modelName}@production`);
    expect(await load()).toBe(2);
    expect(headers.length).toBeGreaterThan(0);
    expect(new Set(headers)).toEqual(new Set([deviceId]));
    await api.call('POST', `/v1/models/${modelName}/rollouts/${rollout.id}/abort`, {});
    const back = await page.evaluate(async (ref) => {
      const m = await (window as any).op.load(ref);
      await m.revalidated;
      return (await (window as any).op.load(ref)).version as number;
    }, `${modelName}@production`);
    expect(back).toBe(1);
  });
});
