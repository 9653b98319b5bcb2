import { describe, expect, it } from 'vitest';
import { ProtoReader, ProtoWriter } from '../../../hub/registry/onnx/protobuf.js';
import { OnnxParseError, readOnnxSignature } from '../../../hub/registry/onnx/signature.js';
import { linearModelOnnx, linearModelWeights, multiInputModelOnnx, writeOnnxModel } from '../../../hub/registry/onnx/write.js';

describe('protobuf wire format', () => {
  it('round-trips varints, including int64 negatives and values above 32 bits', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, -1, -(2 ** 40)];
    const w = new ProtoWriter();
    for (const v of values) w.varint(1, v);
    const r = new ProtoReader(w.finish());
    for (const v of values) expect(r.int(r.tag())).toBe(v);
    expect(r.done()).toBe(true);
  });

  it('writes -1 as ten bytes, as protobuf encodes negative int64', () => {
    const bytes = new ProtoWriter().varint(1, -1).finish();
    expect(bytes.length).toBe(11);
  });

  it('round-trips strings and nested messages and skips fixed32 and fixed64 fields', () => {
    const w = new ProtoWriter().float(3, 1.5).string(1, 'héllo').message(2, (m) => m.varint(1, 42));
    w.bytes(4, new Uint8Array(0));
    const fixed64 = new Uint8Array([(5 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8]);
    const bytes = new Uint8Array([...fixed64, ...w.finish()]);
    const r = new ProtoReader(bytes);
    r.skip(r.tag());
    r.skip(r.tag());
    expect(r.string(r.tag())).toBe('héllo');
    const nested = r.message(r.tag());
    expect(nested.int(nested.tag())).toBe(42);
    expect(r.bytes(r.tag()).length).toBe(0);
    expect(r.done()).toBe(true);
  });
});

describe('readOnnxSignature', () => {
  it('reads the input, output, opset and producer of a linear model', () => {
    const signature = readOnnxSignature(linearModelOnnx({ inputSize: 3, outputSize: 2, seed: 4 }));
    expect(signature).toEqual({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] }],
      opset: 17,
      producer: 'outpost',
    });
  });

  it('leaves out graph inputs that are initializers', () => {
    const signature = readOnnxSignature(multiInputModelOnnx());
    expect(signature.inputs).toEqual([
      { name: 'features', dtype: 'float32', shape: ['batch', 4] },
      { name: 'ids', dtype: 'int64', shape: ['batch', 3] },
    ]);
    expect(signature.outputs.map((o) => [o.name, o.shape])).toEqual([['y', ['batch', 2]], ['total', [1, 1]]]);
  });

  it('reads fixed, named and unknown dimensions, scalars and every named dtype', () => {
    const dtypes = ['float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'float64', 'uint32', 'uint64', 'bfloat16'];
    const inputs = dtypes.map((dtype, i) => ({ name: `in${i}`, dtype, shape: [i, 'seq', -1] }));
    const outputs = [{ name: 'scalar', dtype: 'float32', shape: [] }];
    const signature = readOnnxSignature(writeOnnxModel({ inputs, outputs, nodes: [], opset: 13 }));
    expect(signature.inputs).toEqual(inputs);
    expect(signature.outputs).toEqual(outputs);
    expect(signature.opset).toBe(13);
    expect(signature.producer).toBeNull();
  });

  it('gives the same bytes and weights for the same seed and different ones for another seed', () => {
    const options = { inputSize: 4, outputSize: 3, seed: 9 };
    expect(linearModelOnnx(options)).toEqual(linearModelOnnx(options));
    expect(linearModelOnnx({ ...options, seed: 10 })).not.toEqual(linearModelOnnx(options));
    const { weight, bias } = linearModelWeights(options);
    expect(linearModelWeights(options)).toEqual({ weight, bias });
    expect(linearModelWeights({ ...options, seed: 10 }).weight).not.toEqual(weight);
    expect([weight.length, bias.length]).toEqual([12, 3]);
    expect(weight.every((v) => v >= -1 && v < 1)).toBe(true);
  });

  it('reads the signature of a model with a 4 MB initializer', () => {
    const floats = new Float32Array(1_000_000).fill(0.25);
    const bytes = writeOnnxModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1_000_000] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1_000_000] }],
      initializers: [{ name: 'w', dims: [1_000_000], floats }],
      nodes: [{ op: 'Mul', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    expect(bytes.length).toBeGreaterThan(4_000_000);
    expect(readOnnxSignature(bytes).inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1_000_000] }]);
  });

  it('refuses an empty buffer', () => {
    expect(() => readOnnxSignature(new Uint8Array(0))).toThrow(OnnxParseError);
    expect(() => readOnnxSignature(new Uint8Array(0))).toThrow(/empty/);
  });

  it('refuses bytes that are not protobuf', () => {
    const garbage = new TextEncoder().encode('{"hello": "this is JSON, not ONNX"}');
    expect(() => readOnnxSignature(garbage)).toThrow(OnnxParseError);
    expect(() => readOnnxSignature(garbage)).toThrow(/^not an ONNX model: .*at byte \d+/);
  });

  it('refuses a valid protobuf message that has no graph', () => {
    const noGraph = new ProtoWriter().varint(1, 8).string(2, 'someone').finish();
    expect(() => readOnnxSignature(noGraph)).toThrow('not an ONNX model: no graph found');
  });

  it('refuses a truncated model and says at which byte it ends', () => {
    const model = multiInputModelOnnx();
    const cut = model.subarray(0, Math.floor(model.length / 2));
    expect(() => readOnnxSignature(cut)).toThrow(OnnxParseError);
    expect(() => readOnnxSignature(cut)).toThrow(`truncated protobuf at byte ${cut.length}`);
  });

  it('refuses a model whose last byte is missing', () => {
    const model = linearModelOnnx({ inputSize: 2, outputSize: 1 });
    expect(() => readOnnxSignature(model.subarray(0, model.length - 1))).toThrow(/truncated protobuf/);
  });
});
