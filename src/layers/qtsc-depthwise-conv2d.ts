/**
 * QtscDepthwiseConv2D: a tfjs DepthwiseConv2D layer whose kernel values lie in
 * a value space. Forward is exactly DepthwiseConv2D; the extra config key
 * `valueSpace` names the space. The deployable form of a searched depthwise
 * convolution.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveValueSpace, type ValueSpace } from './value-space.js';

export type DepthwiseConv2DArgs = Parameters<typeof tf.layers.depthwiseConv2d>[0];

type DepthwiseCtor = new (args: DepthwiseConv2DArgs) => tf.layers.Layer;
/** tfjs-layers does not export the DepthwiseConv2D class itself; take it from an instance. */
const DepthwiseBase = Object.getPrototypeOf(tf.layers.depthwiseConv2d({ kernelSize: 1 })).constructor as DepthwiseCtor;

export type QtscDepthwiseConv2DArgs = DepthwiseConv2DArgs & { valueSpace: ValueSpace | string | readonly number[] };

export class QtscDepthwiseConv2D extends DepthwiseBase {
  static className = 'QtscDepthwiseConv2D';
  readonly valueSpace: ValueSpace;
  readonly values: number[];

  constructor(args: QtscDepthwiseConv2DArgs) {
    super(args);
    if (args.valueSpace === undefined) throw new Error(`QtscDepthwiseConv2D${args.name ? ` '${args.name}'` : ''}: config 'valueSpace' is required`);
    try {
      this.values = resolveValueSpace(args.valueSpace);
    } catch (e) {
      throw new Error(`QtscDepthwiseConv2D${args.name ? ` '${args.name}'` : ''}: config 'valueSpace': ${(e as Error).message}`);
    }
    this.valueSpace = (typeof args.valueSpace === 'string' ? args.valueSpace : [...args.valueSpace]) as ValueSpace;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const vs = this.valueSpace;
    return { ...super.getConfig(), valueSpace: Array.isArray(vs) ? [...vs] : vs };
  }
}
