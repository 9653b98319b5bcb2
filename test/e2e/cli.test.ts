import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { tfjsModelFiles } from '../../hub/demo/tfjs-model.js';
import { cliHub, type CliResult } from '../helpers/cli-hub.js';

const cli = cliHub('cli');
const { work, outpost, newProject } = cli;

beforeAll(() => {
  writeFileSync(join(work, 'digits.onnx'), linearModelOnnx({ inputSize: 64, outputSize: 10 }));
  mkdirSync(join(work, 'tfjs'));
  for (const [path, bytes] of Object.entries(tfjsModelFiles())) writeFileSync(join(work, 'tfjs', path), bytes);
});

/** `digits/1` (ONNX, staging) and `clf/1`, `clf/2` (tfjs) pushed through the CLI. */
async function pushDigitsAndClf(run: (...args: string[]) => Promise<CliResult>) {
  expect((await run('model', 'push', join(work, 'digits.onnx'), '--name', 'digits', '--alias', 'staging')).code).toBe(0);
  for (let i = 0; i < 2; i++) expect((await run('model', 'push', join(work, 'tfjs'), '--name', 'clf')).code).toBe(0);
}
/** Blob uploads the hub completed, from its request log. */
const blobPuts = () => cli.output().split('\n').filter((l) => /--> PUT \/v1\/blobs\/\S+ 20[01]/.test(l)).length;

describe('outpost CLI', () => {
  it('pushes an ONNX and a tfjs model, promotes, pulls the same bytes, and a second push uploads nothing', async () => {
    const { run } = await newProject();
    const onnx = await run('model', 'push', join(work, 'digits.onnx'), '--name', 'digits', '--alias', 'staging');
    expect(onnx.code, onnx.stderr).toBe(0);
    expect(onnx.stdout.trim()).toBe('digits/1');
    const tfjs = await run('--json', 'model', 'push', join(work, 'tfjs'), '--name', 'clf');
    expect(JSON.parse(tfjs.stdout)).toMatchObject({ ref: 'clf/1', format: 'tfjs-layers', files: 3, uploaded: 3 });

    const before = blobPuts();
    const again = await run('--json', 'model', 'push', join(work, 'tfjs'), '--name', 'clf');
    expect(JSON.parse(again.stdout)).toMatchObject({ ref: 'clf/2', uploaded: 0, uploadedBytes: 0 });
    expect(blobPuts()).toBe(before);

    expect((await run('model', 'promote', 'clf', '2', '--alias', 'production', '--reason', 'ship it')).stdout.trim()).toBe('clf@production: (none) → 2');
    const pulled = await run('model', 'pull', 'clf@production', join(work, 'out-clf'));
    expect(pulled.code, pulled.stderr).toBe(0);
    for (const path of Object.keys(tfjsModelFiles())) {
      expect(readFileSync(join(work, 'out-clf', path)).equals(readFileSync(join(work, 'tfjs', path)))).toBe(true);
    }
    expect((await run('model', 'pull', 'digits/1', join(work, 'out-digits'))).code).toBe(0);
    expect(readFileSync(join(work, 'out-digits', 'digits.onnx')).equals(readFileSync(join(work, 'digits.onnx')))).toBe(true);

    const ls = await run('--json', 'model', 'ls');
    expect(JSON.parse(ls.stdout).map((m: { name: string }) => m.name).sort()).toEqual(['clf', 'digits']);
  });

  it('rolls back an alias, and reports a refused rollback as one line with exit code 1', async () => {
    const { run } = await newProject();
    await pushDigitsAndClf(run);
    await run('model', 'promote', 'clf', '2', '--alias', 'production');
    await run('model', 'promote', 'clf', '1', '--alias', 'production');
    const back = await run('model', 'rollback', 'clf', '--alias', 'production');
    expect(back.stdout.trim()).toBe('clf@production: 1 → 2');
    const none = await run('model', 'rollback', 'digits', '--alias', 'staging');
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('error: alias "staging" of model "digits" has no earlier version to roll back to');
  });

  it('names the aliases when a ref has an unknown one, and exits 2 on bad usage', async () => {
    const { run } = await newProject();
    await pushDigitsAndClf(run);
    const r = await run('model', 'pull', 'digits@prod', join(work, 'nowhere'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: model "digits" has no alias "prod" (aliases: staging)');
    expect((await run('model', 'promote', 'digits', 'one', '--alias', 'x')).code).toBe(2);
    expect((await run('model', 'push')).code).toBe(2);
    const help = await run('model', 'push', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--alias <alias>');
  });

  it('lists runs that match a filter', async () => {
    const { admin, run } = await newProject();
    const api = (path: string, body: unknown) =>
      fetch(cli.url + path, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const { experiment } = await api('/v1/experiments', { name: 'cli-runs' });
    for (const [name, acc] of [['good', 0.95], ['bad', 0.5]] as const) {
      const { run } = await api('/v1/runs', { experimentId: experiment.id, name });
      await api(`/v1/runs/${run.id}/log`, { metrics: [{ key: 'acc', steps: [0], values: [acc] }] });
    }
    const r = await run('--json', 'runs', 'ls', '--filter', 'metrics.acc > 0.9', '--experiment', 'cli-runs');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { name: string }) => x.name)).toEqual(['good']);
    const bad = await run('runs', 'ls', '--filter', 'metrics.acc >');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("error: expected a value after '>' at column 14");
  });

  it('completes a push that was interrupted mid-upload when it is run again', async () => {
    const { admin, run } = await newProject();
    const dir = join(work, 'big');
    mkdirSync(dir);
    const files = tfjsModelFiles(7);
    writeFileSync(join(dir, 'model.json'), files['model.json']!);
    writeFileSync(join(dir, 'group1-shard1of2.bin'), files['group1-shard1of2.bin']!);
    // A large second shard, so the kill lands while it is on the wire.
    const big = Buffer.alloc(48 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(join(dir, 'group1-shard2of2.bin'), big);

    const bigDigest = `sha256:${createHash('sha256').update(big).digest('hex')}`;
    const first = outpost(admin, ['model', 'push', dir, '--name', 'big']);
    // Kill the CLI the moment the hub starts receiving the large shard.
    while (!cli.output().includes(`<-- PUT /v1/blobs/${bigDigest}`) && first.child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
    first.child.kill('SIGKILL');
    expect((await first.done).code).toBeNull();
    // A fresh connection: a pooled keep-alive one may have been closed by the hub meanwhile.
    const head = await fetch(`${cli.url}/v1/blobs/${bigDigest}`, { method: 'HEAD', headers: { authorization: `Bearer ${admin}`, connection: 'close' } }).catch((err) => {
      throw new Error(`hub unreachable after the kill: ${err.cause?.message}\n${cli.output().slice(-4000)}`);
    });
    expect(head.status).toBe(404); // nothing half-stored
    expect((await run('--json', 'model', 'ls', 'big')).code).toBe(1); // and no version registered

    const rerun = await run('--json', 'model', 'push', dir, '--name', 'big');
    expect(rerun.code, rerun.stderr + cli.output().slice(-3000)).toBe(0);
    const result = JSON.parse(rerun.stdout);
    expect(result.ref).toBe('big/1');
    // The CLI uploads in path order: shard 1 went before the kill; the cut-off shard 2 and model.json after it go now.
    expect(result.uploaded).toBe(2);
    const pulled = await run('model', 'pull', 'big/1', join(work, 'out-big'));
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(join(work, 'out-big', 'group1-shard2of2.bin')).equals(big)).toBe(true);
  });
});
