import type { HubData } from './hub-data.js';

type Json = any;

export interface Lease {
  attemptId: string;
  runId: string;
  step: string;
}

/**
 * A pipeline for the console's pipeline pages, and a runner that the test drives by hand over the runner protocol
 * (lease, log, heartbeat, complete), so each step ends exactly when the test says. Every step runs only on a label of
 * the test's own, so no other test's runner (or this one) takes another test's steps on the shared hub.
 */
export class PipelineData {
  readonly label: string;

  constructor(
    private readonly hub: HubData,
    readonly name: string,
  ) {
    this.label = `l-${name}`;
  }

  /**
   * Registers a diamond: prep → train, eval → report, a yearly schedule (next fire: 1 January, 00:00 UTC) and a
   * dataset trigger. `code` changes the bundle (a new version, so a cold step cache).
   */
  async register(code = 'v1'): Promise<{ version: number; codeDigest: string }> {
    const step = (needs: string[]) => ({ needs, runsOn: [this.label], retries: { count: 0, backoffMs: 0, capMs: 0 } });
    const codeDigest = await this.hub.blob(new TextEncoder().encode(`export default {} // ${this.name} ${code}`));
    const spec = {
      name: this.name,
      params: { n: { type: 'number', default: 1 } },
      schedule: { cron: '0 0 1 1 *' },
      on: [{ dataset: `${this.name}-data` }],
      steps: { prep: step([]), train: step(['prep']), eval: step(['prep']), report: step(['train', 'eval']) },
    };
    return (await this.hub.call('POST', '/v1/pipelines', { codeDigest, spec })).version;
  }

  async start(params: Record<string, number> = {}): Promise<Json> {
    return this.hub.call('POST', `/v1/pipelines/${this.name}/runs`, { params });
  }

  run(id: string): Promise<Json> {
    return this.hub.call('GET', `/v1/pipeline-runs/${id}`);
  }

  /** Leases the next ready step of this pipeline's runs, waiting (polling) until one is ready. */
  async lease(timeoutMs = 10_000): Promise<Lease> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { lease } = await this.hub.call('POST', '/v1/pipeline-leases', { runner: `console-test-${this.name}`, labels: [this.label], leaseMs: 60_000 });
      if (lease) return lease;
      if (Date.now() > deadline) throw new Error(`no step of ${this.name} became ready in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  log(attemptId: string, text: string, offset = 0): Promise<Json> {
    return this.hub.call('POST', `/v1/pipeline-attempts/${attemptId}/logs`, { offset, text });
  }

  heartbeat(attemptId: string): Promise<{ state: string }> {
    return this.hub.call('POST', `/v1/pipeline-attempts/${attemptId}/heartbeat`);
  }

  complete(attemptId: string, body: Json = { status: 'succeeded', outputs: {} }): Promise<Json> {
    return this.hub.call('POST', `/v1/pipeline-attempts/${attemptId}/complete`, body);
  }

  /** Runs every remaining step of the run to success, in whatever order they become ready. */
  async finish(runId: string): Promise<void> {
    for (;;) {
      const run = await this.run(runId);
      if (run.status !== 'queued' && run.status !== 'running') return;
      const lease = await this.lease();
      await this.log(lease.attemptId, `${lease.step} done\n`);
      await this.complete(lease.attemptId);
    }
  }
}
