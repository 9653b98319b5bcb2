export * from './errors.js';
export * from './digest.js';
export * from './base64url.js';
export * from './ids.js';
export * from './schemas/index.js';
