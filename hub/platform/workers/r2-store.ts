import type { R2Bucket } from '@cloudflare/workers-types';
import type { Digest } from '../../../shared/digest.js';
import { toHex } from '../../../shared/digest.js';
import { OutpostError } from '../../../shared/errors.js';
import { digestMismatch, tooLarge } from '../../blobs/errors.js';
import type { BlobStore, ByteRange, WriteOptions } from '../../blobs/store.js';

// workerd globals (not in the DOM lib this project compiles against)
declare const FixedLengthStream: new (length: number) => TransformStream<Uint8Array, Uint8Array>;
type DigestStream = WritableStream<Uint8Array> & { readonly digest: Promise<ArrayBuffer> };
const newDigestStream = () => new (crypto as unknown as { DigestStream: new (algorithm: string) => DigestStream }).DigestStream('SHA-256');

const keyOf = (digest: Digest) => `sha256/${digest.slice('sha256:'.length)}`;

/**
 * Blobs in an R2 bucket. R2 needs a known length, so uploads carry Content-Length. The body is hashed on one
 * branch of a tee while the other streams into R2 with R2's own sha256 check, so a wrong body is refused by
 * R2 itself and the object never appears; a dropped client fails the put, which R2 makes atomic.
 */
export class R2BlobStore implements BlobStore {
  constructor(private readonly bucket: R2Bucket) {}

  async write(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions) {
    const size = requireLength(options);
    const [toHash, toStore] = body.tee();
    const hashed = hashStream(toHash);
    const fixed = new FixedLengthStream(size);
    const piped = toStore.pipeTo(fixed.writable);
    const hex = digest.slice('sha256:'.length);
    const put = this.bucket.put(keyOf(digest), fixed.readable as never, { sha256: hex });
    const [hash, stored] = await Promise.allSettled([hashed, put, piped]);
    if (hash.status === 'rejected') throw hash.reason;
    const actual = `sha256:${hash.value.hex}`;
    if (actual !== digest) {
      if (stored.status === 'fulfilled') await this.bucket.delete(keyOf(digest));
      throw digestMismatch(digest, actual, hash.value.size);
    }
    if (stored.status === 'rejected') throw stored.reason;
    return { size };
  }

  async verify(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions) {
    requireLength(options);
    const { hex, size } = await hashStream(body);
    if (`sha256:${hex}` !== digest) throw digestMismatch(digest, `sha256:${hex}`, size);
    return { size };
  }

  async exists(digest: Digest) {
    return (await this.bucket.head(keyOf(digest))) !== null;
  }

  async read(digest: Digest, range?: ByteRange) {
    const object = await this.bucket.get(keyOf(digest), range ? { range: { offset: range.start, length: range.end - range.start + 1 } } : {});
    return object ? (object.body as unknown as ReadableStream<Uint8Array>) : null;
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
