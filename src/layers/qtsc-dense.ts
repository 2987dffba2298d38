/**
 * QtscDense: a tfjs Dense layer whose kernel values lie in a value space.
 * Forward is exactly Dense; the extra config key `valueSpace` tells the
 * compiler which weight codes to use. This is the deployable ("frozen") form.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveValueSpace, type ValueSpace } from './value-space.js';

export type DenseArgs = Parameters<typeof tf.layers.dense>[0];

type DenseCtor = new (args: DenseArgs) => tf.layers.Layer;
/** tfjs-layers does not export the Dense class itself; take it from an instance. */
const DenseBase = Object.getPrototypeOf(tf.layers.dense({ units: 1 })).constructor as DenseCtor;

/** `valueSpace` is checked at run time (a known name or a list of distinct finite numbers). */
export type QtscDenseArgs = DenseArgs & { valueSpace: ValueSpace | string | readonly number[] };

export class QtscDense extends DenseBase {
  static className = 'QtscDense';
  readonly valueSpace: ValueSpace;
  /** The candidate values, sorted ascending. */
  readonly values: number[];

  constructor(args: QtscDenseArgs) {
    super(args);
    if (args.valueSpace === undefined) throw new Error(`QtscDense${args.name ? ` '${args.name}'` : ''}: config 'valueSpace' is required`);
    try {
      this.values = resolveValueSpace(args.valueSpace);
    } catch (e) {
      throw new Error(`QtscDense${args.name ? ` '${args.name}'` : ''}: config 'valueSpace': ${(e as Error).message}`);
    }
    this.valueSpace = (typeof args.valueSpace === 'string' ? args.valueSpace : [...args.valueSpace]) as ValueSpace;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const vs = this.valueSpace;
    return { ...super.getConfig(), valueSpace: Array.isArray(vs) ? [...vs] : vs };
  }
}
