/**
 * SearchDense: the training form of a dense layer whose weights are chosen
 * from a value space. `freeze` (freeze.ts) turns it into a QtscDense.
 *
 * Methods:
 * - 'rdhs', 'sgt': weight search; a trainable weight `alpha` of shape
 *   [in, units, m] holds one logit per candidate (search-ops.ts).
 * - 'ste': latent float `kernel` [in, units] rounded to the nearest candidate
 *   with a straight-through gradient (BinaryConnect for 'binary').
 * - 'xnor': latent `kernel`, forward mean|w| per output * sign(w).
 * - 'fp': plain float kernel (the FP32 baseline in the same harness).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { nearestIndex, resolveValueSpace, ValueSpaceSchema, type ValueSpace } from '../layers/value-space.js';
import { nearestSTE, quantizeNearest, rdhsWeight, selectCandidate, sgtWeight, xnorWeight } from './search-ops.js';

export const SEARCH_METHODS = ['rdhs', 'sgt', 'ste', 'xnor', 'fp'] as const;
export type SearchMethod = (typeof SEARCH_METHODS)[number];

export const SearchConfigSchema = z.object({
  valueSpace: ValueSpaceSchema,
  method: z.enum(SEARCH_METHODS),
  /** RDHS temperature in force; the trainer anneals it each epoch. */
  tau: z.number().positive().default(1),
  /** RDHS Gumbel noise weight. */
  mu: z.number().nonnegative().default(0),
  /** Seed of the initial logits / latent weights. */
  seed: z.number().int().optional(),
});

export type SearchConfig = z.input<typeof SearchConfigSchema>;

/** Logit given to the nearest candidate when initialising from float weights. */
export const FROM_FLOAT_MARGIN = 1;

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export type SearchDenseArgs = LayerArgs & SearchConfig & { units: number; useBias?: boolean };

/** Deterministic initial logits: log(1/m) plus noise of size 1e-3. */
export function initialLogits(shape: number[], m: number, seed: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.randomUniform(shape, -1e-3, 1e-3, 'float32', seed), Math.log(1 / m)));
}

/** Shared behaviour of searched layers: the weight in force, tau, init from float. */
export interface Searchable {
  readonly method: SearchMethod;
  readonly values: number[];
  tau: number;
  readonly mu: number;
  /** The weight the forward pass uses (exact candidates except for 'fp' and 'xnor'). */
  effectiveKernel(): tf.Tensor;
  /** The deployable kernel: every element a candidate (for 'xnor', sign(w); see xnorScale). */
  frozenKernel(): tf.Tensor;
  /** Sets the search state so that the weight in force is nearest to `kernel`. */
  initFromFloat(kernel: tf.Tensor): void;
  /** Keeps latent weights inside the value space's range (after each optimizer step). */
  clampLatent(): void;
}

export class SearchDense extends tf.layers.Layer implements Searchable {
  static className = 'SearchDense';
  readonly units: number;
  readonly useBias: boolean;
  readonly valueSpace: ValueSpace;
  readonly values: number[];
  readonly method: SearchMethod;
  tau: number;
  readonly mu: number;
  readonly seed: number;
  private alpha: tf.LayerVariable | null = null;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;
  private q: tf.Tensor1D | null = null;
  private step = 0;

