import { getBlob } from '../client/blobs.js';
import type { HubClient } from '../client/hub-client.js';
import { completeAttempt, heartbeatAttempt, leaseStep, releaseAttempt } from '../client/pipelines.js';
import { sha256Digest } from '../digest.js';
import { OutpostError } from '../errors.js';
import type { Lease } from '../schemas/pipelines.js';
import { AttemptLog } from './attempt-log.js';
import { outputProblem, type StepTrackingRun } from './define.js';
import { AttemptRun, type AttemptTracking } from './tracking-run.js';

type Link = { kind: 'dataset' | 'model' | 'run'; ref: string; role: 'read' | 'made' };

/** One leased attempt, handed to the platform that runs it (Node: in the process; browser: in a Web Worker). */
export interface StepJob {
  lease: Lease;
  /** Aborted on cancel, timeout, a lost lease or a stopping runner; the platform stops the step's code. */
  signal: AbortSignal;
  /** The pipeline's bundle, downloaded once per digest and verified against it. */
  bundle(): Promise<Uint8Array>;
  /** One formatted line in the attempt's log. */
  log(line: string): void;
  run: StepTrackingRun;
  link(kind: 'dataset' | 'model', ref: string, role?: 'read' | 'made'): void;
}

/** What happened to an attempt on this runner. */
export interface StepEvent {
  type: 'started' | 'succeeded' | 'failed' | 'stopped';
  attemptId: string;
  runId: string;
  pipeline: string;
  step: string;
  attempt: number;
  /** failed: the error's message; stopped: why (cancelled, timed out, lease lost, runner stopping). */
  error?: string;
}

export interface RunnerCoreOptions {
  hub: HubClient;
  name: string;
  labels: string[];
  concurrency: number;
  /** How long a lease lasts without a heartbeat; heartbeats go every third of it. */
  leaseMs: number;
  /** Runs the step's code; resolves with what `run(ctx)` returned, rejects with what it threw. */
  execute(job: StepJob): Promise<unknown>;
  /** The attempt's tracking run (default: made through the hub's native API, source `cli`). */
  trackingRun?: (lease: Lease) => AttemptTracking;
  /** One line about what the runner does. */
  say?: (line: string) => void;
  onStep?: (event: StepEvent) => void;
}

/** Whether a call should be sent again: the hub was unreachable or answered 5xx (a restart, a deploy); 4xx is final. */
const transient = (err: unknown) => !(err instanceof OutpostError) || err.status >= 500;

/**
 * Sends an end-of-attempt call until the hub answers, backing off from 100 ms to 2 s, while the attempt is still
 * this runner's (`signal`: a heartbeat answering `lost`/`cancelled`, or `stop()` past its grace, ends the retries
 * with the last error). The calls are ones the hub accepts twice (a completion sent again is `accepted: true`).
 */
async function untilAnswered<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  for (let waitMs = 100; ; waitMs = Math.min(2_000, waitMs * 2)) {
    try {
      return await call();
    } catch (err) {
      if (!transient(err) || signal.aborted) throw err;
    }
    await new Promise((r) => setTimeout(r, waitMs));
  }
}

/** Why a running attempt was stopped by the hub or the runner: it is then not reported as done. */
export class Stopped extends Error {}

/**
 * The runner protocol, the same on every platform: leases steps whose labels the runner has, keeps their leases
 * alive with heartbeats (every third of the lease; an answer other than `running` aborts the step), streams their
 * logs, and reports how they ended. `stop()` stops leasing, lets running steps finish within the grace time, and
 * hands the rest back to the queue.
 */
