import { createRoute, OpenAPIHono, type Hook, type RouteConfig, type z } from '@hono/zod-openapi';
import { OutpostError } from '../../shared/errors.js';
import { errorBodySchema } from '../../shared/schemas/error.js';
import type { HubEnv } from './env.js';
import { bodyCap } from './guards.js';

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

/**
 * A route of the hub's OpenAPI document, behind a bearer key. A route that declares a JSON request body gets the
 * body cap (OUTPOST_MAX_BODY) after its own middleware (the key check: nothing of a body is read, nor its size
 * judged, before the caller is known), and its declared content types are enforced (415 otherwise) by the
 * validator; a route taking a raw body (blobs) declares only its own type and caps it itself.
 */
export function hubRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(route: R) {
  const takesJson = Object.keys(route.request?.body?.content ?? {}).some((type) => /json/i.test(type));
  const middleware = [route.middleware ?? []].flat();
  return createRoute({ security, ...route, ...(takesJson ? { middleware: [...middleware, bodyCap] } : {}) } as R);
}
