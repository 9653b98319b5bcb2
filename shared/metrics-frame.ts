/**
 * The binary columnar metrics frame: what fast clients send to `POST /v1/runs/{id}/log` with
 * `Content-Type: application/vnd.outpost.metrics`. JSON costs the hub more to parse than SQLite costs to
 * write; this frame is read in place.
 *
 *   "OPM1" | u32 LE header length | header JSON, space-padded to a multiple of 8 |
 *   per metric, in header order: steps f64[count] (unless `steps` is in the header) | values f64[count] |
 *   timestamps f64[count] if `timestamps`
 *
 * All numbers little-endian float64. Header: { metrics: [{ key, count, timestamps, steps? }], params?, tags? }.
 * Steps that are an exact progression (0, 1, 2… nearly always) travel as `steps: [first, delta]` in the header.
 */
export const METRICS_FRAME_TYPE = 'application/vnd.outpost.metrics';
const MAGIC = 0x314d504f; // "OPM1" read as u32 LE

export interface FrameMetric {
  key: string;
  steps: Float64Array;
  values: Float64Array;
  timestamps?: Float64Array;
}

export interface MetricsFrame {
  metrics: FrameMetric[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export function encodeMetricsFrame(frame: MetricsFrame): Uint8Array<ArrayBuffer> {
  const progressions = frame.metrics.map((m) => progression(m.steps));
  const header = {
    metrics: frame.metrics.map((m, i) => ({ key: m.key, count: m.values.length, timestamps: Boolean(m.timestamps), ...(progressions[i] ? { steps: progressions[i] } : {}) })),
    ...(frame.params ? { params: frame.params } : {}),
    ...(frame.tags ? { tags: frame.tags } : {}),
  };
  let json = JSON.stringify(header);
  const headerBytes = () => new TextEncoder().encode(json);
  while ((8 + headerBytes().length) % 8 !== 0) json += ' ';
  const head = headerBytes();
  const floats = frame.metrics.reduce((n, m, i) => n + m.values.length * ((m.timestamps ? 3 : 2) - (progressions[i] ? 1 : 0)), 0);
  const out = new Uint8Array(8 + head.length + floats * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, head.length, true);
  out.set(head, 8);
  const body = new Float64Array(out.buffer, 8 + head.length, floats);
  let at = 0;
  for (const [i, m] of frame.metrics.entries()) {
    const columns = [...(progressions[i] ? [] : [m.steps]), m.values, ...(m.timestamps ? [m.timestamps] : [])];
    for (const column of columns) {
      body.set(column, at);
      at += column.length;
    }
  }
  return out;
}

/** [first, delta] when the column is an exact arithmetic progression of more than two points. */
function progression(xs: Float64Array): [number, number] | undefined {
  if (xs.length <= 2) return undefined;
  const first = xs[0]!;
  const delta = xs[1]! - first;
  for (let i = 2; i < xs.length; i++) if (xs[i] !== first + i * delta) return undefined;
  return [first, delta];
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Reads a frame in place (the columns are views on `bytes`); throws FrameError saying what is wrong. */
export function decodeMetricsFrame(bytes: Uint8Array): MetricsFrame {
  if (bytes.byteLength < 8) throw new FrameError('metrics frame is shorter than its 8-byte preamble');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new FrameError('metrics frame does not start with "OPM1"');
  const headLength = view.getUint32(4, true);
  if (8 + headLength > bytes.byteLength || (8 + headLength) % 8 !== 0) throw new FrameError('metrics frame header length is out of range or not padded to 8 bytes');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headLength)));
  } catch {
    throw new FrameError('metrics frame header is not valid JSON');
  }
  if (!isObject(header)) throw new FrameError('metrics frame header must be a JSON object');
  const declared = header.metrics ?? [];
  if (!Array.isArray(declared)) throw new FrameError('metrics frame header "metrics" must be an array');
  const floats = (bytes.byteLength - 8 - headLength) / 8;
  if (!Number.isInteger(floats)) throw new FrameError('metrics frame body is not a whole number of float64 values');
  // Every announced size is checked against the body's length before anything is allocated.
  let needed = 0;
  const specs = declared.map((m: unknown, i) => {
    if (!isObject(m) || typeof m.key !== 'string' || !Number.isSafeInteger(m.count) || (m.count as number) < 0) throw new FrameError(`metrics[${i}] needs a string key and a whole count`);
    const count = m.count as number;
    if (m.steps !== undefined && (!Array.isArray(m.steps) || m.steps.length !== 2 || !m.steps.every((x) => typeof x === 'number'))) {
      throw new FrameError(`metrics[${i}].steps must be [first, delta]`);
    }
    needed += count * ((m.steps === undefined ? 1 : 0) + 1 + (m.timestamps ? 1 : 0));
    if (needed > floats) throw new FrameError(`metrics frame body is shorter than its header says (metrics[${i}] needs more values than the body holds)`);
    return { key: m.key, count, steps: m.steps as [number, number] | undefined, timestamps: Boolean(m.timestamps) };
  });
  if (needed !== floats) throw new FrameError('metrics frame body is longer than its header says');
  // Float64Array views need 8-byte alignment of the absolute offset: copy once if the body is not aligned.
  const base = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const body = new Float64Array(base.buffer, base.byteOffset + 8 + headLength, floats);
  let at = 0;
  const take = (n: number) => {
    const column = body.subarray(at, at + n);
    at += n;
    return column;
  };
  const metrics = specs.map((m) => {
    const steps = m.steps === undefined ? take(m.count) : expand(m.steps, m.count);
    return { key: m.key, steps, values: take(m.count), ...(m.timestamps ? { timestamps: take(m.count) } : {}) };
  });
  function expand([first, delta]: [number, number], count: number): Float64Array {
    const out = new Float64Array(count);
    for (let j = 0; j < count; j++) out[j] = first + j * delta;
    return out;
  }
  return { metrics, params: header.params as MetricsFrame['params'], tags: header.tags as MetricsFrame['tags'] };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
