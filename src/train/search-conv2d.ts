/**
 * SearchConv2D: the training form of a 2-D convolution (NHWC, any strides,
 * 'same' or 'valid' padding as TF pads) whose weights are chosen from a value
 * space (methods in search-kernel.ts). Its gradients use only forward
 * convolutions (fast-ops.ts for stride 1, conv-ops.ts otherwise), which the
 * wasm backend has. `freeze` turns it into a QtscConv2D (a plain Conv2D for
 * methods 'fp' and 'int8') with the same strides and padding.
 */
import * as tf from '@tensorflow/tfjs';
import { outputSize, parsePadding, parsePair } from './conv-config.js';
import { conv2dStrided } from './conv-ops.js';
import { conv2dFast, type Padding } from './fast-ops.js';
import { SearchLayer, type SearchLayerArgs } from './search-layer.js';

export type SearchConv2DArgs = SearchLayerArgs & {
    filters: number;
    kernelSize: number | [number, number];
    strides?: number | [number, number];
    padding?: Padding;
    /** How 'rdhs' / 'sgt' compute the forward pass (see ConvFormulation); default 'kernel'. */
    formulation?: ConvFormulation;
  };

/**
 * 'kernel': convolve x with the effective kernel sum_r q^r P^r (one
 * convolution with the layer's own channel counts). 'expand' (paper 000,
 * section 2.5): convolve the input expanded m-fold along channels,
 * concat_r(q^r x), with the m per-candidate masks P^r stacked the same way.
 * Both give the same outputs and gradients; 'expand' costs m times the
 * convolution work and keeps the m-fold input for the backward pass
 * (docs/training.md has measurements), so 'kernel' is the default.
 */
export type ConvFormulation = 'kernel' | 'expand';
export const CONV_FORMULATIONS: readonly ConvFormulation[] = ['kernel', 'expand'];

export class SearchConv2D extends SearchLayer {
  static className = 'SearchConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly formulation: ConvFormulation;

  constructor(args: SearchConv2DArgs) {
    super('SearchConv2D', args);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`SearchConv2D: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = parsePair('SearchConv2D', args.name, 'kernelSize', args.kernelSize);
    this.strides = parsePair('SearchConv2D', args.name, 'strides', args.strides ?? 1);
    this.padding = parsePadding('SearchConv2D', args.name, args.padding);
    const form = args.formulation ?? 'kernel';
    if (!CONV_FORMULATIONS.includes(form)) throw new Error(`SearchConv2D${args.name ? ` '${args.name}'` : ''}: config 'formulation': must be 'kernel' or 'expand', got ${JSON.stringify(args.formulation)}`);
    if (form === 'expand' && this.method !== 'rdhs' && this.method !== 'sgt') {
      throw new Error(`SearchConv2D${args.name ? ` '${args.name}'` : ''}: config 'formulation': 'expand' needs method 'rdhs' or 'sgt' (per-candidate masks), got '${this.method}'`);
    }
    this.formulation = form;
    this.inputSpec = [{ ndim: 4 }];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = shape[3];
    if (cin == null) throw new Error('SearchConv2D: the channel dimension must be known');
    this.buildWeights([this.kernelSize[0], this.kernelSize[1], cin, this.filters], this.filters);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const [h, w] = outputSize('SearchConv2D', this.name, s[1], s[2], this.kernelSize, this.strides, this.padding);
    return [s[0], h, w, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs?: tf.serialization.ConfigDict): tf.Tensor {
    const training = SearchLayer.isTraining(kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [sh, sw] = this.strides;
      const conv = (xx: tf.Tensor4D, k: tf.Tensor4D) => (sh === 1 && sw === 1 ? conv2dFast(xx, k, this.padding) : conv2dStrided(xx, k, this.strides, this.padding));
      return this.withBias(this.formulation === 'expand' ? this.expandedConv(x, conv, training) : conv(x, this.effectiveKernel(training) as tf.Tensor4D));
    });
  }

  /**
   * conv(concat_r(q^r x), concat_r(P^r)) with channel r*cin + c of both the
   * expanded input and the stacked masks belonging to candidate r, input channel c.
   */
  private expandedConv(x: tf.Tensor4D, conv: (x: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor4D, training: boolean): tf.Tensor4D {
    const [n, h, w, cin] = x.shape;
    const q = this.sk.candidates();
    const m = q.shape[0];
    const xe = tf.reshape(tf.mul(tf.expandDims(x, 3), tf.reshape(q, [1, 1, 1, m, 1])), [n, h, w, m * cin]) as tf.Tensor4D;
    const p = this.sk.masks(training); // [kh, kw, cin, filters, m]
    const [kh, kw] = this.kernelSize;
    const k = tf.reshape(tf.transpose(p, [0, 1, 4, 2, 3]), [kh, kw, m * cin, this.filters]) as tf.Tensor4D;
    return conv(xe, k);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      formulation: this.formulation,
      ...this.searchConfig(),
    };
  }

}
