import { Agent, request } from 'node:http';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { latencyBucket } from '../../shared/telemetry/histogram.js';
import { HubApi } from '../e2e/runtime/hub-api.js';
import type { BenchHub } from './hub.js';
import { fmt } from './stats.js';
import type { Figure } from './tracking.js';

export interface LoadSizes {
  /** Device clients at once, each with a kept-alive connection of its own. */
  clients: number;
  /** Rounds per client: a manifest GET, then a sync POST. */
  rounds: number;
  /** Rounds of the single client that is the baseline, after `warm` untimed ones. */
  baselineRounds: number;
  warm: number;
}
export const LOAD_FULL: LoadSizes = { clients: 200, rounds: 15, baselineRounds: 200, warm: 10 };
export const LOAD_SMOKE: LoadSizes = { clients: 10, rounds: 2, baselineRounds: 5, warm: 1 };

/**
 * The hub's rate limits for this part, set explicitly: the default device budget (6,000 requests a minute per
 * publishable key, for all devices together) would refuse most of the load, and the figure is the hub's, not the
 * limiter's. The limiter still counts every request; it never refuses one.
 */
export const LOAD_HUB_ENV = { OUTPOST_DEVICE_RATE_LIMIT: '10000000/1m', OUTPOST_AUTH_FAILURE_LIMIT: '10000000/1m' };

/**
 * Fixed before the first measurement. Every client sends its next request as soon as the last one answered (no pause,
 * so 200 requests are always in flight at one Node process on this 2-core machine): a request's time is mostly its wait
 * behind the other 199. A device's manifest revalidation and outbox sync run in the background, so a second is what a
 * device can wait; an error or a lost or doubled write is never acceptable.
 */
const TARGET_P99_MS = 1_000;
/** A request that has not answered by then is an error (and bounds the part's time). */
const REQUEST_TIMEOUT_MS = 30_000;

type Route = 'manifest' | 'sync';
interface Sample {
  route: Route;
  /** The device's round: round 0 opens the connection and fetches the manifest in full. */
  round: number;
  ms: number;
  status: number;
}
interface Reply {
  status: number;
  text: string;
  etag?: string;
}

