import { z } from 'zod';

/** The reply to a blob upload: `created` is false when the project already had the bytes (a repeated upload). */
export const blobPutResultSchema = z.object({ digest: z.string(), size: z.number().int(), created: z.boolean() });
