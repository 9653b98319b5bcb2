/**
 * The fuzzing tier's driver: requests for every route of the hub, made from its OpenAPI document (and, for the
 * MLflow routes it does not list, from the app's route table), sent to an in-process hub with keys of every role.
 * The bar is no 5xx and no crash. Each case has its own seed, so one failure replays alone.
 */
import { encodeMetricsFrame, METRICS_FRAME_TYPE } from '../../../shared/metrics-frame.js';
import type { InProcessHub } from '../../helpers/in-process-hub.js';
import { identityOnnx, publishModel } from '../../helpers/serving.js';
import { hostile, mutate, pick, rngOf, scalarText, toJsonText, valid, type Context, type Rng, type Schema } from './generate.js';

interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; schema?: Schema }>;
  /** The request body's content types with their schemas; empty when the route takes none. */
  bodies: Array<{ type: string; schema: Schema }>;
}


/** The fuzzed hub's rate limits: on, but out of reach, so requests reach the routes rather than a 429. */
export const FUZZ_HUB_ENV = { OUTPOST_AUTH_FAILURE_LIMIT: '100000000/1m', OUTPOST_DEVICE_RATE_LIMIT: '100000000/1m' };

export interface FuzzCase {
  seed: number;
  method: string;
  path: string;
  role: string;
  /** Extra request headers the hub reads: ranges, idempotency keys, validators, device ids. */
  headers?: Record<string, string>;
  type?: string;
  body?: string | Uint8Array<ArrayBuffer>;
}

export interface FuzzFailure {
  case: FuzzCase;
  status: number;
  reply: string;
  ms: number;
}

/** A request slower than this counts as a failure: no key may stall the hub. Generous, for loaded machines. */
export const SLOW_MS = 5000;

export interface FuzzWorld {
  hub: InProcessHub;
  operations: Operation[];
  ctx: Context;
  keys: Record<string, string | undefined>;
}

/** Roles a case acts as, weighted toward keys that get past authentication. */
const ROLES = ['admin', 'admin', 'admin', 'write', 'write', 'read', 'device', 'none', 'bogus'];

/** Fields MLflow's request bodies use, for the routes the OpenAPI document does not describe. */
const MLFLOW_FIELDS = ['name', 'experiment_id', 'experiment_ids', 'run_id', 'run_uuid', 'filter', 'filter_string', 'max_results', 'page_token', 'order_by', 'key', 'value', 'step', 'timestamp', 'metrics', 'params', 'tags', 'metric_key', 'version', 'alias', 'source', 'status', 'end_time', 'start_time', 'path', 'datasets', 'new_name', 'description', 'run_view_type', 'stage'];

function operationsOf(doc: { paths: Record<string, Record<string, any>> }, routes: Array<{ method: string; path: string }>): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const bodies = Object.entries<{ schema?: Schema }>(op.requestBody?.content ?? {}).map(([type, c]) => ({ type, schema: c.schema ?? {} }));
      ops.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], bodies });
    }
  }
  // Routes outside the document (MLflow's API): a loose object of MLflow's field names, and the same as a query.
  const loose: Schema = { type: 'object', properties: Object.fromEntries(MLFLOW_FIELDS.map((f) => [f, { type: ['string', 'integer', 'array', 'object'], items: {}, additionalProperties: {} }])) };
  const seen = new Set(ops.map((o) => `${o.method} ${o.path}`));
  for (const r of routes) {
    if (!/^\/(api|ajax-api)\//.test(r.path) || r.method === 'ALL' || seen.has(`${r.method} ${r.path}`)) continue;
    seen.add(`${r.method} ${r.path}`);
    const params = [...r.path.matchAll(/:(\w+)\{?[^/]*/g)].map((m) => ({ name: m[1]!, in: 'path' }));
    const path = r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}').replace(/\*$/, '{rest}');
    if (path.includes('{rest}')) params.push({ name: 'rest', in: 'path' });
    ops.push({ method: r.method, path, params: r.method === 'GET' ? [...params, ...MLFLOW_FIELDS.map((name) => ({ name, in: 'query' }))] : params, bodies: r.method === 'GET' ? [] : [{ type: 'application/json', schema: loose }] });
  }
  return ops;
}

async function must(hub: InProcessHub, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const r = await hub.request(path, json === undefined ? rest : { ...rest, method: rest.method ?? 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } });
  if (r.status >= 300) throw new Error(`fuzz setup: ${path} answered ${r.status}: ${await r.text()}`);
  return r.json() as Promise<any>;
}

