/**
 * Hand-shaped hardware IRs for RTL tests and measurements: chosen sizes and
 * folding (where test/helpers/random-hw.ts draws them), random codes.
 */
import {
  type ActType,
  type EngineKind,
  type HardwareIR,
  type MvuNode,
  type WeightCoding,
  signedWidth,
  weightBits,
} from '../../../src/ir/hardware-ir.js';
import { accumulatorRange, thresholdDomain } from '../../../src/passes/accumulator-range.js';
import { Rng } from '../../../src/util/random.js';
import { type ChainMvu, mvuChain } from '../../../src/ir/mvu-chain.js';

export interface NodeShape {
  engine: EngineKind;
  mw: number;
  mh: number;
  pe: number;
  simd: number;
  input: ActType;
  weights: WeightCoding;
  /** Threshold output type; omit for a logit stage. */
  out?: ActType;
  shift?: number;
}

function code(rng: Rng, w: WeightCoding): number {
  if (w.kind === 'pow2') {
    const e = Math.ceil(Math.log2(w.levels));
    const exp = rng.int(0, w.levels - 1);
    const sign = rng.int(0, 1);
    const zero = w.hasZero && rng.next() < 0.2 ? 1 : 0;
    return exp | (sign << e) | (zero << (e + 1));
  }
  return rng.int(0, 2 ** weightBits(w) - 1);
}

export function makeNode(rng: Rng, name: string, s: NodeShape): ChainMvu {
  const weightCodes = Array.from({ length: s.mh }, () => Array.from({ length: s.mw }, () => code(rng, s.weights)));
  const { accRange, accWidth } = accumulatorRange({ engine: s.engine, mw: s.mw, input: s.input, weights: s.weights, weightCodes });
  let output: MvuNode['output'];
  if (s.out) {
    const count = s.out.kind === 'bipolar' ? 1 : 2 ** s.out.bits - 1;
    const dom = thresholdDomain(accRange);
    const negate = Array.from({ length: s.mh }, () => rng.next() < 0.3);
    const thresholds = negate.map(() =>
      Array.from({ length: count }, () => rng.int(dom.lo, dom.hi + 1)).sort((a, b) => a - b),
    );
    output = { kind: 'thresholds', count, thresholds, negate, thresholdWidth: dom.width, out: s.out };
  } else {
    const shift = s.shift ?? 1;
    const offsets = Array.from({ length: s.mh }, () => rng.int(-50, 50));
    const lo = Math.min(...offsets) + accRange[0] * 2 ** shift;
    const hi = Math.max(...offsets) + accRange[1] * 2 ** shift;
    output = { kind: 'logits', shift, offsets, logitWidth: signedWidth(Math.min(lo, 0), Math.max(hi, 0)) };
  }
  return {
    op: 'mvu',
    name,
    engine: s.engine,
    mw: s.mw,
    mh: s.mh,
    pe: s.pe,
    simd: s.simd,
    input: s.input,
    weights: s.weights,
    weightCodes,
    accWidth,
    accRange,
    output,
    multipliers: s.engine === 'int-mac' ? s.pe * s.simd : 0,
  };
}

export function makeIr(seed: number, top: string, shapes: NodeShape[]): HardwareIR {
  const rng = new Rng(seed);
  const nodes = shapes.map((s, i) => makeNode(rng, `layer${i}`, s));
  return mvuChain(top, shapes[0].input, shapes[0].mw, nodes);
}

/** Same design, every node unfolded (PE = MH, SIMD = MW): one cycle per frame. */
export function unfolded(ir: HardwareIR): HardwareIR {
  return { ...ir, nodes: ir.nodes.map((n) => (n.op === 'mvu' ? { ...n, pe: n.mh, simd: n.mw } : n)) };
}

/** A binary MLP: xnor layers with bipolar activations, a logit layer at the end. */
export function xnorMlp(seed: number, top: string, dims: number[], fold: Array<{ pe: number; simd: number }>): HardwareIR {
  const bip: ActType = { kind: 'bipolar' };
  const shapes: NodeShape[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    const last = i + 2 === dims.length;
    shapes.push({
      engine: 'xnor-popcount',
      mw: dims[i],
      mh: dims[i + 1],
      pe: fold[i].pe,
      simd: fold[i].simd,
      input: bip,
      weights: { kind: 'binary' },
      out: last ? undefined : bip,
    });
  }
  return makeIr(seed, top, shapes);
}
