export * from './error.js';
export * from './keys.js';
export * from './projects.js';
