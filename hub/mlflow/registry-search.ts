import { tokenize, type Token } from '../../shared/filter/index.js';
import { foldLower, LIKE_PATTERN_MAX, likeMatch } from '../../shared/like.js';
import { invalidParam } from './errors.js';
import { decodeOffsetToken, encodeOffsetToken } from './fields.js';

/**
 * registered-models/search and model-versions/search in memory, as experiment search does: a project holds tens of
 * models, not millions. The grammar is MLflow's SearchModelUtils / SearchModelVersionUtils: `AND`-joined comparisons
 * on the entity's attributes (optionally `attributes.`-prefixed) and `tags.<key>`; `IN (...)` for ids; no OR.
 */

export type FieldKind = 'string' | 'number' | 'id';
export type Value = string | number | undefined;
export interface Searchable {
  field: (name: string) => Value;
  tags: Record<string, string>;
}
interface Clause {
  field?: string;
  tag?: string;
  op: string;
  values: Array<string | number>;
}

const OPS: Record<FieldKind, string[]> = {
  string: ['=', '!=', 'LIKE', 'ILIKE'],
  number: ['=', '!=', '<', '<=', '>', '>='],
  id: ['=', '!=', 'IN'],
};

const bad = (problem: string, tok?: Token) => invalidParam(`Invalid filter string: ${problem}${tok ? ` at column ${tok.column}` : ''}`);
const upperWord = (tok: Token) => (tok.kind === 'word' && !tok.key ? tok.text.toUpperCase() : '');

function identifier(tok: Token, fields: Record<string, FieldKind>): { field?: string; tag?: string; kind: FieldKind } {
  if (tok.kind !== 'word') throw bad(`expected an identifier such as ${Object.keys(fields).join(', ')} or tags.<key>`, tok);
  const dot = tok.text.indexOf('.');
  const prefix = dot < 0 ? 'attributes' : tok.text.slice(0, dot).toLowerCase();
  const key = tok.key?.text ?? (dot < 0 ? tok.text : tok.text.slice(dot + 1));
  if (prefix === 'tags' || prefix === 'tag') return { tag: key, kind: 'string' };
  const field = key.toLowerCase();
  if (['attributes', 'attribute', 'attr'].includes(prefix) && Object.hasOwn(fields, field)) return { field, kind: fields[field]! };
  throw bad(`unknown identifier '${tok.text}${tok.key?.text ?? ''}'; use ${Object.keys(fields).join(', ')} or tags.<key>`, tok);
}

function literal(tok: Token | undefined, kind: FieldKind): string | number {
  if (kind === 'number' && (tok?.kind === 'number' || (tok?.kind === 'string' && /^\d+$/.test(tok.text)))) return Number(tok.text);
  if (kind !== 'number' && tok?.kind === 'string') return tok.text;
  throw bad(kind === 'number' ? 'expected a number' : 'expected a quoted string', tok);
}

export function parseRegistryFilter(text: string, fields: Record<string, FieldKind>): Clause[] {
  const toks = tokenize(text);
  const clauses: Clause[] = [];
  let i = 0;
  while (toks[i]!.kind !== 'eof') {
    const { kind, ...id } = identifier(toks[i++]!, fields);
    const opTok = toks[i++]!;
    const op = opTok.kind === 'op' ? opTok.text : upperWord(opTok);
    if (!OPS[kind].includes(op)) throw bad(`expected one of ${OPS[kind].join(', ')}`, opTok);
    const values: Array<string | number> = [];
    if (op === 'IN') {
      if (toks[i++]?.kind !== '(') throw bad("expected '(' after IN", toks[i - 1]);
      for (;;) {
        values.push(literal(toks[i++], kind));
        if (toks[i]?.kind !== ',') break;
        i++;
      }
      if (toks[i++]?.kind !== ')') throw bad("expected ')' to close the IN list", toks[i - 1]);
    } else values.push(literal(toks[i++], kind));
    if (op.endsWith('LIKE') && String(values[0]).length > LIKE_PATTERN_MAX) throw bad(`a ${op} pattern may be at most ${LIKE_PATTERN_MAX} characters`, toks[i - 1]);
    clauses.push({ ...id, op, values });
    const next = toks[i]!;
    if (upperWord(next) === 'AND') i++;
    else if (next.kind !== 'eof') throw bad('expected AND (registry search does not support OR or parentheses)', next);
  }
  return clauses;
}

function matches(item: Searchable, c: Clause): boolean {
  const actual = c.tag !== undefined ? item.tags[c.tag] : item.field(c.field!);
  if (actual === undefined) return false;
  const value = c.values[0]!;
  switch (c.op) {
    case '=': return actual === value;
    case '!=': return actual !== value;
    case 'IN': return c.values.includes(actual);
    case 'LIKE': return likeMatch(String(actual), String(value));
    case 'ILIKE': return likeMatch(String(actual), String(value), foldLower);
    case '<': return actual < value;
    case '<=': return actual <= value;
    case '>': return actual > value;
    default: return actual >= value;
  }
}

export interface OrderTerm {
  key: string;
  desc: boolean;
}

/** `order_by` terms over the given keys; `tieBreak` terms follow unless the caller already ordered by their key. */
export function orderOf(terms: string[], keys: readonly string[], tieBreak: OrderTerm[]) {
  const parsed = terms.map((term) => {
    const m = /^\s*(?:(?:attributes?|attr)\.)?(\w+)\s*(ASC|DESC)?\s*$/i.exec(term);
    let key = m?.[1]?.toLowerCase();
    if (key === 'timestamp') key = 'last_updated_timestamp';
    if (!m || !key || !keys.includes(key)) throw invalidParam(`Invalid order_by clause '${term}'. Order by ${keys.join(', ')}, then ASC or DESC.`);
    return { key, desc: m[2]?.toUpperCase() === 'DESC' };
  });
  for (const t of tieBreak) if (!parsed.some((p) => p.key === t.key)) parsed.push(t);
  return (a: Searchable, b: Searchable) => {
    for (const t of parsed) {
      const x = a.field(t.key) ?? '';
      const y = b.field(t.key) ?? '';
      if (x !== y) return (x < y ? -1 : 1) * (t.desc ? -1 : 1);
    }
    return 0;
  };
}

/** MLflow's per-endpoint max_results: absent or 0 means its default; beyond its threshold is refused. */
export function registryMaxResults(value: number | undefined, fallback: number, limit: number): number {
  if (value === undefined || value === 0) return fallback;
  if (value < 0 || value > limit) throw invalidParam(`Invalid value for request parameter max_results. It must be at most ${limit}, but got value ${value}`);
  return value;
}

export function searchPage<T extends Searchable>(all: T[], q: { filter: Clause[]; order: (a: T, b: T) => number; maxResults: number; pageToken?: string | undefined }) {
  const offset = decodeOffsetToken(q.pageToken);
  const found = all.filter((item) => q.filter.every((c) => matches(item, c))).sort(q.order);
  const end = offset + q.maxResults;
  return { page: found.slice(offset, end), nextPageToken: end < found.length ? encodeOffsetToken(end) : undefined };
}
