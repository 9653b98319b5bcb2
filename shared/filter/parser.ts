/**
 * Recursive-descent parser for the run-search filter (MLflow's search_runs syntax plus OR and
 * parentheses) and for order_by terms. Grammar:
 *   expr := andExpr (OR andExpr)* ; andExpr := primary (AND primary)* ;
 *   primary := '(' expr ')' | identifier op value
 * It validates operators and value types per entity here, so the hub's SQL builder can trust the
 * AST and every user mistake becomes a FilterSyntaxError pointing at a column.
 */
import {
  allowedOps,
  ATTRIBUTES,
  findAttribute,
  PREFIXES,
  type CompareOp,
  type Comparison,
  type Entity,
  type FilterNode,
  type OrderTerm,
  type ValueKind,
} from './ast.js';
import { FilterSyntaxError, tokenize, type Token } from './lexer.js';

const PREFIX_HINT = 'use metrics., params., tags. or attributes.';
/** Parentheses nest at most this deep: the parser, the SQL builder and the evaluator all recurse per level. */
export const MAX_FILTER_DEPTH = 32;
const KEYWORDS = new Set(['AND', 'OR', 'LIKE', 'ILIKE', 'IN', 'NOT', 'IS', 'NULL', 'ASC', 'DESC']);

/** Parses a filter; empty or whitespace-only text means "match all" and yields null. */
export function parseFilter(text: string): FilterNode | null {
  const c = new Cursor(tokenize(text));
  if (c.peek().kind === 'eof') return null;
  const node = parseOr(c);
  const tok = c.peek();
  if (tok.kind === ')') throw new FilterSyntaxError("unexpected ')'", tok.column);
  if (tok.kind !== 'eof') throw new FilterSyntaxError('expected AND or OR after the comparison', tok.column);
  return node;
}

/** Parses order_by terms such as `metrics.acc DESC`; the direction defaults to ASC. */
export function parseOrderBy(terms: string[]): OrderTerm[] {
  return terms.map((term) => {
    const c = new Cursor(tokenize(term));
    const { entity, key } = resolveIdentifier(c.next(), 'a column to order by');
    const direction = c.keyword('DESC') ? 'DESC' : c.keyword('ASC') ? 'ASC' : undefined;
    const rest = c.peek();
    if (rest.kind !== 'eof') {
      const problem = direction ? 'expected the end of the order_by term' : 'expected ASC or DESC after the column';
      throw new FilterSyntaxError(problem, rest.column);
    }
    return { entity, key, direction: direction ?? 'ASC' };
  });
}

/** Token stream with one token of lookahead; the trailing eof token is never consumed. */
class Cursor {
  private pos = 0;
  /** Open parentheses around the current position. */
  depth = 0;
  constructor(private readonly tokens: Token[]) {}
  peek(): Token {
    return this.tokens[this.pos]!;
  }
  next(): Token {
    const tok = this.peek();
    if (tok.kind !== 'eof') this.pos++;
    return tok;
  }
  /** Consumes the keyword (any case) if it is next. */
  keyword(word: string): boolean {
    const hit = isKeyword(this.peek(), word);
    if (hit) this.pos++;
    return hit;
  }
}

function isKeyword(tok: Token, word: string): boolean {
  return tok.kind === 'word' && !tok.key && tok.text.toUpperCase() === word;
}

const parseOr = (c: Cursor) => parseLogical(c, 'or', parseAnd);
const parseAnd = (c: Cursor) => parseLogical(c, 'and', parsePrimary);

/** One precedence level; same-type children (from parentheses) are flattened, being associative. */
function parseLogical(c: Cursor, type: 'and' | 'or', item: (c: Cursor) => FilterNode): FilterNode {
  const items: FilterNode[] = [];
  do {
    const node = item(c);
    if (node.type === type) items.push(...node.items);
    else items.push(node);
  } while (c.keyword(type.toUpperCase()));
  return items.length === 1 ? items[0]! : { type, items };
}

function parsePrimary(c: Cursor): FilterNode {
  const open = c.peek();
  if (open.kind !== '(') return parseComparison(c);
  c.next();
  if (++c.depth > MAX_FILTER_DEPTH) throw new FilterSyntaxError(`parentheses nest more than ${MAX_FILTER_DEPTH} deep`, open.column, 'flatten the filter: AND and OR chains need no parentheses');
  const inner = parseOr(c);
  c.depth--;
  const close = c.next();
  if (close.kind === ')') return inner;
  if (close.kind === 'eof') throw new FilterSyntaxError("missing ')'", close.column, `to close the '(' at column ${open.column}`);
  throw new FilterSyntaxError("expected AND, OR or ')'", close.column);
}

function parseComparison(c: Cursor): Comparison {
  const idTok = c.next();
  const id = resolveIdentifier(idTok, 'a comparison');
  const op = parseOperator(c, id);
  const allowed = allowedOps(id.entity, id.kind);
  if (!allowed.includes(op.op)) {
    const on = id.entity === 'attribute' ? `attribute ${id.key}` : `${id.entity}s`;
    throw new FilterSyntaxError(`operator '${op.op}' is not allowed on ${on}`, op.column, `expected one of ${allowed.join(', ')}`);
  }
  const value = parseValue(c, id.kind, op.op);
  return { type: 'compare', entity: id.entity, key: id.key, op: op.op, value, column: idTok.column };
}

