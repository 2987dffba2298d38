/**
 * SearchConv2D: the training form of a 2-D convolution (NHWC, any strides,
 * 'same' or 'valid' padding as TF pads) whose weights are chosen from a value
 * space (methods in search-kernel.ts). Its gradients use only forward
 * convolutions (fast-ops.ts for stride 1, conv-ops.ts otherwise), which the
 * wasm backend has. `freeze` turns it into a QtscConv2D (a plain Conv2D for
 * methods 'fp' and 'int8') with the same strides and padding.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveValueSpace, type ValueSpace } from '../layers/value-space.js';
import { outputSize, parsePadding, parsePair } from './conv-config.js';
import { conv2dStrided } from './conv-ops.js';
import { conv2dFast, type Padding } from './fast-ops.js';
import { parseSearchConfig, SearchKernel, type SearchConfig, type SearchMethod, type Searchable } from './search-kernel.js';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export type SearchConv2DArgs = LayerArgs &
  SearchConfig & { filters: number; kernelSize: number | [number, number]; strides?: number | [number, number]; padding?: Padding; useBias?: boolean };

export class SearchConv2D extends tf.layers.Layer implements Searchable {
  static className = 'SearchConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
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
    this.filters = args.filters;
    this.kernelSize = parsePair('SearchConv2D', args.name, 'kernelSize', args.kernelSize);
    this.strides = parsePair('SearchConv2D', args.name, 'strides', args.strides ?? 1);
    this.padding = parsePadding('SearchConv2D', args.name, args.padding);
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
    const [h, w] = outputSize('SearchConv2D', this.name, s[1], s[2], this.kernelSize, this.strides, this.padding);
    return [s[0], h, w, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const k = this.effectiveKernel() as tf.Tensor4D;
      const [sh, sw] = this.strides;
      let y: tf.Tensor = sh === 1 && sw === 1 ? conv2dFast(x, k, this.padding) : conv2dStrided(x, k, this.strides, this.padding);
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
      strides: [...this.strides],
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
