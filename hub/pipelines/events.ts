import { eq } from 'drizzle-orm';
import { pipelines, pipelineVersions, type PipelineRunRow } from '../db/schema.js';
import { emitEventNow } from '../webhooks/events.js';
import type { PipelineScope } from './scope.js';

/**
 * `pipeline_run.finished` for webhook subscriptions, queued after the conditional write that ended the run (so only
 * the writer that ended it announces it; a hub stopped between the two loses the event).
 */
export async function announceFinished(scope: PipelineScope, run: PipelineRunRow, status: string): Promise<void> {
  const [found] = await scope.db
    .select({ name: pipelines.name, version: pipelineVersions.version })
    .from(pipelineVersions)
    .innerJoin(pipelines, eq(pipelines.id, pipelineVersions.pipelineId))
    .where(eq(pipelineVersions.id, run.versionId));
  await emitEventNow(scope, 'pipeline_run.finished', { run: run.id, pipeline: found?.name, version: found?.version, status });
}
