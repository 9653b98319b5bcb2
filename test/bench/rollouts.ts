import { Agent, request } from 'node:http';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { addLatency, type LatencyHistogram } from '../../shared/telemetry/histogram.js';
import { HubApi } from '../e2e/runtime/hub-api.js';
import type { BenchHub } from './hub.js';
import { fmt } from './stats.js';
import type { Figure } from './tracking.js';

export interface RolloutSizes {
  /** Simulated devices, each asking for its manifest and reporting telemetry once a `tickMs`. */
  devices: number;
  tickMs: number;
  /** Runs each device reports per tick. */
  runsPerTick: number;
  steps: number[];
  intervalMs: number;
  minRequests: number;
}
export const ROLLOUTS_FULL: RolloutSizes = { devices: 200, tickMs: 1000, runsPerTick: 5, steps: [10, 50, 100], intervalMs: 1000, minRequests: 50 };
export const ROLLOUTS_SMOKE: RolloutSizes = { devices: 20, tickMs: 300, runsPerTick: 5, steps: [50, 100], intervalMs: 1000, minRequests: 10 };

/**
 * Fixed before the first measurement (the bar): a good candidate reaches 100% and the alias moves; a bad one
 * (5% errors, or twice the latency) is rolled back within two intervals of the step it fails in, and afterwards no
 * device is served it. The limits the rollouts run with: 2% errors, 1.5× the stable version's p95.
 */
const MAX_ERROR_RATE = 0.02;
const MAX_P95_RATIO = 1.5;
const ROLLBACK_WITHIN_INTERVALS = 2;

type Behaviour = { errorRate: number; latencyMs: number };
const STABLE: Behaviour = { errorRate: 0, latencyMs: 10 };

/** One request; a kept-alive socket the hub closed while idle (between rollouts) is retried once on a new one. */
async function send(agent: Agent, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; text: string; etag?: string }> {
  try {
    return await sendOnce(agent, url, init);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
    return sendOnce(agent, url, init);
  }
}

