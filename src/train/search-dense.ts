/**
 * SearchDense: the training form of a dense layer whose weights are chosen
 * from a value space (methods in search-kernel.ts). `freeze` turns it into a
 * QtscDense (a plain Dense for method 'fp').
 */
import * as tf from '@tensorflow/tfjs';
import { matMulFast } from './fast-ops.js';
import { SearchLayer, type SearchLayerArgs } from './search-layer.js';

export { SEARCH_METHODS, type SearchMethod, type Searchable } from './search-kernel.js';

export type SearchDenseArgs = SearchLayerArgs & { units: number };

export class SearchDense extends SearchLayer {
  static className = 'SearchDense';
  readonly units: number;

  constructor(args: SearchDenseArgs) {
    super('SearchDense', args);
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`SearchDense: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inDim = shape[shape.length - 1];
    if (inDim == null) throw new Error('SearchDense: the last input dimension must be known');
    this.buildWeights([inDim, this.units], this.units);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs?: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const w = this.effectiveKernel(SearchLayer.isTraining(kwargs));
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.shape.length - 1]]);
      const y = this.withBias(matMulFast(x2 as tf.Tensor2D, w as tf.Tensor2D));
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, ...this.searchConfig() };
  }
}
