/**
 * SearchDepthwiseConv2D: the training form of a depthwise 2-D convolution
 * (NHWC, kernel [kh, kw, in, depthMultiplier], output channel
 * c*depthMultiplier + m, any strides, 'same' or 'valid' padding as TF pads)
 * whose weights are chosen from a value space (every method of
 * search-kernel.ts). Its gradients use only forward depthwise convolutions
 * (conv-ops.ts): the wasm backend has no depthwise backprop kernels. `freeze`
 * turns it into a QtscDepthwiseConv2D (a plain DepthwiseConv2D for methods
 * 'fp' and 'int8').
 */
import * as tf from '@tensorflow/tfjs';
import { outputSize, parsePadding, parsePair } from './conv-config.js';
import { depthwiseConv2dFast } from './conv-ops.js';
import type { Padding } from './fast-ops.js';
import { SearchLayer, type SearchLayerArgs } from './search-layer.js';

export type SearchDepthwiseConv2DArgs = SearchLayerArgs & { kernelSize: number | [number, number]; depthMultiplier?: number; strides?: number | [number, number]; padding?: Padding };

export class SearchDepthwiseConv2D extends SearchLayer {
  static className = 'SearchDepthwiseConv2D';
  readonly kernelSize: [number, number];
  readonly depthMultiplier: number;
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: SearchDepthwiseConv2DArgs) {
    // XNOR's scale is per output channel (c, m): the mean over the kernel's rows and columns
    super('SearchDepthwiseConv2D', args, [0, 1]);
    const cls = 'SearchDepthwiseConv2D';
    const dm = args.depthMultiplier ?? 1;
    if (!Number.isInteger(dm) || dm < 1) throw new Error(`${cls}${args.name ? ` '${args.name}'` : ''}: config 'depthMultiplier': must be a positive integer, got ${JSON.stringify(args.depthMultiplier)}`);
    this.depthMultiplier = dm;
    this.kernelSize = parsePair(cls, args.name, 'kernelSize', args.kernelSize);
    this.strides = parsePair(cls, args.name, 'strides', args.strides ?? 1);
    this.padding = parsePadding(cls, args.name, args.padding);
    this.inputSpec = [{ ndim: 4 }];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = shape[3];
    if (cin == null) throw new Error(`SearchDepthwiseConv2D '${this.name}': the channel dimension must be known`);
    this.buildWeights([this.kernelSize[0], this.kernelSize[1], cin, this.depthMultiplier], cin * this.depthMultiplier);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const [h, w] = outputSize('SearchDepthwiseConv2D', this.name, s[1], s[2], this.kernelSize, this.strides, this.padding);
    return [s[0], h, w, s[3] == null ? null : s[3] * this.depthMultiplier];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs?: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return this.withBias(depthwiseConv2dFast(x, this.effectiveKernel(SearchLayer.isTraining(kwargs)) as tf.Tensor4D, this.strides, this.padding));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: [...this.kernelSize],
      depthMultiplier: this.depthMultiplier,
      strides: [...this.strides],
      padding: this.padding,
      ...this.searchConfig(),
    };
  }

}
