import { OpenAPIHono, type Hook, type z } from '@hono/zod-openapi';
import { OutpostError } from '../../shared/errors.js';
import { errorBodySchema } from '../../shared/schemas/error.js';
import type { HubEnv } from './env.js';

/** Turns a zod failure into a 400 that lists every bad field: `{"path":"role","message":"…"}`. */
export const validationHook: Hook<unknown, HubEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const where = (result as { target?: string }).target ?? 'request';
  const details = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const list = details.map((d) => `${d.path}: ${d.message}`).join('; ');
  throw new OutpostError(400, 'validation_failed', `invalid ${where === 'json' ? 'request body' : where}: ${list}`, details);
};

export const newRouter = () => new OpenAPIHono<HubEnv>({ defaultHook: validationHook });

/** The error responses every authenticated route may give, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: ERROR_TEXT[s] ?? 'error', content: { 'application/json': { schema: errorBodySchema } } }]),
  );

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; `details` lists the bad fields',
  401: 'Missing, unknown or revoked key',
  403: 'The key lacks the role, or the resource belongs to another project',
  404: 'Not found',
  409: 'Conflict with what is stored',
  411: 'Content-Length required',
  413: 'Body larger than the limit',
  415: 'Wrong content type',
  416: 'Range outside the blob',
  422: 'Body does not hash to the digest',
};

export const security = [{ bearer: [] as string[] }];

/** `content` for a JSON request or response with this schema. */
export const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** A required JSON request body with this schema. */
export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: json(schema), required: true } });
