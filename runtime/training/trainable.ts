import type * as Tf from '@tensorflow/tfjs';
import { OutpostRuntimeError } from '../errors.js';
import type { Trainable } from './protocol.js';

/**
 * Marks which layers learn and freezes the rest; returns the names of both. Only layers with weights count:
 * `'head'` and numbers skip Dropout, Flatten and the like.
 */
export function applyTrainable(model: Tf.LayersModel, trainable: Trainable): { trainableLayers: string[]; frozenLayers: string[] } {
  const weighted = model.layers.filter((l) => l.getWeights().length > 0);
  const names = weighted.map((l) => l.name);
  let chosen: Set<string>;
  if (trainable === 'all') chosen = new Set(names);
  else if (trainable === 'head') chosen = new Set(names.slice(-1));
  else if (typeof trainable === 'number') {
    if (!Number.isInteger(trainable) || trainable < 1 || trainable > names.length) {
      throw new OutpostRuntimeError('bad_feeds', `trainable: ${trainable} must be a whole number of layers from 1 to ${names.length} (layers with weights: ${names.join(', ')})`);
    }
    chosen = new Set(names.slice(-trainable));
  } else if (Array.isArray(trainable) && trainable.length > 0) {
    const unknown = trainable.filter((n) => !names.includes(n));
    if (unknown.length) throw new OutpostRuntimeError('bad_feeds', `trainable names layers the model does not have or that have no weights: ${unknown.join(', ')} (layers with weights: ${names.join(', ')})`);
    chosen = new Set(trainable);
  } else {
    throw new OutpostRuntimeError('bad_feeds', `trainable must be 'all', 'head', a number of last layers, or a list of layer names (got ${JSON.stringify(trainable)})`);
  }
  for (const layer of weighted) layer.trainable = chosen.has(layer.name);
  return { trainableLayers: names.filter((n) => chosen.has(n)), frozenLayers: names.filter((n) => !chosen.has(n)) };
}
