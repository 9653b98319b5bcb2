import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBlob } from '../../shared/client/blobs.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { completeAttempt, heartbeatAttempt, leaseStep, releaseAttempt } from '../../shared/client/pipelines.js';
import { sha256Digest } from '../../shared/digest.js';
import { outputProblem, type PipelineDefinition, type StepContext } from '../../shared/pipeline/define.js';
import type { Lease } from '../../shared/schemas/pipelines.js';
import { AttemptLog } from './attempt-log.js';
import { importBundle } from './bundle.js';
import { AttemptRun } from './tracking-run.js';

export interface RunnerOptions {
  hub: HubClient;
  labels: string[];
  concurrency: number;
  /** How long a lease lasts without a heartbeat; heartbeats go every third of it. */
  leaseMs: number;
  name?: string;
  /** Where bundles are kept (by digest) to import them. */
  dir?: string;
  /** One line about what the runner does (stderr in the CLI). */
  say?: (line: string) => void;
}

/** Why a running attempt was stopped by the hub or the runner: it is then not reported as done. */
class Stopped extends Error {}

/**
 * Leases steps whose labels it has, runs them from the pipeline's bundle (downloaded by digest and verified), keeps
 * their leases alive with heartbeats and reports how they ended. `stop()` stops leasing, lets running steps finish
 * within the grace time, and hands the rest back to the queue.
 */
export class Runner {
  readonly name: string;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly running = new Map<string, AbortController>();
  private readonly bundles = new Map<string, Promise<PipelineDefinition>>();
  private readonly dir: string;

  constructor(private readonly options: RunnerOptions) {
    this.name = options.name ?? `${hostname()}:${process.pid}`;
    this.dir = options.dir ?? join(tmpdir(), 'outpost-runner', 'bundles');
  }

  /** Runs until `stop()`; resolves once every slot has ended. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.concurrency }, () => this.slot()));
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const deadline = Date.now() + graceMs;
    while (this.running.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const [attemptId, controller] of this.running) {
      controller.abort(new Stopped('the runner is stopping; the step was handed back'));
      await releaseAttempt(this.options.hub, attemptId).catch(() => undefined);
      this.options.say?.(`handed back ${attemptId}`);
    }
  }

  private async slot() {
    let idleMs = 10;
    while (!this.stopping) {
      let lease: Lease | null = null;
      try {
        lease = (await leaseStep(this.options.hub, this.name, this.options.labels, this.options.leaseMs)).lease;
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
    return this.stopping ? {} : { next: { runner: this.name, labels: this.options.labels, leaseMs: this.options.leaseMs } };
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

  /** Verifies the bundle against its digest before anything of it runs. */
  private definition(digest: string): Promise<PipelineDefinition> {
    let loaded = this.bundles.get(digest);
    if (!loaded) {
      loaded = (async () => {
        const bytes = new Uint8Array(await (await getBlob(this.options.hub, digest)).arrayBuffer());
        const actual = await sha256Digest(bytes);
        if (actual !== digest) throw new Error(`bundle digest mismatch: expected ${digest}, got ${actual}; the bundle was not run`);
        return importBundle(bytes, digest, this.dir);
      })();
      loaded.catch(() => this.bundles.delete(digest));
      this.bundles.set(digest, loaded);
    }
    return loaded;
  }

  /** Runs one attempt and reports it; returns the next lease the hub handed out with the report, if any. */
  private async attempt(lease: Lease): Promise<Lease | null> {
    const { hub } = this.options;
    const controller = new AbortController();
    this.running.set(lease.attemptId, controller);
    const log = new AttemptLog(hub, lease.attemptId);
    const run = new AttemptRun(hub, lease);
    const links: { kind: 'dataset' | 'model' | 'run'; ref: string; role: 'read' | 'made' }[] = [];
    const beat = setInterval(async () => {
      try {
        const { state } = await heartbeatAttempt(hub, lease.attemptId);
        if (state !== 'running') controller.abort(new Stopped(state === 'timed_out' ? 'the step timed out' : state === 'cancelled' ? 'the run was cancelled' : 'the lease was lost'));
      } catch {
        // The hub is unreachable: keep going; the lease expires on its own if this lasts.
      }
    }, Math.max(50, Math.floor(lease.leaseMs / 3)));
    let succeeded = false;
    try {
      const definition = await this.definition(lease.codeDigest);
      const step = definition.steps[lease.step];
      if (!step) throw new Error(`the bundle has no step "${lease.step}" (steps: ${Object.keys(definition.steps).join(', ')})`);
      const ctx: StepContext<Lease['params']> = {
        inputs: lease.inputs,
        params: lease.params,
        attempt: lease.attempt,
        log: (...args) => log.line(...args),
        signal: controller.signal,
        run,
        hub,
        link: (kind, ref, role = 'read') => void links.push({ kind, ref, role }),
        pipeline: { name: lease.pipeline, version: lease.version, runId: lease.runId },
      };
      const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
      const outputs = ((await Promise.race([Promise.resolve().then(() => step.run(ctx)), aborted])) ?? {}) as Record<string, unknown>;
      const problem = outputProblem(lease.step, outputs, lease.outputs);
      if (problem) throw new Error(problem);
      const trackingRun = await run.finish(true);
      if (trackingRun) links.push({ kind: 'run', ref: trackingRun, role: 'made' });
      await log.close();
      succeeded = true;
      return (await completeAttempt(hub, lease.attemptId, { status: 'succeeded', outputs, links, ...this.nextRequest() })).next ?? null;
    } catch (err) {
      if (succeeded) {
        // The step succeeded but the report did not reach the hub: the lease expires and the step runs again.
        this.options.say?.(`could not report ${lease.attemptId}: ${(err as Error).message}`);
        return null;
      }
      if (err instanceof Stopped) {
        log.line(`stopped: ${err.message}`);
        await log.close();
        await run.finish(false).catch(() => undefined);
        return null;
      }
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log.line(text);
      await log.close();
      const trackingRun = await run.finish(false).catch(() => null);
      if (trackingRun) links.push({ kind: 'run', ref: trackingRun, role: 'made' });
      const reply = await completeAttempt(hub, lease.attemptId, { status: 'failed', error: err instanceof Error ? err.message : String(err), links, ...this.nextRequest() }).catch((e) => {
        this.options.say?.(`could not report ${lease.attemptId}: ${(e as Error).message}`);
        return null;
      });
      return reply?.next ?? null;
    } finally {
      clearInterval(beat);
      this.running.delete(lease.attemptId);
    }
  }
}
