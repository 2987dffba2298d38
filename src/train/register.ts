/** Registers the training-only layer classes (and the model-format ones). */
import * as tf from '@tensorflow/tfjs';
import { registerQtscLayers } from '../layers/register.js';
import { SearchConv2D } from './search-conv2d.js';
import { SearchDense } from './search-dense.js';
import { SearchDepthwiseConv2D } from './search-depthwise-conv2d.js';

export const TRAIN_LAYER_CLASSES = { SearchDense, SearchConv2D, SearchDepthwiseConv2D } as const;

let registered = false;

/** Idempotent. Needed before loading a training checkpoint. */
export function registerTrainLayers(): void {
  registerQtscLayers();
  if (registered) return;
  for (const cls of Object.values(TRAIN_LAYER_CLASSES)) {
    tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  }
  registered = true;
}
