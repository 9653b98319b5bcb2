import type { HostTensors, LoadedModel } from './engine.js';

export interface BatchOptions {
  /** Most rows (first-dimension entries) run together. */
  maxBatchSize: number;
  /** Longest a request waits for others before its batch runs. */
  maxDelayMs: number;
}

interface Waiting {
  feeds: HostTensors;
  rows: number;
  resolve: (out: HostTensors) => void;
  reject: (err: unknown) => void;
}

interface Queue {
  items: Waiting[];
  rows: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Requests batch together only when every dimension past the first agrees. */
const shapeKey = (feeds: HostTensors) =>
  Object.keys(feeds)
    .sort()
    .map((name) => `${name}:${feeds[name]!.dims.slice(1).join('x')}`)
    .join('|');

/** Concatenates the items' tensors along the first dimension. */
function concat(items: Waiting[], rows: number): HostTensors {
  const out: HostTensors = {};
  for (const name of Object.keys(items[0]!.feeds)) {
    const first = items[0]!.feeds[name]!;
    const data = new (first.data.constructor as new (n: number) => typeof first.data)(items.reduce((n, i) => n + i.feeds[name]!.data.length, 0));
    let offset = 0;
    for (const item of items) {
      data.set(item.feeds[name]!.data as never, offset);
      offset += item.feeds[name]!.data.length;
    }
    out[name] = { dtype: first.dtype, dims: [rows, ...first.dims.slice(1)], data };
  }
  return out;
}

/**
 * Triton's dynamic batching for a model whose inputs and outputs all have the batch as their first dimension: a
 * request waits up to `maxDelayMs` for others with the same inner shapes, or until `maxBatchSize` rows are waiting;
 * they run as one, and each caller gets back its own rows. A batch that fails, or whose outputs do not keep one row
 * per input row, runs again one request at a time, so a request the model rejects fails alone.
 */
export class DynamicBatcher {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly model: LoadedModel,
    private readonly outputs: string[],
    private readonly options: BatchOptions,
  ) {}

  run(feeds: HostTensors, rows: number): Promise<HostTensors> {
    if (rows < 1 || rows >= this.options.maxBatchSize) return this.model.run(feeds, this.outputs);
    const key = shapeKey(feeds);
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(key);
      if (queue && queue.rows + rows > this.options.maxBatchSize) {
        this.flush(key, queue);
        queue = undefined;
      }
      if (!queue) {
        queue = { items: [], rows: 0 };
        this.queues.set(key, queue);
      }
      queue.items.push({ feeds, rows, resolve, reject });
      queue.rows += rows;
      const q = queue;
      if (q.rows >= this.options.maxBatchSize) this.flush(key, q);
      else q.timer ??= setTimeout(() => this.flush(key, q), this.options.maxDelayMs);
    });
  }

  private flush(key: string, queue: Queue): void {
    if (this.queues.get(key) === queue) this.queues.delete(key);
    clearTimeout(queue.timer);
    void this.runBatch(queue);
  }

  private async runBatch({ items, rows }: Queue): Promise<void> {
    if (items.length === 1) return this.runAlone(items[0]!);
    let out: HostTensors;
    try {
      out = await this.model.run(concat(items, rows), this.outputs);
    } catch {
      for (const item of items) void this.runAlone(item);
      return;
    }
    if (Object.values(out).some((t) => t.dims[0] !== rows || t.data.length % rows !== 0)) {
      for (const item of items) void this.runAlone(item);
      return;
    }
    let start = 0;
    for (const item of items) {
      const mine: HostTensors = {};
      for (const [name, t] of Object.entries(out)) {
        const per = t.data.length / rows;
        mine[name] = { dtype: t.dtype, dims: [item.rows, ...t.dims.slice(1)], data: t.data.slice(start * per, (start + item.rows) * per) };
      }
      start += item.rows;
      item.resolve(mine);
    }
  }

  private async runAlone(item: Waiting): Promise<void> {
    try {
      item.resolve(await this.model.run(item.feeds, this.outputs));
    } catch (err) {
      item.reject(err);
    }
  }
}

/** Whether a model's signature lets requests batch: every input and output is batched along a dynamic first dimension. */
export function batchable(signature: { inputs: { shape: (number | string)[] }[]; outputs: { shape: (number | string)[] }[] }): boolean {
  const dynamicFirst = (shape: (number | string)[]) => shape.length > 0 && (typeof shape[0] === 'string' || shape[0] === -1);
  return signature.inputs.every((s) => dynamicFirst(s.shape)) && signature.outputs.every((s) => dynamicFirst(s.shape));
}
