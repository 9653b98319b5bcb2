import { inArray, sql, type SQL } from 'drizzle-orm';
import { base64urlToText, textToBase64url } from '../../shared/base64url.js';
import { OutpostError } from '../../shared/errors.js';
import type { Comparison, FilterNode, OrderTerm } from '../../shared/filter/ast.js';
import { parseFilter, parseOrderBy } from '../../shared/filter/index.js';
import type { Run, SearchRuns } from '../../shared/schemas/tracking.js';
import type { ProjectScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { runs, type RunRow } from '../db/schema.js';
import { experimentsByIds } from './experiments.js';
import { runDetails, slices } from './runs.js';

/** Attribute name → column of `runs r`. */
const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'id',
  run_name: 'name',
  status: 'status',
  start_time: 'start_time',
  end_time: 'end_time',
  experiment_id: 'experiment_id',
  source: 'source',
  device_id: 'device_id',
  parent_run_id: 'parent_run_id',
  user_id: 'user_id',
};

const column = (name: string) => sql.raw(`r.${ATTRIBUTE_COLUMNS[name] ?? badAttribute(name)}`);
function badAttribute(name: string): never {
  throw new OutpostError(400, 'bad_request', `unknown attribute "${name}"`);
}

/** MLflow's LIKE is case-sensitive; SQLite's is not, so LIKE becomes GLOB with the wildcards translated. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

/** `value <op> ?` for one comparison, against the given value expression. */
function valueTest(expr: SQL, c: Comparison): SQL {
  const v = c.value;
  switch (c.op) {
    case 'LIKE':
      return sql`${expr} GLOB ${likeToGlob(String(v))}`;
    case 'ILIKE':
      return sql`lower(${expr}) LIKE lower(${String(v)})`;
    case 'IN':
    case 'NOT IN': {
      // One bound parameter for the whole list: D1 allows 100 a statement, and lists may be long.
      const list = sql`SELECT value FROM json_each(${JSON.stringify(v)})`;
      return c.op === 'IN' ? sql`${expr} IN (${list})` : sql`${expr} NOT IN (${list})`;
    }
    default:
      return sql`${expr} ${sql.raw(c.op)} ${v}`;
  }
}

const ENTITY_TABLES = {
  metric: { table: 'metric_summaries', value: 'last_value' },
  param: { table: 'run_params', value: 'value' },
  tag: { table: 'run_tags', value: 'value' },
} as const;

/** One comparison as parameterised SQL: runs lacking the key never match, except under IS NULL. */
function comparisonSql(c: Comparison): SQL {
  if (c.entity === 'attribute') {
    if (c.op === 'IS NULL') return sql`${column(c.key)} IS NULL`;
    if (c.op === 'IS NOT NULL') return sql`${column(c.key)} IS NOT NULL`;
    return valueTest(column(c.key), c);
  }
  const { table, value } = ENTITY_TABLES[c.entity];
  // Correlated lookups by (run_id, key): one seek each, whichever side drives the query.
  const keyed = sql`SELECT 1 FROM ${sql.raw(table)} k WHERE k.run_id = r.id AND k.key = ${c.key}`;
  if (c.op === 'IS NULL') return sql`NOT EXISTS (${keyed})`;
  if (c.op === 'IS NOT NULL') return sql`EXISTS (${keyed})`;
  return sql`EXISTS (${keyed} AND ${valueTest(sql.raw(`k.${value}`), c)})`;
}

export function filterSql(node: FilterNode): SQL {
  if (node.type === 'compare') return comparisonSql(node);
  const glue = node.type === 'and' ? sql` AND ` : sql` OR `;
  return sql`(${sql.join(node.items.map(filterSql), glue)})`;
}

const DEFAULT_ORDER: OrderTerm[] = [{ entity: 'attribute', key: 'start_time', direction: 'DESC' }];
const NULLABLE_ATTRIBUTES = new Set(['end_time', 'device_id', 'parent_run_id', 'user_id']);

interface Term {
  term: OrderTerm;
  expr: SQL;
  join: SQL;
  nullable: boolean;
}

/** The expression each order term sorts by, and the join that brings it in (none for a term that drives the query). */
function orderTerms(order: OrderTerm[], firstDrives: boolean): Term[] {
  return order.map((t, i) => {
    if (t.entity === 'attribute') return { term: t, expr: column(t.key), join: sql``, nullable: NULLABLE_ATTRIBUTES.has(t.key) };
    const { table, value } = ENTITY_TABLES[t.entity];
    const alias = sql.raw(`o${i}`);
    const expr = sql.raw(`o${i}.${value}`);
    if (i === 0 && firstDrives) return { term: t, expr, join: sql``, nullable: false };
    return { term: t, expr, join: sql` LEFT JOIN ${sql.raw(table)} ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ${t.key}`, nullable: true };
  });
}

