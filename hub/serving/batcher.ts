import type { HostTensors, LoadedModel } from './engine.js';

export interface BatchOptions {
  /** Most rows (first-dimension entries) run together. */
  maxBatchSize: number;
  /** How long a request waits for others before its batch may run; 0: it runs as soon as the model is free. */
  maxDelayMs: number;
}

interface Waiting {
  feeds: HostTensors;
  rows: number;
  resolve: (out: HostTensors) => void;
  reject: (err: unknown) => void;
}

interface Queue {
  key: string;
  items: Waiting[];
  rows: number;
  /** Full, or its delay is over: it runs as soon as the model is free. */
  due: boolean;
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
 * Triton's dynamic batching for a model whose inputs and outputs all have the batch as their first dimension. The
 * model runs one batch at a time (one instance, as Triton's default): requests with the same inner shapes gather while
 * it is busy, for at least `maxDelayMs`, up to `maxBatchSize` rows, and then run as one; each caller gets back its own
 * rows. So one client alone waits for nothing (with the default delay of 0: only for the end of the event loop's turn)
 * and many clients fill batches. A batch that fails, or whose outputs do not keep one row per input row, runs again
 * request by request, so a request the model rejects fails alone.
 */
export class DynamicBatcher {
  private readonly queues: Queue[] = [];
  private running = false;
  private starting = false;

  constructor(
    private readonly model: LoadedModel,
    private readonly outputs: string[],
    private readonly options: BatchOptions,
  ) {}

  run(feeds: HostTensors, rows: number): Promise<HostTensors> {
    if (rows < 1 || rows >= this.options.maxBatchSize) return this.model.run(feeds, this.outputs);
    const key = shapeKey(feeds);
    return new Promise((resolve, reject) => {
      const max = this.options.maxBatchSize;
      // A batch this request would overflow goes as it is; a later request may still join one with room.
      for (const q of this.queues) if (q.key === key && q.rows + rows > max) q.due = true;
      let queue = this.queues.find((q) => q.key === key && q.rows + rows <= max);
      if (!queue) {
        queue = { key, items: [], rows: 0, due: this.options.maxDelayMs === 0 };
        this.queues.push(queue);
        const q = queue;
        if (!q.due) {
          q.timer = setTimeout(() => {
            q.due = true;
            this.pump();
          }, this.options.maxDelayMs);
        }
      }
      queue.items.push({ feeds, rows, resolve, reject });
      queue.rows += rows;
      if (queue.rows >= max) queue.due = true;
      this.pump();
    });
  }

  /**
   * Starts the oldest due batch when the model is free, once the requests read in this turn of the event loop have
   * joined: requests that arrive together (the sockets read after a run) go as one batch, not as one and then the rest.
   */
  private pump(): void {
    if (this.running || this.starting) return;
    this.starting = true;
    setImmediate(() => {
      this.starting = false;
      this.startDue();
    });
  }

  private startDue(): void {
    if (this.running) return;
    const i = this.queues.findIndex((q) => q.due);
    if (i < 0) return;
    const [queue] = this.queues.splice(i, 1);
    clearTimeout(queue!.timer);
    this.running = true;
    void this.runBatch(queue!).finally(() => {
      this.running = false;
      this.pump();
    });
  }

  private async runBatch({ items, rows }: Queue): Promise<void> {
    if (items.length === 1) return this.runAlone(items[0]!);
    let out: HostTensors | null = null;
    try {
      out = await this.model.run(concat(items, rows), this.outputs);
    } catch {
      out = null;
    }
    if (!out || Object.values(out).some((t) => t.dims[0] !== rows || t.data.length % rows !== 0)) {
      await Promise.all(items.map((item) => this.runAlone(item)));
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
