import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { cliHub } from '../helpers/cli-hub.js';

const cli = cliHub('cli-rollouts');
const lastLine = (s: string) => s.trim().split('\n').at(-1)!;

describe('outpost model rollout', () => {
  it('starts a rollout and prints its id last, lists and shows it, aborts it, and tells usage errors (2) from refusals (1)', async () => {
    const { run } = await cli.newProject();
    const file = join(cli.work, 'model.onnx');
    writeFileSync(file, linearModelOnnx({ inputSize: 2, outputSize: 1, seed: 5 }));
    expect((await run('model', 'push', file, '--name', 'digits', '--alias', 'production')).code).toBe(0);
    expect((await run('model', 'push', file, '--name', 'digits')).code).toBe(0);

    const args = ['model', 'rollout', 'digits', '--alias', 'production', '--to', '2', '--interval', '10m'];
    const usage = [
      [...args, '--steps', '5,half,100'],
      ['model', 'rollout', 'digits', '--alias', 'production', '--to', '2', '--steps', '5,100', '--interval', 'soon'],
      [...args, '--steps', '5,100', '--min-requests', '1.5'],
      ['model', 'rollout', 'digits', '--to', '2', '--steps', '5,100', '--interval', '1m'],
    ];
    for (const u of usage) {
      const r = await run(...u);
      expect(r.code, `${u.join(' ')}: ${r.stderr}`).toBe(2);
    }
    const refused = await run(...args, '--steps', '5,50');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('must end at 100');

    const started = await run(...args, '--steps', '5,25,100', '--max-error-rate', '0.01', '--max-p95-ratio', '1.2', '--min-requests', '200');
    expect(started.code, started.stderr).toBe(0);
    const id = lastLine(started.stdout);
    expect(id).toMatch(/^ro_/);
    expect(started.stderr).toContain('version 2 on 5% of devices, next check in 10m');
    const again = await run(...args, '--steps', '5,100');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(id);

    const listed = await run('model', 'rollouts', 'digits');
    expect(listed.stdout).toContain(`${id}\tproduction: 1 → 2\trunning\t5% (step 1 of 3)`);
    const json = JSON.parse((await run('--json', 'model', 'rollouts', 'digits', id)).stdout);
    expect(json).toMatchObject({ id, state: 'running', steps: [5, 25, 100], maxErrorRate: 0.01, maxP95Ratio: 1.2, minRequests: 200, intervalMs: 600_000 });
    expect((await run('model', 'rollouts', 'digits', id, '--pause', '--abort')).code).toBe(2);
    const aborted = await run('model', 'rollouts', 'digits', id, '--abort', '--reason', 'wrong build');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain('aborted');
    expect(aborted.stdout).toContain('wrong build');
  });
});
