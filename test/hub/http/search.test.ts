import { beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../shared/schemas/tracking.js';
import { call, expectError, newProject, type TestProject } from '../../helpers/client.js';
import { matches, render, renderOrder, sortRuns, type Condition, type Field, type KeptRun, type Order } from './search-oracle.js';

/** A small deterministic PRNG, so a failing filter can be reproduced from its seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

const PARAM_VALUES = ['0.01', '0.1', 'adam', 'sgd', 'Adam', 'x_y', '100'];
const TAG_VALUES = ['vision', 'vision-large', 'nlp', 'Vision', 'a%b', 'edge'];
const STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'];

// The grid is written once and only read by the tests below; a test that writes runs makes its own experiment.
let p: TestProject;
let grid: string;
/** The 48 runs as this file created them: the oracle's only source. */
const kept: KeptRun[] = [];

async function searchAll(body: Record<string, unknown>, limit = 25, experimentId = grid): Promise<Run[]> {
  const out: Run[] = [];
  let pageToken: string | undefined;
  do {
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], limit, pageToken, ...body } });
    if (r.status !== 200) throw new Error(`${JSON.stringify(body)}: ${r.text}`);
    out.push(...r.body.runs);
    pageToken = r.body.nextPageToken ?? undefined;
  } while (pageToken);
  return out;
}

const newExperiment = async (name: string) => (await call('/v1/experiments', { key: p.keys.write, json: { name } })).body.experiment.id as string;

/** Creates a run and logs its metrics (each a list of [step, value]), keeping what was sent. */
async function createRun(experimentId: string, run: Omit<KeptRun, 'id' | 'metrics'>, metrics: Record<string, Array<[number, number]>>): Promise<KeptRun> {
  const created = await call('/v1/runs', { key: p.keys.write, json: { experimentId, ...run } });
  expect(created.status, created.text).toBe(201);
  const id: string = created.body.run.id;
  const entries = Object.entries(metrics);
  if (entries.length) {
    const logged = await call(`/v1/runs/${id}/log`, { key: p.keys.write, json: { metrics: entries.map(([key, points]) => ({ key, steps: points.map((x) => x[0]), values: points.map((x) => x[1]) })) } });
    expect(logged.status, logged.text).toBe(200);
  }
  const latest = Object.fromEntries(entries.map(([key, points]) => [key, points.reduce((a, b) => (b[0] >= a[0] ? b : a))[1]]));
  return { id, ...run, metrics: latest };
}