function sendOnce(agent: Agent, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; text: string; etag?: string }> {
  return new Promise((resolve, reject) => {
    const headers = init.body ? { ...init.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(init.body)) } : init.headers;
    const req = request(url, { method: init.method, agent, headers, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text, etag: res.headers.etag }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** One simulated device: as the runtime does, revalidates its manifest with its device id, runs the version it got, reports. */
class Device {
  private etag: string | undefined;
  version = 0;
  constructor(
    private readonly hub: string,
    private readonly key: string,
    private readonly agent: Agent,
    readonly id: string,
    private readonly model: string,
  ) {}

  async manifest(): Promise<number> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, 'outpost-device': this.id, ...(this.etag ? { 'if-none-match': this.etag } : {}) };
    const r = await send(this.agent, `${this.hub}/v1/models/${this.model}@production/manifest`, { method: 'GET', headers });
    if (r.status === 200) {
      this.etag = r.etag;
      this.version = (JSON.parse(r.text) as { version: number }).version;
    } else if (r.status !== 304) throw new Error(`manifest: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    return this.version;
  }

  async tick(behaviour: (version: number) => Behaviour, runs: number) {
    const version = await this.manifest();
    const b = behaviour(version);
    const histogram: LatencyHistogram = {};
    let errors = 0;
    let sum = 0;
    for (let i = 0; i < runs; i++) {
      if (Math.random() < b.errorRate) errors++;
      else {
        const ms = b.latencyMs * (0.8 + 0.4 * Math.random());
        addLatency(histogram, ms);
        sum += ms;
      }
    }
    const now = Date.now();
    const item = { id: crypto.randomUUID(), type: 'telemetry', model: this.model, version, backend: 'wasm', deviceId: this.id, periodStart: now - 1000, periodEnd: now, count: runs, errors, latency: { histogram, sumMs: sum, minMs: 0, maxMs: 0 } };
    const r = await send(this.agent, `${this.hub}/v1/sync`, { method: 'POST', headers: { authorization: `Bearer ${this.key}` }, body: JSON.stringify({ items: [item] }) });
    if (r.status !== 200) throw new Error(`sync: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  }
}

interface Outcome {
  state: string;
  /** ms from the start of the rollout to each decision. */
  decisions: Array<{ action: string; afterMs: number; message: string }>;
  /** ms from the start of the step that failed to the rollback, or from the start to completion. */
  decidedMs: number;
  /** Devices served the candidate when asked once more after the rollout ended. */
  onCandidateAfter: number;
  aliasVersion: number;
}

/** Runs one rollout of `candidate` to the whole fleet until it ends, the devices ticking all along. */
async function runRollout(api: HubApi, devices: Device[], model: string, candidate: number, bad: Behaviour | null, s: RolloutSizes): Promise<Outcome> {
  const good = bad ?? STABLE;
  const behaviour = (v: number) => (v === candidate ? good : STABLE);
  const rollout = await api.call('POST', `/v1/models/${model}/rollouts`, {
    alias: 'production',
    to: candidate,
    steps: s.steps,
    interval: s.intervalMs,
    minRequests: s.minRequests,
    maxErrorRate: MAX_ERROR_RATE,
    maxP95Ratio: MAX_P95_RATIO,
  });
  const deadline = Date.now() + (s.steps.length + 8) * s.intervalMs * 4 + 30_000;
  let state = 'running';
  let current = rollout;
  let failure: Error | undefined;
  const fleet = devices.map(async (d, i) => {
    await new Promise((r) => setTimeout(r, (i / devices.length) * s.tickMs));
    while (state === 'running' && !failure && Date.now() < deadline) {
      const started = Date.now();
      await d.tick(behaviour, s.runsPerTick).catch((err: Error) => (failure ??= new Error(`device ${d.id}: ${err.message}`)));
      await new Promise((r) => setTimeout(r, Math.max(0, s.tickMs - (Date.now() - started))));
    }
  });
  while (state === 'running' && !failure && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    current = (await api.call('GET', `/v1/models/${model}/rollouts/${rollout.id}`));
    state = current.state;
  }
  await Promise.all(fleet);
  if (failure) throw failure;
  if (state === 'running') throw new Error(`rollout ${rollout.id} still running at the deadline: ${JSON.stringify(current.decisions.at(-1))}`);
  const decisions = (current.decisions as Array<{ action: string; at: number; message: string }>).map((d) => ({ action: d.action, afterMs: d.at - rollout.createdAt, message: d.message }));
  const last = current.decisions.at(-1);
  const stepStart = current.decisions.filter((d: { action: string }) => d.action === 'advanced' || d.action === 'started').at(-1).at;
  let onCandidateAfter = 0;
  for (const d of devices) if ((await d.manifest()) === candidate) onCandidateAfter++;
  const aliasVersion = (await api.call('GET', `/v1/models/${model}`)).model.aliases.production;
  return { state, decisions, decidedMs: state === 'completed' ? last.at - rollout.createdAt : last.at - stepStart, onCandidateAfter, aliasVersion };
}

/**
 * A simulated fleet during staged rollouts with a short interval, against a real hub process: `devices` Node clients
 * speaking the runtime's manifest protocol (with their device ids) and sync protocol (telemetry of the version each
 * was served). Three rollouts in turn: a good candidate, one that fails 5% of runs, one twice as slow. Reports when
 * each was decided; the "baseline" column is the rollout's own schedule (steps × interval) for the good one, and
 * two intervals for the bad ones.
 */
export async function rolloutBench(hub: BenchHub, s: RolloutSizes): Promise<Figure[]> {
  const api = new HubApi(hub.url, hub.key);
  const model = 'bench-fleet';
  const file = { 'model.onnx': linearModelOnnx({ inputSize: 4, outputSize: 2 }) };
  await api.publish(model, 'onnx', file, 'production');
  for (let i = 0; i < 3; i++) await api.publish(model, 'onnx', file);
  const key = await api.publishableKey();
  const agent = new Agent({ keepAlive: true, maxSockets: s.devices + 8 });
  const devices = Array.from({ length: s.devices }, (_, i) => new Device(hub.url, key, agent, `fleet-${i}`, model));
  try {
    const good = await runRollout(api, devices, model, 2, null, s);
    const errors = await runRollout(api, devices, model, 3, { errorRate: 0.05, latencyMs: 10 }, s);
    const slow = await runRollout(api, devices, model, 4, { errorRate: 0, latencyMs: 20 }, s);
    const schedule = s.steps.length * s.intervalMs;
    const within = ROLLBACK_WITHIN_INTERVALS * s.intervalMs;
    const seconds = (x: number) => `${fmt(x / 1000, 2)} s`;
    const steps = (o: Outcome) => o.decisions.map((d) => `${d.action} ${seconds(d.afterMs)}`).join(', ');
    console.error(`rollouts: good: ${steps(good)}\n  5% errors: ${steps(errors)}\n  2× latency: ${steps(slow)}`);
    const bad = (name: string, o: Outcome): Figure => ({
      name: `rollout of a candidate with ${name}, ${s.devices} devices, ${s.intervalMs / 1000} s interval: rolled back after (from its step's start)`,
      value: `${o.state} in ${seconds(o.decidedMs)}; ${o.onCandidateAfter} devices on it afterwards; alias on ${o.aliasVersion}`,
      baseline: `${ROLLBACK_WITHIN_INTERVALS} intervals = ${seconds(within)}`,
      ratio: fmt(o.decidedMs / within, 2),
      target: `rolled_back ≤ ${ROLLBACK_WITHIN_INTERVALS} intervals, 0 devices on it after, alias stays on 2`,
      ok: o.state === 'rolled_back' && o.decidedMs <= within && o.onCandidateAfter === 0 && o.aliasVersion === 2,
    });
    return [
      {
        name: `rollout of a good candidate to ${s.devices} devices in steps ${s.steps.join(',')} of ${s.intervalMs / 1000} s: alias moved after`,
        value: `${good.state} in ${seconds(good.decidedMs)}; ${good.onCandidateAfter} of ${s.devices} devices on it; alias on ${good.aliasVersion}`,
        baseline: `steps × interval = ${seconds(schedule)}`,
        ratio: fmt(good.decidedMs / schedule, 2),
        target: 'completed, every device on it, alias moved',
        ok: good.state === 'completed' && good.onCandidateAfter === s.devices && good.aliasVersion === 2,
      },
      bad('5% errors', errors),
      bad('2× latency', slow),
    ];
  } finally {
    agent.destroy();
  }
}
