/**
 * Golden model: integer-exact execution of the hardware IR, written to be read
 * against docs/arithmetic.md line by line. The RTL must agree with it on every
 * output bit.
 */
import {
  type HardwareIR,
  type HwNode,
  type MvuNode,
  type ThresholdStage,
  type BorderClasses,
  actValue,
  borderClassOf,
  inputLength,
  weightValue,
} from '../ir/hardware-ir.js';
import { poolWindows, slidingWindow, windowGeometry as geometry } from './sliding-window.js';

/**
 * Engine values of a node's weights, [mh*mw] row-major, computed once per node:
 * decoding codes inside the inner loop would dominate the golden model's time.
 */
const engineWeights = new WeakMap<MvuNode, Int32Array>();
function weightMatrix(node: MvuNode): Int32Array {
  let m = engineWeights.get(node);
  if (!m) {
    m = new Int32Array(node.mh * node.mw);
    for (let c = 0; c < node.mh; c++) {
      const row = node.weightCodes[c];
      for (let i = 0; i < node.mw; i++) m[c * node.mw + i] = weightValue(node.weights, row[i]);
    }
    engineWeights.set(node, m);
  }
  return m;
}

/** Accumulators of one MVU for one input vector of codes. */
export function mvuAccumulators(node: MvuNode, codes: ArrayLike<number>): number[] {
  const { mw, mh } = node;
  const a = new Float64Array(mw);
  for (let i = 0; i < mw; i++) a[i] = actValue(node.input, codes[i]);
  const w = weightMatrix(node);
  const acc = new Array<number>(mh);
  for (let c = 0; c < mh; c++) {
    let s = 0;
    const base = c * mw;
    for (let i = 0; i < mw; i++) s += w[base + i] * a[i];
    // xnor-popcount counts agreements of ±1 values: (mw + dot) / 2.
    acc[c] = node.engine === 'xnor-popcount' ? (mw + s) / 2 : s;
  }
  return acc;
}

/**
 * Output codes of a threshold stage, or logits of a logit stage, for vector
 * (output pixel) v: a node with border classes compares with its class's thresholds.
 */
export function mvuOutputs(node: MvuNode, acc: number[], v = 0): number[] {
  const out = node.output;
  if (out.kind === 'thresholds') return thresholdCodes(stageAt(out, node.borders, v), acc);
  return acc.map((v, c) => v * 2 ** out.shift + out.offsets[c]);
}

/** The threshold stage that output pixel v compares with. */
function stageAt(out: ThresholdStage, borders: BorderClasses | undefined, v: number): ThresholdStage {
  return borders ? { ...out, thresholds: borders.thresholds[borderClassOf(borders, v)] } : out;
}

/** y = #{j : e >= thresholds[c][j]}, e = negate[c] ? -acc : acc. */
export function thresholdCodes(out: ThresholdStage, acc: number[]): number[] {
  return acc.map((v, c) => {
    const e = out.negate[c] ? -v : v;
    let y = 0;
    for (const t of out.thresholds[c]) if (e >= t) y++;
    return y;
  });
}

/** Index of the largest value; the lowest index wins ties. */
export function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface GoldenResult {
  /** Output codes (or logits) of every node, in node order, each in its tensor's stream order. */
  layers: number[][];
  /** Logits of the design output. */
  logits: number[];
  argmax: number;
}


/**
 * One node on its input tensors' codes (stream order): its output tensor's
 * codes (a fork's two outputs are both this).
 */
export function runNode(ir: HardwareIR, node: HwNode, x: ArrayLike<number>, y?: ArrayLike<number>): number[] {
  const shape = ir.tensors[node.inputs[0]].shape;
  switch (node.op) {
    case 'fork':
    case 'fifo':
      return Array.from(x);
    case 'add': {
      if (!y) throw new Error(`golden model: add '${node.name}' needs two inputs`);
      const C = shape[2];
      const z = new Array<number>(C);
      const out: number[] = [];
      for (let p = 0; p < x.length / C; p++) {
        for (let c = 0; c < C; c++) z[c] = node.aMul * actValue(node.a, x[p * C + c]) + node.bMul * actValue(node.b, y[p * C + c]);
        out.push(...thresholdCodes(node.output, z));
      }
      return out;
    }
    case 'mvu': {
      // numVectors vectors of mw elements, one after the other in the stream.
      const out: number[] = [];
      for (let v = 0; v < node.numVectors; v++) {
        const vec = Array.prototype.slice.call(x, v * node.mw, (v + 1) * node.mw) as number[];
        out.push(...mvuOutputs(node, mvuAccumulators(node, vec), v));
      }
      return out;
    }
    case 'swu':
      return Array.from(slidingWindow(x, geometry(node.window, shape), node.padCode));
    case 'vvu': {
      // Per pixel: output channel o = c*M + m sums its taps of input channel c.
      const { taps, channels: C, multiplier: M } = node;
      const w = node.weightCodes.map((row) => row.map((code) => weightValue(node.weights, code)));
      const pixels = shape[0] * shape[1];
      const out: number[] = [];
      for (let p = 0; p < pixels; p++) {
        const acc = new Array<number>(C * M).fill(0);
        for (let t = 0; t < taps; t++) {
          for (let c = 0; c < C; c++) {
            const v = actValue(node.input, x[(p * taps + t) * C + c]);
            for (let m = 0; m < M; m++) acc[c * M + m] += w[c * M + m][t] * v;
          }
        }
        out.push(...thresholdCodes(stageAt(node.output, node.borders, p), acc));
      }
      return out;
    }
    case 'sumpool': {
      const g = geometry(node.window, shape);
      const sums = poolWindows(slidingWindow(x, g, 0), g.kh * g.kw, g.c, 'sum');
      const scale = node.borderScale;
      if (!scale) return Array.from(sums);
      // Each window's sum times its row and column factor: every mean then has the one divisor.
      const ow = scale.cols.length;
      return Array.from(sums, (v, i) => {
        const pixel = Math.floor(i / g.c);
        return v * scale.rows[Math.floor(pixel / ow)] * scale.cols[pixel % ow];
      });
    }
    case 'maxpool': {
      // Padded taps get code 0, the smallest code: never larger than a real tap.
      const g = geometry(node.window, shape);
      return Array.from(poolWindows(slidingWindow(x, g, 0), g.kh * g.kw, g.c, 'max'));
    }
  }
}

/** Runs one input frame (codes of the design input, stream order) through the whole graph. */
export function runGolden(ir: HardwareIR, input: ArrayLike<number>): GoldenResult {
  if (input.length !== inputLength(ir)) {
    throw new Error(`golden model: input has ${input.length} elements, the design takes ${inputLength(ir)}`);
  }
  const values = new Map<string, ArrayLike<number>>([[ir.input.tensor, input]]);
  const layers: number[][] = [];
  for (const node of ir.nodes) {
    const ins = node.inputs.map((t) => {
      const v = values.get(t);
      if (!v) throw new Error(`golden model: node '${node.name}' reads '${t}', which no earlier node wrote`);
      return v;
    });
    const y = runNode(ir, node, ins[0], ins[1]);
    for (const t of node.outputs) values.set(t, y);
    layers.push(y);
  }
  const logits = Array.from(values.get(ir.output) ?? []);
  return { layers, logits, argmax: argmax(logits) };
}
