import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client, type InStatement } from '@libsql/client';
import { compareRunsForOrder, evaluateFilter, parseFilter, parseOrderBy, type EvalRun } from '../../shared/filter/index.js';
import { openLibsql } from '../../hub/db/libsql.js';
import { hashKey } from '../../hub/auth/hash.js';
import { newApiKey } from '../../shared/ids.js';
import { encodeMetricsFrame, METRICS_FRAME_TYPE } from '../../shared/metrics-frame.js';
import { CHUNK_POINTS } from '../../hub/tracking/log.js';
import { downsample } from '../../hub/tracking/metrics/history.js';
import { packColumn } from '../../hub/tracking/metrics/packing.js';
import { startBenchHub, type BenchHub } from './hub.js';
import { fmt, median, medianMs, pool, timeMs } from './stats.js';

export interface TrackingSizes {
  ingestBatches: number;
  ingestKeys: number;
  ingestPointsPerKey: number;
  ingestClients: number;
  mlflowRequests: number;
  searchRuns: number;
  historyPoints: number;
  repeats: number;
}

export const FULL: TrackingSizes = {
  ingestBatches: 16,
  ingestKeys: 10,
  ingestPointsPerKey: 25_000,
  ingestClients: 4,
  mlflowRequests: 200,
  searchRuns: 100_000,
  historyPoints: 1_000_000,
  repeats: 20,
};
export const SMOKE: TrackingSizes = {
  ingestBatches: 2,
  ingestKeys: 2,
  ingestPointsPerKey: 1000,
  ingestClients: 2,
  mlflowRequests: 3,
  searchRuns: 400,
  historyPoints: 20_000,
  repeats: 2,
};

export interface Figure {
  name: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  ok: boolean;
}

/** Columnar metric batches, serialised before the clock starts: the client's JSON cost is not the hub's. */
function columnarBatches(s: TrackingSizes) {
  return Array.from({ length: s.ingestBatches }, (_, b) => {
    const metrics = Array.from({ length: s.ingestKeys }, (_, k) => {
      const steps = Array.from({ length: s.ingestPointsPerKey }, (_, i) => b * s.ingestPointsPerKey + i);
      // Timestamps with jitter, as real logging has: only steps are a progression the chunks can compress.
      return { key: `m${k}`, steps, values: steps.map((i) => Math.sin(i / 50) + k), timestamps: steps.map((i) => 1_700_000_000_000 + i * 10 + ((i * 7919) % 13)) };
    });
    const frame = encodeMetricsFrame({
      metrics: metrics.map((m) => ({ key: m.key, steps: Float64Array.from(m.steps), values: Float64Array.from(m.values), timestamps: Float64Array.from(m.timestamps) })),
    });
    return { metrics, body: JSON.stringify({ metrics }), frame };
  });
}

async function rawClient(): Promise<{ client: Client; dir: string; runId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-raw-'));
  const url = `file:${join(dir, 'raw.db')}`;
  (await openLibsql(url)).close();
  const client = createClient({ url });
  await client.execute('PRAGMA journal_mode = WAL');
  await client.batch(
    [
      "INSERT INTO projects (id, name, created_at) VALUES ('p', 'p', 0)",
      "INSERT INTO experiments (id, project_id, name, lifecycle, tags, created_at, updated_at) VALUES ('e', 'p', 'e', 'active', '{}', 0, 0)",
      "INSERT INTO runs (id, project_id, experiment_id, name, status, start_time, source, lifecycle, pending) VALUES ('r', 'p', 'e', 'r', 'RUNNING', 0, 'api', 'active', 0)",
    ],
    'write',
  );
  return { client, dir, runId: 'r' };
}

async function sendAll(hub: BenchHub, s: TrackingSizes, runIds: string[], body: (b: ReturnType<typeof columnarBatches>[number]) => BodyInit, type: string) {
  const batches = columnarBatches(s);
  return timeMs(() =>
    pool(
      batches.map((b, i) => () => hub.call(`/v1/runs/${runIds[i % runIds.length]}/log`, { body: body(b), headers: { 'content-type': type } })),
      s.ingestClients,
    ),
  );
}

