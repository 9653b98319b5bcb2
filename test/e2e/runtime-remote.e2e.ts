import { expect, linearOnnx, multiInputOnnx, openSite, test } from './runtime/fixtures.js';

/** In the page: the same feeds through `backend` and through the device's WASM, with the largest difference. */
async function remoteVsLocal(page: import('@playwright/test').Page, args: { hub: string; key: string; ref: string; backend: string; feeds: string; breakWorkers?: boolean }) {
  return page.evaluate(async ({ hub, key, ref, backend, feeds, breakWorkers }) => {
    const makeFeeds = new Function(`return (${feeds})`)() as () => Record<string, { data: any; dims: number[] }>;
    const op = await (window as any).Outpost.connect({ hub, key });
    const local = await (await op.load(ref, { backend: 'wasm' })).run(makeFeeds());
    // A device that cannot start the inference worker at all (no memory, no backend): only the hub can run the model.
    const RealWorker = window.Worker;
    if (breakWorkers) (window as any).Worker = class { constructor() { throw new Error('this device cannot start a worker'); } };
    try {
      const fresh = await (window as any).Outpost.connect({ hub, key });
      const model = await fresh.load(ref, { backend, cache: false });
      const remote = await model.run(makeFeeds());
      let maxDiff = 0;
      for (const name of Object.keys(local)) {
        const a = remote[name].data;
        const b = local[name].data;
        for (let i = 0; i < b.length; i++) maxDiff = Math.max(maxDiff, Math.abs(Number(a[i]) - Number(b[i])));
      }
      let refused = '';
      await model.run({ x: { data: new Float32Array(3), dims: [1, 3] } }).catch((e: any) => (refused = `${e.code}: ${e.message}`));
      return { backend: model.backend, version: model.version, outputs: Object.keys(remote).sort(), dims: Object.fromEntries(Object.entries(remote).map(([k, v]: any) => [k, v.dims])), dtypes: Object.fromEntries(Object.entries(remote).map(([k, v]: any) => [k, v.dtype])), maxDiff, refused };
    } finally {
      window.Worker = RealWorker;
    }
  }, args);
}

const linearFeeds = `() => ({ x: { data: new Float32Array([0.5, -1, 2, 3, 4, 5.25, -6, 7]), dims: [2, 4] } })`;
const multiFeeds = `() => ({
  features: { data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), dims: [2, 4] },
  ids: { data: new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]), dims: [2, 3] },
})`;

test.describe('runtime remote backend', () => {
  test.describe.configure({ timeout: 180_000 });

  test("runs a model on the hub through /v2 with the same model.run API and the device's results", async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    await api.publish(`${modelName}-multi`, 'onnx', { 'model.onnx': multiInputOnnx() }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const linear = await remoteVsLocal(page, { hub: hubUrl, key, ref: `${modelName}@production`, backend: 'remote', feeds: linearFeeds });
    expect(linear).toMatchObject({ backend: 'remote', version: 1, outputs: ['y'], dims: { y: [2, 2] }, dtypes: { y: 'float32' } });
    // onnxruntime-node on the hub against onnxruntime-web in the page: the same kernels, within float rounding.
    expect(linear.maxDiff).toBeLessThanOrEqual(1e-5);
    expect(linear.refused).toMatch(/^bad_feeds: input "x" expects shape \[batch, 4\] \(got dims \[1, 3\]\)/);
    const multi = await remoteVsLocal(page, { hub: hubUrl, key, ref: `${modelName}-multi@production`, backend: 'remote', feeds: multiFeeds });
    expect(multi).toMatchObject({ backend: 'remote', outputs: ['total', 'y'], dims: { y: [2, 2], total: [1, 1] } });
    expect(multi.maxDiff).toBeLessThanOrEqual(1e-4);
  });

  test('auto falls back to the hub when the device cannot load the model, and says so in model.backend', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const auto = await remoteVsLocal(page, { hub: hubUrl, key, ref: modelName, backend: 'auto', feeds: linearFeeds, breakWorkers: true });
    expect(auto).toMatchObject({ backend: 'remote', outputs: ['y'] });
    expect(auto.maxDiff).toBeLessThanOrEqual(1e-5);
  });
});
