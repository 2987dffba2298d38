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
import { resolveValueSpace, type ValueSpace } from '../layers/value-space.js';
import { outputSize, parsePadding, parsePair } from './conv-config.js';
import { depthwiseConv2dFast } from './conv-ops.js';
import type { Padding } from './fast-ops.js';
import { parseSearchConfig, SearchKernel, type SearchConfig, type SearchMethod, type Searchable } from './search-kernel.js';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export type SearchDepthwiseConv2DArgs = LayerArgs &
  SearchConfig & { kernelSize: number | [number, number]; depthMultiplier?: number; strides?: number | [number, number]; padding?: Padding; useBias?: boolean };

export class SearchDepthwiseConv2D extends tf.layers.Layer implements Searchable {
  static className = 'SearchDepthwiseConv2D';
  readonly kernelSize: [number, number];
  readonly depthMultiplier: number;
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

  constructor(args: SearchDepthwiseConv2DArgs) {
    super(args);
    const cls = 'SearchDepthwiseConv2D';
    const c = parseSearchConfig(cls, args);
    const dm = args.depthMultiplier ?? 1;
    if (!Number.isInteger(dm) || dm < 1) throw new Error(`${cls}${args.name ? ` '${args.name}'` : ''}: config 'depthMultiplier': must be a positive integer, got ${JSON.stringify(args.depthMultiplier)}`);
    this.depthMultiplier = dm;
    this.kernelSize = parsePair(cls, args.name, 'kernelSize', args.kernelSize);
    this.strides = parsePair(cls, args.name, 'strides', args.strides ?? 1);
    this.padding = parsePadding(cls, args.name, args.padding);
    this.useBias = args.useBias ?? true;
    this.valueSpace = c.valueSpace;
    this.values = resolveValueSpace(c.valueSpace);
    this.method = c.method;
    this.mu = c.mu;
    this.seed = c.seed ?? 1;
    // XNOR's scale is per output channel (c, m): the mean over the kernel's rows and columns
    this.sk = new SearchKernel(this.method, this.values, c.tau, c.mu, this.seed, [0, 1]);
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
    if (cin == null) throw new Error(`SearchDepthwiseConv2D '${this.name}': the channel dimension must be known`);
    this.sk.build((name, shape, init) => this.addWeight(name, shape, 'float32', init, undefined, true), [this.kernelSize[0], this.kernelSize[1], cin, this.depthMultiplier]);
    if (this.useBias) this.bias = this.addWeight('bias', [cin * this.depthMultiplier], 'float32', tf.initializers.zeros(), undefined, true);
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
    const [h, w] = outputSize('SearchDepthwiseConv2D', this.name, s[1], s[2], this.kernelSize, this.strides, this.padding);
    return [s[0], h, w, s[3] == null ? null : s[3] * this.depthMultiplier];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = depthwiseConv2dFast(x, this.effectiveKernel() as tf.Tensor4D, this.strides, this.padding);
      if (this.bias !== null) y = tf.add(y, this.bias.read());
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const vs = this.valueSpace;
    return {
      ...super.getConfig(),
      kernelSize: [...this.kernelSize],
      depthMultiplier: this.depthMultiplier,
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
