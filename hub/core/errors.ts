import { HTTPException } from 'hono/http-exception';
import { codeForStatus, OutpostError } from '../../shared/errors.js';

/** Whatever was thrown, as an OutpostError; unknown failures become a 500 that hides internals. */
export function toOutpostError(err: unknown): OutpostError {
  if (err instanceof OutpostError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return new OutpostError(400, 'invalid_json', `request body is not valid JSON: ${err.message}`);
    }
    return new OutpostError(err.status, codeForStatus(err.status), err.message || `HTTP ${err.status}`);
  }
  if ((err as { code?: string })?.code === 'ECONNRESET' || (err as Error)?.message === 'aborted') {
    // The client went away mid-request: nothing to answer, nothing wrong with the hub.
    return new OutpostError(400, 'bad_request', 'the client closed the connection before the request was complete');
  }
  return new OutpostError(500, 'internal', 'internal error; the hub log has the details', undefined, { cause: err });
}
