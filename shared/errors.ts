/** The one error type of Outpost: thrown anywhere, turned into `{"error":{code,message,details?}}` by the hub. */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'validation_failed'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'cross_site_request'
  | 'origin_not_allowed'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'gone'
  | 'length_required'
  | 'payload_too_large'
  | 'range_not_satisfiable'
  | 'digest_mismatch'
  | 'rate_limited'
  | 'not_implemented'
  | 'internal';

/** The code a bare HTTP status stands for: one table for the hub (framework errors) and the client (replies without a body). */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  411: 'length_required',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  429: 'rate_limited',
};
export const codeForStatus = (status: number): ErrorCode => CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad_request');

export type ErrorDetails = Record<string, unknown> | Array<Record<string, unknown>>;

export class OutpostError extends Error {
  override readonly name = 'OutpostError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
}

export const notFound = (message: string) => new OutpostError(404, 'not_found', message);
export const forbidden = (message: string) => new OutpostError(403, 'forbidden', message);
export const badRequest = (message: string, details?: ErrorDetails) => new OutpostError(400, 'bad_request', message, details);
export const gone = (message: string) => new OutpostError(410, 'gone', message);
export const conflict = (message: string, details?: ErrorDetails) => new OutpostError(409, 'conflict', message, details);
