import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { sha256Digest, type Digest } from '../../../shared/digest.js';
import { digestMismatch, tooLarge } from '../../blobs/errors.js';
import type { BlobStore, ByteRange, WriteOptions } from '../../blobs/store.js';

/** Blobs as files: `<root>/sha256/ab/cdef…`, written to `<root>/tmp/` and renamed into place once verified. */
export class FsBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  pathOf(digest: Digest): string {
    const hex = digest.slice('sha256:'.length);
    return join(this.root, 'sha256', hex.slice(0, 2), hex.slice(2));
  }

  get tmpDir(): string {
    return join(this.root, 'tmp');
  }

  async write(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions) {
    return { size: (await this.writeChecked(body, options, digest)).size };
  }

  async writeUnaddressed(body: ReadableStream<Uint8Array>, options: WriteOptions) {
    return this.writeChecked(body, options);
  }

  /** Streams into a temporary file, then renames it to its digest's path once the bytes hash to `expected` (when given). */
  private async writeChecked(body: ReadableStream<Uint8Array>, options: WriteOptions, expected?: Digest) {
    checkDeclaredSize(options);
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, randomUUID());
    const out = createWriteStream(tmp, { flags: 'wx' });
    // A write racing the destroy below (client gone mid-upload) errors the stream: that must not become an
    // uncaught 'error' event, which would take the whole hub down.
    let writeFailure: Error | undefined;
    out.on('error', (err) => (writeFailure ??= err));
    try {
      const { digest, size } = await hashInto(body, options, expected, out);
      out.end();
      if (!out.writableFinished) await new Promise<void>((resolve, reject) => (out.once('finish', resolve), out.once('error', reject)));
      if (writeFailure) throw writeFailure;
      const final = this.pathOf(digest);
      await mkdir(join(final, '..'), { recursive: true });
      await rename(tmp, final); // atomic: readers see the whole file or none
      return { digest, size };
    } catch (err) {
      // Wait for the stream to close: a file opened after rm() would outlive it.
      if (!out.closed) await new Promise((resolve) => out.once('close', resolve).destroy());
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async verify(digest: Digest, body: ReadableStream<Uint8Array>, options: WriteOptions) {
    return { size: (await hashInto(body, options, digest)).size };
  }

  async putBytes(bytes: Uint8Array) {
    const digest = await sha256Digest(bytes as Uint8Array<ArrayBuffer>);
    if (!(await this.exists(digest))) await this.write(digest, new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { maxBytes: bytes.byteLength, declaredSize: bytes.byteLength });
    return { digest, size: bytes.byteLength };
  }

  async exists(digest: Digest) {
    return stat(this.pathOf(digest)).then(
      () => true,
      () => false,
    );
  }

  async read(digest: Digest, range?: ByteRange) {
    if (!(await this.exists(digest))) return null;
    const file = createReadStream(this.pathOf(digest), range ? { start: range.start, end: range.end } : {});
    return Readable.toWeb(file) as ReadableStream<Uint8Array>;
  }

  async delete(digest: Digest) {
    await rm(this.pathOf(digest), { force: true });
  }
}

function checkDeclaredSize(options: WriteOptions) {
  if (options.declaredSize !== undefined && options.declaredSize > options.maxBytes) throw tooLarge(options.maxBytes);
}

/** Streams the body through sha256 (and into `out` when given); throws 413 past the limit, 422 when it is not `expected`. */
async function hashInto(body: ReadableStream<Uint8Array>, options: WriteOptions, expected?: Digest, out?: WriteStream) {
  checkDeclaredSize(options);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > options.maxBytes) throw tooLarge(options.maxBytes);
    hash.update(chunk);
    if (out?.destroyed) throw new Error('the blob file stream closed while writing');
    if (out && !out.write(chunk)) await once(out, 'drain');
  }
  const actual: Digest = `sha256:${hash.digest('hex')}`;
  if (expected !== undefined && actual !== expected) throw digestMismatch(expected, actual, size);
  return { digest: actual, size };
}
