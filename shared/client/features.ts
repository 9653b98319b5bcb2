import type { z } from 'zod';
import type {
  applyFeaturesSchema,
  ApplyPlan,
  featureListSchema,
  featureServiceDetailSchema,
  featureViewDetailSchema,
  HistoricalReply,
  historicalRequestSchema,
  materializeReplySchema,
  OnlineReply,
  onlineRequestSchema,
  pushReplySchema,
  pushSchema,
  saveTrainingSetSchema,
  TrainingSet,
} from '../schemas/features.js';
import type { HubClient } from './hub-client.js';

export type FeatureList = z.output<typeof featureListSchema>;
export type FeatureViewDetail = z.output<typeof featureViewDetailSchema>;
export type FeatureServiceDetail = z.output<typeof featureServiceDetailSchema>;
export type MaterializeReply = z.output<typeof materializeReplySchema>;

const enc = encodeURIComponent;

export const applyFeatures = (hub: HubClient, doc: z.input<typeof applyFeaturesSchema>) => hub.json<ApplyPlan>('POST', '/v1/features/apply', doc);
export const listFeatures = (hub: HubClient) => hub.json<FeatureList>('GET', '/v1/features');
export const getFeatureView = (hub: HubClient, name: string) => hub.json<FeatureViewDetail>('GET', `/v1/features/views/${enc(name)}`);
export const getFeatureService = (hub: HubClient, name: string) => hub.json<FeatureServiceDetail>('GET', `/v1/features/services/${enc(name)}`);
export const pushFeatures = (hub: HubClient, push: z.input<typeof pushSchema>) => hub.json<z.output<typeof pushReplySchema>>('POST', '/feast/push', push);
export const onlineFeatures = (hub: HubClient, request: z.input<typeof onlineRequestSchema>) => hub.json<OnlineReply>('POST', '/feast/get-online-features', request);
export const historicalFeatures = (hub: HubClient, request: z.input<typeof historicalRequestSchema>) =>
  hub.json<HistoricalReply>('POST', '/v1/features/historical', request);
export const materializeFeatures = (hub: HubClient, window: { start_ts: string | number; end_ts: string | number; feature_views?: string[] }) =>
  hub.json<MaterializeReply>('POST', '/feast/materialize', window);
export const materializeIncremental = (hub: HubClient, window: { end_ts: string | number; feature_views?: string[] }) =>
  hub.json<MaterializeReply>('POST', '/feast/materialize-incremental', window);
export const saveTrainingSet = (hub: HubClient, set: z.input<typeof saveTrainingSetSchema>) => hub.json<TrainingSet>('POST', '/v1/features/training-sets', set);
export const listTrainingSets = (hub: HubClient) => hub.json<{ training_sets: TrainingSet[] }>('GET', '/v1/features/training-sets');
