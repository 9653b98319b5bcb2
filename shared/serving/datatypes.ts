/**
 * The Open Inference Protocol's datatypes beside the registry's signature dtypes, with the typed array and byte size
 * of each. FP16 travels as its 16-bit patterns (Uint16Array) and BOOL as one byte per value, as the binary extension has them.
 */
export type TensorArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

interface Datatype {
  /** The signature's dtype name (the registry's, as onnxruntime names them). */
  dtype: string;
  bytes: number;
  array: { new (length: number): TensorArray; new (buffer: ArrayBuffer, offset: number, length: number): TensorArray };
  /** Bounds of an integer datatype, checked on JSON values. */
  range?: [number, number];
}

export const DATATYPES = {
  BOOL: { dtype: 'bool', bytes: 1, array: Uint8Array },
  UINT8: { dtype: 'uint8', bytes: 1, array: Uint8Array, range: [0, 255] },
  UINT16: { dtype: 'uint16', bytes: 2, array: Uint16Array, range: [0, 65535] },
  UINT32: { dtype: 'uint32', bytes: 4, array: Uint32Array, range: [0, 2 ** 32 - 1] },
  UINT64: { dtype: 'uint64', bytes: 8, array: BigUint64Array, range: [0, Number.MAX_SAFE_INTEGER] },
  INT8: { dtype: 'int8', bytes: 1, array: Int8Array, range: [-128, 127] },
  INT16: { dtype: 'int16', bytes: 2, array: Int16Array, range: [-32768, 32767] },
  INT32: { dtype: 'int32', bytes: 4, array: Int32Array, range: [-(2 ** 31), 2 ** 31 - 1] },
  INT64: { dtype: 'int64', bytes: 8, array: BigInt64Array, range: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] },
  FP16: { dtype: 'float16', bytes: 2, array: Uint16Array },
  FP32: { dtype: 'float32', bytes: 4, array: Float32Array },
  FP64: { dtype: 'float64', bytes: 8, array: Float64Array },
} as const satisfies Record<string, Datatype>;

export type DatatypeName = keyof typeof DATATYPES;
export const DATATYPE_NAMES = Object.keys(DATATYPES) as DatatypeName[];

/** Names the protocol has for dtypes this hub stores but cannot serve (metadata shows them; infer refuses them). */
const UNSERVED: Record<string, string> = { string: 'BYTES', bfloat16: 'BF16' };
const BY_DTYPE = new Map<string, DatatypeName>(DATATYPE_NAMES.map((n) => [DATATYPES[n].dtype, n]));

/** The protocol's name for a signature dtype (tfjs's names included). */
export function datatypeOf(dtype: string): string {
  return BY_DTYPE.get(dtype) ?? UNSERVED[dtype] ?? dtype.toUpperCase();
}

export const isServedDatatype = (name: string): name is DatatypeName => Object.hasOwn(DATATYPES, name);

/** A typed array of `length` values of a datatype, over `bytes` when given (copied, so it is aligned and owned). */
export function arrayOf(name: DatatypeName, length: number, bytes?: Uint8Array): TensorArray {
  const { array, bytes: size } = DATATYPES[name];
  const out = new array(length);
  if (bytes) new Uint8Array(out.buffer).set(bytes.subarray(0, length * size));
  return out;
}

/** The bytes of a typed array, little-endian as the platform is (x86 and ARM both are). */
export const bytesOf = (data: TensorArray) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of a number, rounded to nearest even. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The number half-precision bits stand for. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
