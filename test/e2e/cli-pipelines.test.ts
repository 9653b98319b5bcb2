import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newApiKey } from '../../shared/ids.js';
import { cliHub } from '../helpers/cli-hub.js';
import { CLI_ENTRY, freePort, hubArgs, startProcess, stopProcess, waitForHealthy, type Started } from '../helpers/processes.js';

const cli = cliHub('cli-pipelines');
let files = 0;

/** A pipeline module in the work folder, importing `outpost/pipeline` as a user's file does. */
function pipelineFile(body: string): string {
  const path = join(cli.work, `pipeline-${files++}.ts`);
  writeFileSync(path, `import { definePipeline } from 'outpost/pipeline';\n${body}\n`);
  return path;
}

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A runner process with a short lease, so a killed one's step comes back quickly. */
function startRunner(admin: string, lease = '1s') {
  const started = cli.outpost(admin, ['runner', '--lease', lease, '--grace', '2s']);
  return started;
}

describe('outpost pipeline', () => {
  it('registers a module as name/N, once for unchanged code, and refuses a cycle naming the step', async () => {
    const { run } = await cli.newProject();
    const file = pipelineFile(`export default definePipeline({ name: 'reg', steps: { a: { run: async () => ({ x: 1 }) } } });`);
    const first = await run('pipeline', 'register', file);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('reg/1');
    expect((await run('pipeline', 'register', file)).stdout.trim()).toBe('reg/1');
    const bad = pipelineFile(`export default definePipeline({ name: 'reg', steps: { a: { needs: ['b'], run: () => {} }, b: { needs: ['a'], run: () => {} } } });`);
    const refused = await run('pipeline', 'register', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cycle');
    expect(refused.stderr).toContain('step "a"');
    const missing = await run('pipeline', 'register', join(cli.work, 'nope.ts'));
    expect(missing.code).toBe(2);
  });

  it('runs a pipeline on a runner: --wait --json exits 0 on success and 1 on failure, with logs, metrics and lineage', async () => {
    const { admin, run } = await cli.newProject();
    const file = pipelineFile(`export default definePipeline({
      name: 'train',
      params: { n: 2, fail: false },
      steps: {
        prep: { outputs: { rows: 'number' }, run: async (ctx) => { ctx.log('preparing', ctx.params.n); return { rows: ctx.params.n * 50 }; } },
        train: { needs: ['prep'], run: async (ctx) => {
          if (ctx.params.fail) throw new Error('training diverged');
          ctx.run.log({ acc: ctx.inputs.prep.rows / 100 }, 1);
          ctx.link('dataset', 'demo/1');
          return { acc: ctx.inputs.prep.rows / 100 };
        } },
      },
    });`);
    expect((await run('pipeline', 'register', file)).stdout.trim()).toBe('train/1');
    const runner = startRunner(admin);
    try {
      const ok = await run('--json', 'pipeline', 'run', 'train', '--param', 'n=3', '--wait');
      expect(ok.code, ok.stderr).toBe(0);
      const summary = JSON.parse(ok.stdout);
      expect(summary).toEqual({ id: expect.stringMatching(/^prun_/), status: 'succeeded', steps: { prep: { status: 'succeeded', attempts: 1 }, train: { status: 'succeeded', attempts: 1 } } });
      const status = JSON.parse((await run('--json', 'pipeline', 'status', summary.id)).stdout);
      expect(status.steps.train.outputs).toEqual({ acc: 1.5 });
      const trackingRun = status.lineage.find((l: { kind: string }) => l.kind === 'run');
      expect(status.lineage).toContainEqual({ step: 'train', kind: 'dataset', ref: 'demo/1', role: 'read' });
      const metrics = await fetch(`${cli.url}/v1/runs/${trackingRun.ref}`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.json());
      expect(metrics.run.metrics.acc.last ?? metrics.run.metrics.acc).toBeDefined();
      expect((await run('pipeline', 'logs', summary.id, 'prep')).stdout).toContain('preparing 3');

      // The same params again: every step from the cache, no runner needed.
      const cached = JSON.parse((await run('--json', 'pipeline', 'run', 'train', '--param', 'n=3', '--wait')).stdout);
      expect(cached.steps).toEqual({ prep: { status: 'cached', attempts: 0 }, train: { status: 'cached', attempts: 0 } });

      const failed = await run('--json', 'pipeline', 'run', 'train', '--param', 'fail=true', '--wait');
      expect(failed.code).toBe(1);
      const failure = JSON.parse(failed.stdout);
      expect(failure).toMatchObject({ status: 'failed', steps: { train: { status: 'failed' } } });
      expect((await run('pipeline', 'logs', failure.id, 'train')).stdout).toMatch(/Error: training diverged\n\s+at /);

      const wrongType = await run('pipeline', 'run', 'train', '--param', 'n=many');
      expect(wrongType.code).toBe(1);
      expect(wrongType.stderr).toContain('param "n" must be a number');
    } finally {
      runner.child.kill('SIGTERM');
      expect((await runner.done).code).toBe(0);
    }
  });

  it('reruns the step of a runner killed with -9 on another runner once the lease expires', async () => {
    const { admin, run } = await cli.newProject();
    const marker = join(cli.work, `started-${Date.now()}`);
    const file = pipelineFile(`import { writeFileSync } from 'node:fs';
    export default definePipeline({
      name: 'survive',
      steps: { slow: { retries: { count: 2, backoff: '0s' }, run: async (ctx) => {
        if (ctx.attempt === 1) { writeFileSync(${JSON.stringify(marker)}, 'x'); await new Promise(() => {}); }
        return { attempt: ctx.attempt };
      } } },
    });`);
    expect((await run('pipeline', 'register', file)).code).toBe(0);
    const doomed = startRunner(admin, '1s');
    const started = JSON.parse((await run('--json', 'pipeline', 'run', 'survive')).stdout);
    await until('the first attempt to start', () => existsSync(marker));
    // The rescuer is up and polling before the kill, so what is measured is the lease's expiry and the requeue.
    const rescuer = startRunner(admin, '1s');
    let rescuerLog = '';
    rescuer.child.stderr!.on('data', (d) => (rescuerLog += d));
    await until('the second runner to start', () => rescuerLog.includes('leasing steps'));
    doomed.child.kill('SIGKILL');
    const killedAt = Date.now();
    try {
      const done = await until('the run to succeed', async () => {
        const r = await fetch(`${cli.url}/v1/pipeline-runs/${started.id}`, { headers: { authorization: `Bearer ${admin}` } }).then((x) => x.json());
        return r.status === 'succeeded' ? r : null;
      });
      const recoveredMs = Date.now() - killedAt;
      console.log(`recovery after kill -9 with a 1 s lease: ${recoveredMs} ms`);
      expect(done.steps.slow).toMatchObject({ attempts: 2, outputs: { attempt: 2 } });
      expect(recoveredMs).toBeLessThan(1_000 + 1_000 + 1_000); // lease + 1 s, and 1 s of room for a busy machine
    } finally {
      rescuer.child.kill('SIGTERM');
      await rescuer.done;
    }
  });

  it('fails the attempt when the bundle does not match its digest, and cancels a run', async () => {
    const { admin, run } = await cli.newProject();
    const file = pipelineFile(`export default definePipeline({ name: 'tampered', steps: { a: { run: () => ({}) } } });`);
    const registered = JSON.parse((await run('--json', 'pipeline', 'register', file)).stdout);
    const hex = registered.codeDigest.slice('sha256:'.length);
    const blobPath = join(cli.work, 'hub', 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2));
    writeFileSync(blobPath, readFileSync(blobPath, 'utf8').replace('tampered', 'tempered'));
    const runner = startRunner(admin);
    try {
      const result = await run('--json', 'pipeline', 'run', 'tampered', '--wait');
      expect(result.code).toBe(1);
      const status = JSON.parse((await run('--json', 'pipeline', 'status', JSON.parse(result.stdout).id)).stdout);
      expect(status.steps.a.error).toContain('bundle digest mismatch');
    } finally {
      runner.child.kill('SIGTERM');
      await runner.done;
    }
    const queued = JSON.parse((await run('--json', 'pipeline', 'run', 'tampered', '--no-cache')).stdout);
    const cancelled = await run('--json', 'pipeline', 'cancel', queued.id);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ status: 'cancelled', steps: { a: { status: 'cancelled' } } });
  });
});