async function digestOf(bytes: Uint8Array<ArrayBuffer>) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `sha256:${[...d].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A project with things in it for requests to name: keys of each role, an experiment, a run with metrics, a model, blobs. */
export async function openFuzzWorld(hub: InProcessHub): Promise<FuzzWorld> {
  const doc = await (await hub.request('/openapi.json')).json();
  const key = async (json: unknown) => (await must(hub, '/v1/keys', { json })).secret as string;
  const keys = {
    admin: hub.adminKey,
    write: await key({ kind: 'secret', name: 'fuzz-write', role: 'write' }),
    read: await key({ kind: 'secret', name: 'fuzz-read', role: 'read' }),
    device: await key({ kind: 'publishable', name: 'fuzz-device' }),
    none: undefined,
    bogus: `sk_${'A'.repeat(43)}`,
  };
  const experiment = (await must(hub, '/v1/experiments', { json: { name: 'fuzz' } })).experiment.id as string;
  const run = (await must(hub, '/v1/runs', { json: { experimentId: experiment } })).run.id as string;
  await must(hub, `/v1/runs/${run}/log`, { json: { metrics: [{ key: 'loss', steps: [0, 1, 2], values: [1, 0.5, 0.25] }], params: { lr: '0.1' }, tags: { team: 'a' } } });
  await must(hub, '/v1/models', { json: { name: 'fuzzmodel', devices: true } });
  // A version the hub serves (one Identity per datatype), so `/v2` inference runs garbage through a real model.
  await publishModel(hub.request, 'fuzzmodel', { 'model.onnx': identityOnnx() }, { alias: 'production' });
  const known = [experiment, run, 'fuzz', 'loss', 'lr', 'team', 'fuzzmodel', 'fuzzmodel@production', 'production', '1', 'model.json', 'model.onnx', 'in_float32', 'out_float32', 'in_bool', 'in_float16', 'in_int64', 'FP32'];
  const uploads = ['{}', '{"modelTopology":null,"weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"w","shape":[1e9,1e9],"dtype":"float32"}]}]}', 'not json', '[[[[[[[[', 'onnx?'];
  for (const text of uploads) {
    const bytes = new TextEncoder().encode(text);
    const digest = await digestOf(bytes);
    await must(hub, `/v1/blobs/${digest}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    known.push(digest);
  }
  // A dataset with two versions, a draft and an alias, so dataset routes get past the name lookup.
  const files = uploads.map((text, i) => ({ path: i ? `data/${i}.csv` : 'rows.jsonl', digest: known[known.length - uploads.length + i]!, size: new TextEncoder().encode(text).byteLength }));
  await must(hub, '/v1/datasets/fuzzdata/versions', { json: { files } });
  await must(hub, '/v1/datasets/fuzzdata/versions', { json: { files: files.slice(1).map((f, i) => (i ? f : { ...f, path: 'renamed.csv' })) } });
  await must(hub, '/v1/datasets/fuzzdata/aliases/current', { method: 'PUT', json: { version: 1 } });
  await must(hub, '/v1/datasets/fuzzdata/drafts/fuzz-draft-1', { method: 'PUT', json: {} });
  known.push('fuzzdata', 'fuzzdata/1', 'current', 'latest', 'fuzz-draft-1', 'data/1.csv', 'rows.jsonl', '2');
  const routes = hub.app.routes.map((r) => ({ method: r.method, path: r.path }));
  return { hub, operations: operationsOf(doc, routes), ctx: { components: doc.components?.schemas ?? {}, known }, keys };
}

/** A metrics frame, well formed or not: lying counts, a header of the wrong shape, a body cut short. */
function frameBody(rng: Rng): Uint8Array<ArrayBuffer> {
  const good = encodeMetricsFrame({ metrics: [{ key: 'loss', steps: Float64Array.from([0, 1, 2]), values: Float64Array.from([3, 2, 1]) }] });
  const header = (json: string) => {
    const raw = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + Math.ceil(raw.length / 8) * 8).fill(0x20);
    new DataView(out.buffer).setUint32(0, 0x314d504f, true);
    new DataView(out.buffer).setUint32(4, out.length - 8, true);
    out.set(raw, 8);
    return out;
  };
  switch (Math.floor(rng() * 6)) {
    case 0:
      return good;
    case 1:
      return good.slice(0, Math.floor(rng() * good.length));
    case 2:
      return header(JSON.stringify({ metrics: [{ key: 'loss', count: 5e8, timestamps: false, steps: [0, 1] }] }));
    case 3:
      return header(pick(rng, ['null', '[]', '{"metrics":{}}', '{"metrics":[null]}', '{"metrics":[{"key":1}]}', '{"metrics":"x"}', '{"params":[1]}', '"s"', '{"metrics":[{"key":"k","count":-1}]}']));
    case 4:
      return header(toJsonText(mutate({ metrics: [{ key: 'loss', count: 1, timestamps: true }], params: { a: 'b' } }, rng, 0.4)));
    default:
      return crypto.getRandomValues(new Uint8Array(Math.floor(rng() * 256)));
  }
}

const HEADERS = ['inference-header-content-length', 'range', 'idempotency-key', 'if-none-match', 'outpost-device', 'origin', 'content-length'];
const HEADER_VALUES = ['bytes=0-', 'bytes=-1', 'bytes=5-1', `bytes=${'9'.repeat(400)}-`, Array.from({ length: 500 }, (_, i) => `${i}-${i}`).join(','), 'bytes=0-0,-1', '*', '"x"', 'x'.repeat(8000), '', ' ', '-1', '1e400', 'null', 'http://evil.example'];

