import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type InStatement } from '@libsql/client';
import type Database from 'libsql';
import { openLibsql } from '../../hub/db/libsql.js';
import { hashKey } from '../../hub/auth/hash.js';
import { newApiKey } from '../../shared/ids.js';
import { encodeMetricsFrame, METRICS_FRAME_TYPE } from '../../shared/metrics-frame.js';
import { CHUNK_POINTS } from '../../hub/tracking/log.js';
import { packColumn } from '../../hub/tracking/metrics/packing.js';
import type { BenchHub } from './hub.js';
import { hubConnection } from './sqlite.js';
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
  /** The baseline is a figure quoted from elsewhere, not measured in this run. */
  quoted?: boolean;
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

/** A fresh hub database holding one run, on a connection with the hub's pragmas: where the raw baselines write. */
async function rawDatabase(): Promise<{ db: Database.Database; dir: string; runId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-raw-'));
  const db = await hubConnection(join(dir, 'raw.db'));
  db.exec(`INSERT INTO projects (id, name, created_at) VALUES ('p', 'p', 0);
    INSERT INTO experiments (id, project_id, name, lifecycle, tags, created_at, updated_at) VALUES ('e', 'p', 'e', 'active', '{}', 0, 0);
    INSERT INTO runs (id, project_id, experiment_id, name, status, start_time, source, lifecycle, pending) VALUES ('r', 'p', 'e', 'r', 'RUNNING', 0, 'api', 'active', 0)`);
  return { db, dir, runId: 'r' };
}

type Batch = ReturnType<typeof columnarBatches>[number];

