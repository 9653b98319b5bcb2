import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../shared/ids.js';
import { CLI_ENTRY, freePort, hubArgs, startProcess, stopProcess, waitForHealthy, type Started } from '../helpers/processes.js';

const PIPELINE = 'digits-continuous-training';
const work = mkdtempSync(join(tmpdir(), 'outpost-demo-pipeline-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The hub as `npm start` runs it (same entry, demo on), on the test's own data folder, port and admin key. */
async function startHub(dataDir: string, key: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const hub = startProcess(process.execPath, hubArgs(), { OUTPOST_DATA_DIR: dataDir, OUTPOST_PORT: String(port), OUTPOST_ADMIN_KEY: key });
  const t0 = Date.now();
  await waitForHealthy(url, hub, 120_000);
  console.log(`hub up in ${Date.now() - t0} ms`);
  return { url, hub };
}

function outpost(url: string, key: string, args: string[]) {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, OUTPOST_HUB: url, OUTPOST_KEY: key }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 60_000, context = () => ''): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An 8×8 P2 image, as the demo dataset's are. */
const pgm = (seed: number) => `P2\n8 8\n15\n${Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => (r * 8 + c + seed) % 16).join(' ')).join('\n')}\n`;

describe('the demo pipeline', () => {
  it('retrains on a pushed version of digits-samples: one run, every step green, a model version with lineage to the dataset version and the training run; a restart registers no new version', { timeout: 300_000 }, async () => {
    const dataDir = join(work, 'hub');
    const key = newApiKey('secret');
    let { url, hub } = await startHub(dataDir, key);
    let runner: ReturnType<typeof outpost> | undefined;
    const api = async (path: string) => {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, path).toBe(200);
      return res.json();
    };
    try {
      expect(hub.output()).toContain(`registered the demo pipeline ${PIPELINE}/1`);
      const registered = await api(`/v1/pipelines/${PIPELINE}`);
      expect(registered).toMatchObject({ version: 1, spec: { on: [{ dataset: 'digits-samples' }] } });
      expect(Object.keys(registered.spec.steps)).toEqual(['prepare', 'train', 'evaluate', 'register', 'promote']);
      // The seeded versions 1 and 2 came before the pipeline: they start nothing.
      expect((await api(`/v1/pipeline-runs?pipeline=${PIPELINE}`)).runs).toEqual([]);

      runner = outpost(url, key, ['runner', '--grace', '2s']);
      let runnerLog = '';
      runner.child.stderr!.on('data', (d) => (runnerLog += d));

      // A new version of the dataset, pushed as a user would: pull the current one, add a training image, push.
      const folder = join(work, 'digits');
      const pulled = await outpost(url, key, ['data', 'pull', 'digits-samples@current', folder]).done;
      expect(pulled.code, pulled.stderr).toBe(0);
      mkdirSync(join(folder, 'images', 'train', '4'), { recursive: true });
      writeFileSync(join(folder, 'images', 'train', '4', 'sample-200.pgm'), pgm(3));
      const pushed = await outpost(url, key, ['data', 'push', folder, '--name', 'digits-samples', '-m', 'one more training image']).done;
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.stdout.trim().split('\n').at(-1)).toBe('digits-samples/3');

      const started = Date.now();
      const run = await until(
        'the pipeline run of digits-samples/3 to finish',
        async () => {
          const runs = (await api(`/v1/pipeline-runs?pipeline=${PIPELINE}`)).runs;
          return runs.length && ['succeeded', 'failed', 'cancelled'].includes(runs[0].status) ? api(`/v1/pipeline-runs/${runs[0].id}`) : null;
        },
        90_000,
        () => `${hub.output()}\nrunner:\n${runnerLog}`,
      );
      console.log(`demo pipeline run: ${Date.now() - started} ms from the push to the run's end (the sweep starts it within 5 s); held-out accuracy ${run.steps.evaluate.outputs.accuracy}`);
      const steps = Object.fromEntries(Object.entries(run.steps as Record<string, { status: string; error: string | null }>).map(([name, s]) => [name, s.status === 'failed' ? `failed: ${s.error}` : s.status]));
      expect(steps).toEqual({ prepare: 'succeeded', train: 'succeeded', evaluate: 'succeeded', register: 'succeeded', promote: 'succeeded' });
      expect(run).toMatchObject({ status: 'succeeded', trigger: { type: 'event', eventType: 'dataset.version', ref: 'digits-samples/3' } });
      expect(run.steps.prepare.outputs).toMatchObject({ dataset: 'digits-samples/3', train: 201, test: 50 });
      // The seeded images are drawn from each digit's glyph: the model learns them, well above chance (0.1) and the
      // promote step's default gate (minAccuracy 0.7).
      const MIN_ACCURACY: number = registered.spec.params.minAccuracy.default;
      expect(MIN_ACCURACY).toBe(0.7);
      expect(run.steps.evaluate.outputs.accuracy).toBeGreaterThan(MIN_ACCURACY);

      // The model version: made from the training run, which read the dataset version.
      const trainingRun: string = run.steps.train.outputs.run;
      expect(run.steps.register.outputs).toEqual({ model: 'digits-ct', version: 1 });
      const { version } = await api('/v1/models/digits-ct/versions/1');
      expect(version).toMatchObject({ format: 'tfjs-layers', runId: trainingRun, datasets: ['digits-samples/3'], metrics: { accuracy: run.steps.evaluate.outputs.accuracy } });
      expect(version.files.map((f: { path: string }) => f.path).sort()).toEqual(['model.json', 'weights.bin']);
      const lineage = await api('/v1/datasets/digits-samples/versions/3/lineage');
      expect(lineage.runs.map((r: { id: string }) => r.id)).toContain(trainingRun);
      expect(lineage.modelVersions).toEqual([{ model: 'digits-ct', version: 1, sourceRunId: trainingRun }]);
      expect(run.lineage).toEqual(
        expect.arrayContaining([
          { step: 'prepare', kind: 'dataset', ref: 'digits-samples/3', role: 'read' },
          { step: 'train', kind: 'run', ref: trainingRun, role: 'made' },
          { step: 'register', kind: 'model', ref: 'digits-ct/1', role: 'made' },
        ]),
      );

      // The evaluation's accuracy is in the evaluate step's tracking run (an experiment run), and the gate promoted it.
      const evalRun = run.lineage.find((l: { step: string; kind: string }) => l.step === 'evaluate' && l.kind === 'run').ref;
      const evaluated = (await api(`/v1/runs/${evalRun}`)).run;
      expect(evaluated.tags).toMatchObject({ 'outpost.pipeline.run': run.id, 'outpost.pipeline.step': 'evaluate' });
      expect(evaluated.metrics.accuracy).toMatchObject({ value: run.steps.evaluate.outputs.accuracy, count: 1 });
      expect(evaluated.metrics.test_examples).toMatchObject({ value: 50 });
      // …and the training curve in the training run, one point an epoch.
      expect((await api(`/v1/runs/${trainingRun}`)).run.metrics.loss).toMatchObject({ count: 30 });
      expect(run.steps.promote.outputs).toEqual({ promoted: true });
      expect((await api('/v1/models/digits-ct')).model.aliases).toEqual({ staging: 1 });

      // An alias policy on staging (docs/cicd.md) that no demo model meets: the next run registers but does not promote.
      const policy = await fetch(`${url}/v1/models/digits-ct/aliases/staging/policy`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ metric: 'accuracy', threshold: 0.99 }] }) });
      expect(policy.status, await policy.clone().text()).toBeLessThan(300);

      // By hand: the `dataset` param (default digits-samples@current, still version 2) is read, resolved to its number.
      const byHand = await outpost(url, key, ['--json', 'pipeline', 'run', PIPELINE, '--wait']).done;
      expect(byHand.code, byHand.stderr).toBe(0);
      const manual = await api(`/v1/pipeline-runs/${JSON.parse(byHand.stdout).id}`);
      expect(manual).toMatchObject({ status: 'succeeded', trigger: { type: 'manual' } });
      expect(manual.steps.prepare.outputs).toMatchObject({ dataset: 'digits-samples/2', train: 200, test: 50 });
      // Above the gate, so only the policy keeps it from staging.
      expect(manual.steps.evaluate.outputs.accuracy).toBeGreaterThan(MIN_ACCURACY);
      expect((await api('/v1/models/digits-ct/versions/2')).version).toMatchObject({ runId: manual.steps.train.outputs.run, datasets: ['digits-samples/2'] });
      expect(manual.steps.promote.outputs).toEqual({ promoted: false });
      expect((await api('/v1/models/digits-ct')).model.aliases).toEqual({ staging: 1 });
      const promoteLog = await outpost(url, key, ['pipeline', 'logs', manual.id, 'promote']).done;
      expect(promoteLog.stdout).toContain('the policy of digits-ct@staging refused the move');

      // A version with no held-out images: its run fails in prepare, saying so, and registers nothing.
      rmSync(join(folder, 'images', 'test'), { recursive: true });
      const bad = await outpost(url, key, ['data', 'push', folder, '--name', 'digits-samples']).done;
      expect(bad.stdout.trim().split('\n').at(-1)).toBe('digits-samples/4');
      const failed = await until('the run of digits-samples/4 to fail', async () => {
        const runs = (await api(`/v1/pipeline-runs?pipeline=${PIPELINE}`)).runs.filter((r: { trigger: { ref?: string } }) => r.trigger.ref === 'digits-samples/4');
        return runs.length && runs[0].status === 'failed' ? api(`/v1/pipeline-runs/${runs[0].id}`) : null;
      });
      expect(failed.steps.prepare.error).toBe('digits-samples/4 has no held-out images (images/test/<digit>/*.pgm) to evaluate on');
      expect(failed.steps.register.status).toBe('skipped');
      expect((await api('/v1/models/digits-ct/versions')).versions).toHaveLength(2);
      // Sweeps ran all along (every 5 s): still one run for digits-samples/3.
      const all = (await api(`/v1/pipeline-runs?pipeline=${PIPELINE}`)).runs;
      expect(all.filter((r: { trigger: { ref?: string } }) => r.trigger.ref === 'digits-samples/3').map((r: { id: string }) => r.id)).toEqual([run.id]);

      runner.child.kill('SIGTERM');
      expect((await runner.done).code).toBe(0);
      runner = undefined;
      expect(await stopProcess(hub)).toBe(0);

      // A restart bundles the same file again: the same code digest, so the same version, and no new run.
      ({ url, hub } = await startHub(dataDir, key));
      expect(hub.output()).not.toContain('registered the demo pipeline');
      expect(hub.output()).not.toContain('was not registered');
      expect(await api(`/v1/pipelines/${PIPELINE}`)).toMatchObject({ version: 1, codeDigest: registered.codeDigest });
      expect((await api(`/v1/pipeline-runs?pipeline=${PIPELINE}`)).runs).toHaveLength(3);
      // The CLI bundles the file to the same bytes: registering it by hand answers the same version.
      const byCli = await outpost(url, key, ['pipeline', 'register', 'examples/pipelines/continuous-training.ts']).done;
      expect(byCli.code, byCli.stderr).toBe(0);
      expect(byCli.stdout.trim()).toBe(`${PIPELINE}/1`);
    } finally {
      if (runner) {
        runner.child.kill('SIGTERM');
        await runner.done;
      }
      await stopProcess(hub as Started);
    }
  });
});
