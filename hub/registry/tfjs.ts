import type { Signature } from '../../shared/schemas/registry.js';

type Layer = { class_name?: string; className?: string; name?: string; config?: Record<string, unknown> };
type Topology = { config?: { layers?: Layer[]; input_layers?: unknown[][]; output_layers?: unknown[][] } | Layer[]; class_name?: string };

export class TfjsModelError extends Error {
  override readonly name = 'TfjsModelError';
}

const shapeOf = (shape: unknown): Array<number | string> => (Array.isArray(shape) ? shape.map((d) => (typeof d === 'number' ? d : -1)) : []);
const layersOf = (topology: Topology): Layer[] => (Array.isArray(topology.config) ? topology.config : (topology.config?.layers ?? []));

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isListOfLists = (x: unknown) => x === undefined || (Array.isArray(x) && x.every(Array.isArray));

/** The parts of a model.json this reader walks, checked for their JSON types first: the file is the uploader's. */
function checkShape(topology: Topology) {
  const config = topology.config;
  const layers = Array.isArray(config) ? config : isObject(config) ? (config.layers ?? []) : config === undefined ? [] : null;
  if (!Array.isArray(layers) || !layers.every((l) => isObject(l) && (l.config === undefined || isObject(l.config)))) {
    throw new TfjsModelError('model.json modelTopology.config must be a list of layers, or an object with one in "layers", each layer an object');
  }
  if (isObject(config) && !(isListOfLists(config.input_layers) && isListOfLists(config.output_layers))) {
    throw new TfjsModelError('model.json input_layers and output_layers must be lists of [name, …] entries');
  }
}

/**
 * A tfjs-layers model's signature from its model.json (DESIGN §10): the input layers' batch shapes and the
 * output layers' units. Sequential models name their input `<first layer>_input`, as tfjs does.
 */
export function readTfjsSignature(modelJson: unknown): Signature {
  const topology = (modelJson as { modelTopology?: Topology })?.modelTopology;
  if (!isObject(topology)) throw new TfjsModelError('not a tfjs-layers model.json: no modelTopology object');
  checkShape(topology);
  const layers = layersOf(topology);
  if (!layers.length) throw new TfjsModelError('model.json has no layers');
  const byName = new Map(layers.map((l) => [l.name ?? (l.config?.name as string | undefined), l]));
  const config = Array.isArray(topology.config) ? undefined : topology.config;
  const dtype = (l: Layer | undefined) => (typeof l?.config?.dtype === 'string' ? l.config.dtype : 'float32');
  const outputOf = (l: Layer) => ({ name: String(l.name ?? l.config?.name), dtype: dtype(l), shape: [-1, ...(typeof l.config?.units === 'number' ? [l.config.units] : [])] });

  if (config?.input_layers && config.output_layers) {
    const inputs = config.input_layers.map(([name]) => {
      const l = byName.get(String(name));
      return { name: String(name), dtype: dtype(l), shape: shapeOf(l?.config?.batch_input_shape ?? l?.config?.batchInputShape) };
    });
    const outputs = config.output_layers.map(([name]) => outputOf(byName.get(String(name)) ?? { name: String(name) }));
    return { inputs, outputs };
  }
  const first = layers[0]!;
  const last = layers[layers.length - 1]!;
  const firstName = String(first.name ?? first.config?.name);
  const isInput = (first.class_name ?? first.className) === 'InputLayer';
  return {
    inputs: [{ name: isInput ? firstName : `${firstName}_input`, dtype: dtype(first), shape: shapeOf(first.config?.batch_input_shape ?? first.config?.batchInputShape) }],
    outputs: [outputOf(last)],
  };
}
