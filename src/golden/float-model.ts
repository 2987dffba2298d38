/**
 * Float reference of the Graph IR, in float64: what the trained model computes,
 * used for calibration and to explain any disagreement with the integer
 * golden model (a tie between logits, or a pre-activation that lands on a
 * quantizer threshold).
 */
import { GRAPH_INPUT, type Activation, type AvgPoolLayer, type Conv2DLayer, type DepthwiseConv2DLayer, type Graph, type MaxPoolLayer, applyActivation, quantStep, windowOutShape } from '../ir/graph-ir.js';

export interface FloatResult {
  logits: number[];
  /**
   * Smallest distance, over all quantized activations, between a
   * pre-activation value and the nearest quantizer threshold, relative to the
   * quantizer step (sign: to 0, relative to 1). Small means "on a threshold".
   */
  thresholdMargin: number;
  /** Every activation layer's input, when requested (for calibration). */
  preActivations?: Map<string, Float64Array>;
}

/** Distance from x to the nearest decision point of an activation, in steps. */
export function thresholdDistance(act: Activation, x: number): number {
  if (act.fn === 'sign') return Math.abs(x);
  if (act.fn === 'quant') {
    const s = quantStep(act);
    const levels = 2 ** act.bits - 1;
    const u = x / s;
    if (u < 0.5 - 1) return Infinity;
    if (u > levels - 0.5 + 1) return Infinity;
    const frac = u - 0.5 - Math.floor(u - 0.5);
    return Math.min(frac, 1 - frac);
  }
  return Infinity;
}

export function runFloat(graph: Graph, input: ArrayLike<number>, keepPreActivations = false): FloatResult {
  let x: Float64Array = Float64Array.from(input);
  /** Channels of the current map (BatchNorm is per channel, the last axis). */
  let channels = graph.inputShape[2];
  let margin = Infinity;
  const pre = keepPreActivations ? new Map<string, Float64Array>() : undefined;
  // Outputs by layer name, for layers that read something other than the layer before them.
  // (Copies: later layers work in place.)
  const needed = new Set(graph.layers.flatMap((l) => (l.kind === 'add' ? l.inputs : l.input !== undefined ? [l.input] : [])));
  const outputs = new Map<string, { x: Float64Array; channels: number }>();
  if (needed.has(GRAPH_INPUT)) outputs.set(GRAPH_INPUT, { x: Float64Array.from(x), channels });
  for (const layer of graph.layers) {
    if (layer.input !== undefined) {
      const src = outputs.get(layer.input);
      if (!src) throw new Error(`float model: layer '${layer.name}' reads '${layer.input}', which comes later or does not exist`);
      x = Float64Array.from(src.x);
      channels = src.channels;
    }
    if (layer.kind === 'add') {
      const a = outputs.get(layer.inputs[0]);
      const b = outputs.get(layer.inputs[1]);
      if (!a || !b) throw new Error(`float model: add '${layer.name}' reads a layer that comes later or does not exist`);
      x = Float64Array.from(a.x, (v, i) => v + b.x[i]);
      channels = a.channels;
    } else if (layer.kind === 'dense') {
      const y = new Float64Array(layer.units);
      const { kernel, units } = layer;
      for (let i = 0; i < layer.inFeatures; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        const row = i * units;
        for (let j = 0; j < units; j++) y[j] += xi * kernel[row + j];
      }
      if (layer.bias) for (let j = 0; j < units; j++) y[j] += layer.bias[j];
      x = y;
      channels = units;
    } else if (layer.kind === 'conv2d') {
      x = conv2d(layer, x);
      channels = layer.filters;
    } else if (layer.kind === 'depthwise') {
      x = depthwise(layer, x);
      channels = layer.inShape[2] * layer.multiplier;
    } else if (layer.kind === 'maxpool') {
      x = maxPool(layer, x);
    } else if (layer.kind === 'avgpool') {
      x = avgPool(layer, x);
    } else if (layer.kind === 'zeropad') {
      x = zeroPad(layer.inShape, layer.pad, x);
    } else if (layer.kind === 'flatten') {
      // NHWC flattened is the stream order: nothing moves.
    } else if (layer.kind === 'batchnorm') {
      for (let j = 0; j < x.length; j++) {
        const c = j % channels;
        x[j] = (layer.gamma[c] * (x[j] - layer.mean[c])) / Math.sqrt(layer.variance[c] + layer.epsilon) + layer.beta[c];
      }
    } else if (layer.kind === 'activation') {
      if (pre) pre.set(layer.name, Float64Array.from(x));
      for (let j = 0; j < x.length; j++) {
        margin = Math.min(margin, thresholdDistance(layer.act, x[j]));
        x[j] = applyActivation(layer.act, x[j]);
      }
    }
    if (needed.has(layer.name)) outputs.set(layer.name, { x: Float64Array.from(x), channels });
  }
  return { logits: Array.from(x), thresholdMargin: margin, preActivations: pre };
}

