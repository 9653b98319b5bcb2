import { HTTPException } from 'hono/http-exception';
import { OutpostError, type ErrorCode } from '../../shared/errors.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  411: 'length_required',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
};

/** Whatever was thrown, as an OutpostError; unknown failures become a 500 that hides internals. */
export function toOutpostError(err: unknown): OutpostError {
  if (err instanceof OutpostError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return new OutpostError(400, 'invalid_json', `request body is not valid JSON: ${err.message}`);
    }
    return new OutpostError(err.status, CODE_BY_STATUS[err.status] ?? 'bad_request', err.message || `HTTP ${err.status}`);
  }
  if ((err as { code?: string })?.code === 'ECONNRESET' || (err as Error)?.message === 'aborted') {
    // The client went away mid-request: nothing to answer, nothing wrong with the hub.
    return new OutpostError(400, 'bad_request', 'the client closed the connection before the request was complete');
  }
  return new OutpostError(500, 'internal', 'internal error; the hub log has the details', undefined, { cause: err });
}
