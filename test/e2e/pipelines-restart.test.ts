import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../shared/ids.js';
import { CLI_ENTRY, freePort, hubArgs, startProcess, stopProcess, waitForHealthy, type Started } from '../helpers/processes.js';

const work = mkdtempSync(join(tmpdir(), 'outpost-pipelines-restart-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Each step appends `start|end <step> <attempt> <ms>` to the marker and ends only once the test writes its gate file. */
const PIPELINE = `import { appendFileSync, existsSync } from 'node:fs';
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
    writeFileSync(file, PIPELINE);
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