/** Direct convolution, NHWC, zero padding, kernel [kh][kw][cin][cout]. */
function conv2d(l: Conv2DLayer, x: Float64Array): Float64Array {
  const [h, w, cin] = l.inShape;
  const [oh, ow, cout] = windowOutShape(l);
  const [kh, kw] = l.kernelSize;
  const y = new Float64Array(oh * ow * cout);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const o = (oy * ow + ox) * cout;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * l.strides[0] + ky - l.pad[0];
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * l.strides[1] + kx - l.pad[1];
          if (ix < 0 || ix >= w) continue;
          const xb = (iy * w + ix) * cin;
          const kb = (ky * kw + kx) * cin * cout;
          for (let ci = 0; ci < cin; ci++) {
            const xv = x[xb + ci];
            if (xv === 0) continue;
            const kr = kb + ci * cout;
            for (let co = 0; co < cout; co++) y[o + co] += xv * l.kernel[kr + co];
          }
        }
      }
      if (l.bias) for (let co = 0; co < cout; co++) y[o + co] += l.bias[co];
    }
  }
  return y;
}

/** Depthwise convolution, NHWC, zero padding, kernel [kh][kw][cin][m]; output channel c*m + j. */
function depthwise(l: DepthwiseConv2DLayer, x: Float64Array): Float64Array {
  const [h, w, cin] = l.inShape;
  const [oh, ow, cout] = windowOutShape(l);
  const [kh, kw] = l.kernelSize;
  const M = l.multiplier;
  const y = new Float64Array(oh * ow * cout);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const o = (oy * ow + ox) * cout;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * l.strides[0] + ky - l.pad[0];
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * l.strides[1] + kx - l.pad[1];
          if (ix < 0 || ix >= w) continue;
          for (let c = 0; c < cin; c++) {
            const xv = x[(iy * w + ix) * cin + c];
            for (let m = 0; m < M; m++) y[o + c * M + m] += xv * l.kernel[((ky * kw + kx) * cin + c) * M + m];
          }
        }
      }
      if (l.bias) for (let co = 0; co < cout; co++) y[o + co] += l.bias[co];
    }
  }
  return y;
}

/**
 * Average pooling: each window's taps inside the image, divided by their
 * count (tfjs' 'same', as its cpu and wasm kernels compute it) or by kh*kw
 * when padded taps count as zeros; or the mean over the whole map.
 */
function avgPool(l: AvgPoolLayer, x: Float64Array): Float64Array {
  const [h, w, c] = l.inShape;
  const [oh, ow] = windowOutShape(l);
  const y = new Float64Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const o = (oy * ow + ox) * c;
      let n = 0;
      for (let ky = 0; ky < l.poolSize[0]; ky++) {
        const iy = oy * l.strides[0] + ky - l.pad[0];
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < l.poolSize[1]; kx++) {
          const ix = ox * l.strides[1] + kx - l.pad[1];
          if (ix < 0 || ix >= w) continue;
          n++;
          for (let ch = 0; ch < c; ch++) y[o + ch] += x[(iy * w + ix) * c + ch];
        }
      }
      const divisor = l.countPadded ? l.poolSize[0] * l.poolSize[1] : n;
      for (let ch = 0; ch < c; ch++) y[o + ch] /= divisor;
    }
  }
  return y;
}

/** Max pooling over the taps inside the image (tfjs' 'same' ignores padded taps). */
function maxPool(l: MaxPoolLayer, x: Float64Array): Float64Array {
  const [h, w, c] = l.inShape;
  const [oh, ow] = windowOutShape(l);
  const y = new Float64Array(oh * ow * c).fill(-Infinity);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let ky = 0; ky < l.poolSize[0]; ky++) {
        const iy = oy * l.strides[0] + ky - l.pad[0];
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < l.poolSize[1]; kx++) {
          const ix = ox * l.strides[1] + kx - l.pad[1];
          if (ix < 0 || ix >= w) continue;
          for (let ch = 0; ch < c; ch++) {
            const o = (oy * ow + ox) * c + ch;
            y[o] = Math.max(y[o], x[(iy * w + ix) * c + ch]);
          }
        }
      }
    }
  }
  return y;
}

function zeroPad(shape: [number, number, number], pad: [number, number, number, number], x: Float64Array): Float64Array {
  const [h, w, c] = shape;
  const W = w + pad[1] + pad[3];
  const y = new Float64Array((h + pad[0] + pad[2]) * W * c);
  for (let iy = 0; iy < h; iy++) {
    for (let ix = 0; ix < w; ix++) {
      const src = (iy * w + ix) * c;
      y.set(x.subarray(src, src + c), ((iy + pad[0]) * W + ix + pad[1]) * c);
    }
  }
  return y;
}

/** Real-valued model input for a frame of input codes. */
export function dequantizeInput(graph: Graph, codes: ArrayLike<number>): Float64Array {
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] * graph.inputQuant.scale;
  return out;
}
