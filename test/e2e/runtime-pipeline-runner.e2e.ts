import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { bundlePipeline, importBundle } from '../../cli/pipelines/bundle.js';
import { Runner } from '../../cli/pipelines/runner.js';
import { HubClient } from '../../shared/client/hub-client.js';
import { specOf } from '../../shared/pipeline/define.js';
import { chromiumArgs, chromiumPath } from './browser.js';
import { until } from '../helpers/webhook-receiver.js';
import { HubApi } from './runtime/hub-api.js';
import { expect, openSite, test } from './runtime/fixtures.js';

/** op.runner in Chromium against a real hub (issue 16, browser runner): steps leased by a page and run in Web Workers. */

const work = mkdtempSync(join(tmpdir(), 'outpost-browser-runner-'));

/** A project of its own with its admin key, and `register(steps)`: a pipeline module bundled as the CLI does, then registered. */
async function pipelineProject(info: { testId: string }) {
  const admin = new HubApi(`http://127.0.0.1:${process.env.OUTPOST_E2E_PORT}`, process.env.OUTPOST_E2E_KEY!);
  const { adminKey } = await admin.call('POST', '/v1/projects', { name: `pr-${info.testId.slice(-10)}-${Date.now().toString(36)}` });
  const api = new HubApi(admin.url, adminKey.secret);
  const register = async (name: string, steps: string, params = '{}') => {
    const file = join(work, `${name}.ts`);
    writeFileSync(file, `import { definePipeline } from 'outpost/pipeline';\nexport default definePipeline({ name: '${name}', params: ${params}, steps: ${steps} });\n`);
    const { bytes, digest } = await bundlePipeline(file);
    const definition = await importBundle(bytes, digest, join(work, 'bundles'));
    await api.call('PUT', `/v1/blobs/${digest}`, undefined, bytes);
    await api.call('POST', '/v1/pipelines', { codeDigest: digest, spec: specOf(definition) });
    return digest;
  };
  const start = async (name: string, params: Record<string, unknown> = {}) => (await api.call('POST', `/v1/pipelines/${name}/runs`, { params })).id as string;
  const read = (id: string) => api.call('GET', `/v1/pipeline-runs/${id}`);
  const log = async (attemptId: string) => (await api.call('GET', `/v1/pipeline-attempts/${attemptId}/logs`)).text as string;
  /** The run once its status is one of `statuses`. */
  const reaches = (id: string, ...statuses: string[]) =>
    waitFor(`run ${id} to be ${statuses.join(' or ')}`, async () => {
      const run = await read(id);
      return statuses.includes(run.status) ? run : null;
    });
  return { api, key: adminKey.secret as string, register, start, read, log, reaches };
}

/** Polls (no sleeps) for up to 30 s. */
const waitFor = <T>(what: string, probe: () => Promise<T>) => until(probe, 30_000, what);

/** Connects the page and starts `op.runner(options)`; its step events collect in `window.events`. */
async function startPageRunner(page: Page, hub: string, key: string, options: Record<string, unknown>) {
  return page.evaluate(
    async ({ hub, key, options }) => {
      const w = window as any;
      w.op = await w.Outpost.connect({ hub, key });
      w.events = [];
      w.runner = await w.op.runner({ ...options, onStep: (e: unknown) => w.events.push(e) });
      return { id: w.runner.id as string, labels: w.runner.labels as string[] };
    },
    { hub, key, options },
  );
}

const pageEvents = (page: Page) => page.evaluate(() => (window as any).events as { type: string; step: string; attempt: number; error?: string }[]);

