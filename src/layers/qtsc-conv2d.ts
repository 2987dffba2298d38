/**
 * QtscConv2D: a tfjs Conv2D layer whose kernel values lie in a value space.
 * Forward is exactly Conv2D; the extra config key `valueSpace` names the
 * space. The deployable form of a searched convolution.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveValueSpace, type ValueSpace } from './value-space.js';

export type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];

type Conv2DCtor = new (args: Conv2DArgs) => tf.layers.Layer;
/** tfjs-layers does not export the Conv2D class itself; take it from an instance. */
const Conv2DBase = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as Conv2DCtor;

export type QtscConv2DArgs = Conv2DArgs & { valueSpace: ValueSpace | string | readonly number[] };

export class QtscConv2D extends Conv2DBase {
  static className = 'QtscConv2D';
  readonly valueSpace: ValueSpace;
  readonly values: number[];

  constructor(args: QtscConv2DArgs) {
    super(args);
    if (args.valueSpace === undefined) throw new Error(`QtscConv2D${args.name ? ` '${args.name}'` : ''}: config 'valueSpace' is required`);
    try {
      this.values = resolveValueSpace(args.valueSpace);
    } catch (e) {
      throw new Error(`QtscConv2D${args.name ? ` '${args.name}'` : ''}: config 'valueSpace': ${(e as Error).message}`);
    }
    this.valueSpace = (typeof args.valueSpace === 'string' ? args.valueSpace : [...args.valueSpace]) as ValueSpace;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const vs = this.valueSpace;
    return { ...super.getConfig(), valueSpace: Array.isArray(vs) ? [...vs] : vs };
  }
}
