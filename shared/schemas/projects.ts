import { z } from 'zod';
import { keyInfoSchema } from './keys.js';

export const PROJECT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const createProjectSchema = z.object({
  name: z.string().regex(PROJECT_NAME_RE, 'must start with a letter or digit and use only letters, digits, ".", "_" or "-" (at most 64)'),
});

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  /** Whether publishable keys may publish fine-tuned versions (into `<base>-device-candidates` models only). */
  devicePublishing: z.boolean(),
});

export const updateProjectSchema = z.object({ devicePublishing: z.boolean().optional() });
export type UpdateProject = z.infer<typeof updateProjectSchema>;
export type Project = z.infer<typeof projectSchema>;

export const createdProjectSchema = z.object({
  project: projectSchema,
  adminKey: z.object({ key: keyInfoSchema, secret: z.string() }),
});

export const projectReplySchema = z.object({ project: projectSchema });
