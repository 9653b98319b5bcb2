import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY } from '../helpers/processes.js';
import { cliHub, type CliResult } from '../helpers/cli-hub.js';

const cli = cliHub('ci-example');
const SCRIPT = resolve('examples/ci/pipeline.sh');

/** examples/ci/pipeline.sh as a CI job runs it, against the test's hub, with a training job of EPOCHS epochs. */
function pipeline(key: string, epochs: number) {
  const child = spawn('bash', [SCRIPT], {
    env: { ...process.env, OUTPOST_HUB: cli.url, OUTPOST_KEY: key, OUTPOST: `${process.execPath} ${resolve(CLI_ENTRY)}`, MODEL: 'line', EPOCHS: String(epochs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<CliResult>((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}

describe('the CI example (examples/ci/pipeline.sh)', () => {
  it('promotes a version that passes the gate to staging, and stops at one that does not', async () => {
    const { admin, run } = await cli.newProject();
    const first = await pipeline(admin, 30);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('accuracy\tvalue 0.95\tbaseline -');
    expect(first.stdout).toContain('line@staging: (none) → 1');
    expect((await run('model', 'promote', 'line', '1', '--alias', 'production')).code).toBe(0);

    const better = await pipeline(admin, 100);
    expect(better.code, better.stderr).toBe(0);
    expect(better.stdout).toContain('line/2 (version 2) against version 1: passed');
    expect(better.stdout).toContain('line@staging: 1 → 2');

    const worse = await pipeline(admin, 10);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/FAIL\taccuracy\tvalue 0\.2\tbaseline 0\.95/);
    expect(worse.stderr).toContain('line/3 did not pass the gate against line@production; not promoted');
    const models = JSON.parse((await run('--json', 'model', 'ls')).stdout);
    expect(models[0]).toMatchObject({ name: 'line', latestVersion: 3, aliases: { production: 1, staging: 2 } });
  });

  it('exits 2 on a gate given bad usage', async () => {
    const { run } = await cli.newProject();
    for (const args of [['--metric', 'accuracy=>0.9'], ['--min-relative-change', 'accuracy=3'], []]) {
      const r = await run('model', 'gate', 'line/1', '--against', 'line@production', ...args);
      expect(r.code, r.stderr).toBe(2);
    }
    expect((await run('model', 'gate', 'line/1', '--against', 'other@production', '--metric', 'a>=1')).stderr).toContain('--against must name the same model');
  });
});
