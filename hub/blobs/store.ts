import type { Digest } from '../../shared/digest.js';

/** Inclusive byte range, as HTTP has it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface WriteOptions {
  maxBytes: number;
  /** Content-Length when the client sent one. */
  declaredSize?: number;
}

/**
 * Content-addressed bytes. `write` hashes while it streams and stores nothing unless the digest matches:
 * a mismatch, an oversize body or a client that goes away leaves no object and no partial file.
 */
export interface BlobStore {
  write(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<{ size: number }>;
  /** Reads the body through and checks its digest without storing it (proof that the caller has the bytes). */
  verify(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<{ size: number }>;
  /**
   * Stores bytes whose digest the caller does not know (an MLflow artifact upload names a path, not a hash): hashed
   * while streaming and stored under the digest they turn out to have, with the same all-or-nothing guarantee.
   */
  writeUnaddressed(body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<{ digest: Digest; size: number }>;
  /** Stores bytes the hub made itself (a saved training set), under their digest; a no-op when they are stored. */
  putBytes(bytes: Uint8Array): Promise<{ digest: Digest; size: number }>;
  exists(digest: Digest): Promise<boolean>;
  read(digest: Digest, range?: ByteRange): Promise<ReadableStream<Uint8Array> | null>;
  /** Removes the bytes (housekeeping: `outpost gc`); removing a blob that is not there is not an error. */
  delete(digest: Digest): Promise<void>;
}