test.describe('pipeline steps on a browser runner', () => {
  test.describe.configure({ timeout: 120_000 });

  test('runs a browser step in a Web Worker, its outputs, logs, metrics and lineage reach the hub, and leaves the node step to a node runner', async ({ page, site, hubUrl }, info) => {
    const p = await pipelineProject(info);
    await p.register(
      'mixed',
      `{
        where: {
          runsOn: ['browser'],
          outputs: { worker: 'boolean', scope: 'string', n: 'number' },
          run: async (ctx) => {
            ctx.log('hello from', self.constructor.name, { n: ctx.params.n });
            ctx.run.log({ acc: 0.75 }, 1);
            ctx.link('dataset', 'demo/1');
            const models = await ctx.hub.json('GET', '/v1/models');
            return { worker: typeof WorkerGlobalScope !== 'undefined', scope: self.constructor.name, window: typeof window, n: ctx.params.n, attempt: ctx.attempt, runId: await ctx.run.id(), hub: Array.isArray(models.models), pipeline: ctx.pipeline };
          },
        },
        later: { needs: ['where'], runsOn: ['node'], run: (ctx) => ({ from: ctx.inputs.where.scope, node: typeof process !== 'undefined' }) },
      }`,
      '{ n: 2 }',
    );
    const leases: number[] = [];
    page.on('request', (r) => r.url().endsWith('/v1/pipeline-leases') && leases.push(Date.now()));
    await openSite(page, site);
    const runId = await p.start('mixed', { n: 3 });
    const runner = await startPageRunner(page, hubUrl, p.key, { labels: ['browser'], leaseMs: 5000 });
    expect(runner.labels).toEqual(['browser']);
    expect(runner.id).toMatch(/^browser:/);

    const afterWhere = await waitFor('the browser step', async () => {
      const run = await p.read(runId);
      return run.steps.where.status === 'succeeded' ? run : null;
    });
    expect(afterWhere.steps.where.outputs).toMatchObject({ worker: true, scope: 'DedicatedWorkerGlobalScope', window: 'undefined', n: 3, attempt: 1, hub: true, pipeline: { name: 'mixed', version: 1, runId } });
    expect(await p.log(afterWhere.steps.where.attemptIds[0])).toContain('hello from DedicatedWorkerGlobalScope {"n":3}');
    const trackingRun = afterWhere.steps.where.outputs.runId as string;
    expect(afterWhere.lineage).toEqual(expect.arrayContaining([
      { step: 'where', kind: 'dataset', ref: 'demo/1', role: 'read' },
      { step: 'where', kind: 'run', ref: trackingRun, role: 'made' },
    ]));
    // The tracking run is the device's own run, synced through the runtime's outbox.
    const tracked = await waitFor('the tracking run on the hub', async () => {
      const found = await p.api.call('GET', `/v1/runs/${trackingRun}`).catch(() => null);
      return found?.run.status === 'FINISHED' && found.run.metrics.acc ? found.run : null;
    });
    expect(tracked.source).toBe('browser');
    const { experiments } = await p.api.call('GET', '/v1/experiments');
    expect(experiments.find((e: { id: string }) => e.id === tracked.experimentId)?.name).toBe('pipeline:mixed');
    expect(tracked.tags).toMatchObject({ 'outpost.pipeline.run': runId, 'outpost.pipeline.step': 'where' });

    // The node step is ready, and the browser runner keeps asking for work without ever taking it.
    const asked = leases.length;
    await waitFor('three more lease requests from the page', async () => leases.length >= asked + 3);
    const waiting = await p.read(runId);
    expect(waiting.steps.later).toMatchObject({ status: 'queued', attempts: 0 });
    expect((await pageEvents(page)).map((e) => `${e.type} ${e.step}`)).toEqual(['started where', 'succeeded where']);

    // A Node runner (the same runner protocol, shared/pipeline/runner-core.ts) takes the node step.
    const node = new Runner({ hub: new HubClient({ hub: hubUrl, key: p.key }), labels: ['node'], concurrency: 1, leaseMs: 5000, dir: join(work, 'node-bundles') });
    const nodeDone = node.run();
    try {
      const done = await p.reaches(runId, 'succeeded');
      expect(done.steps.later.outputs).toEqual({ from: 'DedicatedWorkerGlobalScope', node: true });
    } finally {
      await node.stop(0);
      await nodeDone;
    }
    await page.evaluate(() => (window as any).runner.stop());
    expect(await page.evaluate(() => (window as any).runner.running)).toBe(0);
  });

  test('a step that throws fails the attempt with its message, and its stack is in the attempt log', async ({ page, site, hubUrl }, info) => {
    const p = await pipelineProject(info);
    await p.register(
      'throws',
      `{
        boom: { runsOn: ['browser'], run: (ctx) => {
          ctx.log('about to fail');
          const explodeInTheWorker = () => { throw new Error('exploded in the worker'); };
          explodeInTheWorker();
        } },
      }`,
    );
    await openSite(page, site);
    const runId = await p.start('throws');
    await startPageRunner(page, hubUrl, p.key, { leaseMs: 5000 });
    const failed = await p.reaches(runId, 'failed');
    expect(failed.steps.boom).toMatchObject({ status: 'failed', attempts: 1, error: 'exploded in the worker' });
    const text = await p.log(failed.steps.boom.attemptIds[0]);
    expect(text).toContain('about to fail');
    expect(text).toMatch(/Error: exploded in the worker\n\s+at explodeInTheWorker/);
    expect((await pageEvents(page)).at(-1)).toMatchObject({ type: 'failed', step: 'boom', error: 'exploded in the worker' });
    await page.evaluate(() => (window as any).runner.stop(0));
  });

  test('cancelling a run stops its running browser step through the heartbeat, and the run is cancelled', async ({ page, site, hubUrl }, info) => {
    const p = await pipelineProject(info);
    await p.register(
      'waits',
      `{
        wait: { runsOn: ['browser'], run: (ctx) => new Promise((_, reject) => {
          ctx.log('waiting for the signal');
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }) },
      }`,
    );
    await openSite(page, site);
    const runId = await p.start('waits');
    await startPageRunner(page, hubUrl, p.key, { leaseMs: 900 });
    await waitFor('the step running on the page', async () => (await page.evaluate(() => (window as any).runner.running)) === 1);
    // Running counts from the worker's start: on a loaded machine the step may not have logged yet, and a cancel
    // before its first line would leave nothing to find (seen once in CI). Its line reaches the hub within 250 ms.
    await waitFor('the step\'s first log line at the hub', async () => {
      const attemptId = (await p.read(runId)).steps.wait?.attemptIds?.[0];
      return attemptId ? (await p.log(attemptId)).includes('waiting for the signal') : false;
    });
    const cancelledAt = Date.now();
    await p.api.call('POST', `/v1/pipeline-runs/${runId}/cancel`);
    await waitFor('the page to stop the step', async () => (await pageEvents(page)).some((e) => e.type === 'stopped'));
    const stoppedMs = Date.now() - cancelledAt;
    expect(await page.evaluate(() => (window as any).runner.running)).toBe(0);
    expect((await pageEvents(page)).at(-1)).toMatchObject({ type: 'stopped', step: 'wait', error: 'the run was cancelled' });
    const run = await p.read(runId);
    expect(run.status).toBe('cancelled');
    expect(run.steps.wait.status).toBe('cancelled');
    // A heartbeat goes every third of the 900 ms lease: the step hears of the cancel within one of them (plus a loaded machine's slack).
    expect(stoppedMs).toBeLessThan(5000);
    const text = await waitFor('the stop in the log', async () => {
      const t = await p.log(run.steps.wait.attemptIds[0]);
      return t.includes('stopped:') ? t : null;
    });
    expect(text).toContain('waiting for the signal');
    expect(text).toContain('stopped: the run was cancelled');
    await page.evaluate(() => (window as any).runner.stop(0));
  });

  test('a step that ignores its signal has its worker ended 2 s after the cancel', async ({ page, site, hubUrl }, info) => {
    const p = await pipelineProject(info);
    const channel = `pings-${info.testId}`;
    await p.register(
      'stubborn',
      `{
        spin: { runsOn: ['browser'], run: () => new Promise(() => {
          const out = new BroadcastChannel('${channel}');
          setInterval(() => out.postMessage(Date.now()), 50);
        }) },
      }`,
    );
    await openSite(page, site);
    await page.evaluate((name) => {
      const w = window as any;
      w.lastPing = 0;
      new BroadcastChannel(name).onmessage = () => (w.lastPing = Date.now());
    }, channel);
    const runId = await p.start('stubborn');
    await startPageRunner(page, hubUrl, p.key, { leaseMs: 900 });
    await waitFor('pings from the step', async () => (await page.evaluate(() => (window as any).lastPing)) > 0);
    await p.api.call('POST', `/v1/pipeline-runs/${runId}/cancel`);
    await waitFor('the page to stop the step', async () => (await pageEvents(page)).some((e) => e.type === 'stopped'));
    const stoppedAt = await page.evaluate(() => Date.now());
    // The pings stop once the worker is terminated: the step never looked at ctx.signal.
    const quiet = await waitFor('the pings to stop', async () =>
      page.evaluate(() => {
        const w = window as any;
        return Date.now() - w.lastPing > 500 ? w.lastPing : 0;
      }),
    );
    const endedMs = quiet - stoppedAt;
    expect(endedMs).toBeGreaterThan(1500);
    expect(endedMs).toBeLessThan(4000);
    expect((await p.read(runId)).status).toBe('cancelled');
    await page.evaluate(() => (window as any).runner.stop(0));
  });

  test('fails the attempt when the bundle does not match its digest, without running any of it', async ({ page, site, hubUrl }, info) => {
    const p = await pipelineProject(info);
    const digest = await p.register('tampered', `{ a: { runsOn: ['browser'], run: () => ({ ran: true }) } }`);
    const hex = digest.slice('sha256:'.length);
    const blobPath = join(process.env.OUTPOST_E2E_DIR!, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2));
    expect(existsSync(blobPath)).toBe(true);
    writeFileSync(blobPath, readFileSync(blobPath, 'utf8').replace('ran: true', 'ran: 1234'));
    await openSite(page, site);
    const runId = await p.start('tampered');
    await startPageRunner(page, hubUrl, p.key, { leaseMs: 5000 });
    const failed = await p.reaches(runId, 'failed');
    expect(failed.steps.a.error).toMatch(new RegExp(`^bundle digest mismatch: expected ${digest}, got sha256:[0-9a-f]{64}; the bundle was not run$`));
    await page.evaluate(() => (window as any).runner.stop(0));
  });

  test('a page closed mid-step stops heartbeating: the lease expires and a second page runs the step as attempt 2', async ({ page, context, site, hubUrl }, info) => {
    const p = await pipelineProject(info);
    await p.register(
      'handover',
      `{
        slow: { runsOn: ['browser'], retries: { count: 1, backoff: 50 }, run: (ctx) => ctx.attempt === 1
          ? new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))
          : { attempt: ctx.attempt, scope: self.constructor.name } },
      }`,
    );
    await openSite(page, site);
    const runId = await p.start('handover');
    const first = await startPageRunner(page, hubUrl, p.key, { leaseMs: 1000 });
    await waitFor('attempt 1 running on the first page', async () => (await page.evaluate(() => (window as any).runner.running)) === 1);
    await page.close();
    const closedAt = Date.now();
    const second = await context.newPage();
    await openSite(second, site);
    const other = await startPageRunner(second, hubUrl, p.key, { leaseMs: 1000 });
    expect(other.id).not.toBe(first.id);
    const done = await p.reaches(runId, 'succeeded');
    const handoverMs = Date.now() - closedAt;
    console.log(`browser runner handover: the step succeeded on the second page ${handoverMs} ms after the first page closed (lease 1 s)`);
    expect(done.steps.slow).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { attempt: 2, scope: 'DedicatedWorkerGlobalScope' } });
    expect(done.steps.slow.attemptIds).toHaveLength(2);
    expect((await pageEvents(second)).map((e) => `${e.type} ${e.step}#${e.attempt}`)).toEqual(['started slow#2', 'succeeded slow#2']);
    await second.evaluate(() => (window as any).runner.stop(0));
  });

  test('a webgpu step is left by a runner without an adapter and run on WebGPU (SwiftShader) by one with it', async ({ page, site, hubUrl }, info) => {
    const p = await pipelineProject(info);
    await p.register(
      'gpu',
      `{
        double: { runsOn: ['browser', 'webgpu'], run: async () => {
          const adapter = await navigator.gpu.requestAdapter();
          const device = await adapter.requestDevice();
          const data = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
          device.queue.writeBuffer(data, 0, new Float32Array([1, 2, 3, 4]));
          const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
          const module = device.createShaderModule({ code: '@group(0) @binding(0) var<storage, read_write> v: array<f32>; @compute @workgroup_size(4) fn main(@builtin(global_invocation_id) id: vec3u) { v[id.x] = v[id.x] * 2.0; }' });
          const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
          const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: data } }] });
          const encoder = device.createCommandEncoder();
          const pass = encoder.beginComputePass();
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, bind);
          pass.dispatchWorkgroups(1);
          pass.end();
          encoder.copyBufferToBuffer(data, 0, read, 0, 16);
          device.queue.submit([encoder.finish()]);
          await read.mapAsync(GPUMapMode.READ);
          return { doubled: Array.from(new Float32Array(read.getMappedRange())) };
        } },
      }`,
    );
    const runId = await p.start('gpu');
    const leases: number[] = [];
    page.on('request', (r) => r.url().endsWith('/v1/pipeline-leases') && leases.push(Date.now()));
    await openSite(page, site);
    const plain = await startPageRunner(page, hubUrl, p.key, { leaseMs: 5000 });
    expect(plain.labels).toEqual(['browser']);
    await waitFor('three lease requests from the page without WebGPU', async () => leases.length >= 3);
    expect((await p.read(runId)).steps.double).toMatchObject({ status: 'queued', attempts: 0 });
    await page.evaluate(() => (window as any).runner.stop(0));

    const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) });
    try {
      const gpuPage = await browser.newPage();
      await openSite(gpuPage, site);
      const withGpu = await startPageRunner(gpuPage, hubUrl, p.key, { leaseMs: 5000 });
      expect(withGpu.labels).toEqual(['browser', 'webgpu']);
      const done = await p.reaches(runId, 'succeeded', 'failed');
      expect(done.steps.double).toMatchObject({ status: 'succeeded', outputs: { doubled: [2, 4, 6, 8] } });
      await gpuPage.evaluate(() => (window as any).runner.stop(0));
    } finally {
      await browser.close();
    }
  });

  test('refuses a publishable key before asking the hub, and bad options by name', async ({ page, site, hubUrl, api }) => {
    const pk = await api.publishableKey();
    await openSite(page, site);
    const leases: string[] = [];
    page.on('request', (r) => r.url().includes('/v1/pipeline-') && leases.push(r.url()));
    const out = await page.evaluate(
      async ({ hub, pk, sk }) => {
        const w = window as any;
        const byPublishable = await w.Outpost.connect({ hub, key: pk });
        const refused = await byPublishable.runner().catch((e: any) => `${e.code}: ${e.message}`);
        const bySecret = await w.Outpost.connect({ hub, key: sk });
        const badConcurrency = await bySecret.runner({ concurrency: 0 }).catch((e: any) => `${e.code}: ${e.message}`);
        const badLease = await bySecret.runner({ leaseMs: 50 }).catch((e: any) => `${e.code}: ${e.message}`);
        const badLabel = await bySecret.runner({ labels: ['browser', 'has space'] }).catch((e: any) => `${e.code}: ${e.message}`);
        await byPublishable.close();
        await bySecret.close();
        return { refused, badConcurrency, badLease, badLabel };
      },
      { hub: hubUrl, pk, sk: api.key },
    );
    expect(out.refused).toMatch(/^unauthorized: op\.runner needs a secret key \(sk_…\)/);
    expect(out.badConcurrency).toBe('bad_request: runner concurrency must be a whole number from 1 to 64 (got 0)');
    expect(out.badLease).toBe('bad_request: runner leaseMs must be a whole number of ms from 200 to 600000 (got 50)');
    expect(out.badLabel).toBe('bad_request: runner labels must be up to 20 names of letters, digits, . _ or - (up to 64 each), e.g. ["browser"] (got "has space")');
    expect(leases).toEqual([]);
  });
});
