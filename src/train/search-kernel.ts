/**
 * The searched kernel shared by SearchDense, SearchConv2D and SearchDepthwiseConv2D: its trainable
 * state per method, the weight the forward pass uses, the frozen weight,
 * initialisation from a float kernel and latent clamping.
 *
 * - 'rdhs', 'sgt': a weight `alpha` of shape [...kernelShape, m] holds one
 *   logit per candidate (search-ops.ts).
 * - 'ste': a latent float `kernel` rounded to the nearest candidate with a
 *   straight-through gradient (BinaryConnect for 'binary').
 * - 'xnor': a latent `kernel`; forward mean|w| per output channel * sign(w).
 * - 'fp': a plain float kernel (the FP32 baseline in the same harness).
 * - 'int8': a latent float kernel, forward symmetric per-tensor int8
 *   (s = max|w|/127), straight-through gradient: the int8 first/last-layer
 *   policy. Frozen as a plain Dense / Conv2D holding integers times s.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { nearestIndex, resolveValueSpace, ValueSpaceSchema, type ValueSpace } from '../layers/value-space.js';
import { int8Quantize, int8Weight, nearestSTE, quantizeNearest, rdhsMask, rdhsWeight, selectCandidate, sgtMask, sgtWeight, xnorWeight } from './search-ops.js';

export const SEARCH_METHODS = ['rdhs', 'sgt', 'ste', 'xnor', 'fp', 'int8'] as const;

/** Methods whose frozen kernel is not in the value space (plain Dense / Conv2D). */
export function isFloatMethod(m: SearchMethod): boolean {
  return m === 'fp' || m === 'int8';
}
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

/** Logit added to the nearest candidate when initialising from float weights. */
export const FROM_FLOAT_MARGIN = 1;

/** Deterministic initial logits: log(1/m) plus uniform noise of size 1e-3. */
export function initialLogits(shape: number[], m: number, seed: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.randomUniform(shape, -1e-3, 1e-3, 'float32', seed), Math.log(1 / m)));
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
    const oneHot = tf.reshape(tf.oneHot(tf.tensor1d(idx, 'int32'), m), [...kernel.shape, m]);
    return tf.add(initialLogits([...kernel.shape, m], m, seed), tf.mul(oneHot, FROM_FLOAT_MARGIN));
  });
}

