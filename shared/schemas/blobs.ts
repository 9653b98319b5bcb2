import { z } from 'zod';

/** The reply to a blob upload: `created` is false when the hub already held the bytes. */
export const blobPutResultSchema = z.object({ digest: z.string(), size: z.number().int(), created: z.boolean() });
