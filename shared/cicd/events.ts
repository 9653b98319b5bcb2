/** Events a webhook subscription may ask for (zod-free, so the console can list them). Pipelines emit theirs once they exist. */
export const webhookEventTypes = [
  'model_version.created',
  'alias.moved',
  'run.finished',
  'dataset_version.created',
  'pipeline_run.finished',
  'rollout.started',
  'rollout.advanced',
  'rollout.paused',
  'rollout.resumed',
  'rollout.rolled_back',
  'rollout.completed',
  'rollout.aborted',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
