import { z } from 'zod';

export const secretRoles = ['admin', 'write', 'read'] as const;
export const keyRoleSchema = z.enum([...secretRoles, 'device']);
export type KeyRole = z.infer<typeof keyRoleSchema>;

const originSchema = z
  .string()
  .regex(/^https?:\/\/[^/\s]+$/, 'must be an origin such as https://app.example.com (scheme and host, no path)');

export const createKeySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('secret'),
    name: z.string().trim().min(1).max(100),
    role: z.enum(secretRoles),
  }),
  z.object({
    kind: z.literal('publishable'),
    name: z.string().trim().min(1).max(100),
    allowedOrigins: z.array(originSchema).max(50).optional(),
  }),
]);
export type CreateKey = z.infer<typeof createKeySchema>;

export const keyInfoSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  kind: z.enum(['secret', 'publishable']),
  role: keyRoleSchema,
  /** The first characters of the key, enough to recognise it, never enough to use it. */
  prefix: z.string(),
  allowedOrigins: z.array(z.string()),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type KeyInfo = z.infer<typeof keyInfoSchema>;

export const createdKeySchema = z.object({
  key: keyInfoSchema,
  /** The key itself: shown once, stored only as a hash. */
  secret: z.string(),
});
export type CreatedKey = z.infer<typeof createdKeySchema>;

export const keyListSchema = z.object({ keys: z.array(keyInfoSchema) });
export const keyReplySchema = z.object({ key: keyInfoSchema });
