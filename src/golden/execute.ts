/**
 * Golden model: integer-exact execution of the hardware IR, written to be read
 * against docs/arithmetic.md line by line. The RTL must agree with it on every
 * output bit.
 */
import {
  type HardwareIR,
  type MvuNode,
  actValue,
  weightValue,
} from '../ir/hardware-ir.js';

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

/** Output codes of a threshold stage, or logits of a logit stage. */
export function mvuOutputs(node: MvuNode, acc: number[]): number[] {
  const out = node.output;
  if (out.kind === 'thresholds') {
    return acc.map((v, c) => {
      const e = out.negate[c] ? -v : v;
      let y = 0;
      for (const t of out.thresholds[c]) if (e >= t) y++;
      return y;
    });
  }
  return acc.map((v, c) => v * 2 ** out.shift + out.offsets[c]);
}

/** Index of the largest value; the lowest index wins ties. */
export function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface GoldenResult {
  /** Output codes (or logits) of every node, in order. */
  layers: number[][];
  /** Logits of the last node (its output when it ends in thresholds). */
  logits: number[];
  argmax: number;
}

/** Runs one input vector (codes of ir.input) through the whole pipeline. */
export function runGolden(ir: HardwareIR, input: ArrayLike<number>): GoldenResult {
  if (input.length !== ir.inputLength) {
    throw new Error(`golden model: input has ${input.length} elements, the design takes ${ir.inputLength}`);
  }
  const layers: number[][] = [];
  let x: ArrayLike<number> = input;
  for (const node of ir.nodes) {
    const y = mvuOutputs(node, mvuAccumulators(node, x));
    layers.push(y);
    x = y;
  }
  const logits = layers[layers.length - 1];
  return { layers, logits, argmax: argmax(logits) };
}
