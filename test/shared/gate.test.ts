import { describe, expect, it } from 'vitest';
import { describeRule, evaluateGate, evaluateRule, ruleProblems, rulesFromFlags, rulesFromText, rulesToText, type MetricRule } from '../../shared/cicd/gate.js';

describe('gate thresholds', () => {
  it('passes a candidate that reaches the threshold and fails one below it', () => {
    const rule: MetricRule = { metric: 'accuracy', threshold: 0.9 };
    expect(evaluateRule(rule, { accuracy: 0.9 }).passed).toBe(true);
    expect(evaluateRule(rule, { accuracy: 0.95 }).passed).toBe(true);
    const low = evaluateRule(rule, { accuracy: 0.89 });
    expect(low.passed).toBe(false);
    expect(low.failures[0]).toContain('0.89 does not pass accuracy >= 0.9');
  });

  it('needs a strict threshold to be passed, not reached', () => {
    expect(evaluateRule({ metric: 'a', threshold: 0.9, strict: true }, { a: 0.9 }).passed).toBe(false);
    expect(evaluateRule({ metric: 'a', threshold: 0.9, strict: true }, { a: 0.91 }).passed).toBe(true);
    expect(evaluateRule({ metric: 'loss', threshold: 0.2, strict: true, greaterIsBetter: false }, { loss: 0.2 }).passed).toBe(false);
    expect(evaluateRule({ metric: 'loss', threshold: 0.2, strict: true, greaterIsBetter: false }, { loss: 0.19 }).passed).toBe(true);
  });

  it('reads a threshold as a ceiling when lower is better', () => {
    const rule: MetricRule = { metric: 'loss', threshold: 0.2, greaterIsBetter: false };
    expect(evaluateRule(rule, { loss: 0.2 }).passed).toBe(true);
    expect(evaluateRule(rule, { loss: 0.1 }).passed).toBe(true);
    expect(evaluateRule(rule, { loss: 0.21 }).passed).toBe(false);
  });

  it('fails a candidate without the metric, naming it', () => {
    const r = evaluateRule({ metric: 'f1', threshold: 0 }, { accuracy: 1 }, { f1: 0.5 });
    expect(r).toMatchObject({ passed: false, value: null, baseline: 0.5 });
    expect(r.failures).toEqual(['the candidate has no metric "f1"']);
  });

  it('does not let floating-point error fail an exact reach (0.8 + 0.1 = 0.9)', () => {
    expect(evaluateRule({ metric: 'a', minAbsoluteChange: 0.1 }, { a: 0.9 }, { a: 0.8 }).passed).toBe(true);
    expect(evaluateRule({ metric: 'a', threshold: 0.3 }, { a: 0.1 + 0.2 - 1e-15 }).passed).toBe(true);
  });
});

