import { ProtoWriter } from './protobuf.js';
import { ONNX_DTYPES, type TensorSpec } from './signature.js';

/**
 * Builds small, valid ONNX models (ModelProto bytes) for tests and demos, without any ONNX library.
 * Field numbers are those of onnx/onnx.proto; the output targets IR version 8, which onnxruntime accepts.
 * Only the Node demo seed and tests call it, so protobufjs's eval would do here (see protobuf.ts); kept because
 * it writes the few dozen fields it needs with the reader's own writer, where onnx-proto would add protobufjs 6.
 */

export interface OnnxInitializer {
  name: string;
  dims: number[];
  floats: ArrayLike<number>;
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integers are written as INT/INTS attributes, other numbers as FLOAT/FLOATS. */
  attributes?: Record<string, number | number[]>;
}

export interface OnnxModelSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  initializers?: OnnxInitializer[];
  nodes: OnnxNode[];
  opset?: number;
  producer?: string;
  /** Writes the initializers' floats to this external data file instead (see `writeOnnxModelWithExternalData`). */
  externalData?: string;
}

const IR_VERSION = 8;
const FLOAT = 1;
const ATTR = { FLOAT: 1, INT: 2, FLOATS: 6, INTS: 7 } as const;
const DTYPE_CODES = new Map(Object.entries(ONNX_DTYPES).map(([code, name]) => [name, Number(code)]));

export function writeOnnxModel(spec: OnnxModelSpec): Uint8Array {
  return writeModel(spec, undefined);
}

/** The model with every initializer's floats in one external data file, `spec.externalData`, as ONNX's external data format has them. */
export function writeOnnxModelWithExternalData(spec: OnnxModelSpec & { externalData: string }): { model: Uint8Array; data: Uint8Array } {
  const chunks: Uint8Array[] = [];
  const model = writeModel(spec, chunks);
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (data.set(c, at), at + c.length), 0);
  return { model, data };
}

function writeModel(spec: OnnxModelSpec, external: Uint8Array[] | undefined): Uint8Array {
  // ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8 (domain=1, version=2).
  const model = new ProtoWriter().varint(1, IR_VERSION);
  if (spec.producer) model.string(2, spec.producer);
  model.message(7, (graph) => writeGraph(graph, spec, external));
  model.message(8, (opset) => opset.string(1, '').varint(2, spec.opset ?? 17));
  return model.finish();
}

// GraphProto: node=1, name=2, initializer=5, input=11, output=12.
function writeGraph(graph: ProtoWriter, spec: OnnxModelSpec, external: Uint8Array[] | undefined): void {
  spec.nodes.forEach((node, i) => graph.message(1, (w) => writeNode(w, node, `${node.op}_${i}`)));
  graph.string(2, 'main');
  let offset = 0;
  for (const init of spec.initializers ?? []) {
    if (!external) graph.message(5, (w) => writeTensor(w, init));
    else {
      const floats = new Uint8Array(Float32Array.from(init.floats).buffer);
      graph.message(5, (w) => writeExternalTensor(w, init, spec.externalData!, offset, floats.length));
      external.push(floats);
      offset += floats.length;
    }
  }
  for (const input of spec.inputs) graph.message(11, (w) => writeValueInfo(w, input));
  for (const output of spec.outputs) graph.message(12, (w) => writeValueInfo(w, output));
}

// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5.
function writeNode(w: ProtoWriter, node: OnnxNode, name: string): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, name).string(4, node.op);
  for (const [key, value] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, key, value));
}

// AttributeProto: name=1, f=2, i=3, floats=7, ints=8, type=20. Repeated scalars stay unpacked, as onnx.proto declares them.
function writeAttribute(w: ProtoWriter, name: string, value: number | number[]): void {
  w.string(1, name);
  const values = Array.isArray(value) ? value : [value];
  const ints = values.every(Number.isInteger);
  if (!Array.isArray(value)) {
    if (ints) w.varint(3, value).varint(20, ATTR.INT);
    else w.float(2, value).varint(20, ATTR.FLOAT);
    return;
  }
  for (const v of values) {
    if (ints) w.varint(8, v);
    else w.float(7, v);
  }
  w.varint(20, ints ? ATTR.INTS : ATTR.FLOATS);
}

// TensorProto: dims=1, data_type=2, float_data=4 (packed), name=8.
function writeTensor(w: ProtoWriter, init: OnnxInitializer): void {
  const count = init.dims.reduce((a, b) => a * b, 1);
  if (count !== init.floats.length) throw new RangeError(`initializer ${init.name}: dims hold ${count} values, got ${init.floats.length}`);
  for (const dim of init.dims) w.varint(1, dim);
  w.varint(2, FLOAT).packedFloats(4, init.floats).string(8, init.name);
}

