import { ProtobufError, ProtoReader, type FieldTag } from './protobuf.js';

/**
 * Reads a model's signature (graph inputs and outputs, opset, producer) straight from ONNX bytes.
 * Field numbers are those of onnx/onnx.proto. Initializer payloads are skipped, never copied.
 */

export interface TensorSpec {
  name: string;
  dtype: string;
  /** A number for a fixed dim, a string for a named one ("batch"), -1 when unknown. */
  shape: Array<number | string>;
}

export interface OnnxSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  opset: number | null;
  producer: string | null;
}

export class OnnxParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxParseError';
  }
}

/** TensorProto.DataType → dtype name. */
export const ONNX_DTYPES: Readonly<Record<number, string>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export function readOnnxSignature(bytes: Uint8Array): OnnxSignature {
  if (bytes.length === 0) throw new OnnxParseError('not an ONNX model: the file is empty');
  try {
    return readModel(new ProtoReader(bytes));
  } catch (err) {
    if (err instanceof ProtobufError) throw new OnnxParseError(`not an ONNX model: ${err.message}`);
    throw err;
  }
}

/** Calls `onField` for each field of the message; fields it returns false for are skipped. */
function eachField(r: ProtoReader, onField: (tag: FieldTag) => boolean): void {
  while (!r.done()) {
    const tag = r.tag();
    if (!onField(tag)) r.skip(tag);
  }
}

type Io = Pick<OnnxSignature, 'inputs' | 'outputs'>;

// ModelProto: producer_name=2, graph=7, opset_import=8.
function readModel(r: ProtoReader): OnnxSignature {
  const model: { graph: Io | null; producer: string | null; opset: number | null } = { graph: null, producer: null, opset: null };
  eachField(r, (tag) => {
    if (tag.field === 2) model.producer = r.string(tag) || null;
    else if (tag.field === 7) model.graph = readGraph(r.message(tag));
    else if (tag.field === 8) model.opset = readOpset(r.message(tag)) ?? model.opset;
    else return false;
    return true;
  });
  if (!model.graph) throw new OnnxParseError('not an ONNX model: no graph found');
  return { ...model.graph, opset: model.opset, producer: model.producer };
}

// OperatorSetIdProto: domain=1, version=2. Only the default ONNX domain gives the model's opset.
function readOpset(r: ProtoReader): number | null {
  const set = { domain: '', version: null as number | null };
  eachField(r, (tag) => {
    if (tag.field === 1) set.domain = r.string(tag);
    else if (tag.field === 2) set.version = r.int(tag);
    else return false;
    return true;
  });
  return set.domain === '' || set.domain === 'ai.onnx' ? set.version : null;
}

// GraphProto: initializer=5, input=11, output=12. Inputs backed by an initializer are weights, not signature.
function readGraph(r: ProtoReader): Io {
  const inputs: TensorSpec[] = [];
  const outputs: TensorSpec[] = [];
  const initializers = new Set<string>();
  eachField(r, (tag) => {
    if (tag.field === 5) initializers.add(readTensorName(r.message(tag)));
    else if (tag.field === 11) inputs.push(readValueInfo(r.message(tag)));
    else if (tag.field === 12) outputs.push(readValueInfo(r.message(tag)));
    else return false;
    return true;
  });
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}

// TensorProto.name=8; dims, float_data and raw_data are jumped over without being read.
function readTensorName(r: ProtoReader): string {
  let name = '';
  eachField(r, (tag) => {
    if (tag.field !== 8) return false;
    name = r.string(tag);
    return true;
  });
  return name;
}

// ValueInfoProto: name=1, type=2.
function readValueInfo(r: ProtoReader): TensorSpec {
  const spec: TensorSpec = { name: '', dtype: 'unknown', shape: [] };
  eachField(r, (tag) => {
    if (tag.field === 1) spec.name = r.string(tag);
    else if (tag.field === 2) Object.assign(spec, readType(r.message(tag)));
    else return false;
    return true;
  });
  return spec;
}

// TypeProto: tensor_type=1, sequence_type=4, map_type=5. Only tensors carry a dtype and a shape.
function readType(r: ProtoReader): Pick<TensorSpec, 'dtype' | 'shape'> {
  let type: Pick<TensorSpec, 'dtype' | 'shape'> = { dtype: 'unknown', shape: [] };
  eachField(r, (tag) => {
    if (tag.field === 1) type = readTensorType(r.message(tag));
    else if (tag.field === 4) type = { dtype: 'sequence', shape: [] };
    else if (tag.field === 5) type = { dtype: 'map', shape: [] };
    else return false;
    return true;
  });
  return type;
}

// TypeProto.Tensor: elem_type=1, shape=2.
function readTensorType(r: ProtoReader): Pick<TensorSpec, 'dtype' | 'shape'> {
  const type: Pick<TensorSpec, 'dtype' | 'shape'> = { dtype: 'unknown', shape: [] };
  eachField(r, (tag) => {
    if (tag.field === 1) {
      const code = r.int(tag);
      type.dtype = ONNX_DTYPES[code] ?? `type${code}`;
    } else if (tag.field === 2) type.shape = readShape(r.message(tag));
    else return false;
    return true;
  });
  return type;
}

// TensorShapeProto: dim=1.
function readShape(r: ProtoReader): Array<number | string> {
  const shape: Array<number | string> = [];
  eachField(r, (tag) => {
    if (tag.field !== 1) return false;
    shape.push(readDim(r.message(tag)));
    return true;
  });
  return shape;
}

// TensorShapeProto.Dimension: dim_value=1, dim_param=2; neither means unknown (-1).
function readDim(r: ProtoReader): number | string {
  let dim: number | string = -1;
  eachField(r, (tag) => {
    if (tag.field === 1) dim = r.int(tag);
    else if (tag.field === 2) dim = r.string(tag);
    else return false;
    return true;
  });
  return dim;
}
