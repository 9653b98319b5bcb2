// Every table of the hub, gathered from each domain's own schema file: drizzle-kit reads this file to generate
// migrations (one history for all domains), and the Db type is typed over it.
export * from '../projects/schema.js';
export * from '../auth/schema.js';
export * from '../blobs/schema.js';
export * from '../core/schema.js';
export * from '../tracking/schema.js';
export * from '../registry/schema.js';
export * from '../telemetry/schema.js';
export * from '../features/schema.js';
export * from '../datasets/schema.js';
export * from '../rollouts/schema.js';
export * from '../cicd/schema.js';
export * from '../webhooks/schema.js';
export * from '../pipelines/schema.js';
export * from '../teams/schema.js';
