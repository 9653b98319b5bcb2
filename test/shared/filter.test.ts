import { describe, expect, it } from 'vitest';
import { OutpostError } from '../../shared/errors.js';
import { ATTRIBUTES, compareRunsForOrder, evaluateFilter, FilterSyntaxError, parseFilter, parseOrderBy } from '../../shared/filter/index.js';
import type { CompareOp, EvalRun } from '../../shared/filter/index.js';

const cmp = (entity: string, key: string, op: string, value: unknown, column = 1) => ({ type: 'compare', entity, key, op, value, column });
/** Runs `fn`, which must throw a FilterSyntaxError, and returns that error. */
function syntaxError(fn: () => unknown): FilterSyntaxError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err;
    throw err;
  }
  throw new Error('expected a FilterSyntaxError');
}

describe('parseFilter structure', () => {
  it('returns null for an empty or whitespace-only filter', () => expect([parseFilter(''), parseFilter(' \t\n ')]).toEqual([null, null]));

  it('binds AND tighter than OR', () => {
    const and = { type: 'and', items: [cmp('metric', 'b', '>', 2, 18), cmp('metric', 'c', '>', 3, 36)] };
    expect(parseFilter('metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3')).toEqual({ type: 'or', items: [cmp('metric', 'a', '>', 1), and] });
  });

  it('lets parentheses override precedence and flattens chains of the same operator', () => {
    const or = { type: 'or', items: [cmp('metric', 'a', '>', 1, 2), cmp('metric', 'b', '>', 2, 19)] };
    const ast = parseFilter('(metrics.a > 1 OR metrics.b > 2) AND metrics.c > 3 AND metrics.d > 4');
    expect(ast).toEqual({ type: 'and', items: [or, cmp('metric', 'c', '>', 3, 38), cmp('metric', 'd', '>', 4, 56)] });
  });

  it('parses nested parentheses', () => {
    const ast = parseFilter("((params.a = 'x' OR (tags.b = 'y' AND tags.c = 'z')))");
    expect(ast).toEqual({ type: 'or', items: [cmp('param', 'a', '=', 'x', 3), { type: 'and', items: [cmp('tag', 'b', '=', 'y', 22), cmp('tag', 'c', '=', 'z', 39)] }] });
  });

  it('accepts every prefix spelling case-insensitively and resolves attribute aliases', () => {
    const entities = ['metrics', 'METRIC', 'params', 'Param', 'parameters', 'parameter', 'tags', 'TAG'].map((p) => parseFilter(`${p}.k IS NULL`));
    expect(entities.map((n) => n?.type === 'compare' && n.entity)).toEqual(['metric', 'metric', 'param', 'param', 'param', 'param', 'tag', 'tag']);
    const attrs = { "attributes.id = 'x'": 'run_id', "attribute.NAME = 'x'": 'run_name', 'attr.created > 1': 'start_time', 'run.start > 1': 'start_time', 'run.end > 1': 'end_time' };
    for (const [text, key] of Object.entries(attrs)) expect(parseFilter(text)).toMatchObject({ entity: 'attribute', key });
  });

  it('treats keywords case-insensitively', () => {
    const ast = parseFilter("params.a like 'x%' and params.b Ilike 'y' oR tags.c not in ('z') Or tags.d is not null aNd tags.e In ('q')");
    expect(ast).toMatchObject({ type: 'or', items: [{ type: 'and', items: [{ op: 'LIKE' }, { op: 'ILIKE' }] }, { op: 'NOT IN' }, { type: 'and', items: [{ op: 'IS NOT NULL' }, { op: 'IN' }] }] });
  });

  it('reads dotted, backticked and double-quoted keys', () => {
    expect(parseFilter("tags.mlflow.source.name = 'train.py'")).toEqual(cmp('tag', 'mlflow.source.name', '=', 'train.py'));
    expect(parseFilter('metrics.`f1 score` >= 0.5')).toEqual(cmp('metric', 'f1 score', '>=', 0.5));
    expect(parseFilter('tags."my tag" = "v"')).toEqual(cmp('tag', 'my tag', '=', 'v'));
    expect(parseFilter("params.`a>=b AND c` = 'x'")).toEqual(cmp('param', 'a>=b AND c', '=', 'x'));
    expect(parseFilter('metrics.acc>=0.5')).toEqual(cmp('metric', 'acc', '>=', 0.5));
  });

  it('unescapes both quote styles, doubled quotes and backslashes', () => {
    const value = (text: string) => (parseFilter(text) as { value: unknown }).value;
    const literals = ["'it''s'", "'it\\'s'", '"say ""hi"""', '"a \\" b"', `"it's"`, "''", "'back\\\\slash'"];
    expect(literals.map((l) => value(`params.a = ${l}`))).toEqual(["it's", "it's", 'say "hi"', 'a " b', "it's", '', 'back\\slash']);
  });

  it('parses negative, decimal and exponent numbers', () => {
    const value = (n: string) => (parseFilter(`metrics.m > ${n}`) as { value: unknown }).value;
    expect([value('-3'), value('0.25'), value('.5'), value('1e-3'), value('-2.5E+2'), value('42')]).toEqual([-3, 0.25, 0.5, 0.001, -250, 42]);
  });

  it('parses IN and NOT IN lists and IS [NOT] NULL', () => {
    expect(parseFilter("attributes.status IN ('FINISHED', 'FAILED')")).toEqual(cmp('attribute', 'status', 'IN', ['FINISHED', 'FAILED']));
    expect(parseFilter("tags.t NOT IN ('a')")).toEqual(cmp('tag', 't', 'NOT IN', ['a']));
    expect(parseFilter('metrics.m IS NULL')).toEqual(cmp('metric', 'm', 'IS NULL', null));
    expect(parseFilter('params.p IS NOT NULL')).toEqual(cmp('param', 'p', 'IS NOT NULL', null));
  });

  it('stores injection attempts verbatim as a single comparison value', () => {
    expect(parseFilter("params.a = 'x'' OR 1=1 --'")).toEqual(cmp('param', 'a', '=', "x' OR 1=1 --"));
    expect(parseFilter("tags.t = '; DROP TABLE runs; --'")).toEqual(cmp('tag', 't', '=', '; DROP TABLE runs; --'));
    expect(parseFilter("params.a IN ('x'') OR 1=1 --')")).toEqual(cmp('param', 'a', 'IN', ["x') OR 1=1 --"]));
    expect(parseFilter("tags.`x'; DELETE FROM runs` = 'y'")).toEqual(cmp('tag', "x'; DELETE FROM runs", '=', 'y'));
  });
});

