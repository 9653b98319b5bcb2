import { tokenize, type Token } from '../../shared/filter/index.js';
import type { Experiment } from '../../shared/schemas/tracking.js';
import { foldLower, LIKE_PATTERN_MAX, likeMatch } from '../../shared/like.js';
import { invalidParam } from './errors.js';
import { decodeOffsetToken, encodeOffsetToken } from './fields.js';

/**
 * experiments/search in memory. A project has tens of experiments, not thousands, so filtering the list in JS is
 * simpler than SQL and exact. The grammar is MLflow's SearchExperimentsUtils: `AND`-joined comparisons on `name`,
 * `creation_time`, `last_update_time` (optionally `attributes.`-prefixed) and `tags.<key>`; no OR.
 */

type Attribute = 'name' | 'creation_time' | 'last_update_time';
interface Clause {
  attribute?: Attribute;
  tag?: string;
  op: string;
  value: string | number;
}

const ATTRIBUTES: readonly string[] = ['name', 'creation_time', 'last_update_time'];
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMBER_OPS = ['=', '!=', '<', '<=', '>', '>='];

const bad = (problem: string, tok?: Token) => invalidParam(`Invalid filter string: ${problem}${tok ? ` at column ${tok.column}` : ''}`);

function identifier(tok: Token): Pick<Clause, 'attribute' | 'tag'> {
  if (tok.kind !== 'word') throw bad('expected an identifier such as name or tags.<key>', tok);
  const dot = tok.text.indexOf('.');
  const prefix = dot < 0 ? 'attributes' : tok.text.slice(0, dot).toLowerCase();
  const key = tok.key?.text ?? (dot < 0 ? tok.text : tok.text.slice(dot + 1));
  if (prefix === 'tags' || prefix === 'tag') return { tag: key };
  if (['attributes', 'attribute', 'attr'].includes(prefix) && ATTRIBUTES.includes(key.toLowerCase())) return { attribute: key.toLowerCase() as Attribute };
  throw bad(`unknown identifier '${tok.text}${tok.key?.text ?? ''}'; use name, creation_time, last_update_time or tags.<key>`, tok);
}

export function parseExperimentFilter(text: string): Clause[] {
  const toks = tokenize(text);
  const clauses: Clause[] = [];
  let i = 0;
  while (toks[i]!.kind !== 'eof') {
    const id = identifier(toks[i++]!);
    const opTok = toks[i++]!;
    const op = opTok.kind === 'op' ? opTok.text : opTok.kind === 'word' && !opTok.key ? opTok.text.toUpperCase() : '';
    const numeric = id.attribute !== undefined && id.attribute !== 'name';
    if (!(numeric ? NUMBER_OPS : STRING_OPS).includes(op)) throw bad(`expected one of ${(numeric ? NUMBER_OPS : STRING_OPS).join(', ')}`, opTok);
    const valueTok = toks[i++]!;
    if (valueTok.kind !== (numeric ? 'number' : 'string')) throw bad(numeric ? 'expected a number' : 'expected a quoted string', valueTok);
    if (op.endsWith('LIKE') && valueTok.text.length > LIKE_PATTERN_MAX) throw bad(`a ${op} pattern may be at most ${LIKE_PATTERN_MAX} characters`, valueTok);
    clauses.push({ ...id, op, value: numeric ? Number(valueTok.text) : valueTok.text });
    const next = toks[i]!;
    if (next.kind === 'word' && !next.key && next.text.toUpperCase() === 'AND') i++;
    else if (next.kind !== 'eof') throw bad('expected AND (experiment search does not support OR or parentheses)', next);
  }
  return clauses;
}

function matches(e: Experiment, c: Clause): boolean {
  const actual = c.tag !== undefined ? e.tags[c.tag] : c.attribute === 'name' ? e.name : c.attribute === 'creation_time' ? e.createdAt : e.updatedAt;
  if (actual === undefined) return false;
  switch (c.op) {
    case '=': return actual === c.value;
    case '!=': return actual !== c.value;
    case 'LIKE': return likeMatch(String(actual), String(c.value));
    case 'ILIKE': return likeMatch(String(actual), String(c.value), foldLower);
    case '<': return actual < c.value;
    case '<=': return actual <= c.value;
    case '>': return actual > c.value;
    default: return actual >= c.value;
  }
}

type OrderKey = 'name' | 'experiment_id' | 'creation_time' | 'last_update_time';
const ORDER_FIELD: Record<OrderKey, (e: Experiment) => string | number> = {
  name: (e) => e.name,
  experiment_id: (e) => e.id,
  creation_time: (e) => e.createdAt,
  last_update_time: (e) => e.updatedAt,
};

function parseOrder(term: string): { key: OrderKey; desc: boolean } {
  const m = /^\s*(?:(?:attributes?|attr)\.)?(\w+)\s*(ASC|DESC)?\s*$/i.exec(term);
  const key = m?.[1]?.toLowerCase();
  if (!m || !key || !Object.hasOwn(ORDER_FIELD, key)) throw invalidParam(`Invalid order_by clause '${term}'. Order by name, experiment_id, creation_time or last_update_time, then ASC or DESC.`);
  return { key: key as OrderKey, desc: m[2]?.toUpperCase() === 'DESC' };
}

/** MLflow's default is `creation_time DESC, experiment_id ASC`; any other order gets `experiment_id DESC` as its tie-break. */
function orderOf(orderBy: string[]) {
  const terms = orderBy.length ? orderBy.map(parseOrder) : [{ key: 'creation_time' as const, desc: true }, { key: 'experiment_id' as const, desc: false }];
  if (!terms.some((t) => t.key === 'experiment_id')) terms.push({ key: 'experiment_id', desc: true });
  return (a: Experiment, b: Experiment) => {
    for (const t of terms) {
      const x = ORDER_FIELD[t.key](a);
      const y = ORDER_FIELD[t.key](b);
      if (x !== y) return (x < y ? -1 : 1) * (t.desc ? -1 : 1);
    }
    return 0;
  };
}

export function searchExperiments(all: Experiment[], q: { filter?: string; orderBy?: string[]; maxResults: number; pageToken?: string }) {
  const offset = decodeOffsetToken(q.pageToken);
  const clauses = parseExperimentFilter(q.filter ?? '');
  const found = all.filter((e) => clauses.every((c) => matches(e, c))).sort(orderOf(q.orderBy ?? []));
  const page = found.slice(offset, offset + q.maxResults);
  const more = offset + q.maxResults < found.length;
  return { experiments: page, nextPageToken: more ? encodeOffsetToken(offset + q.maxResults) : undefined };
}
