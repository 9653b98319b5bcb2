import type { z } from 'zod';
import type {
  artifactListSchema,
  experimentListSchema,
  runPageSchema,
  runReplySchema,
  searchRunsSchema,
  seriesListSchema,
  seriesRequestSchema,
} from '../schemas/tracking.js';
import type { HubClient } from './hub-client.js';

export type Artifact = z.output<typeof artifactListSchema>['files'][number];
export type SearchRunsRequest = z.input<typeof searchRunsSchema>;

const enc = encodeURIComponent;

export const listExperiments = (hub: HubClient) => hub.json<z.output<typeof experimentListSchema>>('GET', '/v1/experiments');
export const searchRuns = (hub: HubClient, search: SearchRunsRequest) => hub.json<z.output<typeof runPageSchema>>('POST', '/v1/runs/search', search);
export const getRun = (hub: HubClient, id: string) => hub.json<z.output<typeof runReplySchema>>('GET', `/v1/runs/${enc(id)}`);
export const metricSeries = (hub: HubClient, request: z.input<typeof seriesRequestSchema>) => hub.json<z.output<typeof seriesListSchema>>('POST', '/v1/metrics/series', request);
export const listArtifacts = (hub: HubClient, runId: string, path?: string) =>
  hub.json<z.output<typeof artifactListSchema>>('GET', `/v1/runs/${enc(runId)}/artifacts${path ? `?path=${enc(path)}` : ''}`);