  constructor(args: SearchDenseArgs) {
    super(args);
    const parsed = SearchConfigSchema.safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`SearchDense${args.name ? ` '${args.name}'` : ''}: config '${issue.path.join('.')}': ${issue.message}`);
    }
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`SearchDense: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.valueSpace = parsed.data.valueSpace;
    this.values = resolveValueSpace(parsed.data.valueSpace);
    this.method = parsed.data.method;
    this.tau = parsed.data.tau;
    this.mu = parsed.data.mu;
    this.seed = parsed.data.seed ?? 1;
    if (this.method === 'xnor' && this.values.join(',') !== '-1,1') throw new Error(`SearchDense: method 'xnor' needs the binary value space`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inDim = shape[shape.length - 1];
    if (inDim == null) throw new Error('SearchDense: the last input dimension must be known');
    const m = this.values.length;
    if (this.method === 'rdhs' || this.method === 'sgt') {
      this.alpha = this.addWeight('alpha', [inDim, this.units, m], 'float32', tf.initializers.zeros(), undefined, true);
      this.alpha.write(initialLogits([inDim, this.units, m], m, this.seed));
    } else {
      const lim = this.method === 'fp' ? Math.sqrt(6 / (inDim + this.units)) : 1;
      this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', tf.initializers.randomUniform({ minval: -lim, maxval: lim, seed: this.seed }), undefined, true);
    }
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros(), undefined, true);
    this.built = true;
  }

  private qTensor(): tf.Tensor1D {
    if (this.q === null) this.q = tf.keep(tf.tensor1d(this.values));
    return this.q;
  }

  effectiveKernel(): tf.Tensor {
    switch (this.method) {
      case 'rdhs':
        return rdhsWeight(this.alpha!.read(), this.qTensor(), this.tau, this.mu, this.mu > 0 ? this.seed * 1000003 + this.step++ : undefined);
      case 'sgt':
        return sgtWeight(this.alpha!.read(), this.qTensor());
      case 'ste':
        return nearestSTE(this.kernel!.read(), this.values);
      case 'xnor':
        return xnorWeight(this.kernel!.read());
      case 'fp':
        return this.kernel!.read();
    }
  }

  frozenKernel(): tf.Tensor {
    return tf.tidy(() => {
      if (this.alpha !== null) return selectCandidate(this.alpha.read(), this.qTensor());
      if (this.method === 'fp') return tf.clone(this.kernel!.read());
      return quantizeNearest(this.kernel!.read(), this.method === 'xnor' ? [-1, 1] : this.values);
    });
  }

  /** XNOR's per-output scale mean|w| (ones for the other methods). */
  xnorScale(): tf.Tensor1D {
    return tf.tidy(() => (this.method === 'xnor' ? (tf.mean(tf.abs(this.kernel!.read()), 0) as tf.Tensor1D) : tf.ones([this.units])));
  }

  initFromFloat(kernel: tf.Tensor): void {
    if (this.alpha !== null) this.alpha.write(logitsFromFloat(kernel, this.values, this.seed));
    else if (this.kernel !== null) this.kernel.write(tf.tidy(() => tf.clone(kernel)));
    this.clampLatent();
  }

  clampLatent(): void {
    if (this.kernel === null || this.method === 'fp') return;
    const lo = this.method === 'xnor' ? -1 : this.values[0];
    const hi = this.method === 'xnor' ? 1 : this.values[this.values.length - 1];
    this.kernel.write(tf.tidy(() => tf.clipByValue(this.kernel!.read(), lo, hi)));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const w = this.effectiveKernel();
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.shape.length - 1]]);
      let y: tf.Tensor = tf.matMul(x2 as tf.Tensor2D, w as tf.Tensor2D);
      if (this.bias !== null) y = tf.add(y, this.bias.read());
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const vs = this.valueSpace;
    return {
      ...super.getConfig(),
      units: this.units,
      useBias: this.useBias,
      valueSpace: Array.isArray(vs) ? [...vs] : vs,
      method: this.method,
      tau: this.tau,
      mu: this.mu,
      seed: this.seed,
    };
  }
}

/**
 * Logits that select, for every weight, the candidate nearest to the float
 * value: log(1/m) plus tiny noise, plus FROM_FLOAT_MARGIN on the nearest one.
 */
export function logitsFromFloat(kernel: tf.Tensor, values: readonly number[], seed: number): tf.Tensor {
  return tf.tidy(() => {
    const m = values.length;
    const flat = kernel.dataSync();
    const idx = new Int32Array(flat.length);
    for (let i = 0; i < flat.length; i++) idx[i] = nearestIndex(values, flat[i]);
    const oneHot = tf.oneHot(tf.tensor1d(idx, 'int32'), m).reshape([...kernel.shape, m]);
    return tf.add(initialLogits([...kernel.shape, m], m, seed), tf.mul(oneHot, FROM_FLOAT_MARGIN));
  });
}
