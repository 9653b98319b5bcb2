import type { R2Bucket } from '@cloudflare/workers-types';
import type { Digest } from '../../../shared/digest.js';
import { sha256Digest, toHex } from '../../../shared/digest.js';
import { OutpostError } from '../../../shared/errors.js';
import { digestMismatch, tooLarge } from '../../blobs/errors.js';
import type { BlobStore, ByteRange, WriteOptions } from '../../blobs/store.js';

// workerd globals (not in the DOM lib this project compiles against)
declare const FixedLengthStream: new (length: number) => TransformStream<Uint8Array, Uint8Array>;
type DigestStream = WritableStream<Uint8Array> & { readonly digest: Promise<ArrayBuffer> };
const newDigestStream = () => new (crypto as unknown as { DigestStream: new (algorithm: string) => DigestStream }).DigestStream('SHA-256');

const keyOf = (digest: Digest) => `sha256/${digest.slice('sha256:'.length)}`;

/** Blobs in an R2 bucket. R2 needs a known length, so uploads carry Content-Length. */
export class R2BlobStore implements BlobStore {
  constructor(private readonly bucket: R2Bucket) {}

  async write(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions) {
    const size = requireLength(options);
    const hex = digest.slice('sha256:'.length);
    const [hash, stored] = await this.putHashing(keyOf(digest), body, size, hex);
    if (hash.status === 'rejected') throw hash.reason;
    const actual = `sha256:${hash.value.hex}`;
    if (actual !== digest) {
      if (stored.status === 'fulfilled') await this.bucket.delete(keyOf(digest));
      throw digestMismatch(digest, actual, hash.value.size);
    }
    if (stored.status === 'rejected') throw stored.reason;
    return { size };
  }

  /** R2 cannot rename: the bytes go to a staging key while hashed, then are copied to their digest's key unless it exists. */
  async writeUnaddressed(body: ReadableStream<Uint8Array>, options: WriteOptions) {
    const size = requireLength(options);
    const staging = `tmp/${crypto.randomUUID()}`;
    try {
      const [hash, stored] = await this.putHashing(staging, body, size);
      if (hash.status === 'rejected') throw hash.reason;
      if (stored.status === 'rejected') throw stored.reason;
      const digest: Digest = `sha256:${hash.value.hex}`;
      if (!(await this.exists(digest))) {
        const staged = await this.bucket.get(staging);
        if (!staged) throw new Error(`the staged upload ${staging} vanished before it was stored`);
        const [, copied] = await this.putHashing(keyOf(digest), staged.body as unknown as ReadableStream<Uint8Array>, size, hash.value.hex);
        if (copied.status === 'rejected') throw copied.reason;
      }
      return { digest, size };
    } finally {
      await this.bucket.delete(staging);
    }
  }

  /**
   * Streams the body into R2 at `key` while hashing it on the other branch of a tee; with `sha256`, R2 itself refuses
   * a body that does not match, so the object never appears. A dropped client fails the put, which R2 makes atomic.
   */
  private async putHashing(key: string, body: ReadableStream<Uint8Array>, size: number, sha256?: string) {
    const [toHash, toStore] = body.tee();
    const fixed = new FixedLengthStream(size);
    const piped = toStore.pipeTo(fixed.writable);
    const put = this.bucket.put(key, fixed.readable as never, sha256 ? { sha256 } : {});
    const [hash, stored] = await Promise.allSettled([hashStream(toHash), put, piped]);
    return [hash, stored] as const;
  }

  async verify(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions) {
    requireLength(options);
    const { hex, size } = await hashStream(body);
    if (`sha256:${hex}` !== digest) throw digestMismatch(digest, `sha256:${hex}`, size);
    return { size };
  }

  async putBytes(bytes: Uint8Array) {
    const digest = await sha256Digest(bytes as Uint8Array<ArrayBuffer>);
    // R2 checks the hash itself, and a put is atomic: a failure leaves no object.
    if (!(await this.exists(digest))) await this.bucket.put(keyOf(digest), bytes, { sha256: digest.slice('sha256:'.length) });
    return { digest, size: bytes.byteLength };
  }

  async exists(digest: Digest) {
    return (await this.bucket.head(keyOf(digest))) !== null;
  }

  async read(digest: Digest, range?: ByteRange) {
    const object = await this.bucket.get(keyOf(digest), range ? { range: { offset: range.start, length: range.end - range.start + 1 } } : {});
    return object ? (object.body as unknown as ReadableStream<Uint8Array>) : null;
  }

  async delete(digest: Digest) {
    await this.bucket.delete(keyOf(digest));
  }
}

function requireLength(options: WriteOptions): number {
  if (options.declaredSize === undefined) {
    throw new OutpostError(411, 'length_required', 'blob uploads to this hub need a Content-Length header');
  }
  if (options.declaredSize > options.maxBytes) throw tooLarge(options.maxBytes);
  return options.declaredSize;
}

async function hashStream(body: ReadableStream<Uint8Array>): Promise<{ hex: string; size: number }> {
  const digestStream = newDigestStream();
  let size = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  await body.pipeThrough(counter).pipeTo(digestStream);
  return { hex: toHex(await digestStream.digest), size };
}