describe('gate changes over a baseline', () => {
  it('needs the absolute improvement in the better direction', () => {
    const up: MetricRule = { metric: 'acc', minAbsoluteChange: 0.02 };
    expect(evaluateRule(up, { acc: 0.92 }, { acc: 0.9 }).passed).toBe(true);
    const short = evaluateRule(up, { acc: 0.915 }, { acc: 0.9 });
    expect(short.passed).toBe(false);
    expect(short.failures[0]).toContain('needs >= 0.92');
    const down: MetricRule = { metric: 'loss', minAbsoluteChange: 0.05, greaterIsBetter: false };
    expect(evaluateRule(down, { loss: 0.25 }, { loss: 0.3 }).passed).toBe(true);
    expect(evaluateRule(down, { loss: 0.26 }, { loss: 0.3 }).passed).toBe(false);
    expect(evaluateRule(down, { loss: 0.4 }, { loss: 0.3 }).passed).toBe(false);
  });

  it('needs the relative improvement as a fraction of the baseline', () => {
    const up: MetricRule = { metric: 'acc', minRelativeChange: 0.1 };
    expect(evaluateRule(up, { acc: 0.55 }, { acc: 0.5 }).passed).toBe(true);
    expect(evaluateRule(up, { acc: 0.549 }, { acc: 0.5 }).passed).toBe(false);
    const down: MetricRule = { metric: 'loss', minRelativeChange: 0.5, greaterIsBetter: false };
    expect(evaluateRule(down, { loss: 1 }, { loss: 2 }).passed).toBe(true);
    expect(evaluateRule(down, { loss: 1.01 }, { loss: 2 }).passed).toBe(false);
  });

  it('measures relative change against the size of a negative baseline', () => {
    expect(evaluateRule({ metric: 'r', minRelativeChange: 0.5 }, { r: -1 }, { r: -2 }).passed).toBe(true);
    expect(evaluateRule({ metric: 'r', minRelativeChange: 0.5 }, { r: -3 }, { r: -2 }).passed).toBe(false);
  });

  it('with a baseline of 0 needs the candidate to beat it, not merely equal it', () => {
    const up: MetricRule = { metric: 'gain', minRelativeChange: 0.5 };
    expect(evaluateRule(up, { gain: 0.0001 }, { gain: 0 }).passed).toBe(true);
    const equal = evaluateRule(up, { gain: 0 }, { gain: 0 });
    expect(equal.passed).toBe(false);
    expect(equal.failures[0]).toContain('the baseline is 0');
    expect(evaluateRule({ metric: 'err', minRelativeChange: 0.1, greaterIsBetter: false }, { err: -0.1 }, { err: 0 }).passed).toBe(true);
    expect(evaluateRule({ metric: 'err', minRelativeChange: 0.1, greaterIsBetter: false }, { err: 0.1 }, { err: 0 }).passed).toBe(false);
  });

  it('fails a change check when the baseline lacks the metric, and skips it when there is no baseline', () => {
    const rule: MetricRule = { metric: 'acc', threshold: 0.5, minRelativeChange: 0.1 };
    const missing = evaluateRule(rule, { acc: 0.9 }, { other: 1 });
    expect(missing.passed).toBe(false);
    expect(missing.failures).toEqual(['the baseline has no metric "acc" to compare with']);
    expect(evaluateRule(rule, { acc: 0.9 }).passed).toBe(true);
    expect(evaluateRule(rule, { acc: 0.4 }).passed).toBe(false);
  });

  it('lists every failing check of one metric', () => {
    const r = evaluateRule({ metric: 'acc', threshold: 0.9, minAbsoluteChange: 0.1, minRelativeChange: 0.5 }, { acc: 0.5 }, { acc: 0.6 });
    expect(r.failures).toHaveLength(3);
  });

  it('passes a gate only when every rule passes', () => {
    const rules: MetricRule[] = [
      { metric: 'acc', threshold: 0.9 },
      { metric: 'loss', threshold: 0.3, greaterIsBetter: false },
    ];
    expect(evaluateGate(rules, { acc: 0.95, loss: 0.2 }).passed).toBe(true);
    const g = evaluateGate(rules, { acc: 0.95, loss: 0.4 });
    expect(g.passed).toBe(false);
    expect(g.results.map((r) => r.passed)).toEqual([true, false]);
  });
});

