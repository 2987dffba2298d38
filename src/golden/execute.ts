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

/** Accumulators of one MVU for one input vector of codes. */
export function mvuAccumulators(node: MvuNode, codes: ArrayLike<number>): number[] {
  const acc = new Array<number>(node.mh).fill(0);
  if (node.engine === 'xnor-popcount') {
    // acc = popcount(xnor(x, w)): the number of positions where the bits agree.
    for (let c = 0; c < node.mh; c++) {
      const w = node.weightCodes[c];
      let s = 0;
      for (let i = 0; i < node.mw; i++) if ((w[i] & 1) === (codes[i] & 1)) s++;
      acc[c] = s;
    }
    return acc;
  }
  const a = new Array<number>(node.mw);
  for (let i = 0; i < node.mw; i++) a[i] = actValue(node.input, codes[i]);
  for (let c = 0; c < node.mh; c++) {
    const w = node.weightCodes[c];
    let s = 0;
    for (let i = 0; i < node.mw; i++) s += weightValue(node.weights, w[i]) * a[i];
    acc[c] = s;
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
