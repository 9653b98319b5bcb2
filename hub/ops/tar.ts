import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** A ustar archive, written and read as a stream: what `outpost backup` writes, so `tar tf FILE` lists it too. */

const BLOCK = 512;
const MAX_SIZE = 8 ** 11 - 1; // eleven octal digits

function header(name: string, size: number): Uint8Array {
  if (Buffer.byteLength(name) > 100) throw new Error(`archive entry name too long: ${name}`);
  if (size > MAX_SIZE) throw new Error(`archive entry ${name} is ${size} bytes, over the format's 8 GiB`);
  const h = Buffer.alloc(BLOCK);
  const put = (text: string, at: number, length: number) => h.write(text, at, length, 'latin1');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

async function write(out: Writable, chunk: Uint8Array) {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Appends entries to `out`; `finish` writes the end-of-archive blocks. */
export class TarWriter {
  constructor(private readonly out: Writable) {}

  async add(name: string, size: number, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    await write(this.out, header(name, size));
    let written = 0;
    for await (const chunk of body) {
      written += chunk.byteLength;
      if (written > size) throw new Error(`${name} grew while it was archived`);
      await write(this.out, chunk);
    }
    if (written !== size) throw new Error(`${name} is ${written} bytes, expected ${size}`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await write(this.out, new Uint8Array(pad));
  }

  async finish(): Promise<void> {
    await write(this.out, new Uint8Array(BLOCK * 2));
  }
}

/** Reads exact byte counts from a stream of chunks. */
class ByteReader {
  private buffered: Uint8Array = new Uint8Array(0);
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes, at least one unless the stream ended (then empty). */
  async some(max: number): Promise<Uint8Array> {
    if (this.buffered.byteLength === 0) {
      const next = await this.source.next();
      if (next.done) return new Uint8Array(0);
      this.buffered = next.value;
    }
    const out = this.buffered.subarray(0, max);
    this.buffered = this.buffered.subarray(out.byteLength);
    return out;
  }

  async exactly(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; ) {
      const chunk = await this.some(n - at);
      if (chunk.byteLength === 0) throw new Error('the archive ends in the middle of an entry: it is truncated');
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** The entry's bytes; read them (or not) before asking for the next entry. */
  body: AsyncIterable<Uint8Array>;
}

/** The archive's entries, one after the other; an entry's body is skipped when the caller does not read it. */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  for (;;) {
    const h = await reader.exactly(BLOCK);
    if (h.every((b) => b === 0)) return;
    const text = (at: number, length: number) => Buffer.from(h.subarray(at, at + length)).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const prefix = text(345, 155);
    const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    let left = size;
    const take = async () => {
      const chunk = await reader.some(left);
      if (chunk.byteLength === 0) throw new Error('the archive ends in the middle of an entry: it is truncated');
      left -= chunk.byteLength;
      return chunk;
    };
    const body = (async function* () {
      while (left > 0) yield await take();
    })();
    yield { name, size, body };
    while (left > 0) await take(); // the rest of an entry the caller did not read
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await reader.exactly(pad);
  }
}
