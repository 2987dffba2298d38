/**
 * SearchDense: the training form of a dense layer whose weights are chosen
 * from a value space (methods in search-kernel.ts). `freeze` turns it into a
 * QtscDense (a plain Dense for method 'fp').
 */
import * as tf from '@tensorflow/tfjs';
import { resolveValueSpace, type ValueSpace } from '../layers/value-space.js';
import { matMulFast } from './fast-ops.js';
import { parseSearchConfig, SearchKernel, type SearchConfig, type SearchMethod, type Searchable } from './search-kernel.js';

export { SEARCH_METHODS, type SearchMethod, type Searchable } from './search-kernel.js';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export type SearchDenseArgs = LayerArgs & SearchConfig & { units: number; useBias?: boolean };

export class SearchDense extends tf.layers.Layer implements Searchable {
  static className = 'SearchDense';
  readonly units: number;
  readonly useBias: boolean;
  readonly valueSpace: ValueSpace;
  readonly values: number[];
  readonly method: SearchMethod;
  readonly mu: number;
  readonly seed: number;
  private readonly sk: SearchKernel;
  private bias: tf.LayerVariable | null = null;

  constructor(args: SearchDenseArgs) {
    super(args);
    const c = parseSearchConfig('SearchDense', args);
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`SearchDense: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.valueSpace = c.valueSpace;
    this.values = resolveValueSpace(c.valueSpace);
    this.method = c.method;
    this.mu = c.mu;
    this.seed = c.seed ?? 1;
    this.sk = new SearchKernel(this.method, this.values, c.tau, c.mu, this.seed);
  }

  get tau(): number {
    return this.sk.tau;
  }
  set tau(t: number) {
    this.sk.tau = t;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inDim = shape[shape.length - 1];
    if (inDim == null) throw new Error('SearchDense: the last input dimension must be known');
    this.sk.build((name, shape, init) => this.addWeight(name, shape, 'float32', init, undefined, true), [inDim, this.units]);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros(), undefined, true);
    this.built = true;
  }

  effectiveKernel(): tf.Tensor {
    return this.sk.effective();
  }
  frozenKernel(): tf.Tensor {
    return this.sk.frozen();
  }
  xnorScale(): tf.Tensor1D {
    return this.sk.xnorScale();
  }
  initFromFloat(kernel: tf.Tensor): void {
    this.sk.initFromFloat(kernel);
  }
  clampLatent(): void {
    this.sk.clampLatent();
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
      let y: tf.Tensor = matMulFast(x2 as tf.Tensor2D, w as tf.Tensor2D);
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
