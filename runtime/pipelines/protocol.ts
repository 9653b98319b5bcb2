/** The pipeline-step worker's protocol (`/runtime/pipeline-worker.js`): plain messages, one step per worker. */

export interface StepStart {
  type: 'start';
  /** The verified bundle (an ES module); the worker imports it from a blob: URL. */
  bundle: ArrayBuffer;
  step: string;
  inputs: Record<string, Record<string, unknown>>;
  params: Record<string, number | string | boolean>;
  attempt: number;
  pipeline: { name: string; version: number; runId: string };
  /** For `ctx.hub`: the page's hub and key (a secret key: the runner refuses publishable ones). */
  hub: string;
  key: string;
}

/** Page → worker. */
export type PageMessage = StepStart | { type: 'abort'; reason: string } | { type: 'run-id'; id?: string; error?: string };

/** An error as it crosses the worker boundary; rebuilt on the page with the worker's stack. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** Worker → page. */
export type WorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'metrics'; metrics: Record<string, number>; step?: number }
  | { type: 'run-id' }
  | { type: 'link'; kind: 'dataset' | 'model'; ref: string; role: 'read' | 'made' }
  | { type: 'done'; outputs: unknown }
  | { type: 'failed'; error: WireError };

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: 'Error', message: String(err) };
}

export function fromWireError(wire: WireError): Error {
  const err = new Error(wire.message);
  err.name = wire.name;
  err.stack = wire.stack ?? `${wire.name}: ${wire.message}`;
  return err;
}

/** `ctx.log(...)` arguments as one line, close to console.log: strings as they are, errors by stack, values as JSON. */
export function formatLogLine(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.stack ?? `${a.name}: ${a.message}`;
      if (typeof a === 'object' && a !== null) {
        try {
          return JSON.stringify(a);
        } catch {
          return String(a);
        }
      }
      return String(a);
    })
    .join(' ');
}