/** The parsed search configuration of a layer; throws naming the layer. */
export function parseSearchConfig(cls: string, args: SearchConfig & { name?: string }): z.output<typeof SearchConfigSchema> {
  const parsed = SearchConfigSchema.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${cls}${args.name ? ` '${args.name}'` : ''}: config '${issue.path.join('.')}': ${issue.message}`);
  }
  const values = resolveValueSpace(parsed.data.valueSpace);
  if (parsed.data.method === 'xnor' && values.join(',') !== '-1,1') throw new Error(`${cls}: method 'xnor' needs the binary value space`);
  return parsed.data;
}

/** Behaviour every searched layer offers the trainer and freeze. */
export interface Searchable {
  readonly method: SearchMethod;
  readonly valueSpace: ValueSpace;
  readonly values: number[];
  readonly useBias: boolean;
  tau: number;
  readonly mu: number;
  /** Index of the next RDHS noise draw (SearchKernel.noiseStep); the trainer sets it per step. */
  noiseStep: number;
  /**
   * The weight the forward pass uses (exact candidates except for 'fp' and
   * 'xnor'); with `training` false, without RDHS noise (default true).
   */
  effectiveKernel(training?: boolean): tf.Tensor;
  /** The deployable kernel: every element a candidate (for 'xnor', sign(w); see xnorScale). */
  frozenKernel(): tf.Tensor;
  /** XNOR's per-output-channel scale mean|w| (ones for the other methods). */
  xnorScale(): tf.Tensor1D;
  /** Sets the search state so that the weight in force is the candidate nearest to `kernel`. */
  initFromFloat(kernel: tf.Tensor): void;
  /** Keeps latent weights inside the value space's range (after each optimizer step). */
  clampLatent(): void;
}

export function isSearchable(l: unknown): l is Searchable & tf.layers.Layer {
  return l instanceof tf.layers.Layer && typeof (l as Partial<Searchable>).frozenKernel === 'function';
}

/** Assigns a new value to a layer variable and frees the tensor that carried it. */
function writeAndDispose(v: tf.LayerVariable, t: tf.Tensor): void {
  v.write(t);
  t.dispose();
}

/** A layer's addWeight (trainable float32), handed over by the layer. */
export type AddWeight = (name: string, shape: number[], init: ReturnType<typeof tf.initializers.zeros>) => tf.LayerVariable;

/** State and behaviour of a searched kernel of a given shape (last axis: output channels). */
export class SearchKernel {
  alpha: tf.LayerVariable | null = null;
  kernel: tf.LayerVariable | null = null;
  private q: tf.Tensor1D | null = null;
  /**
   * Index of the RDHS noise draw: the noise of a training forward pass is
   * seeded by the layer's seed and this step, which advances with every draw;
   * the trainer sets it to the global step index before each step, so a
   * resumed run draws what an uninterrupted one does.
   */
  noiseStep = 0;
  tau: number;

  /**
   * `scaleAxes`: the kernel axes that XNOR's per-output-channel scale averages
   * over; the remaining axes, flattened, are the output channels. Default: all
   * but the last (Dense, Conv2D); a depthwise kernel [kh, kw, in, multiplier]
   * uses [0, 1] (output channel c*multiplier + m).
   */
  constructor(
    readonly method: SearchMethod,
    readonly values: number[],
    tau: number,
    readonly mu: number,
    readonly seed: number,
    private readonly scaleAxes?: number[],
  ) {
    this.tau = tau;
  }

  private axesOfScale(rank: number): number[] {
    return this.scaleAxes ?? Array.from({ length: rank - 1 }, (_, i) => i);
  }

  /** Creates the weights through the owning layer's addWeight. */
  build(addWeight: AddWeight, shape: number[]): void {
    const m = this.values.length;
    if (this.method === 'rdhs' || this.method === 'sgt') {
      this.alpha = addWeight('alpha', [...shape, m], tf.initializers.zeros());
      writeAndDispose(this.alpha, initialLogits([...shape, m], m, this.seed));
    } else {
      const out = shape[shape.length - 1];
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const lim = isFloatMethod(this.method) ? Math.sqrt(6 / (fanIn + out)) : 1;
      this.kernel = addWeight('kernel', shape, tf.initializers.randomUniform({ minval: -lim, maxval: lim, seed: this.seed }));
    }
  }

  private qTensor(): tf.Tensor1D {
    if (this.q === null) this.q = tf.keep(tf.tensor1d(this.values));
    return this.q;
  }

  /** The seed of the next RDHS noise draw (advancing the step). */
  private noiseSeed(): number {
    return this.seed * 1000003 + this.noiseStep++;
  }

  /**
   * The weight in force. `training` false (inference: evaluation, BatchNorm
   * statistics, predict) draws no RDHS noise, so the weight is the noise-free
   * candidate the frozen model holds.
   */
  effective(training = true): tf.Tensor {
    switch (this.method) {
      case 'rdhs': {
        const mu = training ? this.mu : 0;
        return rdhsWeight(this.alpha!.read(), this.qTensor(), this.tau, mu, mu > 0 ? this.noiseSeed() : undefined);
      }
      case 'sgt':
        return sgtWeight(this.alpha!.read(), this.qTensor());
      case 'ste':
        return nearestSTE(this.kernel!.read(), this.values);
      case 'xnor':
        return xnorWeight(this.kernel!.read(), this.axesOfScale(this.kernel!.shape.length));
      case 'fp':
        return this.kernel!.read();
      case 'int8':
        return int8Weight(this.kernel!.read());
    }
  }

  /** The candidate values as a tensor (kept for the kernel's lifetime). */
  candidates(): tf.Tensor1D {
    return this.qTensor();
  }

  /**
   * 'rdhs' and 'sgt' only: the one-hot per-candidate masks [...shape, m] of
   * the channel-expansion formulation (search-ops.ts rdhsMask / sgtMask);
   * sum_r q^r masks^r is the weight effective() gives, with the same
   * gradients w.r.t. alpha.
   */
  masks(training = true): tf.Tensor {
    if (this.method === 'rdhs') {
      const mu = training ? this.mu : 0;
      return rdhsMask(this.alpha!.read(), this.tau, mu, mu > 0 ? this.noiseSeed() : undefined);
    }
    if (this.method === 'sgt') return sgtMask(this.alpha!.read(), this.qTensor());
    throw new Error(`method '${this.method}' has no per-candidate masks`);
  }

  frozen(): tf.Tensor {
    return tf.tidy(() => {
      if (this.alpha !== null) return selectCandidate(this.alpha.read(), this.qTensor());
      if (this.method === 'fp') return tf.clone(this.kernel!.read());
      if (this.method === 'int8') return int8Quantize(this.kernel!.read());
      return quantizeNearest(this.kernel!.read(), this.method === 'xnor' ? [-1, 1] : this.values);
    });
  }

  xnorScale(): tf.Tensor1D {
    return tf.tidy(() => {
      const shape = (this.kernel?.shape ?? this.alpha!.shape.slice(0, -1)) as number[];
      const axes = this.axesOfScale(shape.length);
      if (this.method !== 'xnor') return tf.ones([shape.filter((_, i) => !axes.includes(i)).reduce((a, b) => a * b, 1)]) as tf.Tensor1D;
      return tf.reshape(tf.mean(tf.abs(this.kernel!.read()), axes), [-1]) as tf.Tensor1D;
    });
  }

  initFromFloat(kernel: tf.Tensor): void {
    if (this.alpha !== null) writeAndDispose(this.alpha, logitsFromFloat(kernel, this.values, this.seed));
    else if (this.kernel !== null) writeAndDispose(this.kernel, tf.tidy(() => tf.clone(kernel)));
    this.clampLatent();
  }

  clampLatent(): void {
    if (this.kernel === null || isFloatMethod(this.method)) return;
    const lo = this.method === 'xnor' ? -1 : this.values[0];
    const hi = this.method === 'xnor' ? 1 : this.values[this.values.length - 1];
    writeAndDispose(this.kernel, tf.tidy(() => tf.clipByValue(this.kernel!.read(), lo, hi)));
  }
}