export async function ingestion(hub: BenchHub, s: TrackingSizes): Promise<Figure[]> {
  const batches = columnarBatches(s);
  const points = s.ingestBatches * s.ingestKeys * s.ingestPointsPerKey;
  const experimentId = (await hub.call('/v1/experiments', { json: { name: 'ingest' } })).experiment.id;
  const newRuns = () => Promise.all(Array.from({ length: s.ingestClients }, async () => (await hub.call('/v1/runs', { json: { experimentId } })).run.id as string));
  // Three rounds each, medians: this machine is shared and a single round drifts.
  const frameTimes: number[] = [];
  for (let round = 0; round < 3; round++) frameTimes.push(await sendAll(hub, s, await newRuns(), (b) => b.frame, METRICS_FRAME_TYPE));
  const frameMs = median(frameTimes);
  const jsonMs = await sendAll(hub, s, await newRuns(), (b) => b.body, 'application/json');

  // Baseline: the same points, packed into the same chunks, written by one prepared statement in one transaction.
  const { client, dir, runId } = await rawClient();
  const statements: InStatement[] = [];
  for (const b of batches) {
    for (const m of b.metrics) {
      for (let start = 0; start < m.steps.length; start += CHUNK_POINTS) {
        const end = Math.min(m.steps.length, start + CHUNK_POINTS);
        statements.push({
          sql: 'INSERT INTO metric_chunks (run_id, key, count, min_step, max_step, steps, timestamps, "values") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          args: [runId, m.key, end - start, m.steps[start]!, m.steps[end - 1]!, ...[m.steps, m.timestamps, m.values].map((column) => packColumn(Float64Array.from(column.slice(start, end))))],
        });
      }
    }
  }
  const rawTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    await client.execute('DELETE FROM metric_chunks');
    rawTimes.push(await timeMs(() => client.batch(statements, 'write')));
  }
  const rawMs = median(rawTimes);
  client.close();
  rmSync(dir, { recursive: true, force: true });

  const raw = points / (rawMs / 1000);
  const figure = (label: string, ms: number, target: boolean): Figure => {
    const rate = points / (ms / 1000);
    return {
      name: `metric ingestion, ${label} over HTTP (${fmt(points)} points, ${s.ingestClients} clients)`,
      value: `${fmt(rate)} points/s`,
      baseline: `${fmt(raw)} points/s raw libSQL write`,
      ratio: (rate / raw).toFixed(2),
      target: target ? '≥ 1,000,000 points/s and ratio ≥ 0.5' : '(for reference)',
      ok: !target || (rate >= 1_000_000 && rate / raw >= 0.5),
    };
  };
  return [figure('native binary columnar frames', frameMs, true), figure('native columnar JSON', jsonMs, false)];
}

/** MLflow's log-batch at its limit of 1000 metrics a request, 8 clients, as MLflow's clients send it. */
export async function mlflowLogBatch(hub: BenchHub, s: TrackingSizes): Promise<Figure> {
  const experimentId = (await hub.call('/api/2.0/mlflow/experiments/create', { json: { name: 'mlflow-ingest' } })).experiment_id;
  const runId = (await hub.call('/api/2.0/mlflow/runs/create', { json: { experiment_id: experimentId, start_time: Date.now() } })).run.info.run_id;
  const bodies = Array.from({ length: s.mlflowRequests }, (_, r) =>
    JSON.stringify({
      run_id: runId,
      metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(r * 1000 + i), timestamp: 1_700_000_000_000 + r, step: r * 100 + Math.floor(i / 10) })),
    }),
  );
  const ms = await timeMs(() => pool(bodies.map((body) => () => hub.call('/api/2.0/mlflow/runs/log-batch', { body, headers: { 'content-type': 'application/json' } })), 8));
  const rate = (s.mlflowRequests * 1000) / (ms / 1000);
  return {
    name: `metric ingestion, MLflow runs/log-batch (${fmt(s.mlflowRequests)} × 1000 metrics, 8 clients)`,
    value: `${fmt(rate)} points/s`,
    baseline: 'MLflow server ≈ 8,000 points/s (DESIGN §9)',
    ratio: (rate / 8000).toFixed(1),
    target: '≥ 50,000 points/s',
    ok: rate >= 50_000,
  };
}

const PARAMS = 20;
const METRICS = 10;

