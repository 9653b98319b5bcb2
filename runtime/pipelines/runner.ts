import type { HubClient } from '../../shared/client/hub-client.js';
import { RunnerCore, type StepEvent, type StepJob } from '../../shared/pipeline/runner-core.js';
import { OutpostRuntimeError } from '../errors.js';
import type { TrackedRun, TrackOptions } from '../track/run.js';
import { fromWireError, type StepStart, type WorkerMessage } from './protocol.js';
import { DeviceAttemptRun } from './tracking.js';

export type { StepEvent } from '../../shared/pipeline/runner-core.js';

export interface RunnerOptions {
  /** Labels this runner has: it leases steps whose `runsOn` labels it all has. Default `['browser']`, plus `webgpu` when the device has a WebGPU adapter. */
  labels?: string[];
  /** Steps run at once, each in its own worker (default 1). */
  concurrency?: number;
  /** How long a lease lasts without a heartbeat (default 30 s); heartbeats go every third of it. */
  leaseMs?: number;
  /** The runner's name on the hub's attempts (default `browser:<deviceId>:<random>`). */
  name?: string;
  /** Called as each leased step starts and ends. */
  onStep?: (event: StepEvent) => void;
}

/** A browser runner: `await op.runner()` leases steps and runs each in a Web Worker until `stop()`. */
export interface PipelineRunner {
  /** The runner's name on the hub's attempts. */
  readonly id: string;
  readonly labels: string[];
  /** Steps running now. */
  readonly running: number;
  /** Stops leasing; lets running steps finish within `graceMs` (default 10 s), then hands the rest back to the queue. */
  stop(graceMs?: number): Promise<void>;
}

const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** After a step is told to stop (its `ctx.signal` aborted), its worker is ended this long later if it has not. */
export const ABORT_GRACE_MS = 2000;

export interface BrowserRunnerDeps {
  hub: HubClient;
  key: string;
  deviceId: string;
  startWorker: () => Promise<Worker>;
  /** Steps' tracking runs are the device's runs (op.track), synced through the outbox. */
  track: (options: TrackOptions) => TrackedRun;
  /** Told once the runner has stopped. */
  stopped?: (runner: PipelineRunner) => void;
}

/** The device's WebGPU adapter, if it has one (some browsers expose navigator.gpu without an adapter). */
async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  return Boolean(await gpu.requestAdapter().catch(() => null));
}

export async function startBrowserRunner(deps: BrowserRunnerDeps, options: RunnerOptions = {}): Promise<PipelineRunner> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new OutpostRuntimeError('bad_request', `runner concurrency must be a whole number from 1 to 64 (got ${options.concurrency})`);
  const leaseMs = options.leaseMs ?? 30_000;
  if (!Number.isInteger(leaseMs) || leaseMs < 200 || leaseMs > 600_000) throw new OutpostRuntimeError('bad_request', `runner leaseMs must be a whole number of ms from 200 to 600000 (got ${options.leaseMs})`);
  if (options.labels !== undefined) {
    // The hub's rule (shared/schemas/pipelines.ts), checked here so a bad label fails now rather than every lease.
    const bad = Array.isArray(options.labels) ? options.labels.find((l) => typeof l !== 'string' || !LABEL_RE.test(l)) : options.labels;
    if (bad !== undefined || options.labels.length > 20) {
      throw new OutpostRuntimeError('bad_request', `runner labels must be up to 20 names of letters, digits, . _ or - (up to 64 each), e.g. ["browser"]${bad !== undefined ? ` (got ${JSON.stringify(bad)})` : ''}`);
    }
  }
  const labels = options.labels ? [...options.labels] : ['browser', ...((await hasWebGpu()) ? ['webgpu'] : [])];
  const id = options.name ?? `browser:${deps.deviceId}:${crypto.randomUUID().slice(0, 8)}`;
  if (id.length > 200) throw new OutpostRuntimeError('bad_request', `runner name is ${id.length} characters (at most 200)`);
  let said = '';
  const core = new RunnerCore({
    hub: deps.hub,
    name: id,
    labels,
    concurrency,
    leaseMs,
    trackingRun: (lease) => new DeviceAttemptRun(deps.track, lease),
    execute: (job) => runInWorker(deps, job),
    say: (line) => {
      // A hub that stays unreachable would say the same every poll: once until something else happens.
      if (line !== said) console.warn(`outpost runner ${id}: ${line}`);
      said = line;
    },
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  void core.run();
  const runner: PipelineRunner = {
    id,
    labels,
    get running() {
      return core.running;
    },
    stop: (graceMs = 10_000) => core.stop(graceMs).finally(() => deps.stopped?.(runner)),
  };
  return runner;
}

/** Runs one step in a worker of its own: the step's ctx lives there, and reports come back to the page's runner. */
async function runInWorker(deps: BrowserRunnerDeps, job: StepJob): Promise<unknown> {
  const { lease } = job;
  const bytes = await job.bundle();
  const worker = await deps.startWorker();
  return new Promise((resolve, reject) => {
    let ended = false;
    const end = () => {
      ended = true;
      job.signal.removeEventListener('abort', onAbort);
      worker.terminate();
    };
    function onAbort() {
      const reason = job.signal.reason as Error | undefined;
      worker.postMessage({ type: 'abort', reason: reason?.message ?? 'the step was stopped' });
      // The step has a moment to see ctx.signal and clean up; then its worker ends whatever it is doing.
      setTimeout(() => {
        if (!ended) {
          end();
          reject(reason);
        }
      }, ABORT_GRACE_MS);
    }
    job.signal.addEventListener('abort', onAbort, { once: true });
    worker.onerror = (event) => {
      event.preventDefault();
      end();
      reject(new Error(`the step's worker failed: ${event.message || 'an error outside run()'}`));
    };
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const m = event.data;
      switch (m.type) {
        case 'log':
          job.log(m.line);
          break;
        case 'metrics':
          job.run.log(m.metrics, m.step);
          break;
        case 'link':
          job.link(m.kind, m.ref, m.role);
          break;
        case 'run-id':
          job.run.id().then(
            (id) => !ended && worker.postMessage({ type: 'run-id', id }),
            (err: Error) => !ended && worker.postMessage({ type: 'run-id', error: err.message }),
          );
          break;
        case 'done':
          end();
          resolve(m.outputs);
          break;
        case 'failed':
          end();
          reject(fromWireError(m.error));
          break;
      }
    };
    const start: StepStart = {
      type: 'start',
      bundle: bytes.slice().buffer,
      step: lease.step,
      inputs: lease.inputs,
      params: lease.params,
      attempt: lease.attempt,
      pipeline: { name: lease.pipeline, version: lease.version, runId: lease.runId },
      hub: deps.hub.base,
      key: deps.key,
    };
    worker.postMessage(start, [start.bundle]);
    if (job.signal.aborted) onAbort();
  });
}
