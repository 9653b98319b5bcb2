import type * as Tf from '@tensorflow/tfjs';
import { OutpostRuntimeError } from '../errors.js';
import type { LossName, TrainingTensor } from './protocol.js';

const isInteger = (data: ArrayLike<number>) => {
  for (let i = 0; i < data.length; i++) if (!Number.isInteger(data[i])) return false;
  return true;
};

/** The activation that produces the model's output: the last layer's, or a trailing Activation layer's. */
function outputActivation(model: Tf.LayersModel): string | undefined {
  const last = model.layers[model.layers.length - 1];
  const config = last?.getConfig() as { activation?: unknown } | undefined;
  return typeof config?.activation === 'string' ? config.activation : undefined;
}

/**
 * The loss to train with, from the output layer and the labels: a softmax output with one-hot y of the output's
 * width → categoricalCrossentropy; with one integer label per sample → sparseCategoricalCrossentropy; any other
 * model → meanSquaredError.
 */
export function inferLoss(model: Tf.LayersModel, y: TrainingTensor): LossName {
  const shape = model.outputs[0]!.shape;
  const units = shape[shape.length - 1];
  if (outputActivation(model) !== 'softmax' || typeof units !== 'number') return 'meanSquaredError';
  const n = y.dims[0];
  if (y.dims.length === 2 && y.dims[1] === units && units > 1) return 'categoricalCrossentropy';
  if ((y.dims.length === 1 || (y.dims.length === 2 && y.dims[1] === 1)) && isInteger(y.data)) return 'sparseCategoricalCrossentropy';
  throw new OutpostRuntimeError(
    'bad_feeds',
    `y does not fit a softmax output of ${units} classes: give one-hot rows (dims [${n}, ${units}]) or one integer label per sample (dims [${n}]); got dims [${y.dims.join(', ')}]`,
  );
}

/** The metrics compiled with a loss; they show in logs as acc / val_acc or mae / val_mae. */
export const metricsFor = (loss: LossName): string[] => (loss === 'meanSquaredError' ? ['mae'] : ['accuracy']);
