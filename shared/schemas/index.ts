export * from './error.js';
export * from './keys.js';
export * from './projects.js';
export * from './tracking.js';
export * from './sync.js';
export * from './registry.js';
export * from './telemetry.js';
export * from './blobs.js';
