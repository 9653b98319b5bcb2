import type { ModelVersionRow, RegisteredModelRow } from '../db/schema.js';
import type { TensorSpec } from '../registry/schema.js';
import { datatypeOf } from '../../shared/serving/datatypes.js';

/** The protocol's platform names for the registry's formats. */
const PLATFORMS: Record<string, string> = { onnx: 'onnxruntime_onnx', 'tfjs-layers': 'tensorflowjs_layers' };

/** Named and unknown dimensions are -1 in the protocol. */
const tensorMetadata = (spec: TensorSpec) => ({ name: spec.name, datatype: datatypeOf(spec.dtype), shape: spec.shape.map((d) => (typeof d === 'number' ? d : -1)) });

/** `GET /v2/models/{name}[/versions/{version}]`: the resolved version, with every version that may be asked for by number. */
export function modelMetadata(model: RegisteredModelRow, version: ModelVersionRow, versions: number[]) {
  return {
    name: model.name,
    versions: versions.map(String),
    platform: PLATFORMS[version.format] ?? version.format,
    inputs: version.signature.inputs.map(tensorMetadata),
    outputs: version.signature.outputs.map(tensorMetadata),
  };
}
