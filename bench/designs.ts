/**
 * Representative hardware IRs for benchmarks: fixed sizes and folding, random
 * (seeded) weight codes and output stages, one design per engine, so numbers
 * are comparable run to run.
 *   mvu:   one MVU ending in logits, mw 64 -> mh 16, pe 4, simd 16 (16 cycles/frame)
 *   mlp2:  mw 64 -> 32 thresholds (pe 4, simd 8) -> 10 logits (pe 2, simd 8): 64 cycles/frame
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
  signedWidth,
  weightBits,
} from '../src/ir/hardware-ir.js';
import { accumulatorRange, thresholdDomain } from '../src/passes/accumulator-range.js';
import { Rng } from '../src/util/random.js';
import { type ChainMvu, mvuChain } from '../src/ir/mvu-chain.js';

export const ENGINES: EngineKind[] = ['xnor-popcount', 'sign-add', 'shift-add', 'int-mac'];

export interface EngineSetup {
  engine: EngineKind;
  /** Activation bits (ignored for xnor-popcount: bipolar). */
  actBits: number;
  weights: WeightCoding;
}

export const SETUPS: Record<EngineKind, EngineSetup> = {
  'xnor-popcount': { engine: 'xnor-popcount', actBits: 1, weights: { kind: 'binary' } },
  'sign-add': { engine: 'sign-add', actBits: 4, weights: { kind: 'binary' } },
  'shift-add': { engine: 'shift-add', actBits: 4, weights: { kind: 'pow2', levels: 4, hasZero: false } },
  'int-mac': { engine: 'int-mac', actBits: 4, weights: { kind: 'int', bits: 4 } },
};

function act(s: EngineSetup): ActType {
  return s.engine === 'xnor-popcount' ? { kind: 'bipolar' } : { kind: 'uint', bits: s.actBits };
}

export interface LayerShape {
  mw: number;
  mh: number;
  pe: number;
  simd: number;
  last: boolean;
}

export function makeNode(rng: Rng, s: EngineSetup, name: string, shape: LayerShape, input: ActType): ChainMvu {
  const { mw, mh, pe, simd, last } = shape;
  const weightCodes = Array.from({ length: mh }, () => Array.from({ length: mw }, () => rng.int(0, 2 ** weightBits(s.weights) - 1)));
  const { accRange, accWidth } = accumulatorRange({ engine: s.engine, mw, input, weights: s.weights, weightCodes });
  let output: MvuNode['output'];
  if (last) {
    const offsets = Array.from({ length: mh }, () => rng.int(-20, 20));
    const lo = Math.min(...offsets) + accRange[0];
    const hi = Math.max(...offsets) + accRange[1];
    output = { kind: 'logits', shift: 0, offsets, logitWidth: signedWidth(Math.min(lo, 0), Math.max(hi, 0)) };
  } else {
    const out = act(s);
    const count = out.kind === 'bipolar' ? 1 : 2 ** out.bits - 1;
    const dom = thresholdDomain(accRange);
    const center = s.engine === 'xnor-popcount' ? mw / 2 : 0;
    const spread = Math.max(1, Math.round(Math.sqrt(mw) * Math.max(...actRange(input).map(Math.abs))));
    const thresholds = Array.from({ length: mh }, () =>
      Array.from({ length: count }, () => Math.min(dom.hi + 1, Math.max(dom.lo, Math.round(center + spread * (2 * rng.next() - 1))))).sort(
        (a, b) => a - b,
      ),
    );
    const negate = Array.from({ length: mh }, () => rng.next() < 0.25);
    output = { kind: 'thresholds', count, thresholds, negate, thresholdWidth: dom.width, out };
  }
  return {
    op: 'mvu', name, engine: s.engine, mw, mh, pe, simd, input, weights: s.weights, weightCodes,
    accWidth, accRange, output, multipliers: s.engine === 'int-mac' ? pe * simd : 0,
  };
}

export function makeIr(engine: EngineKind, layers: LayerShape[], seed = 1, setup: EngineSetup = SETUPS[engine]): HardwareIR {
  const rng = new Rng(seed);
  const input = act(setup);
  const nodes: ChainMvu[] = [];
  let x = input;
  layers.forEach((shape, i) => {
    const n = makeNode(rng, setup, `layer${i}`, shape, x);
    nodes.push(n);
    if (n.output.kind === 'thresholds') x = n.output.out;
  });
  return mvuChain(`bench_${engine.replace('-', '_')}`, input, layers[0].mw, nodes);
}

export const SHAPES: Record<'mvu' | 'mlp2', LayerShape[]> = {
  mvu: [{ mw: 64, mh: 16, pe: 4, simd: 16, last: true }],
  mlp2: [
    { mw: 64, mh: 32, pe: 4, simd: 8, last: false },
    { mw: 32, mh: 10, pe: 2, simd: 8, last: true },
  ],
};

/** Random frames of input codes. */
export function randomInputs(ir: HardwareIR, count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const elem = inputElem(ir);
  const max = elem.kind === 'bipolar' ? 1 : 2 ** elem.bits - 1;
  return Array.from({ length: count }, () => Array.from({ length: inputLength(ir) }, () => rng.int(0, max)));
}
