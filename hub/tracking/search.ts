import { sql, type SQL } from 'drizzle-orm';
import { OutpostError } from '../../shared/errors.js';
import type { Comparison, FilterNode, OrderTerm } from '../../shared/filter/ast.js';
import { parseFilter, parseOrderBy } from '../../shared/filter/index.js';
import type { Run, SearchRuns } from '../../shared/schemas/tracking.js';
import type { Db } from '../db/client.js';
import type { RunRow } from '../db/schema.js';
import { experimentsByIds } from './experiments.js';
import { runDetails } from './runs.js';

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
      const list = sql.join((v as string[]).map((x) => sql`${x}`), sql`, `);
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
  const keyed = sql`SELECT run_id FROM ${sql.raw(table)} WHERE key = ${c.key}`;
  if (c.op === 'IS NULL') return sql`r.id NOT IN (${keyed})`;
  if (c.op === 'IS NOT NULL') return sql`r.id IN (${keyed})`;
  return sql`r.id IN (${keyed} AND ${valueTest(sql.raw(value), c)})`;
}

export function filterSql(node: FilterNode): SQL {
  if (node.type === 'compare') return comparisonSql(node);
  const glue = node.type === 'and' ? sql` AND ` : sql` OR `;
  return sql`(${sql.join(node.items.map(filterSql), glue)})`;
}

const DEFAULT_ORDER: OrderTerm[] = [{ entity: 'attribute', key: 'start_time', direction: 'DESC' }];

/** The expression each order term sorts by, and the join that brings it in. */
function orderTerms(order: OrderTerm[]) {
  return order.map((t, i) => {
    if (t.entity === 'attribute') return { term: t, expr: column(t.key), join: sql`` };
    const { table, value } = ENTITY_TABLES[t.entity];
    const alias = sql.raw(`o${i}`);
    return {
      term: t,
      expr: sql.raw(`o${i}.${value}`),
      join: sql` LEFT JOIN ${sql.raw(table)} ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ${t.key}`,
    };
  });
}

interface PageToken {
  q: string;
  v: Array<string | number | null>;
  id: string;
}

const encodeToken = (t: PageToken) => btoa(JSON.stringify(t)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
function decodeToken(token: string, fingerprint: string): PageToken {
  try {
    const t = JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/'))) as PageToken;
    if (t.q === fingerprint && Array.isArray(t.v) && typeof t.id === 'string') return t;
  } catch {
    // fall through to the error below
  }
  throw new OutpostError(400, 'bad_request', 'invalid pageToken: it must come from a search with the same experiments, filter and order');
}

/**
 * Rows strictly after the last row of the previous page, in the sort order (NULLs last in every direction,
 * then run id): keyset pagination, so runs inserted meanwhile neither repeat nor shift a page.
 */
function afterSql(terms: ReturnType<typeof orderTerms>, token: PageToken): SQL {
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

type RawRun = Record<string, unknown>;
const toRunRow = (r: RawRun): RunRow => ({
  id: r.id as string,
  projectId: r.project_id as string,
  experimentId: r.experiment_id as string,
  name: r.name as string,
  status: r.status as RunRow['status'],
  startTime: Number(r.start_time),
  endTime: r.end_time === null ? null : Number(r.end_time),
  source: r.source as RunRow['source'],
  deviceId: (r.device_id as string | null) ?? null,
  parentRunId: (r.parent_run_id as string | null) ?? null,
  userId: (r.user_id as string | null) ?? null,
  lifecycle: r.lifecycle as RunRow['lifecycle'],
  pending: Boolean(r.pending),
});

export async function searchRuns(db: Db, projectId: string, input: SearchRuns): Promise<{ runs: Run[]; nextPageToken: string | null }> {
  const experimentIds = [...new Set(input.experimentIds)];
  await experimentsByIds(db, projectId, experimentIds);
  const filter = parseFilter(input.filter ?? '');
  const order = [...parseOrderBy(input.orderBy ?? []), ...(input.orderBy?.length ? [] : DEFAULT_ORDER)];
  const terms = orderTerms(order);
  const fingerprint = hash(JSON.stringify([experimentIds, input.filter ?? '', input.orderBy ?? [], input.lifecycle]));
  const token = input.pageToken ? decodeToken(input.pageToken, fingerprint) : undefined;

  const where: SQL[] = [sql`r.project_id = ${projectId}`, sql`r.experiment_id IN (${sql.join(experimentIds.map((id) => sql`${id}`), sql`, `)})`];
  if (input.lifecycle !== 'all') where.push(sql`r.lifecycle = ${input.lifecycle}`);
  if (filter) where.push(filterSql(filter));
  if (token) where.push(afterSql(terms, token));
  const selectOrder = terms.map(({ expr }, i) => sql`, ${expr} AS ${sql.raw(`ov${i}`)}`);
  const orderBy = terms.flatMap(({ term, expr }) => [sql`(${expr} IS NULL)`, sql`${expr} ${sql.raw(term.direction)}`]);

  const rows = await db.all<RawRun>(sql`SELECT r.*${sql.join(selectOrder, sql``)} FROM runs r${sql.join(
    terms.map((t) => t.join),
    sql``,
  )} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${sql.join([...orderBy, sql`r.id ASC`], sql`, `)} LIMIT ${input.limit + 1}`);

  const page = rows.slice(0, input.limit);
  const lastRow = page[page.length - 1];
  const nextPageToken =
    rows.length > input.limit && lastRow
      ? encodeToken({ q: fingerprint, v: terms.map((_, i) => (lastRow[`ov${i}`] ?? null) as string | number | null), id: lastRow.id as string })
      : null;
  return { runs: await runDetails(db, page.map(toRunRow)), nextPageToken };
}

/** A short, stable fingerprint (FNV-1a) that ties a page token to its query. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