beforeAll(async () => {
  p = await newProject('search');
  grid = await newExperiment('grid');
  const rand = prng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  for (let i = 0; i < 48; i++) {
    const params: Record<string, string> = {};
    const tags: Record<string, string> = {};
    if (rand() < 0.8) params.lr = pick(PARAM_VALUES);
    if (rand() < 0.6) params.optimizer = pick(PARAM_VALUES);
    if (rand() < 0.7) tags.team = pick(TAG_VALUES);
    const run = { name: `run-${i % 7}`, params, tags, startTime: 1_700_000_000_000 + Math.floor(rand() * 20) * 1000, status: pick(STATUSES) };
    const metrics: Record<string, Array<[number, number]>> = {};
    if (rand() < 0.85) metrics.acc = [[0, 0.1], [1, Math.round(rand() * 20) / 20]];
    if (rand() < 0.6) metrics.loss = [[3, Math.round(rand() * 10) - 5]];
    kept.push(await createRun(grid, run, metrics));
  }
  // The hub holds exactly the runs the oracle knows, so a disagreement below is about filtering, not about what was stored.
  expect((await searchAll({}, 100)).map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
}, 120_000);

const metric = (key: string): Field => ({ kind: 'metrics', key });
const param = (key: string): Field => ({ kind: 'params', key });
const team = (backticks = false): Field => ({ kind: 'tags', key: 'team', backticks });
const status: Field = { kind: 'attributes', key: 'status' };

function randomComparison(rand: () => number): Condition {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const ops = ['=', '!=', '>', '>=', '<', '<='] as const;
  switch (Math.floor(rand() * 6)) {
    case 0:
      return { type: 'compare', field: metric(pick(['acc', 'loss', 'missing'])), op: pick(ops), value: pick([0.5, 0, -2, 1, 0.25]) };
    case 1:
      return { type: 'compare', field: param(pick(['lr', 'optimizer'])), op: pick(['=', '!='] as const), value: pick(PARAM_VALUES) };
    case 2:
      return { type: 'like', field: param('optimizer'), op: pick(['LIKE', 'ILIKE'] as const), pattern: pick(['a%', '%a%', 'ADAM', 's_d', '%\\_%', '_']) };
    case 3: {
      const op = pick(['LIKE', 'ILIKE', '=', '!='] as const);
      const value = pick([...TAG_VALUES, 'vision%', 'VISION%', '%b']);
      return op === 'LIKE' || op === 'ILIKE' ? { type: 'like', field: team(), op, pattern: value } : { type: 'compare', field: team(), op, value };
    }
    case 4:
      return pick<Condition>([
        { type: 'in', field: status, negated: false, values: ['FINISHED', 'FAILED'] },
        { type: 'in', field: status, negated: true, values: ['RUNNING'] },
        { type: 'compare', field: { kind: 'attributes', key: 'run_name' }, op: '=', value: 'run-3' },
        { type: 'compare', field: { kind: 'attributes', key: 'start_time' }, op: '>=', value: 1_700_000_010_000 },
        { type: 'null', field: param('lr'), negated: false },
        { type: 'null', field: team(), negated: true },
        { type: 'null', field: metric('loss'), negated: false },
      ]);
    default:
      return { type: 'in', field: team(true), negated: false, values: [pick(TAG_VALUES), pick(TAG_VALUES)] };
  }
}

function randomFilter(rand: () => number, depth = 0): Condition {
  if (depth > 2 || rand() < 0.4) return randomComparison(rand);
  const type = rand() < 0.5 ? 'and' : 'or';
  const left = randomFilter(rand, depth + 1);
  const right = randomFilter(rand, depth + 1);
  return { type, left, right, parens: rand() < 0.5, lowercase: rand() < 0.25 };
}

const ids = (runs: Array<{ id: string }>) => runs.map((r) => r.id);
const oracle = (filter: Condition) => kept.filter((r) => matches(r, filter));

describe('run search', () => {
  it('answers 120 random filters exactly as a scan of the runs the test created does', async () => {
    const rand = prng(2024);
    let nonEmpty = 0;
    for (let i = 0; i < 120; i++) {
      const filter = randomFilter(rand);
      const expected = ids(oracle(filter)).sort();
      if (expected.length > 0 && expected.length < kept.length) nonEmpty++;
      expect(ids(await searchAll({ filter: render(filter) }, 100)).sort(), render(filter)).toEqual(expected);
    }
    // The filters separate runs: most match some but not all of them.
    expect(nonEmpty).toBeGreaterThan(60);
  }, 120_000);

  it('pages 40 random filters in metric order exactly as the oracle filters and sorts them', async () => {
    const rand = prng(99);
    const order: Order[] = [{ field: metric('acc'), descending: true }, { field: param('lr'), descending: false }];
    for (let i = 0; i < 40; i++) {
      const filter = randomFilter(rand);
      const expected = ids(sortRuns(oracle(filter), order));
      expect(ids(await searchAll({ filter: render(filter), orderBy: order.map(renderOrder) }, 7)), render(filter)).toEqual(expected);
    }
  }, 120_000);

  it('orders by metrics, params and attributes as the oracle sorts, missing values last', async () => {
    const orders: Order[][] = [
      [{ field: metric('acc'), descending: true }],
      [{ field: metric('loss'), descending: false }, { field: param('lr'), descending: true }],
      [{ field: param('optimizer'), descending: false, bare: true }, { field: { kind: 'attributes', key: 'start_time' }, descending: true }],
      [{ field: { kind: 'attributes', key: 'run_name' }, descending: true }, { field: metric('acc'), descending: false, bare: true }],
    ];
    for (const order of orders) {
      const orderBy = order.map(renderOrder);
      expect(ids(await searchAll({ orderBy }, 9)), orderBy.join(', ')).toEqual(ids(sortRuns(kept, order)));
    }
  });

  it('binds AND tighter than OR, and parentheses override it', async () => {
    const count = async (filter: string) => (await searchAll({ filter }, 100)).length;
    const a: Condition = { type: 'compare', field: status, op: '=', value: 'FINISHED' };
    const b: Condition = { type: 'compare', field: status, op: '=', value: 'FAILED' };
    const c: Condition = { type: 'compare', field: metric('acc'), op: '>', value: 0.5 };
    const [ta, tb, tc] = [a, b, c].map(render);
    const implicit = await count(`${ta} OR ${tb} AND ${tc}`);
    const grouped = await count(`(${ta} OR ${tb}) AND ${tc}`);
    const or = (left: Condition, right: Condition): Condition => ({ type: 'or', left, right, parens: true, lowercase: false });
    const and = (left: Condition, right: Condition): Condition => ({ type: 'and', left, right, parens: true, lowercase: false });
    expect(implicit).toBe(await count(`${ta} OR (${tb} AND ${tc})`));
    expect(implicit).toBe(oracle(or(a, and(b, c))).length);
    expect(grouped).toBe(oracle(and(or(a, b), c)).length);
    // The two readings differ on this grid, so the counts above tell them apart.
    expect(implicit).not.toBe(grouped);
  });

  it('treats injection attempts as literal values', async () => {
    for (const filter of [`params.lr = '0.01'' OR 1=1 --'`, `tags.team = '; DROP TABLE runs; --'`, `params.\`lr = '' OR ''='\` = 'x'`]) {
      expect(await searchAll({ filter })).toEqual([]);
    }
    expect(ids(await searchAll({})).sort()).toEqual(ids(kept).sort());
  });

  it('points at the column of a bad filter', async () => {
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [grid], filter: 'metrics.acc > 0.9 and params.lr =' } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.details.column).toBe(34); // where the value should start, just past the end
    expect(r.body.error.message).toBe("expected a value after '=' at column 34");
  });

  it('keeps pages stable while runs are inserted between them', async () => {
    const experimentId = await newExperiment('inserts');
    const rand = prng(5);
    for (let i = 0; i < 14; i++) {
      await createRun(experimentId, { name: `r${i}`, status: 'FINISHED', startTime: 1_700_000_000_000, params: { lr: ['sgd', 'adam', '0.01', '0.1'][i % 4]! }, tags: {} }, { acc: [[0, Math.round(rand() * 10) / 10]] });
    }
    const body = { filter: "params.lr = 'sgd' OR params.lr = 'adam' OR params.lr = '0.01'", orderBy: ['metrics.acc DESC'] };
    const before = await searchAll(body, 100, experimentId);
    expect(before.length).toBeGreaterThan(8);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let inserted = 0;
    do {
      const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], limit: 4, pageToken, ...body } });
      seen.push(...r.body.runs.map((x: Run) => x.id));
      pageToken = r.body.nextPageToken ?? undefined;
      // New runs that sort before and after the cursor: neither may shift what the next page holds.
      await createRun(experimentId, { name: `late-${inserted}`, status: 'RUNNING', startTime: 1_700_000_000_000, params: { lr: 'sgd' }, tags: {} }, { acc: [[0, inserted++ % 2 ? 2 : -2]] });
    } while (pageToken);
    expect(inserted).toBeGreaterThan(2);
    expect(new Set(seen).size).toBe(seen.length);
    const original = ids(before);
    expect(seen.filter((id) => original.includes(id))).toEqual(original);
  });

  it('takes long IN lists, and refuses filters with too many comparisons', async () => {
    const many = Array.from({ length: 150 }, (_, i) => `v${i}`);
    const filter: Condition = {
      type: 'or',
      left: { type: 'in', field: param('lr'), negated: false, values: ['sgd', ...many] },
      right: { type: 'in', field: team(), negated: true, values: many },
      parens: false,
      lowercase: false,
    };
    const expected = ids(oracle(filter)).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(await searchAll({ filter: render(filter) })).sort()).toEqual(expected);
    const tooMany = Array.from({ length: 31 }, (_, i) => `metrics.acc > ${i}`).join(' or ');
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [grid], filter: tooMany } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toContain('at most 30');
  });

  it('refuses a page token from another query', async () => {
    const first = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [grid], limit: 2 } });
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [grid], limit: 2, filter: 'metrics.acc > 0', pageToken: first.body.nextPageToken } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toContain('pageToken');
  });
});
