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
    const rollout = await api.call('POST', `/v1/models/${modelName}/rollouts`, { alias: 'production', to: 2, steps: [100], interval: '1h' });
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

  test('the runtime’s own telemetry decides a rollout: its runs of the candidate pass the step and the alias moves', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() });
    const key = await api.publishableKey();
    const rollout = await api.call('POST', `/v1/models/${modelName}/rollouts`, { alias: 'production', to: 2, steps: [100], interval: '1s', minRequests: 10, maxErrorRate: 0 });
    await openSite(page, site);
    const ran = await page.evaluate(async ({ hub, key, ref }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      const m = await op.load(ref);
      for (let i = 0; i < 12; i++) await m.run({ x: { data: new Float32Array([1, 2, 3, 4]), dims: [1, 4] } });
      await op.flush();
      return m.version as number;
    }, { hub: hubUrl, key, ref: `${modelName}@production` });
    expect(ran).toBe(2);
    // Reading the rollout makes the check that is due; the runtime's 12 runs are the step's requests.
    let state = 'running';
    const deadline = Date.now() + 30_000;
    let last: any;
    while (state === 'running' && Date.now() < deadline) {
      last = (await api.call('GET', `/v1/models/${modelName}/rollouts/${rollout.id}`));
      state = last.state;
      if (state === 'running') await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe('completed');
    expect(last.decisions.at(-1)).toMatchObject({ action: 'completed', candidate: { requests: 12, errors: 0 } });
    expect((await api.call('GET', `/v1/models/${modelName}`)).model.aliases.production).toBe(2);
  });
});
