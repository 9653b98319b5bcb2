import { beforeAll, describe, expect, it } from 'vitest';
import { compareRunsForOrder, evaluateFilter, parseFilter, parseOrderBy, type EvalRun } from '../../../shared/filter/index.js';
import type { Run } from '../../../shared/schemas/tracking.js';
import { call, expectError, newProject, type TestProject } from '../../helpers/client.js';

/** A small deterministic PRNG, so a failing filter can be reproduced from its seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

const PARAM_VALUES = ['0.01', '0.1', 'adam', 'sgd', 'Adam', 'x_y', '100'];
const TAG_VALUES = ['vision', 'vision-large', 'nlp', 'Vision', 'a%b', 'edge'];
const STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'];

let p: TestProject;
let experimentId: string;
let runs: Run[] = [];
const toEval = (r: Run): EvalRun => ({
  metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, m]) => [k, m.value])),
  params: r.params,
  tags: r.tags,
  attributes: {
    run_id: r.id,
    run_name: r.name,
    status: r.status,
    start_time: r.startTime,
    end_time: r.endTime,
    experiment_id: r.experimentId,
    source: r.source,
    device_id: r.deviceId,
    parent_run_id: r.parentRunId,
    user_id: r.userId,
  },
});

async function searchAll(body: Record<string, unknown>, limit = 25): Promise<Run[]> {
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

beforeAll(async () => {
  p = await newProject('search');
  experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'grid' } })).body.experiment.id;
  const rand = prng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  for (let i = 0; i < 48; i++) {
    const params: Record<string, string> = {};
    const tags: Record<string, string> = {};
    if (rand() < 0.8) params.lr = pick(PARAM_VALUES);
    if (rand() < 0.6) params.optimizer = pick(PARAM_VALUES);
    if (rand() < 0.7) tags.team = pick(TAG_VALUES);
    const created = await call('/v1/runs', {
      key: p.keys.write,
      json: { experimentId, name: `run-${i % 7}`, params, tags, startTime: 1_700_000_000_000 + Math.floor(rand() * 20) * 1000, status: pick(STATUSES) },
    });
    const id = created.body.run.id;
    const metrics = [];
    if (rand() < 0.85) metrics.push({ key: 'acc', steps: [0, 1], values: [0.1, Math.round(rand() * 20) / 20] });
    if (rand() < 0.6) metrics.push({ key: 'loss', steps: [3], values: [Math.round(rand() * 10) - 5] });
    if (metrics.length) await call(`/v1/runs/${id}/log`, { key: p.keys.write, json: { metrics } });
  }
  runs = await searchAll({}, 100);
}, 120_000);

function randomComparison(rand: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const str = (v: string) => `'${v.replace(/'/g, "''")}'`;
  switch (Math.floor(rand() * 6)) {
    case 0:
      return `metrics.${pick(['acc', 'loss', 'missing'])} ${pick(['=', '!=', '>', '>=', '<', '<='])} ${pick(['0.5', '0', '-2', '1', '0.25'])}`;
    case 1:
      return `params.${pick(['lr', 'optimizer'])} ${pick(['=', '!='])} ${str(pick(PARAM_VALUES))}`;
    case 2:
      return `params.optimizer ${pick(['LIKE', 'ILIKE'])} ${str(pick(['a%', '%a%', 'ADAM', 's_d', '%\\_%', '_']))}`;
    case 3:
      return `tags.team ${pick(['LIKE', 'ILIKE', '=', '!='])} ${str(pick([...TAG_VALUES, 'vision%', 'VISION%', '%b']))}`;
    case 4:
      return pick([
        `attributes.status IN ('FINISHED', 'FAILED')`,
        `attributes.status NOT IN ('RUNNING')`,
        `attributes.run_name = 'run-3'`,
        `attributes.start_time >= 1700000010000`,
        `params.lr IS NULL`,
        `tags.team IS NOT NULL`,
        `metrics.loss IS NULL`,
      ]);
    default:
      return `tags.\`team\` IN (${str(pick(TAG_VALUES))}, ${str(pick(TAG_VALUES))})`;
  }
}

function randomFilter(rand: () => number, depth = 0): string {
  const r = rand();
  if (depth > 2 || r < 0.4) return randomComparison(rand);
  const op = rand() < 0.5 ? 'AND' : 'OR';
  const left = randomFilter(rand, depth + 1);
  const right = randomFilter(rand, depth + 1);
  return rand() < 0.5 ? `(${left}) ${op} (${right})` : `${left} ${rand() < 0.5 ? op.toLowerCase() : op} ${right}`;
}

describe('run search', () => {
  it('answers 120 random filters exactly as a brute-force scan of the same runs does', async () => {
    expect(runs).toHaveLength(48);
    const rand = prng(2024);
    for (let i = 0; i < 120; i++) {
      const filter = randomFilter(rand);
      const expected = runs.filter((r) => evaluateFilter(parseFilter(filter), toEval(r))).map((r) => r.id).sort();
      const got = (await searchAll({ filter }, 100)).map((r) => r.id).sort();
      expect(got, filter).toEqual(expected);
    }
  }, 120_000);

  it('pages 40 random filters in metric order exactly as the brute-force filter and sort do', async () => {
    const rand = prng(99);
    const order = ['metrics.acc DESC', 'params.lr ASC'];
    for (let i = 0; i < 40; i++) {
      const filter = randomFilter(rand);
      const expected = runs
        .filter((r) => evaluateFilter(parseFilter(filter), toEval(r)))
        .sort((a, b) => compareRunsForOrder(toEval(a), toEval(b), parseOrderBy(order)))
        .map((r) => r.id);
      expect((await searchAll({ filter, orderBy: order }, 7)).map((r) => r.id), filter).toEqual(expected);
    }
  }, 120_000);

  it('orders by metrics, params and attributes as the brute-force sort does, missing values last', async () => {
    for (const orderBy of [['metrics.acc DESC'], ['metrics.loss ASC', 'params.lr DESC'], ['params.optimizer', 'attributes.start_time DESC'], ['attributes.run_name DESC', 'metrics.acc']]) {
      const expected = [...runs].sort((a, b) => compareRunsForOrder(toEval(a), toEval(b), parseOrderBy(orderBy))).map((r) => r.id);
      const got = (await searchAll({ orderBy }, 9)).map((r) => r.id);
      expect(got, orderBy.join(', ')).toEqual(expected);
    }
  });

  it('binds AND tighter than OR, and parentheses override it', async () => {
    const count = async (filter: string) => (await searchAll({ filter }, 100)).length;
    const a = "attributes.status = 'FINISHED'";
    const b = "attributes.status = 'FAILED'";
    const c = 'metrics.acc > 0.5';
    const implicit = await count(`${a} OR ${b} AND ${c}`);
    const explicit = await count(`${a} OR (${b} AND ${c})`);
    const grouped = await count(`(${a} OR ${b}) AND ${c}`);
    expect(implicit).toBe(explicit);
    const oracle = (f: string) => runs.filter((r) => evaluateFilter(parseFilter(f), toEval(r))).length;
    expect(grouped).toBe(oracle(`(${a} OR ${b}) AND ${c}`));
    expect(implicit).toBe(oracle(`${a} OR ${b} AND ${c}`));
  });

  it('treats injection attempts as literal values', async () => {
    for (const filter of [`params.lr = '0.01'' OR 1=1 --'`, `tags.team = '; DROP TABLE runs; --'`, `params.\`lr = '' OR ''='\` = 'x'`]) {
      expect(await searchAll({ filter })).toEqual([]);
    }
    expect(await searchAll({})).toHaveLength(48);
  });

  it('points at the column of a bad filter', async () => {
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], filter: 'metrics.acc > 0.9 and params.lr =' } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.details.column).toBe(34); // where the value should start, just past the end
    expect(r.body.error.message).toBe("expected a value after '=' at column 34");
  });

  it('keeps pages stable while runs are inserted between them', async () => {
    const body = { filter: "params.lr = 'sgd' OR params.lr = 'adam' OR params.lr = '0.01'", orderBy: ['metrics.acc DESC'] };
    const before = await searchAll(body, 100);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let inserted = 0;
    do {
      const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], limit: 4, pageToken, ...body } });
      seen.push(...r.body.runs.map((x: Run) => x.id));
      pageToken = r.body.nextPageToken ?? undefined;
      // New runs that sort before and after the cursor: neither may shift what the next page holds.
      const made = await call('/v1/runs', { key: p.keys.write, json: { experimentId, params: { lr: 'sgd' } } });
      await call(`/v1/runs/${made.body.run.id}/log`, { key: p.keys.write, json: { metrics: [{ key: 'acc', steps: [0], values: [inserted++ % 2 ? 2 : -2] }] } });
    } while (pageToken);
    expect(new Set(seen).size).toBe(seen.length);
    const original = before.map((r) => r.id);
    expect(seen.filter((id) => original.includes(id))).toEqual(original);
  });

  it('takes long IN lists, and refuses filters with too many comparisons', async () => {
    const many = Array.from({ length: 150 }, (_, i) => `'v${i}'`).join(', ');
    const got = await searchAll({ filter: `params.lr IN ('sgd', ${many}) OR tags.team NOT IN (${many})` });
    const everyRun = await searchAll({}, 100); // other tests in this file add runs
    const oracle = everyRun.filter((r) => evaluateFilter(parseFilter(`params.lr IN ('sgd', ${many}) OR tags.team NOT IN (${many})`), toEval(r)));
    expect(got.map((r) => r.id).sort()).toEqual(oracle.map((r) => r.id).sort());
    const tooMany = Array.from({ length: 31 }, (_, i) => `metrics.acc > ${i}`).join(' or ');
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], filter: tooMany } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toContain('at most 30');
  });

  it('refuses a page token from another query', async () => {
    const first = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], limit: 2 } });
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], limit: 2, filter: 'metrics.acc > 0', pageToken: first.body.nextPageToken } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toContain('pageToken');
  });
});
