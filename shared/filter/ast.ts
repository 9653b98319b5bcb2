/**
 * The run-search filter AST and its vocabulary (prefixes, attributes, operators). The parser builds
 * these nodes, the hub turns them into SQL and the console/oracle evaluates them in memory, so the
 * tables here are the single source of truth all three agree on.
 */

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';

export type CompareOp =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

/**
 * One `identifier op value`. For attributes `key` is the canonical name (aliases are resolved at
 * parse time). `value` is a number for numeric entities, a string or string list for string
 * entities, and null for IS [NOT] NULL. `column` is the 1-based column of the identifier.
 */
export interface Comparison {
  type: 'compare';
  entity: Entity;
  key: string;
  op: CompareOp;
  value: number | string | string[] | null;
  column: number;
}

/** Flattened: `a AND b AND c` is one node with 3 items, never nested nodes of the same type. */
export interface Logical {
  type: 'and' | 'or';
  items: FilterNode[];
}

export type FilterNode = Comparison | Logical;

export interface OrderTerm {
  entity: Entity;
  key: string;
  direction: 'ASC' | 'DESC';
}

export type ValueKind = 'string' | 'number';

export interface AttributeSpec {
  name: string;
  kind: ValueKind;
  aliases: readonly string[];
}

/** Run attributes that can be filtered and ordered on. Times are epoch milliseconds. */
export const ATTRIBUTES = [
  { name: 'run_id', kind: 'string', aliases: ['id'] },
  { name: 'run_name', kind: 'string', aliases: ['name'] },
  { name: 'status', kind: 'string', aliases: [] },
  { name: 'start_time', kind: 'number', aliases: ['created', 'start'] },
  { name: 'end_time', kind: 'number', aliases: ['end'] },
  { name: 'experiment_id', kind: 'string', aliases: [] },
  { name: 'source', kind: 'string', aliases: [] },
  { name: 'device_id', kind: 'string', aliases: [] },
  { name: 'parent_run_id', kind: 'string', aliases: [] },
  { name: 'user_id', kind: 'string', aliases: [] },
] as const satisfies readonly AttributeSpec[];

export type AttributeName = (typeof ATTRIBUTES)[number]['name'];

/** Finds an attribute by canonical name or alias, case-insensitively (MLflow users type both). */
export function findAttribute(key: string): AttributeSpec | undefined {
  const k = key.toLowerCase();
  return ATTRIBUTES.find((a) => a.name === k || (a.aliases as readonly string[]).includes(k));
}

/** Identifier prefixes, lower-cased; MLflow accepts singular and plural spellings. */
export const PREFIXES: Readonly<Record<string, Entity>> = {
  metrics: 'metric',
  metric: 'metric',
  params: 'param',
  param: 'param',
  parameters: 'param',
  parameter: 'param',
  tags: 'tag',
  tag: 'tag',
  attributes: 'attribute',
  attribute: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

export const NUMERIC_OPS: readonly CompareOp[] = ['=', '!=', '>', '>=', '<', '<='];
export const STRING_OPS: readonly CompareOp[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
export const NULL_OPS: readonly CompareOp[] = ['IS NULL', 'IS NOT NULL'];

/** Operators allowed on an entity of a kind. IS [NOT] NULL asks whether a run has a key at all,
 * which only makes sense for keyed entities (metrics, params, tags), not fixed attributes. */
export function allowedOps(entity: Entity, kind: ValueKind): readonly CompareOp[] {
  const base = kind === 'number' ? NUMERIC_OPS : STRING_OPS;
  return entity === 'attribute' ? base : [...base, ...NULL_OPS];
}
