import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { OutpostError } from '../../shared/errors.js';
import { logUnhandled } from '../http/errors.js';

/** The MLflow error codes this server answers with (mlflow/protos/databricks.proto). */
export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'ENDPOINT_NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INVALID_STATE'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INTERNAL_ERROR';

/**
 * MLflow's ERROR_CODE_TO_HTTP_STATUS. The Python client keys off error_code, but it also treats any non-200 as a
 * failure and retries 5xx, so the status must match too (RESOURCE_ALREADY_EXISTS is a 400 there, not a 409).
 */
const HTTP_STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INVALID_STATE: 500,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
};

export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  readonly status: number;
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
  ) {
    super(message);
    this.status = HTTP_STATUS[code];
  }
}

/** A unique index decides races on names; its 409 becomes MLflow's RESOURCE_ALREADY_EXISTS, worded by `exists`. */
export async function uniqueName<T>(name: string, exists: (name: string) => MlflowError, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof OutpostError && err.status === 409) throw exists(name);
    throw err;
  }
}

export const invalidParam = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const doesNotExist = (message: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);

/** Outpost's statuses, as the MLflow code a client expects for the same situation. */
function codeForStatus(status: number): MlflowErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'RESOURCE_DOES_NOT_EXIST';
    case 405:
      return 'ENDPOINT_NOT_FOUND';
    case 409:
      return 'RESOURCE_ALREADY_EXISTS';
    case 429:
      // The MLflow client backs off and retries on 429.
      return 'REQUEST_LIMIT_EXCEEDED';
    default:
      // Every other 4xx (bad input, wrong content type, too large) is a bad parameter in MLflow's vocabulary.
      return status >= 400 && status < 500 ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
  }
}

/** Whatever was thrown, as an MlflowError; unknown failures become INTERNAL_ERROR without internals. */
export function toMlflowError(err: unknown): MlflowError {
  if (err instanceof MlflowError) return err;
  if (err instanceof OutpostError || err instanceof HTTPException) {
    const code = codeForStatus(err.status);
    if (code !== 'INTERNAL_ERROR') return new MlflowError(code, err.message || `HTTP ${err.status}`);
  }
  return new MlflowError('INTERNAL_ERROR', 'internal error; the hub log has the details');
}

/** onError for the MLflow routes: `{"error_code","message"}` with MLflow's HTTP status. */
export function mlflowErrorHandler(err: unknown, c: Context): Response {
  const e = toMlflowError(err);
  if (e.code === 'INTERNAL_ERROR') logUnhandled(c, err);
  return c.json({ error_code: e.code, message: e.message }, e.status as 400);
}