// TensorProto: external_data=13 (StringStringEntryProto key=1, value=2), data_location=14 (EXTERNAL=1).
function writeExternalTensor(w: ProtoWriter, init: OnnxInitializer, location: string, offset: number, length: number): void {
  for (const dim of init.dims) w.varint(1, dim);
  w.varint(2, FLOAT).string(8, init.name);
  for (const [key, value] of [['location', location], ['offset', String(offset)], ['length', String(length)]]) w.message(13, (e) => e.string(1, key!).string(2, value!));
  w.varint(14, 1);
}

// ValueInfoProto: name=1, type=2 → TypeProto.tensor_type=1 → elem_type=1, shape=2 → dim=1 (dim_value=1, dim_param=2).
function writeValueInfo(w: ProtoWriter, spec: TensorSpec): void {
  const code = DTYPE_CODES.get(spec.dtype);
  if (code === undefined) throw new RangeError(`${spec.name}: unknown dtype ${spec.dtype}`);
  w.string(1, spec.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, code);
      tensor.message(2, (shape) => {
        for (const dim of spec.shape) shape.message(1, (d) => writeDim(d, dim));
      });
    }),
  );
}

// -1 stands for an unknown dimension: a Dimension message with neither field set.
function writeDim(w: ProtoWriter, dim: number | string): void {
  if (typeof dim === 'string') w.string(2, dim);
  else if (dim >= 0) w.varint(1, dim);
}

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32), so the same seed gives the same weights. */
function randoms(seed: number, count: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  });
}

export interface LinearModelOptions {
  inputSize: number;
  outputSize: number;
  seed?: number;
}

/** The weights `linearModelOnnx` writes: y = x · weight + bias, weight row-major [inputSize, outputSize]. */
export function linearModelWeights({ inputSize, outputSize, seed = 1 }: LinearModelOptions) {
  const values = randoms(seed, inputSize * outputSize + outputSize);
  return { weight: values.slice(0, inputSize * outputSize), bias: values.slice(inputSize * outputSize) };
}

/** x float32 ["batch", inputSize] → MatMul(W) → Add(b) → y float32 ["batch", outputSize]. */
export function linearModelOnnx(options: LinearModelOptions): Uint8Array {
  const { inputSize, outputSize } = options;
  const { weight, bias } = linearModelWeights(options);
  return writeOnnxModel({
    producer: 'outpost',
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', inputSize] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', outputSize] }],
    initializers: [
      { name: 'W', dims: [inputSize, outputSize], floats: weight },
      { name: 'b', dims: [outputSize], floats: bias },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xW'] },
      { op: 'Add', inputs: ['xW', 'b'], outputs: ['y'] },
    ],
  });
}

/**
 * features float32 ["batch", 4] and ids int64 ["batch", 3] → y float32 ["batch", 2] and total float32 [1, 1].
 * `bias` is both a graph input and an initializer (an overridable default), so it is not part of the signature.
 */
export function multiInputModelOnnx(): Uint8Array {
  return writeOnnxModel({
    producer: 'outpost',
    inputs: [
      { name: 'features', dtype: 'float32', shape: ['batch', 4] },
      { name: 'ids', dtype: 'int64', shape: ['batch', 3] },
      { name: 'bias', dtype: 'float32', shape: [2] },
    ],
    outputs: [
      { name: 'y', dtype: 'float32', shape: ['batch', 2] },
      { name: 'total', dtype: 'float32', shape: [1, 1] },
    ],
    initializers: [
      { name: 'W', dims: [7, 2], floats: randoms(7, 14) },
      { name: 'bias', dims: [2], floats: [0.5, -0.5] },
    ],
    nodes: [
      { op: 'Cast', inputs: ['ids'], outputs: ['ids_f'], attributes: { to: FLOAT } },
      { op: 'Concat', inputs: ['features', 'ids_f'], outputs: ['joined'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['joined', 'W'], outputs: ['projected'] },
      { op: 'Add', inputs: ['projected', 'bias'], outputs: ['y'] },
      // No axes input: ReduceSum (opset 13+) reduces every axis; keepdims gives [1, 1].
      { op: 'ReduceSum', inputs: ['y'], outputs: ['total'], attributes: { keepdims: 1 } },
    ],
  });
}
