import { expect, linearOnnx, openSite, test } from './runtime/fixtures.js';

test.describe('runtime entry points', () => {
  test.describe.configure({ timeout: 120_000 });

  test('the ES module build works on a page with no build step, from another origin', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    await page.goto(site.url);
    const result = await page.evaluate(async ({ hub, key, ref }) => {
      const { connect } = await import(/* @vite-ignore */ `${hub}/runtime/index.js`);
      const op = await connect({ hub, key });
      const m = await op.load(ref);
      const out = await m.run({ x: { data: new Float32Array([1, 0, 0, 0]), dims: [1, 4] } });
      return { origin: location.origin, version: m.version, dims: out.y.dims, dtype: out.y.dtype };
    }, { hub: hubUrl, key, ref: `${modelName}@production` });
    expect(result.origin).not.toBe(new URL(hubUrl).origin);
    expect(result).toMatchObject({ version: 1, dims: [1, 2], dtype: 'float32' });
  });

  test('the script tag defaults the hub to where it came from, and connect says what is wrong with a bad key', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const result = await page.evaluate(async ({ key, ref }) => {
      const Outpost = (window as any).Outpost;
      const bad = await Outpost.connect({ key: 'pk_short' }).then(() => 'connected', (e: Error) => e.message);
      const op = await Outpost.connect({ key });
      return { bad, hub: op.hub.base, version: (await op.load(ref)).version };
    }, { key, ref: `${modelName}@production` });
    expect(result.bad).toMatch(/connect needs an Outpost key: pk_… .* or sk_…/);
    expect(result.hub).toBe(hubUrl);
    expect(result.version).toBe(1);
  });

  test("a publishable key limited to other origins is refused with the hub's message", async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey(['https://shop.example']);
    await openSite(page, site);
    const message = await page.evaluate(async ({ hub, key, ref }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      return op.load(ref).then(() => 'loaded', (e: Error & { code: string }) => `${e.code}: ${e.message}`);
    }, { hub: hubUrl, key, ref: `${modelName}@production` });
    expect(message).toBe(`unauthorized: could not resolve ${modelName}@production: origin ${site.url} is not allowed for this key (allowed: https://shop.example)`);
  });
});