function send(agent: Agent, url: string, init: { method: string; headers: Record<string, string>; body?: Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = init.body ? { ...init.headers, 'content-type': 'application/json', 'content-length': String(init.body.byteLength) } : init.headers;
    const req = request(url, { method: init.method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text, etag: res.headers.etag }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const ms = (x: number) => `${fmt(x, 1)} ms`;

/**
 * One simulated device: as the runtime does, GETs the model's manifest (the first time in full, then revalidating with
 * If-None-Match, 304), and POSTs its outbox to /v1/sync: a run of its own (created in its first batch), each round a
 * loss point and a telemetry report (count 1), every item with an id of its own.
 */
class Device {
  private etag: string | undefined;
  readonly runId = crypto.randomUUID();
  telemetrySent = 0;
  /** Items the hub answered with anything but `applied`. */
  notApplied: string[] = [];
  constructor(
    private readonly hub: string,
    private readonly key: string,
    private readonly agent: Agent,
    private readonly experiment: string,
    readonly deviceId: string,
    private readonly record: (s: Sample) => void,
    private readonly fail: (what: string) => void,
  ) {}

  private async timed(route: Route, round: number, url: string, init: { method: string; headers: Record<string, string>; body?: Buffer }, ok: (r: Reply) => boolean): Promise<Reply | null> {
    const started = performance.now();
    try {
      const reply = await send(this.agent, url, init);
      this.record({ route, round, ms: performance.now() - started, status: reply.status });
      if (!ok(reply)) {
        this.fail(`${route}: HTTP ${reply.status} ${reply.text.slice(0, 200)}`);
        return null;
      }
      return reply;
    } catch (err) {
      this.record({ route, round, ms: performance.now() - started, status: 0 });
      this.fail(`${route}: ${(err as Error).message}`);
      return null;
    }
  }

  async round(round: number) {
    const auth = { authorization: `Bearer ${this.key}` };
    const manifest = await this.timed(
      'manifest',
      round,
      `${this.hub}/v1/models/${encodeURIComponent('bench-load@production')}/manifest`,
      { method: 'GET', headers: this.etag ? { ...auth, 'if-none-match': this.etag } : auth },
      (r) => r.status === 200 || (r.status === 304 && this.etag !== undefined),
    );
    if (manifest?.status === 200) this.etag = manifest.etag;

    const now = Date.now();
    const items: unknown[] = [];
    if (round === 0) items.push({ id: crypto.randomUUID(), type: 'run.create', runId: this.runId, experiment: this.experiment, startTime: now, deviceId: this.deviceId, source: 'browser' });
    items.push({ id: crypto.randomUUID(), type: 'run.log', runId: this.runId, metrics: [{ key: 'loss', steps: [round], values: [1 / (round + 1)], timestamps: [now] }] });
    const latency = 2 + (round % 7);
    items.push({
      id: crypto.randomUUID(),
      type: 'telemetry',
      model: 'bench-load',
      version: 1,
      backend: 'wasm',
      deviceId: this.deviceId,
      periodStart: now - 60_000,
      periodEnd: now,
      count: 1,
      errors: 0,
      latency: { histogram: { [latencyBucket(latency)]: 1 }, sumMs: latency, minMs: latency, maxMs: latency },
    });
    const reply = await this.timed('sync', round, `${this.hub}/v1/sync`, { method: 'POST', headers: auth, body: Buffer.from(JSON.stringify({ items })) }, (r) => r.status === 200);
    if (!reply) return;
    this.telemetrySent++;
    const results = (JSON.parse(reply.text) as { results: Array<{ id: string; status: string; error?: { message: string } }> }).results;
    for (const r of results) if (r.status !== 'applied') this.notApplied.push(`${r.id}: ${r.status} ${r.error?.message ?? ''}`);
  }
}

/** Telemetry runs the hub holds for the bench model, over every device and minute. */
async function storedTelemetry(hub: BenchHub, since: number): Promise<number> {
  const reply = await hub.call(`/v1/telemetry?model=bench-load&since=${since}&until=${Date.now() + 120_000}`);
  return (reply.series as Array<{ count: number }>).reduce((n, s) => n + s.count, 0);
}

/** Loss points stored per run of `experiment`, by run id without dashes. */
async function storedPoints(hub: BenchHub, experiment: string): Promise<Map<string, number>> {
  const { experiments } = await hub.call('/v1/experiments');
  const found = (experiments as Array<{ id: string; name: string }>).find((e) => e.name === experiment);
  const points = new Map<string, number>();
  if (!found) return points;
  let pageToken: string | undefined;
  do {
    const page = await hub.call('/v1/runs/search', { json: { experimentIds: [found.id], limit: 100, pageToken } });
    for (const run of page.runs) points.set(run.id, run.metrics.loss?.count ?? 0);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return points;
}

/**
 * `clients` simulated devices at once against a real hub process, each on a kept-alive loopback connection of its own,
 * each doing `rounds` rounds of manifest GET + sync POST with no pause between them. Every request's time and status
 * is recorded. The baseline, measured first in the same run on the same hub: the same rounds by one client alone,
 * one request at a time. Afterwards the bench counts what the hub stored, so a lost or doubled write cannot hide
 * behind a 200: every device's run must hold exactly `rounds` loss points, and the telemetry read must sum to the
 * reports sent (the baseline's included).
 */
export async function loadBench(hub: BenchHub, s: LoadSizes): Promise<Figure[]> {
  const api = new HubApi(hub.url, hub.key);
  await api.publish('bench-load', 'onnx', { 'model.onnx': linearModelOnnx({ inputSize: 8, outputSize: 2 }) }, 'production');
  const key = await api.publishableKey();
  const since = Date.now() - 3_600_000;
  const failures: string[] = [];
  const fail = (what: string) => failures.push(what);

  // The baseline: one client, one connection, one request at a time.
  const baseAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const baseSamples: Sample[] = [];
  const single = new Device(hub.url, key, baseAgent, 'bench-load-baseline', 'load-baseline', (x) => baseSamples.push(x), fail);
  for (let r = 0; r < s.warm + s.baselineRounds; r++) {
    if (r === s.warm) baseSamples.length = 0;
    await single.round(r);
  }
  baseAgent.destroy();

  // The load: every device on a socket of its own, all at once.
  const agent = new Agent({ keepAlive: true, maxSockets: s.clients + 8, maxFreeSockets: s.clients + 8 });
  const samples: Sample[] = [];
  const devices = Array.from({ length: s.clients }, (_, i) => new Device(hub.url, key, agent, 'bench-load', `load-${i}`, (x) => samples.push(x), fail));
  const started = performance.now();
  await Promise.all(
    devices.map(async (d) => {
      for (let r = 0; r < s.rounds; r++) await d.round(r);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();

  // What the hub stored: exactly once, each.
  const points = await storedPoints(hub, 'bench-load');
  const wrongRuns = devices.filter((d) => points.get(d.runId.replace(/-/g, '')) !== s.rounds);
  const telemetrySent = single.telemetrySent + devices.reduce((n, d) => n + d.telemetrySent, 0);
  const telemetryStored = await storedTelemetry(hub, since);
  const notApplied = [single, ...devices].flatMap((d) => d.notApplied);
  const writesOk = wrongRuns.length === 0 && telemetryStored === telemetrySent && notApplied.length === 0;
  if (failures.length) console.error(`load: ${failures.length} failed requests, e.g.\n  ${failures.slice(0, 5).join('\n  ')}`);
  if (notApplied.length) console.error(`load: ${notApplied.length} sync items not applied, e.g.\n  ${notApplied.slice(0, 5).join('\n  ')}`);
  if (wrongRuns.length) console.error(`load: ${wrongRuns.length} device runs without exactly ${s.rounds} loss points, e.g. ${wrongRuns.slice(0, 3).map((d) => `${d.deviceId}: ${points.get(d.runId.replace(/-/g, '')) ?? 'missing'}`).join(', ')}`);
  if (telemetryStored !== telemetrySent) console.error(`load: telemetry count stored ${telemetryStored}, reports sent ${telemetrySent}`);

  // Every request that failed, the baseline's warm-up included.
  const errors = failures.length;
  const name = (route: Route) =>
    `device load, ${route === 'manifest' ? 'manifest GET (If-None-Match, as the runtime revalidates)' : 'POST /v1/sync (run point + telemetry report)'}: ${s.clients} clients × ${s.rounds} rounds, no pause (device rate limit raised to ${LOAD_HUB_ENV.OUTPOST_DEVICE_RATE_LIMIT}: the hub, not the limiter)`;
  const perRoute = (route: Route): Figure => {
    const loaded = samples.filter((x) => x.route === route).map((x) => x.ms);
    const later = samples.filter((x) => x.route === route && x.round > 0).map((x) => x.ms);
    const alone = baseSamples.filter((x) => x.route === route).map((x) => x.ms);
    const p99 = quantile(loaded, 0.99);
    const baseP99 = quantile(alone, 0.99);
    return {
      name: name(route),
      value: `p50 ${ms(quantile(loaded, 0.5))}, p99 ${ms(p99)} (${fmt(loaded.length)} requests; after each device's first round: p99 ${ms(quantile(later, 0.99))})`,
      baseline: `p99 ${ms(baseP99)} (p50 ${ms(quantile(alone, 0.5))}), one client alone, ${fmt(alone.length)} requests`,
      ratio: fmt(p99 / baseP99, 1),
      target: `p99 ≤ ${fmt(TARGET_P99_MS)} ms`,
      ok: p99 <= TARGET_P99_MS,
    };
  };
  const total = samples.length;
  return [
    perRoute('manifest'),
    perRoute('sync'),
    {
      name: `device load, errors and stored writes: ${s.clients} clients × ${s.rounds} rounds (non-2xx/304, socket errors, timeouts over ${REQUEST_TIMEOUT_MS / 1000} s; sync items not applied exactly once)`,
      value: `${fmt(errors)} errors in ${fmt(total + 2 * (s.warm + s.baselineRounds))} requests (${fmt(total / seconds)} requests/s under load); ${fmt(points.size)} device runs, ${fmt(wrongRuns.length)} without exactly ${s.rounds} points; telemetry ${fmt(telemetryStored)} stored of ${fmt(telemetrySent)} sent; ${fmt(notApplied.length)} items not applied`,
      baseline: 'none: the bar is absolute',
      ratio: '—',
      target: '0 errors, every write stored once',
      ok: errors === 0 && writesOk,
    },
  ];
}
