/**
 * Promotion gates with MLflow's `MetricThreshold` semantics, as pure functions the hub, the CLI and the console share.
 * Per metric: a `threshold` the candidate must reach, a `minAbsoluteChange` (> 0) and a `minRelativeChange` (0–1] it
 * must improve on the baseline by, in the direction `greaterIsBetter` says.
 */

export interface MetricRule {
  metric: string;
  /** The candidate must be at least this (at most, when lower is better). */
  threshold?: number;
  /** With a threshold: must the candidate pass it strictly (`>` / `<`) rather than reach it (`>=` / `<=`)? */
  strict?: boolean;
  /** The candidate must beat the baseline by at least this much (> 0). */
  minAbsoluteChange?: number;
  /** The candidate must beat the baseline by at least this fraction of it (0 < x ≤ 1). */
  minRelativeChange?: number;
  /** Default true. */
  greaterIsBetter?: boolean;
}

export interface MetricResult {
  metric: string;
  /** The candidate's value; null when it has no such metric (which fails). */
  value: number | null;
  /** The baseline's value; null when there is no baseline or it lacks the metric. */
  baseline: number | null;
  /** The rule in words, e.g. `accuracy >= 0.9, +0.01 over baseline, +1% over baseline`. */
  rule: string;
  passed: boolean;
  /** Why it failed, one sentence per check; empty when it passed. */
  failures: string[];
}

export interface GateResult {
  passed: boolean;
  results: MetricResult[];
}

/** Floating-point slack, so 0.9 reaches 0.8 + 0.1 (MLflow compares Decimals for the same reason). */
const EPS = 1e-12;
const atLeast = (a: number, b: number) => a >= b - EPS * Math.max(1, Math.abs(a), Math.abs(b));
const above = (a: number, b: number) => a > b + EPS * Math.max(1, Math.abs(a), Math.abs(b));

/** A rule's problems, in words; empty when it is a valid rule. */
export function ruleProblems(rule: MetricRule): string[] {
  const problems: string[] = [];
  const where = `rule for "${rule.metric}"`;
  if (!rule.metric) problems.push('a rule needs a metric name');
  if (rule.threshold === undefined && rule.minAbsoluteChange === undefined && rule.minRelativeChange === undefined) {
    problems.push(`${where} needs a threshold, a minAbsoluteChange or a minRelativeChange`);
  }
  if (rule.threshold !== undefined && !Number.isFinite(rule.threshold)) problems.push(`${where}: threshold must be a finite number`);
  if (rule.minAbsoluteChange !== undefined && !(Number.isFinite(rule.minAbsoluteChange) && rule.minAbsoluteChange > 0)) {
    problems.push(`${where}: minAbsoluteChange must be a number above 0 (got ${rule.minAbsoluteChange})`);
  }
  if (rule.minRelativeChange !== undefined && !(rule.minRelativeChange > 0 && rule.minRelativeChange <= 1)) {
    problems.push(`${where}: minRelativeChange must be above 0 and at most 1 (got ${rule.minRelativeChange}; 0.05 means 5%)`);
  }
  return problems;
}

/** `accuracy >= 0.9, +0.01 over baseline, +5% over baseline` (signs flip when lower is better). */
export function describeRule(rule: MetricRule): string {
  const up = rule.greaterIsBetter !== false;
  const parts: string[] = [];
  if (rule.threshold !== undefined) parts.push(`${rule.metric} ${up ? '>' : '<'}${rule.strict ? '' : '='} ${rule.threshold}`);
  if (rule.minAbsoluteChange !== undefined) parts.push(`${up ? '+' : '-'}${rule.minAbsoluteChange} over baseline`);
  if (rule.minRelativeChange !== undefined) parts.push(`${up ? '+' : '-'}${+(rule.minRelativeChange * 100).toPrecision(6)}% over baseline`);
  if (parts.length && rule.threshold === undefined) parts[0] = `${rule.metric} ${parts[0]}`;
  return parts.join(', ');
}

/**
 * One metric against its rule. A candidate without the metric fails. A change check needs the baseline's value: a
 * baseline that lacks the metric fails it (as in MLflow); no baseline at all (`baseline` undefined) skips it.
 * Relative change is (candidate − baseline) / |baseline| (reversed when lower is better); with a baseline of 0 the
 * candidate must simply beat it.
 */
export function evaluateRule(rule: MetricRule, candidate: Record<string, number>, baseline?: Record<string, number>): MetricResult {
  const up = rule.greaterIsBetter !== false;
  const value = candidate[rule.metric] ?? null;
  const base = baseline?.[rule.metric] ?? null;
  const failures: string[] = [];
  const result = (): MetricResult => ({ metric: rule.metric, value, baseline: base, rule: describeRule(rule), passed: failures.length === 0, failures });
  if (value === null || !Number.isFinite(value)) {
    failures.push(`the candidate has no metric "${rule.metric}"`);
    return result();
  }
  const better = (a: number, b: number) => (up ? atLeast(a, b) : atLeast(b, a));
  const strictlyBetter = (a: number, b: number) => (up ? above(a, b) : above(b, a));
  if (rule.threshold !== undefined) {
    const ok = rule.strict ? strictlyBetter(value, rule.threshold) : better(value, rule.threshold);
    if (!ok) failures.push(`${value} does not pass ${rule.metric} ${up ? '>' : '<'}${rule.strict ? '' : '='} ${rule.threshold}`);
  }
  const wantsBaseline = rule.minAbsoluteChange !== undefined || rule.minRelativeChange !== undefined;
  if (!wantsBaseline || baseline === undefined) return result();
  if (base === null) {
    failures.push(`the baseline has no metric "${rule.metric}" to compare with`);
    return result();
  }
  if (rule.minAbsoluteChange !== undefined) {
    const target = up ? base + rule.minAbsoluteChange : base - rule.minAbsoluteChange;
    if (!better(value, target)) failures.push(`${value} is not ${up ? 'above' : 'below'} the baseline ${base} by ${rule.minAbsoluteChange} (needs ${up ? '>=' : '<='} ${target})`);
  }
  if (rule.minRelativeChange !== undefined) {
    if (base === 0) {
      if (!strictlyBetter(value, 0)) failures.push(`the baseline is 0: ${value} must be ${up ? 'above' : 'below'} it`);
    } else {
      const change = ((up ? value - base : base - value) / Math.abs(base));
      if (!atLeast(change, rule.minRelativeChange)) {
        failures.push(`${value} changes the baseline ${base} by ${+(change * 100).toPrecision(4)}%, less than the ${+(rule.minRelativeChange * 100).toPrecision(6)}% required`);
      }
    }
  }
  return result();
}