/** A path segment, percent-encoded; a lone surrogate goes out as the invalid UTF-8 it would be. */
const segment = (text: string) => text.split(/([\ud800-\udfff])/).map((part, i) => (i % 2 ? '%ED%A0%80' : encodeURIComponent(part))).join('');

/** The case for one seed: a route, a role, path and query values, a body. */
export function fuzzCase(world: FuzzWorld, seed: number): FuzzCase {
  const rng = rngOf(seed);
  const op = pick(rng, world.operations);
  const role = pick(rng, ROLES);
  const query = new URLSearchParams();
  let path = op.path;
  for (const p of op.params) {
    if (p.in === 'path') path = path.replace(`{${p.name}}`, segment(scalarText(rng, world.ctx, p.schema)).slice(0, 20_000) || 'x');
    else if (p.in === 'query' && rng() < 0.5) query.append(p.name, scalarText(rng, world.ctx, p.schema));
  }
  const url = path + (query.size ? `?${query}` : '');
  const headers: Record<string, string> = {};
  while (rng() < 0.25) headers[pick(rng, HEADERS)] = pick(rng, HEADER_VALUES);
  if (!op.bodies.length && rng() < 0.9) return { seed, method: op.method, path: url, role, headers };
  const declared = op.bodies.length ? pick(rng, op.bodies) : { type: 'application/json', schema: {} };
  const type = rng() < 0.1 ? pick(rng, ['text/plain', 'application/json; charset=utf-16', '', 'multipart/form-data; boundary=x', METRICS_FRAME_TYPE]) : declared.type;
  let body: string | Uint8Array<ArrayBuffer>;
  if (type === METRICS_FRAME_TYPE) body = frameBody(rng);
  else if (/octet-stream/.test(type)) body = crypto.getRandomValues(new Uint8Array(Math.floor(rng() * 4096)));
  else {
    const value = valid(declared.schema, rng, world.ctx);
    const roll = rng();
    const text = toJsonText(roll < 0.25 ? value : roll < 0.9 ? mutate(value, rng, 0.15 + rng() * 0.4) : hostile(rng));
    // Sometimes not JSON at all: cut short, or a Python-style body with bare NaN.
    body = rng() < 0.08 ? text.slice(0, Math.floor(rng() * text.length)) : rng() < 0.04 ? text.replace(/\d+(\.\d+)?/g, 'NaN') : text;
  }
  return { seed, method: op.method, path: url, role, headers, type, body };
}

/** Sends one case; returns what came back. A thrown error (a crash of the app itself) counts as a 5xx. */
export async function sendCase(world: FuzzWorld, c: FuzzCase): Promise<{ status: number; reply: string }> {
  const headers = new Headers(c.headers);
  const key = world.keys[c.role];
  headers.set('authorization', key ? `Bearer ${key}` : 'Bearer ');
  if (c.type) headers.set('content-type', c.type);
  try {
    const r = await world.hub.app.request(c.path, { method: c.method, headers, body: c.body === undefined || c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body });
    const reply = await r.text();
    return { status: r.status, reply };
  } catch (err) {
    return { status: 599, reply: `thrown: ${(err as Error).stack}` };
  }
}

/** How to show a failing case: enough to read, and the seed to replay it. */
export function describeFailure(f: FuzzFailure): string {
  const body = typeof f.case.body === 'string' ? f.case.body : f.case.body ? `<${f.case.body.byteLength} bytes>` : '';
  return `${f.status} in ${Math.round(f.ms)} ms: ${f.case.method} ${f.case.path.slice(0, 300)} as ${f.case.role} (content-type ${f.case.type ?? 'none'}${f.case.headers && Object.keys(f.case.headers).length ? `, headers ${JSON.stringify(f.case.headers).slice(0, 300)}` : ''}), seed ${f.case.seed}\n  body: ${body.slice(0, 500)}${body.length > 500 ? `… (${body.length} chars)` : ''}\n  reply: ${f.reply.slice(0, 500)}\n  replay: OUTPOST_FUZZ_CASE=${f.case.seed} npx vitest run --project fuzz`;
}

/** Runs `runs` cases from `seed`; collects every 5xx. */
export async function fuzzHub(world: FuzzWorld, seed: number, runs: number): Promise<{ tried: number; failures: FuzzFailure[]; byStatus: Record<number, number> }> {
  const failures: FuzzFailure[] = [];
  const byStatus: Record<number, number> = {};
  for (let i = 0; i < runs; i++) {
    const c = fuzzCase(world, (seed + i) >>> 0);
    const start = performance.now();
    const { status, reply } = await sendCase(world, c);
    const ms = performance.now() - start;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (status >= 500 || ms > SLOW_MS) failures.push({ case: c, status, reply, ms });
    else if (ms > SLOW_MS / 5) console.warn(`fuzz: slow but under the bar, ${describeFailure({ case: c, status, reply, ms })}`);
  }
  return { tried: runs, failures, byStatus };
}
