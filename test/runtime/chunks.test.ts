import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, chunkDigests, chunkFailure, hashHere, isShared } from '../../runtime/cache/chunks.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Bytes that differ from chunk to chunk, so a digest in the wrong place shows. */
function file(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff;
  return bytes;
}

const recorded = async (bytes: Uint8Array) => ({ digest: `sha256:${sha(bytes)}`, size: bytes.byteLength, chunks: await chunkDigests(bytes.slice().buffer) });

describe('chunk digests (runtime/cache/chunks.ts)', () => {
  it('hash each 4 MiB slice, the last one shorter; an empty file has one digest', async () => {
    expect(await chunkDigests(new ArrayBuffer(0))).toEqual([sha(new Uint8Array(0))]);
    const exact = file(CHUNK_BYTES);
    expect(await chunkDigests(exact.slice().buffer)).toEqual([sha(exact)]);
    const more = file(CHUNK_BYTES + 5);
    expect(await chunkDigests(more.slice().buffer)).toEqual([sha(more.subarray(0, CHUNK_BYTES)), sha(more.subarray(CHUNK_BYTES))]);
  });

  it('hash a view of shared memory (onnxruntime’s heap) as they hash the same bytes in a buffer of their own', async () => {
    const bytes = file(2 * 1024 + 7);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const view = new Uint8Array(memory.buffer, 100, bytes.byteLength);
    view.set(bytes);
    expect(isShared(view)).toBe(true);
    expect(isShared(bytes)).toBe(false);
    expect(await hashHere(view, 1024)).toEqual(await hashHere(bytes, 1024));
    expect(await hashHere(view, 1024)).toEqual([sha(bytes.subarray(0, 1024)), sha(bytes.subarray(1024, 2048)), sha(bytes.subarray(2048))]);
  });
});

describe('chunkFailure', () => {
  it('is null when every chunk matches, also for a view that does not start its buffer', async () => {
    const bytes = file(CHUNK_BYTES + 1000);
    const check = await recorded(bytes);
    expect(await chunkFailure(bytes, check)).toBeNull();
    const padded = new Uint8Array(bytes.byteLength + 16);
    padded.set(bytes, 8);
    expect(await chunkFailure(padded.subarray(8, 8 + bytes.byteLength), check)).toBeNull();
  });

  it('names the chunk a flipped byte is in, with its byte range and both digests', async () => {
    const bytes = file(2 * CHUNK_BYTES + 10);
    const check = await recorded(bytes);
    const damaged = bytes.slice();
    damaged[CHUNK_BYTES + 3] = damaged[CHUNK_BYTES + 3]! ^ 0xff;
    const why = await chunkFailure(damaged, check);
    expect(why).toBe(`its chunk 2 of 3 (bytes ${CHUNK_BYTES}–${2 * CHUNK_BYTES - 1}) hashes to sha256:${sha(damaged.subarray(CHUNK_BYTES, 2 * CHUNK_BYTES))}, recorded sha256:${check.chunks[1]}`);
    // The last, shorter chunk: its range ends at the file's last byte.
    const tail = bytes.slice();
    tail[tail.length - 1] = tail[tail.length - 1]! ^ 1;
    expect(await chunkFailure(tail, check)).toMatch(new RegExp(`^its chunk 3 of 3 \\(bytes ${2 * CHUNK_BYTES}–${2 * CHUNK_BYTES + 9}\\)`));
  });

  it('refuses a file of another size before hashing it', async () => {
    const bytes = file(1000);
    const check = await recorded(bytes);
    let hashed = false;
    const why = await chunkFailure(bytes.subarray(0, 999), check, async (b, c) => ((hashed = true), hashHere(b, c)));
    expect(why).toBe('it has 999 bytes where 1000 were stored');
    expect(hashed).toBe(false);
  });

  it('checks a record from before chunk digests against the whole sha256', async () => {
    const bytes = file(CHUNK_BYTES + 1);
    const old = { digest: `sha256:${sha(bytes)}`, size: bytes.byteLength };
    expect(await chunkFailure(bytes, old)).toBeNull();
    const damaged = bytes.slice();
    damaged[0] = damaged[0]! ^ 1;
    expect(await chunkFailure(damaged, old)).toBe(`its sha256 is sha256:${sha(damaged)}, the manifest says ${old.digest}`);
  });

  it('fails a good file whose record is damaged (a download, never a wrong result)', async () => {
    const bytes = file(CHUNK_BYTES + 1);
    const check = await recorded(bytes);
    expect(await chunkFailure(bytes, { ...check, chunks: [check.chunks[0]!] })).toBe('it has 2 chunks where 1 were recorded');
    expect(await chunkFailure(bytes, { ...check, chunks: [check.chunks[0]!, '0'.repeat(64)] })).toMatch(/^its chunk 2 of 2 /);
  });
});
