/**
 * Brute-force in-memory evaluation of a filter AST against one run. It is the oracle the hub's SQL
 * is property-tested against and what the console uses client-side, so every rule here mirrors
 * the SQL the hub generates (MLflow semantics: a run lacking the key never matches, except IS NULL).
 */
import { foldAscii, likeMatch } from '../like.js';
import type { Comparison, Entity, FilterNode, OrderTerm } from './ast.js';

export interface EvalRun {
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  attributes: Record<string, string | number | null>;
}

type Value = string | number;

/** A null filter (empty text) matches every run. */
export function evaluateFilter(node: FilterNode | null, run: EvalRun): boolean {
  if (node === null) return true;
  if (node.type === 'compare') return evaluateComparison(node, run);
  const test = (item: FilterNode) => evaluateFilter(item, run);
  return node.type === 'and' ? node.items.every(test) : node.items.some(test);
}

/** The run's value for a key, or undefined when absent; a null attribute counts as absent. */
function lookup(run: EvalRun, entity: Entity, key: string): Value | undefined {
  const bag: Record<string, Value | null> = entity === 'metric' ? run.metrics : entity === 'param' ? run.params : entity === 'tag' ? run.tags : run.attributes;
  // hasOwn: a key named "constructor" or "__proto__" must not find Object.prototype members.
  if (!Object.hasOwn(bag, key)) return undefined;
  return bag[key] ?? undefined;
}

function evaluateComparison(cmp: Comparison, run: EvalRun): boolean {
  const actual = lookup(run, cmp.entity, cmp.key);
  if (cmp.op === 'IS NULL') return actual === undefined;
  if (cmp.op === 'IS NOT NULL') return actual !== undefined;
  // SQL's three-valued logic: comparing a missing value is never true, even for != and NOT IN.
  if (actual === undefined) return false;
  const { value } = cmp;
  if (cmp.op === 'IN' || cmp.op === 'NOT IN') {
    const inList = Array.isArray(value) && value.includes(String(actual));
    return cmp.op === 'IN' ? inList : !inList;
  }
  if (value === null || Array.isArray(value)) return false;
  if (cmp.op === 'LIKE' || cmp.op === 'ILIKE') return like(String(actual), String(value), cmp.op === 'ILIKE');
  return compareOp(cmp.op, compareValues(actual, value));
}

function compareOp(op: Comparison['op'], order: number): boolean {
  switch (op) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    default:
      return false;
  }
}

/** Numbers numerically; otherwise strings by code point, which is SQLite's BINARY collation order. */
function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  return compareCodePoints(String(a), String(b));
}

function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0)!);
  const y = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** SQL LIKE with no escape character; ILIKE folds ASCII letters only, as SQLite's case-insensitive LIKE does, so the oracle agrees with the database. */
const like = (text: string, pattern: string, insensitive: boolean) => likeMatch(text, pattern, insensitive ? foldAscii : undefined);

/**
 * Sort comparator for order_by terms: a run missing the key sorts after one that has it in
 * either direction; ties fall through to the next term, then to attributes.run_id ascending.
 */
export function compareRunsForOrder(a: EvalRun, b: EvalRun, order: OrderTerm[]): number {
  for (const term of order) {
    const va = lookup(a, term.entity, term.key);
    const vb = lookup(b, term.entity, term.key);
    if (va === undefined || vb === undefined) {
      if (va !== vb) return va === undefined ? 1 : -1;
      continue;
    }
    const c = compareValues(va, vb);
    if (c !== 0) return term.direction === 'DESC' ? -c : c;
  }
  return compareValues(String(a.attributes.run_id ?? ''), String(b.attributes.run_id ?? ''));
}
