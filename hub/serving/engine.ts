import type { Signature } from '../registry/schema.js';
import type { TensorArray } from '../../shared/serving/datatypes.js';

/** A tensor inside the hub: the signature's dtype name, its dims, its values row-major (FP16 as bits, BOOL as bytes). */
export interface HostTensor {
  dtype: string;
  dims: number[];
  data: TensorArray;
}
export type HostTensors = Record<string, HostTensor>;

/** One model version in memory, ready to run. */
export interface LoadedModel {
  /** Runs the named outputs for already validated inputs. */
  run(feeds: HostTensors, outputs: string[]): Promise<HostTensors>;
  dispose(): Promise<void>;
}

/** Builds sessions from a version's files (path → bytes) for one format; Node-only engines implement it. */
export interface InferenceEngine {
  load(files: Record<string, Uint8Array>, signature: Signature, label: string): Promise<LoadedModel>;
}

export type ServedFormat = 'onnx' | 'tfjs-layers';
export type Engines = Partial<Record<ServedFormat, InferenceEngine>>;
