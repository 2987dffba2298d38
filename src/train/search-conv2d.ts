/**
 * SearchConv2D: the training form of a 2-D convolution (NHWC, stride 1,
 * 'same' or 'valid' padding) whose weights are chosen from a value space
 * (methods in search-kernel.ts). Its gradients use only forward convolutions
 * (fast-ops.ts), which the wasm backend has. `freeze` turns it into a
 * QtscConv2D (a plain Conv2D for method 'fp').
 */
import * as tf from '@tensorflow/tfjs';
import { resolveValueSpace, type ValueSpace } from '../layers/value-space.js';
import { conv2dFast, type Padding } from './fast-ops.js';
import { parseSearchConfig, SearchKernel, type SearchConfig, type SearchMethod, type Searchable } from './search-kernel.js';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export type SearchConv2DArgs = LayerArgs &
  SearchConfig & { filters: number; kernelSize: number | [number, number]; padding?: Padding; useBias?: boolean };

export class SearchConv2D extends tf.layers.Layer implements Searchable {
  static className = 'SearchConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  readonly valueSpace: ValueSpace;
  readonly values: number[];
  readonly method: SearchMethod;
  readonly mu: number;
  readonly seed: number;
  private readonly sk: SearchKernel;
  private bias: tf.LayerVariable | null = null;

  constructor(args: SearchConv2DArgs) {
    super(args);
    const c = parseSearchConfig('SearchConv2D', args);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`SearchConv2D: filters must be a positive integer, got ${args.filters}`);
    const ks = typeof args.kernelSize === 'number' ? [args.kernelSize, args.kernelSize] : args.kernelSize;
    if (ks.length !== 2 || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new Error(`SearchConv2D: kernelSize must be one or two positive integers`);
    const padding = args.padding ?? 'same';
    if (padding !== 'same' && padding !== 'valid') throw new Error(`SearchConv2D: padding must be 'same' or 'valid'`);
    this.filters = args.filters;
    this.kernelSize = [ks[0], ks[1]];
    this.padding = padding;
    this.useBias = args.useBias ?? true;
    this.valueSpace = c.valueSpace;
    this.values = resolveValueSpace(c.valueSpace);
    this.method = c.method;
    this.mu = c.mu;
    this.seed = c.seed ?? 1;
    this.sk = new SearchKernel(this.method, this.values, c.tau, c.mu, this.seed);
    this.inputSpec = [{ ndim: 4 }];
  }

  get tau(): number {
    return this.sk.tau;
  }
  set tau(t: number) {
    this.sk.tau = t;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = shape[3];
    if (cin == null) throw new Error('SearchConv2D: the channel dimension must be known');
    this.sk.build((name, shape, init) => this.addWeight(name, shape, 'float32', init, undefined, true), [this.kernelSize[0], this.kernelSize[1], cin, this.filters]);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros(), undefined, true);
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
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const [kh, kw] = this.kernelSize;
    const h = s[1] == null ? null : this.padding === 'same' ? s[1] : s[1] - kh + 1;
    const w = s[2] == null ? null : this.padding === 'same' ? s[2] : s[2] - kw + 1;
    return [s[0], h, w, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = conv2dFast(x, this.effectiveKernel() as tf.Tensor4D, this.padding);
      if (this.bias !== null) y = tf.add(y, this.bias.read());
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const vs = this.valueSpace;
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      padding: this.padding,
      useBias: this.useBias,
      valueSpace: Array.isArray(vs) ? [...vs] : vs,
      method: this.method,
      tau: this.tau,
      mu: this.mu,
      seed: this.seed,
    };
  }
}