async function sendAll(hub: BenchHub, s: TrackingSizes, batches: Batch[], runIds: string[], body: (b: Batch) => BodyInit, type: string) {
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
  for (let round = 0; round < 3; round++) frameTimes.push(await sendAll(hub, s, batches, await newRuns(), (b) => b.frame, METRICS_FRAME_TYPE));
  const frameMs = median(frameTimes);
  const jsonMs = await sendAll(hub, s, batches, await newRuns(), (b) => b.body, 'application/json');

  // Baseline: the same points, packed into the same chunks (before the clock starts), written by one statement
  // prepared once, in one transaction, on a connection with the hub's pragmas.
  const { db, dir, runId } = await rawDatabase();
  const rows: unknown[][] = [];
  for (const b of batches) {
    for (const m of b.metrics) {
      for (let start = 0; start < m.steps.length; start += CHUNK_POINTS) {
        const end = Math.min(m.steps.length, start + CHUNK_POINTS);
        rows.push([runId, m.key, end - start, m.steps[start]!, m.steps[end - 1]!, ...[m.steps, m.timestamps, m.values].map((column) => packColumn(Float64Array.from(column.slice(start, end))))]);
      }
    }
  }
  const insert = db.prepare('INSERT INTO metric_chunks (run_id, key, count, min_step, max_step, steps, timestamps, "values") VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const writeAll = db.transaction(() => {
    for (const row of rows) insert.run(...row);
  });
  const rawTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    db.exec('DELETE FROM metric_chunks');
    rawTimes.push(await timeMs(async () => writeAll()));
  }
  const rawMs = median(rawTimes);
  db.close();
  rmSync(dir, { recursive: true, force: true });

  const raw = points / (rawMs / 1000);
  const figure = (label: string, ms: number, target: boolean): Figure => {
    const rate = points / (ms / 1000);
    return {
      name: `metric ingestion, ${label} over HTTP (${fmt(points)} points, ${s.ingestClients} clients)`,
      value: `${fmt(rate)} points/s`,
      baseline: `${fmt(raw)} points/s raw libSQL write (same chunks, one prepared statement, one transaction, the hub's pragmas)`,
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
    baseline: 'MLflow server ≈ 8,000 points/s (DESIGN §9: log-batch of 500 at 1.2 s, 20 clients)',
    quoted: true,
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

/**
 * The bench's queries, each with its plain-SQL twin written by hand: an EXISTS per comparison, a LEFT JOIN for an
 * order key, NULLs last and the run id as the tie-break (the hub's order), values bound, SQLite's planner.
 */
export const SEARCH_QUERIES = [
  {
    filter: "metrics.m0 > 0.5 and params.p3 = 'v1'",
    orderBy: ['metrics.m1 DESC'],
    sql: `SELECT r.id FROM runs r LEFT JOIN metric_summaries o ON o.run_id = r.id AND o.key = 'm1'
      WHERE r.project_id = ? AND r.experiment_id = ? AND r.lifecycle = 'active'
        AND EXISTS (SELECT 1 FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'm0' AND m.last_value > 0.5)
        AND EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = 'p3' AND p.value = 'v1')
      ORDER BY o.last_value IS NULL, o.last_value DESC, r.id LIMIT ?`,
  },
  {
    filter: "(params.p1 = 'v2' or params.p2 LIKE 'v3%') and attributes.status = 'FINISHED' and metrics.m4 < 0.2",
    orderBy: ['params.p5 ASC', 'attributes.start_time DESC'],
    // MLflow's LIKE is case-sensitive: GLOB is SQLite's case-sensitive LIKE.
    sql: `SELECT r.id FROM runs r LEFT JOIN run_params o ON o.run_id = r.id AND o.key = 'p5'
      WHERE r.project_id = ? AND r.experiment_id = ? AND r.lifecycle = 'active'
        AND (EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = 'p1' AND p.value = 'v2')
          OR EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = 'p2' AND p.value GLOB 'v3*'))
        AND r.status = 'FINISHED'
        AND EXISTS (SELECT 1 FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'm4' AND m.last_value < 0.2)
      ORDER BY o.value IS NULL, o.value ASC, r.start_time DESC, r.id LIMIT ?`,
  },
];

/** What a search reply carries for each run of the page: its row, params, tags and metric summaries. */
const PAGE_DETAILS = `SELECT r.*,
    (SELECT json_group_object(key, value) FROM run_params WHERE run_id = r.id) AS params,
    (SELECT json_group_object(key, value) FROM run_tags WHERE run_id = r.id) AS tags,
    (SELECT json_group_object(key, json_array(last_value, last_step, last_timestamp, min, max, count)) FROM metric_summaries WHERE run_id = r.id) AS metrics
  FROM runs r WHERE r.id IN (SELECT value FROM json_each(?))`;

export async function search(hub: BenchHub, s: TrackingSizes, projectKey: string): Promise<Figure[]> {
  const figures: Figure[] = [];
  const db = await hubConnection(join(hub.dataDir, 'hub.db'));
  const details = db.prepare(PAGE_DETAILS);
  try {
    for (const q of SEARCH_QUERIES) {
      const body = { experimentIds: ['exp_search'], filter: q.filter, orderBy: q.orderBy, limit: 100 };
      const page = db.prepare(q.sql).pluck();
      const plainSql = () => {
        const ids = page.all('prj_bench', 'exp_search', body.limit) as string[];
        const byId = new Map((details.all(JSON.stringify(ids)) as Array<{ id: string; params: string; tags: string; metrics: string }>).map((r) => [r.id, { ...r, params: JSON.parse(r.params), tags: JSON.parse(r.tags), metrics: JSON.parse(r.metrics) }]));
        return ids.map((id) => byId.get(id)!);
      };
      // A kept-alive socket the hub closed while the synchronous baseline held this process is retried on a new one.
      const post = async (): Promise<{ runs: Array<{ id: string }> }> => {
        const send = () => fetch(`${hub.url}/v1/runs/search`, { method: 'POST', headers: { authorization: `Bearer ${projectKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const res = await send().catch((err: Error & { cause?: { code?: string } }) => (err.cause?.code === 'UND_ERR_SOCKET' ? send() : Promise.reject(err)));
        return res.json() as never;
      };
      const expected = plainSql().map((r) => r.id);
      const got = (await post()).runs.map((r) => r.id);
      if (expected.length === 0) throw new Error(`plain SQL found no runs for ${q.filter}: the bench data does not exercise it`);
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`the hub and plain SQL return different pages for ${q.filter}`);
      const baseline = await medianMs(async () => plainSql(), s.repeats);
      const indexed = await medianMs(post, s.repeats);
      figures.push({
        name: `run search, ${fmt(s.searchRuns)} runs × ${PARAMS} params × ${METRICS} metrics: ${q.filter} order by ${q.orderBy.join(', ')}, page of 100 (same ${expected.length} run ids)`,
        value: `${indexed.toFixed(1)} ms median over HTTP`,
        baseline: `${baseline.toFixed(1)} ms: the same page in plain SQL (EXISTS, LEFT JOIN), in-process, prepared once, the hub's pragmas`,
        ratio: (indexed / baseline).toFixed(2),
        target: '≤ 50 ms',
        ok: indexed <= 50,
      });
    }
  } finally {
    db.close();
  }
  return figures;
}

/** Logs one metric's points to a run as binary columnar frames of 250k points. */
export async function logSeries(hub: BenchHub, runId: string, key: string, points: { steps: Float64Array; values: Float64Array; timestamps: Float64Array }) {
  const perFrame = 250_000;
  for (let start = 0; start < points.steps.length; start += perFrame) {
    const end = Math.min(points.steps.length, start + perFrame);
    const frame = encodeMetricsFrame({ metrics: [{ key, steps: points.steps.subarray(start, end), values: points.values.subarray(start, end), timestamps: points.timestamps.subarray(start, end) }] });
    await hub.call(`/v1/runs/${runId}/log`, { body: frame, headers: { 'content-type': METRICS_FRAME_TYPE } });
  }
}

/**
 * The hub's downsampling in SQL over a row-per-point table: points numbered in step order, cut into the same
 * (maxPoints-2)/2 buckets (index i falls in bucket ⌊((i+1)·B-1)/n⌋, the inverse of the hub's ⌊b·n/B⌋ starts),
 * each bucket's minimum and maximum row (SQLite takes a bare column from the row MIN or MAX picked), first and last.
 */
const BUCKETED_HISTORY = `WITH total AS (SELECT count(*) AS n FROM points WHERE run_id = ?1 AND key = ?2),
  bucketed AS MATERIALIZED (
    SELECT step, ts, value, i, n, ((i + 1) * CAST(?3 AS INTEGER) - 1) / n AS bucket
    FROM (SELECT step, ts, value, row_number() OVER (ORDER BY step) - 1 AS i FROM points WHERE run_id = ?1 AND key = ?2), total
  )
  SELECT step, ts, value FROM (
    SELECT step, ts, min(value) AS value FROM bucketed GROUP BY bucket
    UNION SELECT step, ts, max(value) FROM bucketed GROUP BY bucket
    UNION SELECT step, ts, value FROM bucketed WHERE i = 0 OR i = n - 1
  ) ORDER BY step`;

/** 1M points of one metric, read back as 1,000; baseline: the same points a row per point, bucketed by SQLite. */
export async function history(hub: BenchHub, s: TrackingSizes): Promise<Figure> {
  const experimentId = (await hub.call('/v1/experiments', { json: { name: 'history' } })).experiment.id;
  const runId = (await hub.call('/v1/runs', { json: { experimentId } })).run.id;
  const maxPoints = 1000;
  const all = { steps: new Float64Array(s.historyPoints), values: new Float64Array(s.historyPoints), timestamps: new Float64Array(s.historyPoints) };
  for (let i = 0; i < s.historyPoints; i++) {
    all.steps[i] = i;
    all.values[i] = Math.sin(i / 1000) + (i % 9973 === 0 ? 10 : 0);
    all.timestamps[i] = 1_700_000_000_000 + i * 10 + ((i * 7919) % 13); // jittered, as real logging is
  }
  await logSeries(hub, runId, 'loss', all);
  const get = () => hub.call(`/v1/runs/${runId}/metrics/loss?maxPoints=${maxPoints}`);
  const reply = await get();
  if (reply.total !== s.historyPoints || reply.steps.length > maxPoints) throw new Error(`history returned ${reply.steps.length} of ${reply.total} points`);
  const chunked = await medianMs(get, s.repeats);

  // Baseline: a row per point, clustered by (run, key, step) as the hub's tracking tables are.
  const { db, dir } = await rawDatabase();
  db.exec('CREATE TABLE points (run_id TEXT NOT NULL, key TEXT NOT NULL, step REAL NOT NULL, ts REAL NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, key, step)) WITHOUT ROWID');
  const insert = db.prepare("INSERT INTO points VALUES ('r', 'loss', ?, ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < s.historyPoints; i++) insert.run(all.steps[i]!, all.timestamps[i]!, all.values[i]!);
  })();
  const bucketed = db.prepare(BUCKETED_HISTORY).raw();
  const buckets = Math.floor((maxPoints - 2) / 2);
  const inSql = () => bucketed.all('r', 'loss', buckets) as Array<[number, number, number]>;
  const rows = inSql();
  const same = rows.length === reply.steps.length && rows.every(([step, ts, value], i) => step === reply.steps[i] && ts === reply.timestamps[i] && value === reply.values[i]);
  if (!same) throw new Error(`the hub kept ${reply.steps.length} points and SQL bucketing ${rows.length}, not the same ones`);
  const baseline = await medianMs(async () => inSql(), Math.max(2, Math.floor(s.repeats / 5)), 1);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    name: `metric history, ${fmt(s.historyPoints)} points → ${fmt(rows.length)} (the same points both ways)`,
    value: `${chunked.toFixed(1)} ms median over HTTP`,
    baseline: `${baseline.toFixed(0)} ms: the same points a row per point, bucketed min/max by SQLite in-process (GROUP BY), prepared once`,
    ratio: (chunked / baseline).toFixed(3),
    target: '≤ 30 ms',
    ok: chunked <= 30,
  };
}
