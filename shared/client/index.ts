export * from './hub-client.js';
export * from './blobs.js';
export * from './keys.js';
export * from './projects.js';
export * from './registry.js';
export * from './sync.js';
export * from './telemetry.js';
export * from './tracking.js';
