/**
 * The part every searched layer shares (SearchDense, SearchConv2D,
 * SearchDepthwiseConv2D): the parsed search configuration, the SearchKernel
 * that holds the trainable state, the optional bias, the Searchable methods
 * the trainer and freeze call, and the configuration fields of model.json.
 * A subclass adds its geometry, creates its weights with buildWeights() and
 * computes its output from effectiveKernel().
 */
import * as tf from '@tensorflow/tfjs';
import { resolveValueSpace, type ValueSpace } from '../layers/value-space.js';
import { parseSearchConfig, SearchKernel, type SearchConfig, type SearchMethod, type Searchable } from './search-kernel.js';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

export type SearchLayerArgs = LayerArgs & SearchConfig & { useBias?: boolean };

export abstract class SearchLayer extends tf.layers.Layer implements Searchable {
  readonly useBias: boolean;
  readonly valueSpace: ValueSpace;
  readonly values: number[];
  readonly method: SearchMethod;
  readonly mu: number;
  readonly seed: number;
  protected readonly sk: SearchKernel;
  protected bias: tf.LayerVariable | null = null;

  /** `cls` names the layer class in errors; `scaleAxes` as SearchKernel's. */
  constructor(cls: string, args: SearchLayerArgs, scaleAxes?: number[]) {
    super(args);
    const c = parseSearchConfig(cls, args);
    this.useBias = args.useBias ?? true;
    this.valueSpace = c.valueSpace;
    this.values = resolveValueSpace(c.valueSpace);
    this.method = c.method;
    this.mu = c.mu;
    this.seed = c.seed ?? 1;
    this.sk = new SearchKernel(this.method, this.values, c.tau, c.mu, this.seed, scaleAxes);
  }

  get tau(): number {
    return this.sk.tau;
  }
  set tau(t: number) {
    this.sk.tau = t;
  }

  /** Creates the searched kernel of `kernelShape` and, with useBias, a zero bias of `biasSize`. */
  protected buildWeights(kernelShape: number[], biasSize: number): void {
    this.sk.build((name, shape, init) => this.addWeight(name, shape, 'float32', init, undefined, true), kernelShape);
    if (this.useBias) this.bias = this.addWeight('bias', [biasSize], 'float32', tf.initializers.zeros(), undefined, true);
    this.built = true;
  }

  /** y plus the bias, when the layer has one. */
  protected withBias(y: tf.Tensor): tf.Tensor {
    return this.bias === null ? y : tf.add(y, this.bias.read());
  }

  get noiseStep(): number {
    return this.sk.noiseStep;
  }
  set noiseStep(s: number) {
    this.sk.noiseStep = s;
  }

  effectiveKernel(training = true): tf.Tensor {
    return this.sk.effective(training);
  }

  /** Whether a call's kwargs ask for the training forward pass (tfjs-layers passes `training`; absent means inference). */
  protected static isTraining(kwargs?: tf.serialization.ConfigDict): boolean {
    return kwargs?.training === true;
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

  /** The search fields of getConfig (after the subclass's own). */
  protected searchConfig(): tf.serialization.ConfigDict {
    const vs = this.valueSpace;
    return { useBias: this.useBias, valueSpace: Array.isArray(vs) ? [...vs] : vs, method: this.method, tau: this.tau, mu: this.mu, seed: this.seed };
  }
}
