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

/** Values bound to a statement stay out of the log: a failed query is logged by its SQL (placeholders), never its params. */
function messageOf(err: Error): string {
  const query = (err as { query?: unknown }).query;
  if (typeof query === 'string' && 'params' in err) return `Failed query: ${query}`;
  return err.message;
}

/**
 * A failure as the hub logs it: each error of the `cause` chain by name and message, then the first one's stack
 * frames. Bound query parameters (user values, key hashes) are left out; the statement's SQL is kept.
 */
export function describeForLog(err: unknown): string {
  const lines: string[] = [];
  let frames = '';
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (!(e instanceof Error)) {
      lines.push(`${depth ? 'caused by: ' : ''}${typeof e}`);
      break;
    }
    const name = e.name === 'Error' ? e.constructor.name : e.name;
    lines.push(`${depth ? 'caused by: ' : ''}${name}: ${messageOf(e)}`);
    if (depth === 0) frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
  }
  return [...lines, frames].filter(Boolean).join('\n');
}
