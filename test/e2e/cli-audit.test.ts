import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { cliHub } from '../helpers/cli-hub.js';

const cli = cliHub('cli-audit');
const { work, newProject } = cli;

beforeAll(() => writeFileSync(join(work, 'digits.onnx'), linearModelOnnx({ inputSize: 4, outputSize: 2 })));

describe('outpost audit', () => {
  it('prints the changes a push and a promotion made, newest first, filtered by action', async () => {
    const { run } = await newProject();
    expect((await run('model', 'push', join(work, 'digits.onnx'), '--name', 'digits', '--alias', 'staging')).code).toBe(0);
    expect((await run('model', 'promote', 'digits', '1', '--alias', 'production', '--reason', 'ship it')).code).toBe(0);

    const human = await run('audit', '--action', 'model.alias.');
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+Z\tadmin \(key key_\S+\)\tmodel\.alias\.set\tmodel:digits@production\tship it$/);
    expect(lines[1]).toContain('model:digits@staging');

    const json = await run('--json', 'audit', '--target', 'model:digits*', '--limit', '2');
    const events = JSON.parse(json.stdout);
    expect(events.map((e: { action: string }) => e.action)).toEqual(['model.alias.set', 'model.alias.set']);
    expect((await run('audit', '--limit', '0')).code).toBe(2);
    const bad = await run('audit', '--action', 'Model');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('action');
  });
});
