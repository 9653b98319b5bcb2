/**
 * The `-device-candidates` suffix: where publishable keys publish fine-tunes of a model (see
 * hub/registry/device-publish.ts). Kept apart from the zod schemas so the browser runtime can use it without zod.
 */
export const DEVICE_CANDIDATES_SUFFIX = '-device-candidates';
export const deviceCandidatesName = (baseModel: string) => `${baseModel}${DEVICE_CANDIDATES_SUFFIX}`;