/** Every rule; passes when all pass. `baseline` undefined means there is none (change checks are skipped). */
export function evaluateGate(rules: MetricRule[], candidate: Record<string, number>, baseline?: Record<string, number>): GateResult {
  const results = rules.map((r) => evaluateRule(r, candidate, baseline));
  return { passed: results.every((r) => r.passed), results };
}

/**
 * Folds the CLI's flags into one rule per metric: `--metric "accuracy>=0.9"` (`>=`, `>`, `<=`, `<`; the `<` forms
 * mean lower is better), `--min-absolute-change accuracy=0.01`, `--min-relative-change accuracy=0.05`,
 * `--lower-is-better loss` (for a change rule without a threshold). Throws an
 * Error naming the bad flag.
 */
export function rulesFromFlags(flags: { metric?: string[]; minAbsoluteChange?: string[]; minRelativeChange?: string[]; lowerIsBetter?: string[] }): MetricRule[] {
  const rules = new Map<string, MetricRule>();
  const ruleOf = (metric: string) => rules.get(metric) ?? rules.set(metric, { metric }).get(metric)!;
  const number = (text: string, flag: string) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${flag}: "${text}" is not a number`);
    return n;
  };
  for (const text of flags.metric ?? []) {
    const m = /^\s*([^<>=\s]+)\s*(>=|>|<=|<)\s*(\S+)\s*$/.exec(text);
    if (!m) throw new Error(`--metric "${text}": expected NAME>=X, NAME>X, NAME<=X or NAME<X`);
    const rule = ruleOf(m[1]!);
    if (rule.threshold !== undefined) throw new Error(`--metric: "${m[1]}" has two thresholds`);
    rule.threshold = number(m[3]!, '--metric');
    rule.strict = m[2] === '>' || m[2] === '<';
    rule.greaterIsBetter = m[2]!.startsWith('>');
  }
  const change = (list: string[] | undefined, flag: string, key: 'minAbsoluteChange' | 'minRelativeChange') => {
    for (const text of list ?? []) {
      const m = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(text);
      if (!m) throw new Error(`${flag} "${text}": expected NAME=X`);
      ruleOf(m[1]!)[key] = number(m[2]!, flag);
    }
  };
  change(flags.minAbsoluteChange, '--min-absolute-change', 'minAbsoluteChange');
  for (const metric of flags.lowerIsBetter ?? []) {
    const rule = rules.get(metric);
    if (!rule) throw new Error(`--lower-is-better "${metric}": no rule names that metric`);
    if (rule.greaterIsBetter === true && rule.threshold !== undefined) throw new Error(`--lower-is-better "${metric}": its --metric uses > or >=`);
    rule.greaterIsBetter = false;
  }
  change(flags.minRelativeChange, '--min-relative-change', 'minRelativeChange');
  const all = [...rules.values()];
  const problems = all.flatMap(ruleProblems);
  if (problems.length) throw new Error(problems.join('; '));
  return all;
}

/**
 * Rules written one per line, the CLI's flags without their dashes (what the console's policy form takes):
 * `accuracy>=0.9`, `min-absolute-change accuracy=0.01`, `min-relative-change accuracy=0.05`, `lower-is-better loss`.
 */
export function rulesFromText(text: string): MetricRule[] {
  const flags = { metric: [] as string[], minAbsoluteChange: [] as string[], minRelativeChange: [] as string[], lowerIsBetter: [] as string[] };
  const words = { 'min-absolute-change': flags.minAbsoluteChange, 'min-relative-change': flags.minRelativeChange, 'lower-is-better': flags.lowerIsBetter } as Record<string, string[]>;
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const [first, ...rest] = line.replace(/^--/, '').split(/\s+/);
    const list = words[first!];
    if (list) list.push(rest.join(''));
    else flags.metric.push(line);
  }
  return rulesFromFlags(flags);
}

/** The rules as rulesFromText reads them back. */
export function rulesToText(rules: MetricRule[]): string {
  return rules
    .flatMap((r) => {
      const up = r.greaterIsBetter !== false;
      const lines: string[] = [];
      if (r.threshold !== undefined) lines.push(`${r.metric}${up ? '>' : '<'}${r.strict ? '' : '='}${r.threshold}`);
      if (r.minAbsoluteChange !== undefined) lines.push(`min-absolute-change ${r.metric}=${r.minAbsoluteChange}`);
      if (r.minRelativeChange !== undefined) lines.push(`min-relative-change ${r.metric}=${r.minRelativeChange}`);
      if (!up && r.threshold === undefined) lines.push(`lower-is-better ${r.metric}`);
      return lines;
    })
    .join('\n');
}
