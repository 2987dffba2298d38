/**
 * Graph IR: the imported network with float semantics, as a chain of layers.
 * Weights stay real numbers here; value spaces are attached per dense layer.
 * Passes in src/passes/ rewrite it and finally lower it to the hardware IR.
 */

/** Where a layer's value space came from (for messages and the report). */
export type ValueSpaceSource = 'layer config' | 'model metadata' | 'command line' | 'inferred from kernel' | 'none';

export interface DenseLayer {
  kind: 'dense';
  name: string;
  inFeatures: number;
  units: number;
  /** Row-major [inFeatures][units], as tfjs stores a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array | null;
  /** Sorted candidate values, or null for an unconstrained (float) kernel. */
  valueSpace: number[] | null;
  valueSpaceSource: ValueSpaceSource;
}

export interface BatchNormLayer {
  kind: 'batchnorm';
  name: string;
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

export type Activation =
  | { fn: 'linear' }
  | { fn: 'relu' }
  /** x >= 0 ? +1 : -1 */
  | { fn: 'sign' }
  /** clip/(2^bits-1) * clamp(floor(x/s + 0.5), 0, 2^bits-1) */
  | { fn: 'quant'; bits: number; clip: number }
  /** Only at the very end: monotonic, so the argmax is that of its input. */
  | { fn: 'softmax' };

export interface ActivationLayer {
  kind: 'activation';
  name: string;
  act: Activation;
}

export type GraphLayer = DenseLayer | BatchNormLayer | ActivationLayer;

export interface InputQuant {
  /** Unsigned code width of one input element. */
  bits: number;
  /** Real value of one code step. */
  scale: number;
}

export interface Graph {
  /** The model file the graph came from (for messages). */
  file: string;
  inputLength: number;
  inputQuant: InputQuant;
  inputQuantSource: 'model metadata' | 'command line' | 'default';
  layers: GraphLayer[];
}

/** Quantizer step of a uniform activation. */
export function quantStep(a: { bits: number; clip: number }): number {
  return a.clip / (2 ** a.bits - 1);
}

/**
 * Applies an activation to one real value, exactly as the model format defines
 * it (softmax, a vector function, is left to the caller: it passes x through).
 */
export function applyActivation(act: Activation, x: number): number {
  switch (act.fn) {
    case 'linear':
    case 'softmax':
      return x;
    case 'relu':
      return x > 0 ? x : 0;
    case 'sign':
      return x >= 0 ? 1 : -1;
    case 'quant': {
      const s = quantStep(act);
      const k = Math.min(2 ** act.bits - 1, Math.max(0, Math.floor(x / s + 0.5)));
      return k * s;
    }
  }
}
