/**
 * A minimal protobuf wire-format reader and writer over Uint8Array. No Buffer: this runs on Node, on workerd
 * and in browsers. Only what ONNX needs: varints (int64 included), length-delimited fields, fixed32/fixed64.
 *
 * Why not protobufjs (7.6, already installed under onnxruntime-web) or onnx-proto: checked in workerd
 * (miniflare, compatibility date 2026-04-20), protobufjs's reflection decode (`Root.fromJSON(…).lookupType(…)
 * .decode`) fails with "EvalError: Code generation from strings disallowed for this context", since it
 * compiles decoders with `new Function`. Its eval-free parts are a bare Reader (what this file is) or pbjs
 * static code; onnx-proto is that static code (8.0.1, on protobufjs 6, beside the 7 we have), and decodes
 * whole messages, initializer tensors included, where signature.ts only needs names and skips payloads.
 */

export const WIRE = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const;

const TWO_32 = 2 ** 32;
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Malformed or truncated protobuf; `offset` is the absolute byte where reading failed. */
export class ProtobufError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'ProtobufError';
  }
}

/** A field's number and wire type; `at` is the tag's absolute offset, for error messages. */
export type FieldTag = { field: number; wire: number; at: number };

/** Reads one message, bounded by `end`; nested messages get their own reader over the same bytes (no copy). */
export class ProtoReader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }

  tag(): FieldTag {
    const at = this.pos;
    const key = this.varint();
    if (key < 8) throw new ProtobufError(`invalid field number at byte ${at}`, at);
    return { field: Math.floor(key / 8), wire: key % 8, at };
  }

  /** A varint as a number; 10-byte negatives (int64/int32 two's complement) come back negative. */
  varint(): number {
    const at = this.pos;
    let [lo, hi] = [0, 0];
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i > 4) hi |= (b & 0x7f) << (7 * i - 32);
      else [lo, hi] = [lo | ((b & 0x0f) << 28), (b & 0x7f) >> 4]; // the fifth byte straddles both halves
      if (b < 0x80) return toNumber(lo >>> 0, hi >>> 0, at);
    }
    throw new ProtobufError(`varint longer than 10 bytes at byte ${at}`, at);
  }

  /** The value of a varint field (int32, int64, enum, bool). */
  int(tag: FieldTag): number {
    expectWire(tag, WIRE.VARINT);
    return this.varint();
  }

  /** The payload of a length-delimited field, as a view: large tensors are never copied. */
  bytes(tag: FieldTag): Uint8Array {
    return this.buf.subarray(...this.span(tag));
  }

  string(tag: FieldTag): string {
    return utf8Decoder.decode(this.bytes(tag));
  }

  /** A reader for the nested message in a length-delimited field. */
  message(tag: FieldTag): ProtoReader {
    return new ProtoReader(this.buf, ...this.span(tag));
  }

  /** Skips a field's value by moving the cursor; length-delimited payloads are jumped over, not read. */
  skip(tag: FieldTag): void {
    if (tag.wire === WIRE.VARINT) return this.skipVarint();
    if (tag.wire === WIRE.LEN) return void this.span(tag);
    const size = tag.wire === WIRE.FIXED64 ? 8 : tag.wire === WIRE.FIXED32 ? 4 : 0;
    if (size === 0) throw new ProtobufError(`unsupported wire type ${tag.wire} at byte ${tag.at}`, tag.at);
    if (this.pos + size > this.end) throw truncated(this.end);
    this.pos += size;
  }

  private byte(): number {
    if (this.pos >= this.end) throw truncated(this.pos);
    return this.buf[this.pos++]!;
  }

  private skipVarint(): void {
    const at = this.pos;
    for (let i = 0; i < 10; i++) if (this.byte() < 0x80) return;
    throw new ProtobufError(`varint longer than 10 bytes at byte ${at}`, at);
  }

  /** Reads a length prefix and advances past the payload, returning its absolute [start, end). */
  private span(tag: FieldTag): [number, number] {
    expectWire(tag, WIRE.LEN);
    const length = this.varint();
    const start = this.pos;
    if (length < 0 || start + length > this.end) throw truncated(this.end);
    this.pos = start + length;
    return [start, this.pos];
  }
}

function expectWire(tag: FieldTag, wire: number): void {
  if (tag.wire !== wire) {
    throw new ProtobufError(`field ${tag.field} at byte ${tag.at} has wire type ${tag.wire}, expected ${wire}`, tag.at);
  }
}

const truncated = (at: number) => new ProtobufError(`truncated protobuf at byte ${at}`, at);

/** Two's complement negation of a 64-bit value held as two unsigned 32-bit halves. */
function negate64(lo: number, hi: number): [number, number] {
  const low = (~lo + 1) >>> 0;
  return [low, (~hi + (low === 0 ? 1 : 0)) >>> 0];
}

function toNumber(lo: number, hi: number, at: number): number {
  // The sign bit set means a negative int64.
  const negative = hi >= 0x80000000;
  if (negative) [lo, hi] = negate64(lo, hi);
  const value = hi * TWO_32 + lo;
  if (!Number.isSafeInteger(value)) throw new ProtobufError(`varint at byte ${at} is too large for a JavaScript number`, at);
  return negative ? -value : value;
}

/** Appends fields to a growing buffer; nested messages are written into their own writer, then length-prefixed. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  varint(field: number, value: number): this {
    return this.rawVarint(field * 8 + WIRE.VARINT).rawVarint(value);
  }

  bytes(field: number, payload: Uint8Array): this {
    return this.rawVarint(field * 8 + WIRE.LEN).rawVarint(payload.length).raw(payload);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8Encoder.encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const nested = new ProtoWriter();
    build(nested);
    return this.bytes(field, nested.finish());
  }

  float(field: number, value: number): this {
    return this.rawVarint(field * 8 + WIRE.FIXED32).raw(floatsLE([value]));
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    return this.bytes(field, floatsLE(values));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** Writes an int64 as a varint; negatives take 10 bytes, as protobuf encodes them. */
  private rawVarint(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`cannot encode ${value} as a varint`);
    const abs = Math.abs(value);
    let [lo, hi] = [abs % TWO_32 >>> 0, Math.floor(abs / TWO_32) >>> 0];
    if (value < 0) [lo, hi] = negate64(lo, hi);
    this.reserve(10);
    while (hi > 0 || lo > 0x7f) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.buf[this.len++] = lo;
    return this;
  }

  private raw(payload: Uint8Array): this {
    this.reserve(payload.length);
    this.buf.set(payload, this.len);
    this.len += payload.length;
    return this;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
}

/** IEEE 754 float32, little-endian as protobuf requires, whatever the host's byte order. */
function floatsLE(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}
