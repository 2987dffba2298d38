/**
 * Graph IR: the imported network with float semantics, as a chain of layers
 * over NHWC feature maps. Weights stay real numbers here; value spaces are
 * attached per weighted layer (dense, conv2d). Passes in src/passes/ rewrite
 * it and finally lower it to the hardware IR (a graph of streaming units).
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

/** What both convolutions have: a window over the input map and a kernel in a value space. */
interface ConvolutionBase {
  name: string;
  /** Input feature map [h, w, cin]. */
  inShape: [number, number, number];
  kernelSize: [number, number];
  strides: [number, number];
  /** Zero padding [top, left, bottom, right] ('same' resolved as tfjs does). */
  pad: [number, number, number, number];
  kernel: Float32Array;
  bias: Float32Array | null;
  valueSpace: number[] | null;
  valueSpaceSource: ValueSpaceSource;
}

/**
 * 2-D convolution over an [h, w, c] feature map. Its kernel is kept in tfjs'
 * layout [kh][kw][cin][cout], which read row-major is a Dense kernel
 * [kh*kw*cin][cout] over the window vector in (ky, kx, c) order: the order
 * in which the sliding-window unit emits taps.
 */
export interface Conv2DLayer extends ConvolutionBase {
  kind: 'conv2d';
  filters: number;
}

/**
 * Depthwise convolution: input channel c convolved with `multiplier` kernels,
 * output channel c*multiplier + m. Kernel in tfjs' layout [kh][kw][cin][multiplier].
 */
export interface DepthwiseConv2DLayer extends ConvolutionBase {
  kind: 'depthwise';
  multiplier: number;
}

/** Average pooling over a window; global = the whole map. */
export interface AvgPoolLayer {
  kind: 'avgpool';
  name: string;
  inShape: [number, number, number];
  poolSize: [number, number];
  strides: [number, number];
  pad: [number, number, number, number];
  /**
   * Whether padded taps count toward the divisor as zeros (ONNX
   * count_include_pad=1: always kh*kw) or not (tfjs 'same': the taps inside
   * the image). Irrelevant without padding.
   */
  countPadded: boolean;
  /** GlobalAveragePooling2D: one window covering the map. */
  global: boolean;
}

/** Max pooling; a padded tap never wins (tfjs' 'same'). */
export interface MaxPoolLayer {
  kind: 'maxpool';
  name: string;
  inShape: [number, number, number];
  poolSize: [number, number];
  strides: [number, number];
  pad: [number, number, number, number];
}

/** Zero padding of a feature map (ZeroPadding2D), [top, left, bottom, right]. */
export interface ZeroPadLayer {
  kind: 'zeropad';
  name: string;
  inShape: [number, number, number];
  pad: [number, number, number, number];
}

/** Flatten of an NHWC map: the stream order, so no data moves. */
export interface FlattenLayer {
  kind: 'flatten';
  name: string;
  inShape: [number, number, number];
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

/** Elementwise sum of two maps of the same shape (a residual join). */
export interface AddLayer {
  kind: 'add';
  name: string;
  /** The two layers (or GRAPH_INPUT) whose outputs are added. */
  inputs: [string, string];
  shape: [number, number, number];
}

/**
 * A layer of the graph. Layers are listed in topological order; a layer reads
 * the output of the one listed before it unless `input` names another layer
 * (or GRAPH_INPUT): that is how branches, and the Add that joins them, are
 * written.
 */
export type GraphLayer = (DenseLayer | Conv2DLayer | DepthwiseConv2DLayer | MaxPoolLayer | AvgPoolLayer | ZeroPadLayer | FlattenLayer | BatchNormLayer | ActivationLayer | AddLayer) & { input?: string };

/** The name a layer's `input` uses for the model input. */
export const GRAPH_INPUT = '';

/** The name of the layer each layer reads (GRAPH_INPUT for the model input); an Add reads two. */
export function layerInputs(graph: Graph): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let prev = GRAPH_INPUT;
  for (const l of graph.layers) {
    m.set(l.name, l.kind === 'add' ? [...l.inputs] : [l.input ?? prev]);
    prev = l.name;
  }
  return m;
}

/** Weighted layers: the ones that become MVUs (dense, conv2d) or VVUs (depthwise). */
export type WeightedLayer = DenseLayer | Conv2DLayer | DepthwiseConv2DLayer;

export interface InputQuant {
  /** Unsigned code width of one input element. */
  bits: number;
  /** Real value of one code step. */
  scale: number;
}

export interface Graph {
  /** The model file the graph came from (for messages). */
  file: string;
  /** Elements of one input frame (= product of inputShape). */
  inputLength: number;
  /** Input feature map [h, w, c]; [1, 1, n] for a vector. */
  inputShape: [number, number, number];
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

/**
 * A weighted layer's kernel as a matrix [rows][cols], row-major as stored:
 * rows = inputs per output (kh*kw*cin for a convolution), cols = outputs.
 */
export function kernelMatrix(l: WeightedLayer): { rows: number; cols: number } {
  if (l.kind === 'dense') return { rows: l.inFeatures, cols: l.units };
  // A depthwise kernel [kh][kw][cin][m] read row-major is [taps][cin*m].
  if (l.kind === 'depthwise') return { rows: l.kernelSize[0] * l.kernelSize[1], cols: l.inShape[2] * l.multiplier };
  return { rows: l.kernelSize[0] * l.kernelSize[1] * l.inShape[2], cols: l.filters };
}

export function isWeighted(l: GraphLayer): l is WeightedLayer {
  return l.kind === 'dense' || l.kind === 'conv2d' || l.kind === 'depthwise';
}

/** Output shape of a window layer over its input map. */
export function windowOutShape(l: Conv2DLayer | DepthwiseConv2DLayer | MaxPoolLayer | AvgPoolLayer): [number, number, number] {
  const [h, w, c] = l.inShape;
  const [kh, kw] = l.kind === 'conv2d' || l.kind === 'depthwise' ? l.kernelSize : l.poolSize;
  const oh = Math.floor((h + l.pad[0] + l.pad[2] - kh) / l.strides[0]) + 1;
  const ow = Math.floor((w + l.pad[1] + l.pad[3] - kw) / l.strides[1]) + 1;
  return [oh, ow, l.kind === 'conv2d' ? l.filters : l.kind === 'depthwise' ? c * l.multiplier : c];
}
