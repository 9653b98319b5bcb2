import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import type { HubClient } from '../../shared/client/hub-client.js';
import { stepOf, type PipelineDefinition, type StepContext } from '../../shared/pipeline/define.js';
import { RunnerCore, type StepJob } from '../../shared/pipeline/runner-core.js';
import type { Lease } from '../../shared/schemas/pipelines.js';
import { importBundle } from './bundle.js';

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

/**
 * The Node runner (`outpost runner`): the shared runner protocol (shared/pipeline/runner-core.ts) with steps run in
 * this process, from the bundle imported off disk.
 */
export class Runner {
  readonly name: string;
  private readonly core: RunnerCore;
  private readonly definitions = new Map<string, Promise<PipelineDefinition>>();
  private readonly dir: string;

  constructor(private readonly options: RunnerOptions) {
    this.name = options.name ?? `${hostname()}:${process.pid}`;
    this.dir = options.dir ?? join(tmpdir(), 'outpost-runner', 'bundles');
    this.core = new RunnerCore({ ...options, name: this.name, execute: (job) => this.execute(job) });
  }

  /** Runs until `stop()`; resolves once every slot has ended. */
  run(): Promise<void> {
    return this.core.run();
  }

  stop(graceMs = 10_000): Promise<void> {
    return this.core.stop(graceMs);
  }

  private definition(job: StepJob): Promise<PipelineDefinition> {
    const digest = job.lease.codeDigest;
    let loaded = this.definitions.get(digest);
    if (!loaded) {
      loaded = job.bundle().then((bytes) => importBundle(bytes, digest, this.dir));
      loaded.catch(() => this.definitions.delete(digest));
      this.definitions.set(digest, loaded);
    }
    return loaded;
  }

  private async execute(job: StepJob): Promise<unknown> {
    const { lease } = job;
    const definition = await this.definition(job);
    const step = stepOf(definition, lease.step);
    const ctx: StepContext<Lease['params']> = {
      inputs: lease.inputs,
      params: lease.params,
      attempt: lease.attempt,
      log: (...args) => job.log(format(...args)),
      signal: job.signal,
      run: job.run,
      hub: this.options.hub,
      link: job.link,
      pipeline: { name: lease.pipeline, version: lease.version, runId: lease.runId },
    };
    return step.run(ctx);
  }
}