/** 100k runs × 20 params × 10 metrics written straight into the hub's database before it starts. */
export async function seedSearchData(dataDir: string, s: TrackingSizes): Promise<{ key: string }> {
  const url = `file:${join(dataDir, 'hub.db')}`;
  (await openLibsql(url)).close();
  const client = createClient({ url });
  const key = newApiKey('secret');
  const rand = (() => {
    let x = 12345;
    return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  })();
  await client.batch(
    [
      "INSERT INTO projects (id, name, created_at) VALUES ('prj_bench', 'bench', 0)",
      "INSERT INTO experiments (id, project_id, name, lifecycle, tags, created_at, updated_at) VALUES ('exp_search', 'prj_bench', 'search', 'active', '{}', 0, 0)",
      {
        sql: "INSERT INTO api_keys (id, project_id, name, kind, role, prefix, hash, allowed_origins, created_at) VALUES ('key_bench', 'prj_bench', 'bench', 'secret', 'read', 'sk_…', ?, '[]', 0)",
        args: [await hashKey(key)],
      },
    ],
    'write',
  );
  const statuses = ['FINISHED', 'FAILED', 'RUNNING', 'KILLED'];
  const perStatement = 400;
  for (let start = 0; start < s.searchRuns; start += 5000) {
    const statements: InStatement[] = [];
    const end = Math.min(s.searchRuns, start + 5000);
    for (let at = start; at < end; at += perStatement) {
      const ids = Array.from({ length: Math.min(perStatement, end - at) }, (_, i) => `run${String(at + i).padStart(27, '0')}`);
      statements.push({
        sql: `INSERT INTO runs (id, project_id, experiment_id, name, status, start_time, source, lifecycle, pending) VALUES ${ids.map(() => "(?, 'prj_bench', 'exp_search', ?, ?, ?, 'api', 'active', 0)").join(',')}`,
        args: ids.flatMap((id, i) => [id, `run-${at + i}`, statuses[(at + i) % 4]!, 1_700_000_000_000 + at + i]),
      });
      for (let p = 0; p < PARAMS; p += 5) {
        statements.push({
          sql: `INSERT INTO run_params (run_id, key, value) VALUES ${ids.flatMap(() => Array(5).fill('(?, ?, ?)')).join(',')}`,
          args: ids.flatMap((id) => Array.from({ length: 5 }, (_, j) => [id, `p${p + j}`, `v${Math.floor(rand() * 10)}`]).flat()),
        });
      }
      for (let m = 0; m < METRICS; m += 5) {
        statements.push({
          sql: `INSERT INTO metric_summaries (run_id, key, last_value, last_step, last_timestamp, min, max, count) VALUES ${ids.flatMap(() => Array(5).fill('(?, ?, ?, 0, 0, 0, 1, 1)')).join(',')}`,
          args: ids.flatMap((id) => Array.from({ length: 5 }, (_, j) => [id, `m${m + j}`, rand()]).flat()),
        });
      }
    }
    await client.batch(statements, 'write');
  }
  client.close();
  return { key };
}

interface ScanRun extends EvalRun {
  id: string;
}

/** The baseline: every run with its params and metrics read into memory, filtered and sorted there. */
async function fullScan(url: string, filter: string, orderBy: string[], limit: number): Promise<string[]> {
  const client = createClient({ url });
  const runs = new Map<string, ScanRun>();
  for (const r of (await client.execute("SELECT * FROM runs WHERE experiment_id = 'exp_search'")).rows) {
    runs.set(String(r.id), {
      id: String(r.id),
      metrics: {},
      params: {},
      tags: {},
      attributes: { run_id: String(r.id), run_name: String(r.name), status: String(r.status), start_time: Number(r.start_time), end_time: null },
    });
  }
  for (const p of (await client.execute('SELECT run_id, key, value FROM run_params')).rows) {
    const run = runs.get(String(p.run_id));
    if (run) run.params[String(p.key)] = String(p.value);
  }
  for (const m of (await client.execute('SELECT run_id, key, last_value FROM metric_summaries')).rows) {
    const run = runs.get(String(m.run_id));
    if (run) run.metrics[String(m.key)] = Number(m.last_value);
  }
  client.close();
  const node = parseFilter(filter);
  const order = parseOrderBy(orderBy);
  return [...runs.values()]
    .filter((r) => evaluateFilter(node, r))
    .sort((a, b) => compareRunsForOrder(a, b, order))
    .slice(0, limit)
    .map((r) => r.id);
}

export const SEARCH_QUERIES = [
  { filter: "metrics.m0 > 0.5 and params.p3 = 'v1'", orderBy: ['metrics.m1 DESC'] },
  { filter: "(params.p1 = 'v2' or params.p2 LIKE 'v3%') and attributes.status = 'FINISHED' and metrics.m4 < 0.2", orderBy: ['params.p5 ASC', 'attributes.start_time DESC'] },
];

