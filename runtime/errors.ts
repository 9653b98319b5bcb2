/** Why a runtime call failed, machine-readable; the message says what to do. */
export type RuntimeErrorCode =
  | 'bad_ref'
  | 'bad_feeds'
  | 'bad_request'
  | 'backend_unavailable'
  | 'integrity'
  | 'offline'
  | 'hub'
  | 'not_found'
  | 'unauthorized'
  | 'quota_exceeded'
  | 'aborted'
  | 'disposed'
  | 'inference'
  | 'unsupported';

export class OutpostRuntimeError extends Error {
  override readonly name = 'OutpostRuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const abortError = (what: string) => new OutpostRuntimeError('aborted', `${what} was aborted`);

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(what);
}

/** IndexedDB and Cache API report a full disk as QuotaExceededError; say which write it was and what to do. */
export function storageError(err: unknown, what: string): Error {
  if ((err as { name?: string })?.name === 'QuotaExceededError') {
    return new OutpostRuntimeError(
      'quota_exceeded',
      `browser storage is full while ${what}: evict cached models with op.cache.evict(ref) or op.cache.clear(), or load with { cache: false }`,
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
