import { OutpostError } from '../../shared/errors.js';

export const tooLarge = (max: number) =>
  new OutpostError(413, 'payload_too_large', `blob is larger than the upload limit of ${max} bytes (OUTPOST_MAX_UPLOAD)`, { limit: max });

export const digestMismatch = (expected: string, actual: string, size: number) =>
  new OutpostError(422, 'digest_mismatch', `body hashes to ${actual}, not ${expected}; nothing was stored`, { expected, actual, size });