const NUMERIC: CompareOp[] = ['=', '!=', '>', '>=', '<', '<='], STRING: CompareOp[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const NULLS: CompareOp[] = ['IS NULL', 'IS NOT NULL'], ALL_OPS = [...new Set([...NUMERIC, ...STRING, ...NULLS])];
const TARGETS = [
  { id: 'metrics.acc', on: 'metrics', numeric: true, ops: [...NUMERIC, ...NULLS] },
  { id: 'params.lr', on: 'params', numeric: false, ops: [...STRING, ...NULLS] },
  { id: 'tags.team', on: 'tags', numeric: false, ops: [...STRING, ...NULLS] },
  { id: 'attributes.status', on: 'attribute status', numeric: false, ops: STRING },
  { id: 'attributes.start_time', on: 'attribute start_time', numeric: true, ops: NUMERIC },
];
const operand = (op: CompareOp, numeric: boolean) => (op.includes('NULL') ? '' : op.includes('IN') ? "('a', 'b')" : numeric ? '0.5' : "'a'");

describe('operators per entity', () => {
  it.each(TARGETS)('allows exactly the right operators on $id', ({ id, on, numeric, ops }) => {
    for (const op of ALL_OPS) {
      const text = `${id} ${op} ${operand(op, numeric)}`;
      if (ops.includes(op)) expect(parseFilter(text)).toMatchObject({ op });
      else expect(syntaxError(() => parseFilter(text)).message).toBe(`operator '${op}' is not allowed on ${on} at column ${id.length + 2} (expected one of ${ops.join(', ')})`);
    }
  });
});

describe('syntax errors', () => {
  it.each<[string, number, string]>([
    ['metrics.accuracy>', 18, "expected a value after '>' at column 18"],
    ['metrics.a > 1)', 14, "unexpected ')' at column 14"],
    ['()', 2, "unexpected ')' at column 2 (expected a comparison)"],
    ["params.a = 'abc", 12, 'unterminated string starting at column 12'],
    ['metrics.a > 1 metrics.b > 2', 15, 'expected AND or OR after the comparison at column 15'],
    ['metricz.acc > 1', 1, 'unknown prefix "metricz" at column 1 (use metrics., params., tags. or attributes.)'],
    ['metrics.a > 1 AND acc > 1', 19, 'missing prefix on "acc" at column 19 (use metrics., params., tags. or attributes.)'],
    ['(metrics.a > 1', 15, "missing ')' at column 15 (to close the '(' at column 1)"],
    ['(metrics.a > 1 metrics.b > 1)', 16, "expected AND, OR or ')' at column 16"],
    ['metrics.a > 1 AND ', 19, 'expected a comparison at column 19'],
    ['metrics.a > 1 OR OR metrics.b > 1', 18, 'unexpected OR at column 18'],
    ["attributes.foo = 'x'", 12, `unknown attribute "foo" at column 12 (use ${ATTRIBUTES.map((a) => a.name).join(', ')})`],
    ["tags.t IN 'a'", 11, "expected '(' after IN at column 11"],
    ["tags.t IN ('a' 'b')", 16, "expected ',' or ')' in the IN list at column 16"],
    ['tags.t NOT IN ()', 16, 'expected a quoted string in the NOT IN list at column 16'],
    ["params.a NOT 'x'", 14, 'expected IN after NOT at column 14'],
    ['metrics.a IS 1', 14, 'expected NULL or NOT NULL after IS at column 14'],
    ['metrics.a @ 1', 11, "unexpected character '@' at column 11"],
    ['metrics.a > 1e', 13, 'malformed number at column 13'],
    ['metrics.a > 1e999', 13, 'number out of range at column 13'],
    ['metrics. > 1', 9, 'expected a key after "metrics." at column 9'],
    ["metrics.a 'x'", 11, 'expected an operator after "metrics.a" at column 11'],
    ['params.a = foo', 12, "expected a value after '=' at column 12 (quote text, e.g. 'foo')"],
    ["metrics.acc = 'high'", 15, "expected a number after '=' at column 15 (not a string)"],
    ['params.lr = 0.1', 13, "expected a quoted string after '=' at column 13 (not a number)"],
    ["attributes.end_time < '5'", 23, "expected a number after '<' at column 23 (not a string)"],
  ])('reports %j at column %i', (text, column, message) => {
    const err = syntaxError(() => parseFilter(text));
    expect([err.message, err.column]).toEqual([message, column]);
  });

  it('is an OutpostError with status 400, code bad_request and the column in details', () => {
    const err = syntaxError(() => parseFilter('metrics.a >'));
    expect([err instanceof OutpostError, err.status, err.code, err.details]).toEqual([true, 400, 'bad_request', { column: 12 }]);
  });
});

describe('parseOrderBy', () => {
  it('reads entity, key and direction, defaulting to ASC', () => {
    const terms = parseOrderBy(['metrics.acc DESC', 'attributes.created', 'params.lr asc', 'tags.`my tag` desc']);
    expect(terms.map((t) => `${t.entity}:${t.key}:${t.direction}`)).toEqual(['metric:acc:DESC', 'attribute:start_time:ASC', 'param:lr:ASC', 'tag:my tag:DESC']);
    expect(parseOrderBy([])).toEqual([]);
  });

  it('rejects malformed terms with a column', () => {
    const fail = (term: string) => syntaxError(() => parseOrderBy([term])).message;
    expect(fail('')).toBe('expected a column to order by at column 1');
    expect(fail('metrics.acc DESK')).toBe('expected ASC or DESC after the column at column 13');
    expect(fail('metrics.acc DESC ASC')).toBe('expected the end of the order_by term at column 18');
    expect(fail('acc')).toBe('missing prefix on "acc" at column 1 (use metrics., params., tags. or attributes.)');
    expect(fail('attributes.nope')).toMatch(/^unknown attribute "nope" at column 12/);
  });
});

type Bags = [EvalRun['metrics'], EvalRun['params'], EvalRun['tags'], EvalRun['attributes']];
const run = (id: string, ...[metrics, params, tags, attrs]: Bags): EvalRun => ({ metrics, params, tags, attributes: { run_id: id, ...attrs } });
const RUNS = [
  run('r1', { acc: 0.9, loss: 0.1, steps: 10 }, { lr: '0.01', opt: 'Adam' }, { team: 'vision', 'mlflow.source.name': 'train.py', note: 'a.c*', city: 'Évry' }, { run_name: 'alpha', status: 'FINISHED', start_time: 1000, end_time: 2000 }),
  run('r2', { acc: 0.5, steps: 9 }, { lr: '0.1' }, { team: 'Vision' }, { run_name: 'beta', status: 'RUNNING', start_time: 3000, end_time: null }),
  run('r3', {}, {}, {}, { status: 'FAILED', start_time: 2000, end_time: 2500 }),
];
const matching = (filter: string) => RUNS.filter((r) => evaluateFilter(parseFilter(filter), r)).map((r) => r.attributes.run_id);
const RULES: Record<string, Array<[string, string[]]>> = {
  'matches every run with an empty filter': [['', ['r1', 'r2', 'r3']], ['  ', ['r1', 'r2', 'r3']]],
  'compares numbers numerically': [['metrics.acc > 0.6', ['r1']], ['metrics.acc = 0.5', ['r2']], ['metrics.acc < 5e-1', []], ['metrics.steps > 9', ['r1']],
    ['metrics.acc >= 0.5 AND metrics.acc <= 0.9', ['r1', 'r2']], ['attributes.start_time >= 2000', ['r2', 'r3']]],
  'never matches a missing key or null attribute, even with != or NOT IN': [['metrics.loss != 5', ['r1']], ["params.opt != 'x'", ['r1']],
    ["params.opt NOT IN ('x')", ['r1']], ["attributes.run_name != 'alpha'", ['r2']], ['attributes.end_time > 0', ['r1', 'r3']], ['attributes.end_time != 0', ['r1', 'r3']]],
  'treats IS NULL as the key being absent': [['metrics.loss IS NULL', ['r2', 'r3']], ['metrics.loss IS NOT NULL', ['r1']], ['params.lr IS NULL', ['r3']],
    ['tags.team IS NOT NULL', ['r1', 'r2']], ['params.constructor IS NULL', ['r1', 'r2', 'r3']]],
  'matches strings case-sensitively': [["tags.team = 'vision'", ['r1']], ["tags.team IN ('vision', 'x')", ['r1']], ["tags.team NOT IN ('vision')", ['r2']],
    ["tags.mlflow.source.name = 'train.py'", ['r1']], ["attributes.status IN ('FINISHED', 'FAILED')", ['r1', 'r3']]],
  // ILIKE folds ASCII letters only, as SQLite's LIKE does, so the oracle agrees with the hub's SQL.
  'applies LIKE case-sensitively and ILIKE not, with % and _ wildcards only': [["tags.team LIKE 'v%'", ['r1']], ["tags.team ILIKE 'V%'", ['r1', 'r2']],
    ["tags.team ILIKE 'vision'", ['r1', 'r2']], ["tags.team LIKE 'visio_'", ['r1']], ["tags.team LIKE 'visi_'", []], ["tags.note LIKE 'a_c%'", ['r1']], ["tags.note LIKE 'a.c'", []],
    ["tags.city ILIKE 'évry'", []], ["tags.city ILIKE 'ÉVRY'", ['r1']]],
  'applies AND before OR and honours parentheses': [["metrics.acc > 0.6 OR attributes.status = 'FAILED' AND metrics.acc > 0", ['r1']],
    ["(metrics.acc > 0.6 OR attributes.status = 'FAILED') AND attributes.start_time > 500", ['r1', 'r3']]],
};

describe('evaluateFilter', () => {
  for (const [rule, cases] of Object.entries(RULES)) it.each(cases)(`${rule}: %j`, (filter, ids) => expect(matching(filter)).toEqual(ids));
});

describe('compareRunsForOrder', () => {
  const sorted = (terms: string[]) => [...RUNS].reverse().sort((a, b) => compareRunsForOrder(a, b, parseOrderBy(terms))).map((r) => r.attributes.run_id);

  it.each([
    ['sorts runs missing the key last when descending', ['metrics.acc DESC'], ['r1', 'r2', 'r3']],
    ['sorts runs missing the key last when ascending', ['metrics.acc ASC'], ['r2', 'r1', 'r3']],
    ['falls through a tie to the next term', ['metrics.loss', 'attributes.start_time DESC'], ['r1', 'r2', 'r3']],
    ['breaks remaining ties by run_id ascending', ['params.missing DESC'], ['r1', 'r2', 'r3']],
    ['compares params as strings', ['params.lr DESC'], ['r2', 'r1', 'r3']],
  ])('%s: %j', (_title, terms, ids) => expect(sorted(terms)).toEqual(ids));
});