interface PageToken {
  q: string;
  v: Array<string | number | null>;
  id: string;
}

const encodeToken = (t: PageToken) => textToBase64url(JSON.stringify(t));
function decodeToken(token: string, fingerprint: string): PageToken {
  try {
    const t = JSON.parse(base64urlToText(token)) as PageToken;
    // A forged token must not reach SQL as an object or a non-finite number: each value is bound as a parameter.
    const bindable = (x: unknown) => x === null || typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));
    if (t.q === fingerprint && Array.isArray(t.v) && t.v.every(bindable) && typeof t.id === 'string') return t;
  } catch {
    // fall through to the error below
  }
  throw new OutpostError(400, 'bad_request', 'invalid pageToken: it must come from a search with the same experiments, filter and order');
}

/**
 * Rows strictly after the last row of the previous page, in the sort order (NULLs last in every direction,
 * then run id): keyset pagination, so runs inserted meanwhile neither repeat nor shift a page.
 */
function afterSql(terms: Term[], token: PageToken): SQL {
  const alternatives: SQL[] = [];
  const equalSoFar: SQL[] = [];
  terms.forEach(({ term, expr }, i) => {
    const last = token.v[i] ?? null;
    if (last === null) {
      equalSoFar.push(sql`${expr} IS NULL`);
      return; // nothing sorts after NULL within this term
    }
    const cmp = term.direction === 'DESC' ? sql.raw('<') : sql.raw('>');
    const after = sql`(${expr} IS NULL OR ${expr} ${cmp} ${last})`;
    alternatives.push(equalSoFar.length ? sql`(${sql.join(equalSoFar, sql` AND `)} AND ${after})` : after);
    equalSoFar.push(sql`${expr} = ${last}`);
  });
  const idAfter = sql`r.id > ${token.id}`;
  alternatives.push(equalSoFar.length ? sql`(${sql.join(equalSoFar, sql` AND `)} AND ${idAfter})` : idAfter);
  return sql`(${sql.join(alternatives, sql` OR `)})`;
}

/** A comparison that can drive the query from its (key, value) index: it needs the key to be present. */
const canDrive = (c: FilterNode): c is Comparison => c.type === 'compare' && c.entity !== 'attribute' && c.op !== 'IS NULL';

