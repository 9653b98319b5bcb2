import type { z } from 'zod';
import type {
  backfillReplySchema,
  completeReplySchema,
  CompleteAttempt,
  heartbeatReplySchema,
  LeaseReply,
  logPageSchema,
  pipelineListSchema,
  PipelineRun,
  PipelineVersion,
  pipelineVersionListSchema,
  registerReplySchema,
  runListSchema,
} from '../schemas/pipelines.js';
import type { PipelineSpec } from '../pipeline/spec.js';
import type { HubClient } from './hub-client.js';

const enc = encodeURIComponent;
type ParamValue = number | string | boolean;

export const registerPipeline = (hub: HubClient, codeDigest: string, spec: PipelineSpec) => hub.json<z.output<typeof registerReplySchema>>('POST', '/v1/pipelines', { codeDigest, spec });
export const listPipelines = (hub: HubClient) => hub.json<z.output<typeof pipelineListSchema>>('GET', '/v1/pipelines');
export const getPipeline = (hub: HubClient, name: string) => hub.json<PipelineVersion>('GET', `/v1/pipelines/${enc(name)}`);
export const listPipelineVersions = (hub: HubClient, name: string) => hub.json<z.output<typeof pipelineVersionListSchema>>('GET', `/v1/pipelines/${enc(name)}/versions`);
export const startPipelineRun = (hub: HubClient, name: string, body: { params?: Record<string, ParamValue>; noCache?: boolean; version?: number; key?: string }) =>
  hub.json<PipelineRun>('POST', `/v1/pipelines/${enc(name)}/runs`, body);
export const getPipelineRun = (hub: HubClient, id: string) => hub.json<PipelineRun>('GET', `/v1/pipeline-runs/${enc(id)}`);
export const listPipelineRuns = (hub: HubClient, pipeline?: string, limit = 50) =>
  hub.json<z.output<typeof runListSchema>>('GET', `/v1/pipeline-runs?limit=${limit}${pipeline ? `&pipeline=${enc(pipeline)}` : ''}`);
export const cancelPipelineRun = (hub: HubClient, id: string) => hub.json<PipelineRun>('POST', `/v1/pipeline-runs/${enc(id)}/cancel`);
export const backfillPipeline = (hub: HubClient, name: string, from: string | number, to: string | number) =>
  hub.json<z.output<typeof backfillReplySchema>>('POST', `/v1/pipelines/${enc(name)}/backfill`, { from, to });

// The runner protocol.
export const leaseStep = (hub: HubClient, runner: string, labels: string[], leaseMs: number) => hub.json<LeaseReply>('POST', '/v1/pipeline-leases', { runner, labels, leaseMs });
export const heartbeatAttempt = (hub: HubClient, attemptId: string) => hub.json<z.output<typeof heartbeatReplySchema>>('POST', `/v1/pipeline-attempts/${enc(attemptId)}/heartbeat`);
export const completeAttempt = (hub: HubClient, attemptId: string, body: CompleteAttempt) => hub.json<z.output<typeof completeReplySchema>>('POST', `/v1/pipeline-attempts/${enc(attemptId)}/complete`, body);
export const releaseAttempt = (hub: HubClient, attemptId: string) => hub.json<{ released: boolean }>('POST', `/v1/pipeline-attempts/${enc(attemptId)}/release`);
export const appendAttemptLog = (hub: HubClient, attemptId: string, offset: number, text: string) => hub.json<{ next: number; duplicate: boolean }>('POST', `/v1/pipeline-attempts/${enc(attemptId)}/logs`, { offset, text });
export const readAttemptLog = (hub: HubClient, attemptId: string, offset = 0) => hub.json<z.output<typeof logPageSchema>>('GET', `/v1/pipeline-attempts/${enc(attemptId)}/logs?offset=${offset}`);