export async function search(hub: BenchHub, s: TrackingSizes, projectKey: string): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const q of SEARCH_QUERIES) {
    const body = { experimentIds: ['exp_search'], filter: q.filter, orderBy: q.orderBy, limit: 100 };
    const url = `file:${join(hub.dataDir, 'hub.db')}`;
    const expected = await fullScan(url, q.filter, q.orderBy, 100);
    const scan = await medianMs(() => fullScan(url, q.filter, q.orderBy, 100), Math.max(2, Math.floor(s.repeats / 5)), 0);
    // A keep-alive socket the hub closed while the scan blocked this process is retried once on a new one.
    const post = async (): Promise<{ runs: Array<{ id: string }> }> => {
      const send = () => fetch(`${hub.url}/v1/runs/search`, { method: 'POST', headers: { authorization: `Bearer ${projectKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const res = await send().catch(send);
      return res.json() as never;
    };
    const got = (await post()).runs.map((r) => r.id);
    if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`search and full scan disagree for ${q.filter}`);
    const indexed = await medianMs(post, s.repeats);
    figures.push({
      name: `run search, ${fmt(s.searchRuns)} runs × ${PARAMS} params × ${METRICS} metrics: ${q.filter} order by ${q.orderBy.join(', ')}, page of 100`,
      value: `${indexed.toFixed(1)} ms median`,
      baseline: `${scan.toFixed(0)} ms full scan`,
      ratio: (indexed / scan).toFixed(3),
      target: '≤ 50 ms',
      ok: indexed <= 50,
    });
  }
  return figures;
}

/** 1M points of one metric, read back as 1,000; baseline: the same points stored a row per point. */
export async function history(hub: BenchHub, s: TrackingSizes): Promise<Figure> {
  const experimentId = (await hub.call('/v1/experiments', { json: { name: 'history' } })).experiment.id;
  const runId = (await hub.call('/v1/runs', { json: { experimentId } })).run.id;
  const perBatch = 250_000;
  const all = { steps: new Float64Array(s.historyPoints), values: new Float64Array(s.historyPoints), timestamps: new Float64Array(s.historyPoints) };
  for (let i = 0; i < s.historyPoints; i++) {
    all.steps[i] = i;
    all.values[i] = Math.sin(i / 1000) + (i % 9973 === 0 ? 10 : 0);
    all.timestamps[i] = 1_700_000_000_000 + i * 10 + ((i * 7919) % 13); // jittered, as real logging is
  }
  for (let start = 0; start < s.historyPoints; start += perBatch) {
    const end = Math.min(s.historyPoints, start + perBatch);
    const frame = encodeMetricsFrame({ metrics: [{ key: 'loss', steps: all.steps.subarray(start, end), values: all.values.subarray(start, end), timestamps: all.timestamps.subarray(start, end) }] });
    await hub.call(`/v1/runs/${runId}/log`, { body: frame, headers: { 'content-type': METRICS_FRAME_TYPE } });
  }
  const get = () => hub.call(`/v1/runs/${runId}/metrics/loss?maxPoints=1000`);
  const reply = await get();
  if (reply.total !== s.historyPoints || reply.steps.length > 1000) throw new Error(`history returned ${reply.steps.length} of ${reply.total} points`);
  const chunked = await medianMs(get, s.repeats);

  const { client, dir } = await rawClient();
  await client.execute('CREATE TABLE points (run_id TEXT, key TEXT, step REAL, ts REAL, value REAL)');
  await client.execute('CREATE INDEX points_run_key_step ON points (run_id, key, step)');
  const statements: InStatement[] = [];
  for (let start = 0; start < s.historyPoints; start += 300) {
    const n = Math.min(300, s.historyPoints - start);
    statements.push({
      sql: `INSERT INTO points VALUES ${Array(n).fill("('r', 'loss', ?, ?, ?)").join(',')}`,
      args: Array.from({ length: n }, (_, i) => [all.steps[start + i]!, all.timestamps[start + i]!, all.values[start + i]!]).flat(),
    });
  }
  await client.batch(statements, 'write');
  const rowPerPoint = async () => {
    const rows = (await client.execute("SELECT step, ts, value FROM points WHERE run_id = 'r' AND key = 'loss' ORDER BY step")).rows;
    const p = { steps: Float64Array.from(rows, (r) => Number(r.step)), timestamps: Float64Array.from(rows, (r) => Number(r.ts)), values: Float64Array.from(rows, (r) => Number(r.value)) };
    return downsample(p, 1000);
  };
  const baseline = await medianMs(rowPerPoint, Math.max(2, Math.floor(s.repeats / 5)), 1);
  client.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    name: `metric history, ${fmt(s.historyPoints)} points → 1,000 over HTTP`,
    value: `${chunked.toFixed(1)} ms median`,
    baseline: `${baseline.toFixed(0)} ms row-per-point scan`,
    ratio: (chunked / baseline).toFixed(3),
    target: '≤ 30 ms',
    ok: chunked <= 30,
  };
}