/** Each step appends `start|end <step> <attempt> <ms>` to the marker and ends only once the test writes its gate file. */
const RESTART_PIPELINE = `import { appendFileSync, existsSync } from 'node:fs';
import { definePipeline } from 'outpost/pipeline';
const gated = (name) => async (ctx) => {
  const line = (what) => appendFileSync(ctx.params.dir + '/marker', what + ' ' + name + ' ' + ctx.attempt + ' ' + Date.now() + '\\n');
  line('start');
  while (!existsSync(ctx.params.dir + '/go-' + name)) await new Promise((r) => setTimeout(r, 20));
  line('end');
  return { attempt: ctx.attempt };
};
export default definePipeline({
  name: 'restart',
  params: { dir: '' },
  steps: {
    a: { retries: { count: 2, backoff: '0s' }, run: gated('a') },
    b: { retries: { count: 2, backoff: '0s' }, run: gated('b') },
  },
});
`;

describe('a hub restart mid-run', () => {
  it('kill -9 of the hub while two steps run: the runner rides it out, no step runs twice, the run succeeds', async () => {
    const work = mkdtempSync(join(cli.work, 'restart-'));
    const dataDir = join(work, 'hub');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const key = newApiKey('secret');
    const startHub = async () => {
      const started = startProcess(process.execPath, hubArgs(), { OUTPOST_DATA_DIR: dataDir, OUTPOST_PORT: String(port), OUTPOST_ADMIN_KEY: key, OUTPOST_DEMO: '0' });
      await waitForHealthy(url, started);
      return started;
    };
    let hub: Started = await startHub();
    const res = await fetch(`${url}/v1/projects`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'restart' }) });
    expect(res.status).toBe(201);
    const admin: string = (await res.json()).adminKey.secret;
    const outpost = (args: string[]) => {
      const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, OUTPOST_HUB: url, OUTPOST_KEY: admin }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      return { child, stderr: () => stderr, done: new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.on('exit', (code) => r({ code, stdout, stderr }))) };
    };
    const getRun = (id: string) => fetch(`${url}/v1/pipeline-runs/${id}`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.json());

    const file = join(work, 'restart.ts');
    writeFileSync(file, RESTART_PIPELINE);
    const registered = await outpost(['pipeline', 'register', file]).done;
    expect(registered.code, registered.stderr).toBe(0);
    const leaseMs = 1_000;
    const runner = outpost(['runner', '--lease', '1s', '--concurrency', '2', '--grace', '2s']);
    const dir = mkdtempSync(join(work, 'steps-'));
    try {
      const marker = join(dir, 'marker');
      const started = await outpost(['--json', 'pipeline', 'run', 'restart', '--param', `dir=${dir}`]).done;
      expect(started.code, started.stderr).toBe(0);
      const runId: string = JSON.parse(started.stdout).id;
      const markerText = () => (existsSync(marker) ? readFileSync(marker, 'utf8') : '');
      await until('both steps to start', () => markerText().includes('start a 1') && markerText().includes('start b 1'));

      hub.child.kill('SIGKILL');
      await until('the hub to die', () => hub.child.exitCode !== null || hub.child.signalCode !== null);
      const killedAt = Date.now();
      // Step a ends while the hub is down: its completion can only get through after the restart.
      writeFileSync(join(dir, 'go-a'), '');
      await until('step a to end with the hub down', () => markerText().includes('end a 1'));
      hub = await startHub();
      const upAt = Date.now();
      const downMs = upAt - killedAt;
      // The hub was down for longer than a lease: both leases ran out meanwhile, by the clock.
      expect(downMs).toBeGreaterThan(leaseMs);

      const aDone = await until('step a to be reported', async () => ((await getRun(runId)).steps.a.status === 'succeeded' ? Date.now() : null));
      // Step b is still running on the same runner: watch it for two lease lengths after the restart (reads settle
      // expired leases too): its first attempt keeps the lease, nothing requeues it.
      await until('two lease lengths after the restart', async () => {
        const b = (await getRun(runId)).steps.b;
        expect(b).toMatchObject({ status: 'running', attempts: 1 });
        return Date.now() > upAt + 2 * leaseMs;
      });
      writeFileSync(join(dir, 'go-b'), '');
      const done = await until('the run to succeed', async () => {
        const r = await getRun(runId);
        expect(r.status).not.toBe('failed');
        return r.status === 'succeeded' ? r : null;
      });
      console.log(`hub down ${downMs} ms (lease ${leaseMs} ms); step a reported ${aDone - upAt} ms after the hub was up again; run succeeded ${Date.now() - upAt} ms after it`);
      expect(done.steps.a).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { attempt: 1 } });
      expect(done.steps.b).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { attempt: 1 } });

      // The marker: each step started and ended once, and no two attempts of a step overlapped in time.
      const lines = markerText().trim().split('\n').map((l) => l.split(' '));
      expect(lines.map(([what, step, attempt]) => `${what} ${step} ${attempt}`).sort()).toEqual(['end a 1', 'end b 1', 'start a 1', 'start b 1']);
      for (const step of ['a', 'b']) {
        const spans = lines.filter((l) => l[1] === step).reduce<Record<string, number[]>>((acc, [, , attempt, ms]) => ({ ...acc, [attempt!]: [...(acc[attempt!] ?? []), Number(ms)] }), {});
        const sorted = Object.values(spans).sort((x, y) => x[0]! - y[0]!);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![1]!);
      }
      expect(runner.child.exitCode, runner.stderr()).toBeNull();
    } finally {
      // Whatever happened, let the steps end, so the runner can stop within its grace.
      for (const step of ['a', 'b']) writeFileSync(join(dir, `go-${step}`), '');
      runner.child.kill('SIGTERM');
      const stopped = await runner.done;
      await stopProcess(hub);
      expect(stopped.code, stopped.stderr).toBe(0);
    }
  });
});
