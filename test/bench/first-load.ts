import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Route } from 'playwright-core';
import { RUNTIME_DIR } from '../../build/runtime.js';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { chromiumArgs, chromiumPath } from '../e2e/browser.js';
import { HubApi } from '../e2e/runtime/hub-api.js';
import { Site } from '../e2e/runtime/site.js';
import type { BenchHub } from './hub.js';
import { fmt } from './stats.js';
import type { Figure } from './tracking.js';

interface Load {
  /** Bytes on the wire (bodies as sent, plus headers) for every request the page and its workers made. */
  bytes: number;
  runtimeBytes: number;
  ms: number;
  files: string[];
}

/**
 * The build before this one, replayed by the browser's router: it fetched the WebGPU (JSEP) onnxruntime build on every
 * device and every runtime file uncompressed. Requests for the plain build get the JSEP files, with no encoding.
 */
function beforeThisBuild(assets: Record<string, string>, hub: string, counted: { bytes: number }) {
  const jsep: Record<string, string> = {
    [assets['ort/ort.wasm.bundle.min.mjs']!]: assets['ort/ort.bundle.min.mjs']!,
    [assets['ort/ort-wasm-simd-threaded.wasm']!]: assets['ort/ort-wasm-simd-threaded.jsep.wasm']!,
  };
  return async (route: Route) => {
    const path = new URL(route.request().url()).pathname.slice('/runtime/'.length);
    const file = jsep[path] ?? path;
    const response = await route.fetch({ url: `${hub}/runtime/${file}`, headers: { ...route.request().headers(), 'accept-encoding': 'identity' } });
    const body = await response.body();
    counted.bytes += body.length;
    await route.fulfill({ response, body });
  };
}

/** A cold browser (no HTTP cache, no Cache API, no IndexedDB) without WebGPU: connect, load, first `model.run`. */
async function coldLoad(hub: BenchHub, site: Site, key: string, replayOld?: Record<string, string>): Promise<Load> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const context = await browser.newContext();
    const files: string[] = [];
    let bytes = 0;
    let runtimeBytes = 0;
    const replayed = { bytes: 0 };
    if (replayOld) await context.route(`${hub.url}/runtime/**`, beforeThisBuild(replayOld, hub.url, replayed));
    context.on('requestfinished', async (request) => {
      const url = new URL(request.url());
      if (url.origin !== hub.url) return;
      const sizes = await request.sizes();
      const isRuntime = url.pathname.startsWith('/runtime');
      // A routed response is not on the wire: the router counted its body as the old hub sent it.
      const body = replayOld && url.pathname.startsWith('/runtime/') ? 0 : sizes.responseBodySize;
      bytes += body + sizes.responseHeadersSize;
      if (isRuntime) runtimeBytes += body;
      files.push(`${url.pathname.split('/').pop()} ${fmt((body || sizes.responseBodySize) / 1024, 0)} KB`);
    });
    const page = await context.newPage();
    await page.addInitScript('window.__name = (f) => f');
    const started = performance.now();
    await page.goto(site.url);
    await page.evaluate(
      async ({ hub, key }) => {
        const op = await (window as any).Outpost.connect({ hub, key });
        const model = await op.load('demo-digits@production', { backend: 'auto' });
        await model.run({ x: { data: new Float32Array(64), dims: [1, 64] } });
      },
      { hub: hub.url, key },
    );
    const ms = performance.now() - started;
    await page.waitForTimeout(200); // the last requestfinished events
    return { bytes: bytes + replayed.bytes, runtimeBytes: runtimeBytes + replayed.bytes, ms, files };
  } finally {
    await browser.close();
  }
}

/**
 * Issue 21's first load: bytes a WASM-only device transfers before its first inference of the demo's ONNX model
 * (the runtime, onnxruntime, the model), and the time to the first `model.run` result, against the build before
 * this one replayed in the same run (JSEP on every device, nothing compressed). Target ≤ 0.15 × the bytes.
 */
export async function firstLoadBench(hub: BenchHub, rounds: number): Promise<Figure[]> {
  const api = new HubApi(hub.url, hub.key);
  await api.publish('demo-digits', 'onnx', { 'model.onnx': linearModelOnnx({ inputSize: 64, outputSize: 10, seed: 1 }) }, 'production');
  const key = await api.publishableKey();
  const { assets } = JSON.parse(readFileSync(join(RUNTIME_DIR, 'runtime', 'build.json'), 'utf8')) as { assets: Record<string, string> };
  const site = new Site(hub.url);
  await site.start();
  try {
    const now: Load[] = [];
    const before: Load[] = [];
    for (let r = 0; r < rounds; r++) {
      now.push(await coldLoad(hub, site, key));
      before.push(await coldLoad(hub, site, key, assets));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const mb = (b: number) => `${fmt(b / 1e6, 2)} MB`;
    const [nowBytes, beforeBytes] = [med(now.map((l) => l.bytes)), med(before.map((l) => l.bytes))];
    const [nowMs, beforeMs] = [med(now.map((l) => l.ms)), med(before.map((l) => l.ms))];
    return [
      {
        name: `first load, cold WASM-only Chromium, demo ONNX model: bytes before the first model.run result (runtime files ${mb(med(now.map((l) => l.runtimeBytes)))}: ${now[0]!.files.filter((f) => !f.startsWith('manifest')).join(', ')}); median of ${rounds}`,
        value: mb(nowBytes),
        baseline: `${mb(beforeBytes)} (the build before: JSEP wasm, uncompressed)`,
        ratio: fmt(nowBytes / beforeBytes, 3),
        target: '≤ 0.15',
        ok: nowBytes / beforeBytes <= 0.15,
      },
      {
        name: `first load, cold WASM-only Chromium over loopback: time to the first model.run result; median of ${rounds}`,
        value: `${fmt(nowMs, 0)} ms`,
        baseline: `${fmt(beforeMs, 0)} ms`,
        ratio: fmt(nowMs / beforeMs, 3),
        target: 'reported (loopback has no bandwidth limit: the bytes are the figure)',
        ok: true,
      },
    ];
  } finally {
    await site.stop();
  }
}
