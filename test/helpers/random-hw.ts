/**
 * Random but valid hardware IRs for property-based tests of the RTL, the
 * simulators and the golden model: random sizes (non-powers of two included),
 * folding, weight codes, thresholds and logit offsets, per engine.
 */
import {
  type ActType,
  type EngineKind,
  type HardwareIR,
  type MvuNode,
  inputElem,
  inputLength,
  type WeightCoding,
  actRange,
  clog2,
  signedWidth,
  weightBits,
} from '../../src/ir/hardware-ir.js';
import { accumulatorRange, thresholdDomain } from '../../src/passes/accumulator-range.js';
import { Rng, divisors } from '../../src/util/random.js';
import { type ChainMvu, mvuChain } from '../../src/ir/mvu-chain.js';

export interface RandomIrOptions {
  engine: EngineKind;
  /** Activation bits for non-xnor engines (the input and every hidden layer). */
  actBits?: number;
  /** pow2 levels for shift-add (default random 2..4). */
  pow2Levels?: number;
  layers?: number;
  /** Largest MW/MH drawn. */
  maxDim?: number;
  /**
   * Largest PE of hidden layers. An 8-bit threshold stage holds 255
   * comparators per PE, and a very wide threshold ROM word makes Verilator's
   * C++ slow to compile; small PE tests the same structure.
   */
  maxPe?: number;
  top?: string;
}

function weightCoding(rng: Rng, o: RandomIrOptions): WeightCoding {
  switch (o.engine) {
    case 'xnor-popcount':
    case 'sign-add':
      return { kind: 'binary' };
    case 'shift-add':
      return { kind: 'pow2', levels: o.pow2Levels ?? rng.int(2, 4), hasZero: rng.next() < 0.5 };
    case 'int-mac':
      return { kind: 'int', bits: rng.int(2, 6) };
  }
}

/**
 * A uniformly drawn valid code. A pow2 code is drawn as one index over
 * (exponent < levels) x sign x zero flag, so with levels not a power of two
 * the exponent field never reaches levels; with levels a power of two the
 * index is the code itself (the same draws as a plain 0..2^bits-1 code).
 */
export function randomCode(rng: Rng, w: WeightCoding): number {
  if (w.kind !== 'pow2') return rng.int(0, 2 ** weightBits(w) - 1);
  const i = rng.int(0, w.levels * 2 * (w.hasZero ? 2 : 1) - 1);
  const exp = i % w.levels;
  const rest = Math.floor(i / w.levels);
  return exp | (rest << clog2(w.levels));
}

export function randomMvuNode(rng: Rng, o: RandomIrOptions, name: string, mw: number, input: ActType, last: boolean): ChainMvu {
  const maxDim = o.maxDim ?? 40;
  const mh = last ? rng.int(2, Math.min(12, maxDim)) : rng.int(1, maxDim);
  const peChoices = divisors(mh).filter((d) => last || d <= (o.maxPe ?? mh));
  const pe = rng.pick(peChoices);
  const simd = rng.pick(divisors(mw));
  const weights = weightCoding(rng, o);
  const weightCodes = Array.from({ length: mh }, () => Array.from({ length: mw }, () => randomCode(rng, weights)));
  const shape = { engine: o.engine, mw, input, weights, weightCodes };
  const { accRange, accWidth } = accumulatorRange(shape);
  const aMax = Math.max(...actRange(input).map(Math.abs));
  const center = o.engine === 'xnor-popcount' ? mw / 2 : 0;
  const spread = Math.max(1, Math.round(Math.sqrt(mw) * aMax * 2));
  let output: MvuNode['output'];
  if (last) {
    const shift = rng.int(0, 2);
    const offsets = Array.from({ length: mh }, () => rng.int(-spread, spread));
    const lo = Math.min(...offsets) + accRange[0] * 2 ** shift;
    const hi = Math.max(...offsets) + accRange[1] * 2 ** shift;
    output = { kind: 'logits', shift, offsets, logitWidth: signedWidth(Math.min(lo, 0), Math.max(hi, 0)) };
  } else {
    const out: ActType = o.engine === 'xnor-popcount' ? { kind: 'bipolar' } : { kind: 'uint', bits: o.actBits ?? 2 };
    const count = out.kind === 'bipolar' ? 1 : 2 ** out.bits - 1;
    const dom = thresholdDomain(accRange);
    const negate = Array.from({ length: mh }, () => rng.next() < 0.25);
    const thresholds = negate.map((neg) => {
      const c = neg ? -center : center;
      const ts = Array.from({ length: count }, () => {
        const t = Math.round(c + spread * (2 * rng.next() - 1));
        return Math.min(dom.hi + 1, Math.max(dom.lo, t));
      });
      // Occasionally saturate: always-true and never-true thresholds.
      if (rng.next() < 0.1) ts[0] = dom.lo;
      if (rng.next() < 0.1) ts[ts.length - 1] = dom.hi + 1;
      return ts.sort((a, b) => a - b);
    });
    output = { kind: 'thresholds', count, thresholds, negate, thresholdWidth: dom.width, out };
  }
  return {
    op: 'mvu', name, engine: o.engine, mw, mh, pe, simd, input, weights, weightCodes,
    accWidth, accRange, output, multipliers: o.engine === 'int-mac' ? pe * simd : 0,
  };
}

export function randomHardwareIR(seed: number, o: RandomIrOptions): HardwareIR {
  const rng = new Rng(seed);
  const layers = o.layers ?? rng.int(1, 3);
  const input: ActType = o.engine === 'xnor-popcount' ? { kind: 'bipolar' } : { kind: 'uint', bits: o.actBits ?? 2 };
  const inputLength = rng.int(1, o.maxDim ?? 40);
  const nodes: ChainMvu[] = [];
  let mw = inputLength;
  let act = input;
  for (let i = 0; i < layers; i++) {
    const node = randomMvuNode(rng, o, `layer${i}`, mw, act, i === layers - 1);
    nodes.push(node);
    mw = node.mh;
    if (node.output.kind === 'thresholds') act = node.output.out;
  }
  return mvuChain(o.top ?? 'qtsc_top', input, inputLength, nodes);
}

/** Random input frames for an IR. */
export function randomFrames(seed: number, ir: HardwareIR, count: number): number[][] {
  const rng = new Rng(seed);
  const elem = inputElem(ir);
  const max = elem.kind === 'bipolar' ? 1 : 2 ** elem.bits - 1;
  return Array.from({ length: count }, () => Array.from({ length: inputLength(ir) }, () => rng.int(0, max)));
}