interface Identifier {
  entity: Entity;
  key: string;
  kind: ValueKind;
}

/** Splits `prefix.key` at the first dot and checks both halves; `expected` names what should be here. */
function resolveIdentifier(tok: Token, expected: string): Identifier {
  if (tok.kind === 'eof') throw new FilterSyntaxError(`expected ${expected}`, tok.column);
  if (tok.kind !== 'word') throw new FilterSyntaxError(`unexpected ${describe(tok)}`, tok.column, `expected ${expected}`);
  const dot = tok.text.indexOf('.');
  if (dot < 0 && KEYWORDS.has(tok.text.toUpperCase())) throw new FilterSyntaxError(`unexpected ${tok.text.toUpperCase()}`, tok.column);
  if (dot < 0) throw new FilterSyntaxError(`missing prefix on "${tok.text}"`, tok.column, PREFIX_HINT);
  const prefix = tok.text.slice(0, dot);
  // hasOwn, not `in`: a prefix such as "constructor" must not hit Object.prototype.
  const entity = Object.hasOwn(PREFIXES, prefix.toLowerCase()) ? PREFIXES[prefix.toLowerCase()]! : undefined;
  if (!entity) throw new FilterSyntaxError(`unknown prefix "${prefix}"`, tok.column, PREFIX_HINT);
  const key = tok.key ? tok.key.text : tok.text.slice(dot + 1);
  const keyColumn = tok.key ? tok.key.column : tok.column + dot + 1;
  if (key === '') throw new FilterSyntaxError(`expected a key after "${prefix}."`, keyColumn);
  if (entity !== 'attribute') return { entity, key, kind: entity === 'metric' ? 'number' : 'string' };
  const attr = findAttribute(key);
  if (!attr) throw new FilterSyntaxError(`unknown attribute "${key}"`, keyColumn, `use ${ATTRIBUTES.map((a) => a.name).join(', ')}`);
  return { entity, key: attr.name, kind: attr.kind };
}

function describe(tok: Token): string {
  if (tok.kind === 'string') return 'string';
  if (tok.kind === 'number') return `number ${tok.text}`;
  return `'${tok.text}'`;
}

/** Reads a symbol operator or a keyword one: LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL. */
function parseOperator(c: Cursor, id: Identifier): { op: CompareOp; column: number } {
  const tok = c.next();
  const column = tok.column;
  if (tok.kind === 'op') return { op: tok.text as CompareOp, column };
  const word = tok.kind === 'word' && !tok.key ? tok.text.toUpperCase() : '';
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return { op: word, column };
  if (word === 'NOT') {
    if (c.keyword('IN')) return { op: 'NOT IN', column };
    throw new FilterSyntaxError('expected IN after NOT', c.peek().column);
  }
  if (word === 'IS') {
    const not = c.keyword('NOT');
    if (c.keyword('NULL')) return { op: not ? 'IS NOT NULL' : 'IS NULL', column };
    throw new FilterSyntaxError(not ? 'expected NULL after IS NOT' : 'expected NULL or NOT NULL after IS', c.peek().column);
  }
  throw new FilterSyntaxError(`expected an operator after "${id.entity}s.${id.key}"`, column);
}

/** Reads the value an operator needs; the literal's type must match the entity's kind. */
function parseValue(c: Cursor, kind: ValueKind, op: CompareOp): Comparison['value'] {
  if (op === 'IS NULL' || op === 'IS NOT NULL') return null;
  if (op === 'IN' || op === 'NOT IN') return parseList(c, op);
  const tok = c.next();
  const after = `after '${op}'`;
  if (kind === 'number' && tok.kind === 'number') return toNumber(tok);
  if (kind === 'string' && tok.kind === 'string') return tok.text;
  if (kind === 'number' && tok.kind === 'string') throw new FilterSyntaxError(`expected a number ${after}`, tok.column, 'not a string');
  if (kind === 'string' && tok.kind === 'number') throw new FilterSyntaxError(`expected a quoted string ${after}`, tok.column, 'not a number');
  const hint = kind === 'string' && tok.kind === 'word' ? `quote text, e.g. '${tok.text}'` : undefined;
  throw new FilterSyntaxError(`expected a value ${after}`, tok.column, hint);
}

function toNumber(tok: Token): number {
  const n = Number(tok.text);
  // 1e999 would silently become Infinity, which SQL cannot bind meaningfully.
  if (!Number.isFinite(n)) throw new FilterSyntaxError('number out of range', tok.column);
  return n;
}

/** `( 'a', 'b' )`: at least one string literal, comma separated. */
function parseList(c: Cursor, op: 'IN' | 'NOT IN'): string[] {
  const open = c.next();
  if (open.kind !== '(') throw new FilterSyntaxError(`expected '(' after ${op}`, open.column);
  const values: string[] = [];
  for (;;) {
    const item = c.next();
    if (item.kind !== 'string') throw new FilterSyntaxError(`expected a quoted string in the ${op} list`, item.column);
    values.push(item.text);
    const sep = c.next();
    if (sep.kind === ')') return values;
    if (sep.kind !== ',') throw new FilterSyntaxError(`expected ',' or ')' in the ${op} list`, sep.column);
  }
}
