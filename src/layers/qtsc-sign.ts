/** QtscSign: binary activation x >= 0 ? +1 : -1 with a straight-through gradient. */
import * as tf from '@tensorflow/tfjs';
import { signSte } from './ste.js';

export type QtscSignArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export class QtscSign extends tf.layers.Layer {
  static className = 'QtscSign';

  constructor(args: QtscSignArgs = {}) {
    super(args ?? {});
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return signSte(x);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}