describe('gate rules', () => {
  it.each([
    [{ metric: 'a' }, 'needs a threshold'],
    [{ metric: 'a', minAbsoluteChange: 0 }, 'minAbsoluteChange must be a number above 0'],
    [{ metric: 'a', minAbsoluteChange: -1 }, 'minAbsoluteChange must be a number above 0'],
    [{ metric: 'a', minRelativeChange: 0 }, 'minRelativeChange must be above 0 and at most 1'],
    [{ metric: 'a', minRelativeChange: 1.5 }, 'minRelativeChange must be above 0 and at most 1'],
    [{ metric: 'a', threshold: Number.NaN }, 'threshold must be a finite number'],
  ])('refuses %j', (rule, why) => {
    expect(ruleProblems(rule as MetricRule).join('; ')).toContain(why);
  });

  it('accepts a relative change of exactly 1', () => {
    expect(ruleProblems({ metric: 'a', minRelativeChange: 1 })).toEqual([]);
  });

  it('describes a rule in the direction it reads', () => {
    expect(describeRule({ metric: 'acc', threshold: 0.9, minAbsoluteChange: 0.01, minRelativeChange: 0.05 })).toBe('acc >= 0.9, +0.01 over baseline, +5% over baseline');
    expect(describeRule({ metric: 'loss', threshold: 0.2, strict: true, greaterIsBetter: false })).toBe('loss < 0.2');
    expect(describeRule({ metric: 'loss', minRelativeChange: 0.1, greaterIsBetter: false })).toBe('loss -10% over baseline');
  });
});

describe('gate flags', () => {
  it('folds flags into one rule per metric', () => {
    expect(rulesFromFlags({ metric: ['accuracy>=0.9', 'loss < 0.3'], minRelativeChange: ['accuracy=0.01'], minAbsoluteChange: ['loss=0.05'] })).toEqual([
      { metric: 'accuracy', threshold: 0.9, strict: false, greaterIsBetter: true, minRelativeChange: 0.01 },
      { metric: 'loss', threshold: 0.3, strict: true, greaterIsBetter: false, minAbsoluteChange: 0.05 },
    ]);
  });

  it('reads each comparison', () => {
    expect(rulesFromFlags({ metric: ['a>1'] })[0]).toMatchObject({ strict: true, greaterIsBetter: true });
    expect(rulesFromFlags({ metric: ['a<=1'] })[0]).toMatchObject({ strict: false, greaterIsBetter: false });
  });

  it('marks a change-only rule lower-is-better on request', () => {
    expect(rulesFromFlags({ minAbsoluteChange: ['loss=0.1'], lowerIsBetter: ['loss'] })).toEqual([{ metric: 'loss', minAbsoluteChange: 0.1, greaterIsBetter: false }]);
  });

  it.each([
    [{ metric: ['accuracy'] }, 'expected NAME>=X'],
    [{ metric: ['accuracy=>0.9'] }, 'expected NAME>=X'],
    [{ metric: ['a>=x'] }, '"x" is not a number'],
    [{ metric: ['a>=1', 'a<=2'] }, 'two thresholds'],
    [{ minAbsoluteChange: ['a'] }, 'expected NAME=X'],
    [{ minAbsoluteChange: ['a=0'] }, 'minAbsoluteChange must be a number above 0'],
    [{ minRelativeChange: ['a=5'] }, 'at most 1'],
    [{ lowerIsBetter: ['a'] }, 'no rule names that metric'],
  ])('refuses %j', (flags, why) => {
    expect(() => rulesFromFlags(flags)).toThrow(why);
  });
});

describe('gate rules as text', () => {
  it('reads one rule per line in the CLI flags without dashes, and writes them back the same', () => {
    const text = 'accuracy>=0.9\nmin-relative-change accuracy=0.01\n\nloss<0.3\nmin-absolute-change f1=0.02\nlower-is-better f1';
    const rules = rulesFromText(text);
    expect(rules).toEqual([
      { metric: 'accuracy', threshold: 0.9, strict: false, greaterIsBetter: true, minRelativeChange: 0.01 },
      { metric: 'loss', threshold: 0.3, strict: true, greaterIsBetter: false },
      { metric: 'f1', minAbsoluteChange: 0.02, greaterIsBetter: false },
    ]);
    expect(rulesFromText(rulesToText(rules))).toEqual(rules);
  });

  it('names a line it cannot read', () => {
    expect(() => rulesFromText('accuracy is high')).toThrow('--metric "accuracy is high": expected NAME>=X');
  });
});