export class RunnerCore {
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly attempts = new Map<string, AbortController>();
  private readonly bundles = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly options: RunnerCoreOptions) {}

  /** Attempts running now. */
  get running(): number {
    return this.attempts.size;
  }

  /** Runs until `stop()`; resolves once every slot has ended. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.concurrency }, () => this.slot()));
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const deadline = Date.now() + graceMs;
    while (this.attempts.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await Promise.all(
      [...this.attempts].map(async ([attemptId, controller]) => {
        controller.abort(new Stopped('the runner is stopping; the step was handed back'));
        await releaseAttempt(this.options.hub, attemptId).catch(() => undefined);
        this.options.say?.(`handed back ${attemptId}`);
      }),
    );
  }

  private async slot() {
    let idleMs = 10;
    while (!this.stopping) {
      let lease: Lease | null = null;
      try {
        lease = (await leaseStep(this.options.hub, this.options.name, this.options.labels, this.options.leaseMs)).lease;
      } catch (err) {
        this.options.say?.(`lease failed: ${(err as Error).message}`);
      }
      if (!lease) {
        await this.idle(idleMs);
        idleMs = Math.min(500, idleMs * 2);
        continue;
      }
      idleMs = 10;
      // A completion leases the next step in the same request, so a busy runner makes one round trip a step.
      for (let next: Lease | null = lease; next; ) {
        if (this.stopping) {
          await releaseAttempt(this.options.hub, next.attemptId).catch(() => undefined);
          break;
        }
        next = await this.attempt(next);
      }
    }
  }

  private nextRequest() {
    return this.stopping ? {} : { next: { runner: this.options.name, labels: this.options.labels, leaseMs: this.options.leaseMs } };
  }

  private idle(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** The bundle's bytes, checked against the digest before anything of them runs. */
  private bundle(digest: string): Promise<Uint8Array> {
    let loaded = this.bundles.get(digest);
    if (!loaded) {
      loaded = (async () => {
        const bytes = new Uint8Array(await (await getBlob(this.options.hub, digest)).arrayBuffer());
        const actual = await sha256Digest(bytes);
        if (actual !== digest) throw new Error(`bundle digest mismatch: expected ${digest}, got ${actual}; the bundle was not run`);
        return bytes;
      })();
      loaded.catch(() => this.bundles.delete(digest));
      this.bundles.set(digest, loaded);
    }
    return loaded;
  }

  private event(type: StepEvent['type'], lease: Lease, error?: string) {
    try {
      this.options.onStep?.({ type, attemptId: lease.attemptId, runId: lease.runId, pipeline: lease.pipeline, step: lease.step, attempt: lease.attempt, ...(error === undefined ? {} : { error }) });
    } catch {
      // A listener's error is the listener's: the attempt carries on.
    }
  }

  /** Runs one attempt and reports it; returns the next lease the hub handed out with the report, if any. */
  private async attempt(lease: Lease): Promise<Lease | null> {
    const { hub } = this.options;
    const controller = new AbortController();
    this.attempts.set(lease.attemptId, controller);
    const log = new AttemptLog(hub, lease.attemptId);
    const run = this.options.trackingRun?.(lease) ?? new AttemptRun(hub, lease);
    const links: Link[] = [];
    const beat = setInterval(async () => {
      try {
        const { state } = await heartbeatAttempt(hub, lease.attemptId);
        if (state !== 'running') controller.abort(new Stopped(state === 'timed_out' ? 'the step timed out' : state === 'cancelled' ? 'the run was cancelled' : 'the lease was lost'));
      } catch {
        // The hub is unreachable: keep going; the lease expires on its own if this lasts.
      }
    }, Math.max(50, Math.floor(lease.leaseMs / 3)));
    this.event('started', lease);
    let succeeded = false;
    try {
      const job: StepJob = {
        lease,
        signal: controller.signal,
        bundle: () => this.bundle(lease.codeDigest),
        log: (line) => log.line(line),
        run,
        link: (kind, ref, role = 'read') => void links.push({ kind, ref, role }),
      };
      const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
      const outputs = ((await Promise.race([Promise.resolve().then(() => this.options.execute(job)), aborted])) ?? {}) as Record<string, unknown>;
      const problem = outputProblem(lease.step, outputs, lease.outputs);
      if (problem) throw new Error(problem);
      // From here the step's work is done: the hub being down (a restart) delays the report, never fails the step.
      // Heartbeats go on meanwhile, so the lease is renewed as soon as the hub is back.
      const trackingRun = await untilAnswered(controller.signal, () => run.finish(true));
      if (trackingRun) links.push({ kind: 'run', ref: trackingRun, role: 'made' });
      await log.close();
      succeeded = true;
      const reply = await untilAnswered(controller.signal, () => completeAttempt(hub, lease.attemptId, { status: 'succeeded', outputs, links, ...this.nextRequest() }));
      this.event('succeeded', lease);
      return reply.next ?? null;
    } catch (err) {
      if (succeeded) {
        // The step succeeded but the hub refused its completion (4xx) or the attempt stopped being this runner's while it
        // was retried (lost, cancelled, the runner stopping): the hub settles the attempt (a lost lease runs it again).
        this.options.say?.(`could not report ${lease.attemptId}: ${(err as Error).message}`);
        return null;
      }
      if (err instanceof Stopped) {
        log.line(`stopped: ${err.message}`);
        await log.close();
        await run.finish(false).catch(() => undefined);
        this.event('stopped', lease, err.message);
        return null;
      }
      const message = err instanceof Error ? err.message : String(err);
      log.line(err instanceof Error ? (err.stack ?? err.message) : String(err));
      await log.close();
      const trackingRun = await untilAnswered(controller.signal, () => run.finish(false)).catch(() => null);
      if (trackingRun) links.push({ kind: 'run', ref: trackingRun, role: 'made' });
      this.event('failed', lease, message);
      const reply = await untilAnswered(controller.signal, () => completeAttempt(hub, lease.attemptId, { status: 'failed', error: message, links, ...this.nextRequest() })).catch((e) => {
        this.options.say?.(`could not report ${lease.attemptId}: ${(e as Error).message}`);
        return null;
      });
      return reply?.next ?? null;
    } finally {
      clearInterval(beat);
      this.attempts.delete(lease.attemptId);
    }
  }
}