/** How many rows a driving comparison selects (all projects, capped): a cheap, index-only estimate. */
async function estimate(db: Db, c: Comparison, cap: number): Promise<number> {
  const { table, value } = ENTITY_TABLES[c.entity as 'metric' | 'param' | 'tag'];
  const test = c.op === 'IS NOT NULL' ? sql`1` : valueTest(sql.raw(value), c);
  const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${sql.raw(table)} WHERE key = ${c.key} AND ${test} LIMIT ${cap})`);
  return Number(row?.n ?? 0);
}

type Plan = { kind: 'scan' } | { kind: 'filter'; driver: Comparison } | { kind: 'order' };

/**
 * Chooses what the query walks first. A selective comparison drives through its index; otherwise a run table
 * ordered by a metric, param or tag is walked in that key's index order until the page is full; otherwise the
 * runs are scanned (in start_time order, which the runs index gives).
 */
async function choosePlan(db: Db, filter: FilterNode | null, order: OrderTerm[], limit: number): Promise<Plan> {
  const candidates = !filter ? [] : filter.type === 'and' ? filter.items.filter(canDrive) : canDrive(filter) ? [filter] : [];
  const selective = 20 * (limit + 1);
  let best: { c: Comparison; n: number } | undefined;
  for (const c of candidates) {
    const n = await estimate(db, c, selective + 1);
    if (!best || n < best.n) best = { c, n };
  }
  if (best && best.n <= selective) return { kind: 'filter', driver: best.c };
  if (order[0]!.entity !== 'attribute') return { kind: 'order' };
  if (best && order[0]!.key !== 'start_time') return { kind: 'filter', driver: best.c };
  return { kind: 'scan' };
}

interface QueryParts {
  from: SQL;
  terms: Term[];
  where: SQL[];
}

function buildQuery({ from, terms, where }: QueryParts, limit: number): SQL {
  const select = terms.map(({ expr }, i) => sql`, ${expr} AS ${sql.raw(`ov${i}`)}`);
  const orderBy = terms.flatMap(({ term, expr, nullable }) => [...(nullable ? [sql`(${expr} IS NULL)`] : []), sql`${expr} ${sql.raw(term.direction)}`]);
  return sql`SELECT r.id AS id${sql.join(select, sql``)} FROM ${from}${sql.join(
    terms.map((t) => t.join),
    sql``,
  )} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${sql.join([...orderBy, sql`r.id ASC`], sql`, `)} LIMIT ${limit}`;
}

type Row = Record<string, unknown> & { id: string };

/** Each comparison binds up to two values; this keeps a whole query under D1's 100 bound parameters. */
const MAX_COMPARISONS = 30;
const countComparisons = (node: FilterNode | null): number => (!node ? 0 : node.type === 'compare' ? 1 : node.items.reduce((n, item) => n + countComparisons(item), 0));

export async function searchRuns(scope: ProjectScope, input: SearchRuns): Promise<{ runs: Run[]; nextPageToken: string | null }> {
  const { db, projectId } = scope;
  const experimentIds = [...new Set(input.experimentIds)];
  await experimentsByIds(scope, experimentIds);
  const filter = parseFilter(input.filter ?? '');
  const comparisons = countComparisons(filter);
  if (comparisons > MAX_COMPARISONS) {
    throw new OutpostError(400, 'bad_request', `the filter has ${comparisons} comparisons; at most ${MAX_COMPARISONS} (use IN lists for many values)`);
  }
  const order = [...parseOrderBy(input.orderBy ?? []), ...(input.orderBy?.length ? [] : DEFAULT_ORDER)];
  const fingerprint = hash(JSON.stringify([experimentIds, input.filter ?? '', input.orderBy ?? [], input.lifecycle]));
  const token = input.pageToken ? decodeToken(input.pageToken, fingerprint) : undefined;

  const base: SQL[] = [
    sql`r.project_id = ${projectId}`,
    experimentIds.length === 1 ? sql`r.experiment_id = ${experimentIds[0]}` : sql`r.experiment_id IN (SELECT value FROM json_each(${JSON.stringify(experimentIds)}))`,
  ];
  if (input.lifecycle !== 'all') base.push(sql`r.lifecycle = ${input.lifecycle}`);
  if (filter) base.push(filterSql(filter));
  const limit = input.limit + 1;
  const plan = await choosePlan(db, filter, order, input.limit);

  let rows: Row[];
  if (plan.kind === 'order') {
    // Runs that have the first order key, walked in its index order; then, if the page is not full, those lacking it.
    const first = order[0]!;
    const { table } = ENTITY_TABLES[first.entity as 'metric' | 'param' | 'tag'];
    const having: QueryParts = { from: sql`${sql.raw(table)} o0 CROSS JOIN runs r ON r.id = o0.run_id`, terms: orderTerms(order, true), where: [sql`o0.key = ${first.key}`, ...base] };
    const lacking: QueryParts = { from: sql`runs r`, terms: orderTerms(order, false), where: [...base, sql`o0.run_id IS NULL`] };
    const inLacking = token !== undefined && token.v[0] === null;
    rows = inLacking ? [] : await db.all<Row>(buildQuery({ ...having, where: token ? [...having.where, afterSql(having.terms, token)] : having.where }, limit));
    if (rows.length < limit) {
      const rest = await db.all<Row>(buildQuery({ ...lacking, where: inLacking ? [...lacking.where, afterSql(lacking.terms, token!)] : lacking.where }, limit - rows.length));
      rows = rows.concat(rest);
    }
  } else {
    const parts: QueryParts =
      plan.kind === 'filter'
        ? (() => {
            const { table, value } = ENTITY_TABLES[plan.driver.entity as 'metric' | 'param' | 'tag'];
            const test = plan.driver.op === 'IS NOT NULL' ? sql`1` : valueTest(sql.raw(`d.${value}`), plan.driver);
            return { from: sql`${sql.raw(table)} d CROSS JOIN runs r ON r.id = d.run_id`, terms: orderTerms(order, false), where: [sql`d.key = ${plan.driver.key}`, test, ...base] };
          })()
        : { from: sql`runs r`, terms: orderTerms(order, false), where: base };
    if (token) parts.where.push(afterSql(parts.terms, token));
    rows = await db.all<Row>(buildQuery(parts, limit));
  }

  const page = rows.slice(0, input.limit);
  const lastRow = page[page.length - 1];
  const nextPageToken =
    rows.length > input.limit && lastRow ? encodeToken({ q: fingerprint, v: order.map((_, i) => (lastRow[`ov${i}`] ?? null) as string | number | null), id: lastRow.id }) : null;
  return { runs: await runsInOrder(scope, page.map((r) => r.id)), nextPageToken };
}

/** Full runs for a page of ids, in the page's order. */
async function runsInOrder(scope: ProjectScope, ids: string[]): Promise<Run[]> {
  const rows: RunRow[] = [];
  for (const slice of slices(ids)) rows.push(...(await scope.db.select().from(runs).where(inArray(runs.id, slice))));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return runDetails(scope, ids.map((id) => byId.get(id)!));
}

/** A short, stable fingerprint (FNV-1a) that ties a page token to its query. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
