import { describe, expect, it } from 'vitest';
import { canonicalJson, definePipeline, parseDuration, specOf, stepFingerprint } from '../../shared/pipeline/index.js';
import { dagProblems } from '../../shared/pipeline/validate.js';

describe('outpost/pipeline', () => {
  it('turns a definition into the stored spec: retries, timeouts, cache and labels', () => {
    const spec = specOf(
      definePipeline({
        name: 'train',
        params: { lr: 0.01, tag: 'x', fast: true },
        schedule: '0 * * * *',
        steps: {
          prep: { run: () => ({ rows: 1 }) },
          train: { needs: ['prep'], retries: { count: 2, backoff: '2s', cap: '30s' }, timeout: '10m', cache: false, runsOn: ['node'], run: () => {} },
          eval: { needs: ['train'], retries: 1, run: () => {} },
        },
      }),
    );
    expect(spec.params).toEqual({ lr: { type: 'number', default: 0.01 }, tag: { type: 'string', default: 'x' }, fast: { type: 'boolean', default: true } });
    expect(spec.schedule).toEqual({ cron: '0 * * * *', catchup: false });
    expect(spec.steps.train).toEqual({ needs: ['prep'], retries: { count: 2, backoffMs: 2000, capMs: 30_000 }, timeoutMs: 600_000, cache: false, runsOn: ['node'] });
    expect(spec.steps.eval!.retries).toEqual({ count: 1, backoffMs: 1000, capMs: 60_000 });
    expect(spec.steps.prep!.cache).toBe(true);
  });

  it("compiles DESIGN §11's example as written", async () => {
    const pipeline = definePipeline({
      name: 'train',
      params: { lr: 0.01 },
      steps: {
        prep: { run: async () => ({ rows: 100 }) },
        train: { needs: ['prep'], retries: 2, timeout: '10m', runsOn: ['node'], run: async (ctx) => ({ acc: ctx.inputs.prep!.rows / 100, lr: ctx.params.lr * 2 }) },
      },
    });
    expect(await pipeline.steps.train!.run({ inputs: { prep: { rows: 50 } }, params: { lr: 0.01 } } as never)).toEqual({ acc: 0.5, lr: 0.02 });
  });

  it('names the step whose field is wrong', () => {
    expect(() => specOf(definePipeline({ name: 'p', steps: { a: { timeout: 'soon', run: () => {} } } }))).toThrow('step "a" timeout: "soon" is not a duration');
    expect(() => specOf(definePipeline({ name: 'p', steps: { a: { retries: -1, run: () => {} } } }))).toThrow('step "a" retries');
    expect(() => specOf({ name: 'p', steps: { a: {} } } as never)).toThrow('step "a" has no run function');
    expect(parseDuration('1.5s', 'x')).toBe(1500);
  });

  it('finds cycles, unknown needs and steps that read outputs their producer does not make', () => {
    const base = { needs: [], retries: { count: 0, backoffMs: 0, capMs: 0 }, timeoutMs: null, cache: true, runsOn: [] };
    const problems = dagProblems({
      name: 'p',
      params: {},
      steps: {
        a: { ...base, needs: ['c'], outputs: { n: 'number' } },
        b: { ...base, needs: ['a'], inputs: { a: { m: 'number' } } },
        c: { ...base, needs: ['b'] },
        d: { ...base, needs: ['zzz'] },
      },
    });
    expect(problems).toContain('step "d" needs unknown step "zzz" (steps: a, b, c, d)');
    expect(problems).toContain('step "b" reads a.m but step "a" has no output "m" (outputs: n)');
    expect(problems.some((p) => p.startsWith('steps form a cycle: a → c → b → a'))).toBe(true);
  });

  it('fingerprints canonical JSON: key order does not matter, any input, param or code change does', async () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    const parts = { codeDigest: 'sha256:aa', step: 's', inputs: { prep: { rows: 1, file: `sha256:${'1'.repeat(64)}` } }, params: { lr: 0.1, n: 2 } };
    const fp = await stepFingerprint(parts);
    expect(await stepFingerprint({ ...parts, params: { n: 2, lr: 0.1 } })).toBe(fp);
    for (const changed of [{ codeDigest: 'sha256:bb' }, { step: 't' }, { inputs: { prep: { rows: 2 } } }, { params: { lr: 0.2, n: 2 } }]) expect(await stepFingerprint({ ...parts, ...changed })).not.toBe(fp);
  });
});
