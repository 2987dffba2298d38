/**
 * Analytic resource model (LUT / FF / BRAM / DSP) per node, for a Xilinx
 * 7-series-like fabric (6-input LUTs, RAMB18/36, DSP48E1) as Yosys maps it
 * (`synth_xilinx`; see src/drivers/yosys.ts). It follows the structure of the
 * RTL (qtsc_mvu + a generated compressor tree or qtsc_dot_acc +
 * qtsc_thresholds/qtsc_logits, weight and parameter ROMs, qtsc_argmax_collect
 * at the end), so every term below names a piece of hardware:
 *
 * Per MVU node, with P = pe, S = simd, A = input element bits, Wb = weight
 * code bits, Acc = accumulator bits, Sf = mw/S, Nf = mh/P:
 *
 *   datapath LUTs, with the engine the RTL builds (planRtl's dotTrees choice):
 *     generated compressor tree (every multiplier-free engine by default; see
 *                    src/backends/rtl/dot-tree.ts):
 *                    tree[e] * P*treeLuts + tree-add * P*Acc
 *                    treeLuts = LUT6s of one channel's tree netlist as the backend
 *                    prints it (lane bits, full adders, Wallace counters; a wire of
 *                    k > 6 signals counted as ceil((k-1)/5) LUTs), plus once the
 *                    shared input-sum tree of sign-add with unsigned inputs;
 *                    P*Acc: the final two-row adder of each tree (the input
 *                    sum stays in two rows); the accumulators are flip-flops with a reset
 *     generic engine (qtsc_dot_acc: int-mac with unsigned inputs, and any node
 *                    with dotTrees 'none', or not xnor with 'xnor'):
 *                    lane[e] * chain + term[e] * P*S*termBits, chain = P*S*Acc,
 *                    one Acc-bit add per lane in sum = acc + sum of terms;
 *                    termBits = what forms a lane's term: the XNOR (xnor-popcount),
 *                    conditional negation of A bits (sign-add), an L-way shift of
 *                    A bits (shift-add), an A x Wb LUT multiplier (int-mac
 *                    without DSP)
 *     int-mac lanes on DSPs: chain = P*S*Acc with their own coefficient
 *                    (lane:int-mac-dsp; the DSP48 absorbs part of the adds)
 *     constant weights (a weight ROM of one word: the node is fully unfolded):
 *                    Yosys folds the weights into the logic. Tree: each channel's
 *                    netlist counted with its weight bits folded in
 *                    (constantTreeLuts), coefficient tree:constant for every
 *                    engine. Generic engine: binary and
 *                    power-of-two weights leave no term logic and a lane adds
 *                    only A+1 significant bits: chain = P*S*(A+1). (Not int-mac:
 *                    a $mul by a constant keeps most of its array under Yosys.)
 *   output LUTs   = cmp * P*Count*CmpWidth   (threshold comparators; CmpWidth = Acc+1
 *                                             signed, Acc+2 unsigned) + P*Count/2 (count)
 *                 | cmp * P*L*CmpWidth       (binary search over 2^L-1 sorted thresholds,
 *                                             the RTL's choice for many thresholds: L
 *                                             pipelined comparisons per channel, each
 *                                             reading its channel's table through its
 *                                             own asynchronous port, a LUT copy each)
 *                 | add * P*LogitWidth       (logit = (acc << shift) + offset)
 *   ROMs          = weights (depth Nf*Sf, width P*S*Wb) and output-stage
 *                   parameters (depth Nf, width P*(Count*CmpWidth+1) or P*LogitWidth),
 *                   both with a registered read; see romCost(). Their images and
 *                   placement come from the RTL backend's plan (planRtl), so the
 *                   estimate sees exactly what Yosys will: a ROM that ends up in LUTs
 *                   costs only its distinct non-constant bit columns (Yosys turns a
 *                   constant column into a constant and merges identical ones).
 *   input buffer  = with Nf > 1, two banks of Sf words of S*A bits (LUTRAM or BRAM).
 *   control       = ctrl * (counter bits) LUTs.
 *   FFs           = counters + S*A (input word) + 2*P*Acc (accumulators and results) + output
 *                   register + registered ROM outputs when the ROM is in LUTs.
 *   stream glue   = a skid buffer after every node (2W+3 FFs, about W LUTs) and a
 *                   width converter where a node's output word (PE elements)
 *                   differs from the next node's input word (SIMD elements);
 *                   the last node feeds qtsc_argmax_collect (estimateTop).
 *   DSPs          = int-mac lanes whose product is at least 9 bits wide with both
 *                   operands >= 2 bits (Yosys' mul2dsp rule for xc7); others are LUTs.
 *
 * Memory mapping: every ROM with a registered read is placed by the RTL plan
 * (block RAM or LUTs, src/backends/rtl/rom-placement.ts, which marks it with
 * rom_style) and costed where it was placed (romCost; the cost of each home is
 * src/backends/estimates/rom-cost.ts, the same numbers the placement compares).
 * Memories the RTL leaves to the tool (input banks, line buffers, FIFOs, VVU
 * sums) follow memoryCost, what Yosys 0.23 `synth_xilinx` does on its own
 * (measured with bench/primitives.ts): the block RAM shape that needs the
 * fewest RAMB18 units when the memory fills at least half of them, else LUTs
 * (LUTRAM for a RAM; one LUT6 per 64 words per bit for a ROM, about 25% more
 * beyond 256 words, plus its output register). A ROM of depth 1 is a
 * constant and costs nothing.
 *
 * The LUT coefficients (DEFAULT_COEFFICIENTS) are fitted to Yosys results;
 * `npm run bench` reports the model's error against Yosys per engine, and
 * `npm run bench -- --calibrate` refits them (fitCoefficients) when the RTL
 * changes.
 */
import { type HardwareIR, type HwNode, type MvuNode, actBits, clog2, mvuNodes, outputNode, weightBits } from '../../ir/hardware-ir.js';
import { streamFormat } from '../../golden/stream-format.js';
import { type NodePlan, type PlanOptions, type RomImage, type RtlPlan, type StagePlan, type WindowPlan, planRtl } from '../rtl/plan.js';
import type { VvuPlan } from '../rtl/vvu-plan.js';
import type { AddPlan, FifoPlan, ForkPlan } from '../rtl/residual-plan.js';
import { type TreeEngine, buildTree, treeEngineOf, treeTakesXsum, treeWeightBits } from '../rtl/dot-tree.js';
import { RAMB18_BITS, blockRomCost, bramUnits, lutRomCost, lutsPerRomColumn, romColumnStats } from './rom-cost.js';
import { frameLatency } from './latency.js';

export { bramUnits, romColumnStats } from './rom-cost.js';

export interface Resources {
  luts: number;
  ffs: number;
  /** In RAMB36 units (a RAMB18 is 0.5). */
  brams: number;
  dsps: number;
}

export interface NodeResources extends Resources {
  name: string;
  /** The MVU's engine, or 'sliding window' / 'max pool'. */
  engine: string;
  /** The same four numbers split by piece of hardware. */
  parts: Record<string, Resources>;
}

export interface ResourceEstimate {
  nodes: NodeResources[];
  /** Output collection (argmax) and stream glue at the top. */
  top: Resources;
  total: Resources;
}

/**
 * LUT coefficients, by feature name (see nodeLutFeatures):
 *   tree:<engine>, tree-add       datapath of a generated compressor tree (file comment)
 *   tree:constant                 the same with constant weights (fully unfolded nodes)
 *   lane:<engine>, term:<engine>  datapath of the generic engine qtsc_dot_acc (file comment)
 *   cmp    per threshold-comparator bit (P*Count*CmpWidth) and argmax comparator bit
 *   add    per logit adder bit (P*LogitWidth)
 *   ctrl   per control counter bit
 *   node   fixed per node (handshakes, pipeline valid logic)
 */
export type Coefficients = Record<string, number>;

/**
 * Fitted (`npm run bench -- --calibrate`, then `--refit` on its samples) to
 * Yosys 0.23 synth_xilinx on 63 designs from the RTL backend (commit f1873ff,
 * compressor trees for every multiplier-free node): the 8 bench designs and 10
 * random ones per engine (folded and fully unfolded, 1-2 layers, 2-4 bit
 * activations), plus 15 with the generic engine (dotTrees 'none': the bench
 * designs and 3 random ones per engine but int-mac). LUT error after the fit:
 * mean 7.9%, worst 38% (a fully unfolded xnor layer on the generic engine);
 * with the default trees worst 25% (int-mac/mvu, no tree), trees alone worst
 * 19% (sign-add, fully unfolded). FFs (not fitted): mean 6%.
 */
export const DEFAULT_COEFFICIENTS: Coefficients = {
  'tree:xnor-popcount': 0.946,
  'tree:sign-add': 0.741,
  'tree:shift-add': 0.701,
  'tree:constant': 0.507,
  'tree-add': 0.35,
  'lane:xnor-popcount': 0.619,
  'term:xnor-popcount': 0,
  'lane:sign-add': 1.612,
  'term:sign-add': 0,
  'lane:shift-add': 0.759,
  'term:shift-add': 2.709,
  'lane:int-mac': 0.67,
  'term:int-mac': 1.172,
  'lane:int-mac-dsp': 0.001,
  cmp: 0.383,
  add: 0,
  ctrl: 4.817,
  node: 0,
};

/** Fixed FFs per node besides the counted registers (valid and flag bits). */
const NODE_FFS = 8;

const ZERO: Resources = { luts: 0, ffs: 0, brams: 0, dsps: 0 };

function sum(parts: Iterable<Resources>): Resources {
  const t = { ...ZERO };
  for (const p of parts) {
    t.luts += p.luts;
    t.ffs += p.ffs;
    t.brams += p.brams;
    t.dsps += p.dsps;
  }
  return t;
}

/**
 * A memory the RTL leaves to Yosys (no placement attribute), with a registered
 * read port: a ROM or a simple dual-port RAM, in LUTs or block RAM as Yosys 0.23
 * chooses (the file comment). For a ROM whose contents are known, `columns` is
 * the number of distinct non-constant bit columns (see romColumns); the rest
 * cost nothing in LUTs.
 */
export function memoryCost(depth: number, width: number, kind: 'rom' | 'ram' = 'rom', columns?: number): Resources {
  if (width <= 0 || depth <= 0) return { ...ZERO };
  if (kind === 'rom' && depth === 1) return { ...ZERO };
  const units = bramUnits(depth, width);
  if ((depth * width) / (units * RAMB18_BITS) >= 0.5) return { luts: 0, ffs: 0, brams: units / 2, dsps: 0 };
  if (kind === 'rom') {
    const cols = columns ?? width;
    return { luts: Math.round(cols * lutsPerRomColumn(depth)), ffs: cols, brams: 0, dsps: 0 };
  }
  // LUTRAM: RAM32M gives 32 words x 6 bits for 4 LUTs, RAM64M 64 x 3; deeper ones mux.
  // Its read register is the consumer's (qtsc_mvu's input word), counted there.
  const luts = depth <= 32 ? 4 * Math.ceil(width / 6) : 4 * Math.ceil(width / 3) * Math.ceil(depth / 64) * (depth > 64 ? 1.25 : 1);
  return { luts: Math.round(luts), ffs: 0, brams: 0, dsps: 0 };
}

/** Distinct non-constant bit columns of a ROM image. */
export function romColumns(words: readonly bigint[], width: number): number {
  return romColumnStats(words, width).distinct;
}

/** Compare width of the threshold stage (the accumulator plus its sign, plus one for unsigned). */
export function cmpWidth(n: MvuNode): number {
  return n.accWidth + (n.engine === 'xnor-popcount' ? 2 : 1);
}

/**
 * A ROM of the RTL plan, where the plan put it (RomImage.placement, see
 * src/backends/rtl/rom-placement.ts): block RAM or LUTs with a registered
 * read (rom-cost.ts), nothing for a constant; the binary-search tables
 * ('async') are costed by the threshold stage that reads them (asyncRomCost).
 */
export function romCost(rom: RomImage): Resources {
  switch (rom.placement) {
    case 'block':
      return blockRomCost(rom.depth, rom.columns);
    case 'distributed':
      return lutRomCost(rom.depth, rom.columns);
    case 'constant':
      return { ...ZERO };
    case 'async':
      throw new Error(`romCost: ${rom.file} is read asynchronously (asyncRomCost)`);
  }
}

/** A ROM read asynchronously through `ports` read ports: logic only, one copy per port. */
export function asyncRomCost(rom: RomImage, ports: number): Resources {
  return { luts: Math.round(ports * rom.columns.distinct * lutsPerRomColumn(rom.depth)), ffs: 0, brams: 0, dsps: 0 };
}

/** A skid buffer (qtsc_axis_skid, RegType 2) on a W-bit stream. */
export function skidCost(width: number): Resources {
  return { luts: width + 4, ffs: 2 * width + 3, brams: 0, dsps: 0 };
}

/** qtsc_axis_width_conv re-packing words of `inElems` into words of `outElems` elements of `elemBits`. */
export function widthConvCost(elemBits: number, inElems: number, outElems: number): Resources {
  if (inElems === outElems) return { ...ZERO };
  const inW = inElems * elemBits;
  const outW = outElems * elemBits;
  if (outElems % inElems === 0) {
    const r = outElems / inElems;
    return { luts: clog2(r) + 4, ffs: outW + clog2(r) + 1, brams: 0, dsps: 0 };
  }
  if (inElems % outElems === 0) {
    const r = inElems / outElems;
    return { luts: outW * Math.ceil(r / 4) + clog2(r) + 4, ffs: inW + clog2(r) + 1, brams: 0, dsps: 0 };
  }
  const cap = (inElems + outElems + Math.max(inElems, outElems) - 1) * elemBits;
  return { luts: 3 * cap, ffs: cap + clog2(cap + 1), brams: 0, dsps: 0 };
}

/** Bits of the term logic of one lane (see the file comment). */
function termBits(n: MvuNode, dspLane: boolean): number {
  const a = actBits(n.input);
  switch (n.engine) {
    case 'xnor-popcount':
      return 1;
    case 'sign-add':
      return a + 1;
    case 'shift-add': {
      const levels = n.weights.kind === 'pow2' ? n.weights.levels : 1;
      return (a + levels - 1) * Math.max(1, Math.ceil(levels / 4)) + 1;
    }
    case 'int-mac':
      return dspLane ? 0 : a * weightBits(n.weights) + 1;
  }
}

/** True when Yosys maps one int-mac lane's multiplier to a DSP48E1. */
export function laneUsesDsp(n: MvuNode): boolean {
  if (n.engine !== 'int-mac' || n.input.kind === 'bipolar') return false;
  const a = actBits(n.input) + 1; // unsigned code, signed product
  const w = weightBits(n.weights);
  return a >= 2 && w >= 2 && a + w >= 9;
}

/** True when the weight ROM has a single word: the weights are constants of the logic. */
export function constantWeights(n: MvuNode): boolean {
  return (n.mh / n.pe) * (n.mw / n.simd) === 1;
}

/** A netlist wire after constant propagation: a constant, or a function of these signals. */
type WireValue = { c: 0 | 1 } | { leaves: Set<string> };

/**
 * Evaluates one assign's expression of the generated netlist (~ & ^ | on bits,
 * Verilog precedence) with known bits (`known`: signal -> 0 or 1) folded in, as
 * Yosys folds constants: what is left is a constant or a function of `leaves`
 * (wires that came out as a single literal are replaced by that literal).
 */
function evalExpr(expr: string, wires: Map<string, WireValue>, known: Map<string, 0 | 1> | null): WireValue {
  const toks = expr.match(/1'b[01]|[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?|[~&^|()]/g) ?? [];
  let i = 0;
  const both = (a: WireValue, b: WireValue): WireValue =>
    'c' in a ? b : 'c' in b ? a : { leaves: new Set([...a.leaves, ...b.leaves]) };
  const atom = (): WireValue => {
    const t = toks[i++];
    if (t === '~') {
      const v = atom();
      return 'c' in v ? { c: (1 - v.c) as 0 | 1 } : v;
    }
    if (t === '(') {
      const v = or();
      i++; // ')'
      return v;
    }
    if (t === "1'b0" || t === "1'b1") return { c: t === "1'b1" ? 1 : 0 };
    const k = known?.get(t);
    if (k !== undefined) return { c: k };
    const w = wires.get(t);
    if (w) return 'c' in w ? w : w.leaves.size === 1 ? w : { leaves: new Set([t]) };
    return { leaves: new Set([t]) };
  };
  const and = (): WireValue => {
    let v = atom();
    while (toks[i] === '&') {
      i++;
      const b = atom();
      v = 'c' in v && v.c === 0 ? v : 'c' in b && b.c === 0 ? b : both(v, b);
    }
    return v;
  };
  const xor = (): WireValue => {
    let v = and();
    while (toks[i] === '^') {
      i++;
      const b = and();
      v = 'c' in v && 'c' in b ? { c: (v.c ^ b.c) as 0 | 1 } : both(v, b);
    }
    return v;
  };
  const or = (): WireValue => {
    let v = xor();
    while (toks[i] === '|') {
      i++;
      const b = xor();
      v = 'c' in v && v.c === 1 ? v : 'c' in b && b.c === 1 ? b : both(v, b);
    }
    return v;
  };
  return or();
}

/**
 * LUT6s of a generated compressor tree (src/backends/rtl/dot-tree.ts) of `simd`
 * lanes, counted on the netlist the RTL backend prints: each assign is a function
 * of its distinct leaf signals (tree inputs and earlier wires), one LUT6 up to 6
 * of them, one more per 5 beyond; a wire of one signal (an inverter, a copy) or a
 * constant is free. `known` fixes input bits (constant weights: Yosys folds them).
 * The final two-row adder is not counted here (the tree-add feature).
 */
export function treeLuts(engine: TreeEngine, simd: number, accWidth: number, known: Map<string, 0 | 1> | null = null): number {
  const key = known ? null : `${JSON.stringify(engine)}/${simd}/${accWidth}`;
  const hit = key ? treeLutCache.get(key) : undefined;
  if (hit !== undefined) return hit;
  let luts = 0;
  if (simd > 0) {
    const wires = new Map<string, WireValue>();
    for (const [wire, expr] of treeAssigns(engine, simd, accWidth)) {
      const v = evalExpr(expr, wires, known);
      wires.set(wire, v);
      if ('leaves' in v && v.leaves.size > 1) luts += Math.ceil((v.leaves.size - 1) / 5);
    }
  }
  if (key) {
    if (treeLutCache.size > 1000) treeLutCache.clear();
    treeLutCache.set(key, luts);
  }
  return luts;
}
const treeLutCache = new Map<string, number>();

/** The (wire, expression) assigns of a tree netlist, built once per shape (constant-weight nodes evaluate it per channel). */
function treeAssigns(engine: TreeEngine, simd: number, accWidth: number): Array<[string, string]> {
  const key = `${JSON.stringify(engine)}/${simd}/${accWidth}`;
  let hit = treeAssignCache.get(key);
  if (!hit) {
    hit = buildTree({ simd, accWidth, engine }).net.assigns.flatMap((a): Array<[string, string]> => {
      const m = /assign (t\d+) = (.*);$/.exec(a);
      return m ? [[m[1], m[2]]] : [];
    });
    if (treeAssignCache.size > 64) treeAssignCache.clear();
    treeAssignCache.set(key, hit);
  }
  return hit;
}
const treeAssignCache = new Map<string, Array<[string, string]>>();
/** Flip-flops of the register levels of one generated tree (PlanOptions.pipeline), counted on its netlist. */
export function treeRegisters(engine: TreeEngine, simd: number, accWidth: number, pipeline: number): number {
  if (pipeline === 0 || simd === 0) return 0;
  const key = `${JSON.stringify(engine)}/${simd}/${accWidth}/${pipeline}`;
  const hit = treeRegisterCache.get(key);
  if (hit !== undefined) return hit;
  const n = buildTree({ simd, accWidth, engine, pipeline }).net.registered.size;
  if (treeRegisterCache.size > 1000) treeRegisterCache.clear();
  treeRegisterCache.set(key, n);
  return n;
}
const treeRegisterCache = new Map<string, number>();

/**
 * Tree LUTs of a node whose weights are constants (one weight word): each
 * channel's tree with its weight bits folded in, as Yosys folds them.
 */
function constantTreeLuts(n: MvuNode, engine: TreeEngine): number {
  const wb = treeWeightBits(engine);
  let luts = 0;
  for (const row of n.weightCodes) {
    const known = new Map<string, 0 | 1>();
    row.forEach((code, s) => {
      for (let b = 0; b < wb; b++) known.set(`w_i[${s * wb + b}]`, ((code >> b) & 1) as 0 | 1);
    });
    luts += treeLuts(engine, n.simd, n.accWidth, known);
  }
  return luts;
}

/** The LUT features of one node (the model is linear in them; see Coefficients). */
export function nodeLutFeatures(n: MvuNode, np: NodePlan): Record<string, number> {
  const P = n.pe;
  const S = n.simd;
  const A = actBits(n.input);
  const e = n.engine;
  const f: Record<string, number> = {};
  const tree = np.engineFiles.length > 0 ? treeEngineOf(np) : null;
  if (tree) {
    // The RTL's generated engine: P trees (netlist LUTs) and their final adders, plus
    // for sign-add with unsigned inputs one shared input-sum tree and its adder.
    // Constant weights leave heaps of input literals, which abc packs tighter: their own coefficient.
    if (constantWeights(n)) f['tree:constant'] = constantTreeLuts(n, tree);
    else f[`tree:${e}`] = P * treeLuts(tree, S, n.accWidth);
    f['tree-add'] = P * n.accWidth;
    if (treeTakesXsum(tree)) {
      const k = constantWeights(n) ? 'tree:constant' : `tree:${e}`;
      // the input-sum tree ends in two rows (carry-save): no adder of its own
      f[k] += treeLuts({ kind: 'usum', inBits: A }, S, n.accWidth);
    }
  } else if (constantWeights(n) && e !== 'int-mac') {
    f[`lane:${e}`] = P * S * (A + 1);
    f[`term:${e}`] = 0;
  } else if (laneUsesDsp(n)) {
    // The DSP48 takes the multiplier and, where Yosys packs it, the adder after it.
    f['lane:int-mac-dsp'] = P * S * n.accWidth;
  } else {
    f[`lane:${e}`] = P * S * n.accWidth;
    f[`term:${e}`] = P * S * termBits(n, false);
  }
  if (n.output.kind === 'thresholds') f.cmp = P * (np.bsearch ? np.bsLevels : n.output.count) * cmpWidth(n);
  else f.add = P * n.output.logitWidth;
  const sf = n.mw / S;
  const nf = n.mh / P;
  f.ctrl = Math.max(1, clog2(sf)) + Math.max(1, clog2(nf)) + Math.max(1, clog2(sf * nf));
  f.node = 1;
  return f;
}

/**
 * One node. `np` is the RTL backend's plan of it (src/backends/rtl/plan.ts):
 * the ROM images, where they live, and which threshold stage is built.
 */
export function estimateNode(n: MvuNode, np: NodePlan, c: Coefficients = DEFAULT_COEFFICIENTS): NodeResources {
  const P = n.pe;
  const S = n.simd;
  const A = actBits(n.input);
  const acc = n.accWidth;
  const sf = n.mw / S;
  const nf = n.mh / P;
  const sfBits = Math.max(1, clog2(sf));
  const nfBits = Math.max(1, clog2(nf));
  const waddr = Math.max(1, clog2(sf * nf));
  const dsp = laneUsesDsp(n);
  const f = nodeLutFeatures(n, np);
  const lin = (keys: string[]) => keys.reduce((t, k) => t + (c[k] ?? 0) * (f[k] ?? 0), 0);

  const engine = np.engineFiles.length > 0 ? treeEngineOf(np) : null;
  // Register levels in the trees, and the valid/last/fold flags delayed beside them (engine and MVU).
  const pipeFfs = engine ? P * treeRegisters(engine, S, acc, np.enginePipe) + np.enginePipe * (4 + nfBits) : 0;
  // The input sum kept beside each word, two rows (sign-add trees on unsigned inputs).
  const side = np.engineFiles.some((f) => f.endsWith('_dot_xsum')) ? 2 * acc : 0;
  const datapath: Resources = {
    luts: Math.round(lin([`lane:${n.engine}`, `term:${n.engine}`, 'lane:int-mac-dsp', `tree:${n.engine}`, 'tree:constant', 'tree-add'])),
    // Accumulator and result register per channel; with DSP lanes one of them lives in the DSP48.
    ffs: (dsp ? 1 : 2) * P * acc + pipeFfs,
    brams: 0,
    dsps: dsp ? P * S : 0,
  };

  let output: Resources;
  let tables: Resources = { ...ZERO };
  if (n.output.kind === 'thresholds' && np.bsearch) {
    // qtsc_thresholds_bsearch: L pipelined stages of one comparison per channel, each
    // reading its channel's table asynchronously; registers: accumulators through L
    // stages, the count bits decided so far, invert flags, frame indices, valid bits.
    const L = np.bsLevels;
    output = {
      luts: Math.round(lin(['cmp']) + P * L),
      ffs: P * acc /* the MVU's raw accumulator word */ + L * P * acc + (P * L * (L + 1)) / 2 + L * P + (L + 1) * nfBits + L + 1,
      brams: 0,
      dsps: 0,
    };
    tables = sum(np.tableRoms.map((t) => asyncRomCost(t, L)));
  } else if (n.output.kind === 'thresholds') {
    output = { luts: Math.round(lin(['cmp']) + (P * n.output.count) / 2), ffs: np.outWidth, brams: 0, dsps: 0 };
  } else {
    output = { luts: Math.round(lin(['add'])), ffs: np.outWidth, brams: 0, dsps: 0 };
  }

  const weightRom = romCost(np.weightRom);
  const paramRom = np.bsearch ? { ...ZERO } : romCost(np.paramRom);
  const inputBuffer: Resources =
    nf > 1 ? sum([memoryCost(2 << sfBits, S * A + side, 'ram'), { luts: 0, ffs: 4 + sfBits, brams: 0, dsps: 0 }]) : { ...ZERO };
  const counterBits = sfBits + nfBits + waddr;
  // The weight ROM's output register and stage S1b (word, side word, flags) beside it;
  // with DSP lanes Yosys moves them into the DSP48s' input registers.
  const weightRegFfs = np.weightReg && !dsp ? np.weightRom.width + S * A + side + 2 + nfBits : 0;
  const control: Resources = {
    luts: Math.round(lin(['ctrl', 'node'])),
    ffs: counterBits + nfBits + S * A + side + NODE_FFS + weightRegFfs,
    brams: 0,
    dsps: 0,
  };
  const skid = skidCost(np.outWidth);
  const parts = { datapath, output, tables, weightRom, paramRom, inputBuffer, control, skid };
  return { name: n.name, engine: n.engine, ...sum(Object.values(parts)), parts };
}

/**
 * A sliding-window or max-pool unit: its line buffer (a RAM of
 * bufferWords words of SIMD elements, see plan.ts), the counters that walk
 * rows, columns, taps and channel groups, and for max pool the running
 * maximum of C/SIMD words and SIMD comparators; for a 'same' average pool the
 * border-scale adders. Not yet fitted on synthesis.
 */
export function estimateWindow(w: WindowPlan, c: Coefficients = DEFAULT_COEFFICIENTS): NodeResources {
  const buffer = memoryCost(w.bufferWords, w.inWidth, 'ram');
  const counterBits = [w.ih, w.iw, w.kh, w.kw, w.c / w.simd, w.oh, w.ow].reduce((a, v) => a + Math.max(1, clog2(v)), 0);
  const control: Resources = { luts: Math.round(2 * counterBits + (c.node ?? 0)), ffs: counterBits + 4, brams: 0, dsps: 0 };
  const parts: Record<string, Resources> = { buffer, control, output: skidCost(w.outWidth) };
  if (w.kind !== 'swu') {
    parts.pool = { luts: Math.round(w.simd * ((c.cmp ?? 1) * w.elemBits + w.elemBits)), ffs: (w.c / w.simd) * w.inWidth, brams: 0, dsps: 0 };
  }
  if (w.poolMode === 2) {
    // Per lane two shift-and-add chains (row and column factor) of FactorBits - 1 adders
    // each (the first term is a select), and the window position counters.
    parts.borderScale = { luts: 2 * w.simd * (w.factorBits - 1) * w.outElemBits, ffs: Math.max(1, clog2(w.oh)) + Math.max(1, clog2(w.ow)), brams: 0, dsps: 0 };
  }
  if (w.direct) delete parts.buffer;
  return { name: w.name, engine: w.kind === 'swu' ? 'sliding window' : w.kind === 'maxpool' ? 'max pool' : 'sum pool', ...sum(Object.values(parts)), parts };
}

/**
 * A depthwise unit: per lane (SIMD x multiplier) an adder of accWidth bits
 * (twice that for a pow2 shifter in front) and the threshold comparators;
 * the running sums (C/SIMD words of every lane) and the two ROMs. Not yet
 * fitted on synthesis.
 */
export function estimateVvu(v: VvuPlan, c: Coefficients = DEFAULT_COEFFICIENTS): NodeResources {
  const shifter = v.weightKind === 1 ? 2 : 1;
  const datapath: Resources = { luts: Math.round(v.lanes * v.accWidth * shifter), ffs: v.lanes * v.accWidth, brams: 0, dsps: v.multipliers };
  const output: Resources = { luts: Math.round(v.lanes * v.thrCount * v.cmpWidth * (c.cmp ?? 1)), ffs: v.outWidth, brams: 0, dsps: 0 };
  const sums = memoryCost(v.groups, v.lanes * v.accWidth, 'ram');
  const weightRom = romCost(v.weightRom);
  const paramRom = romCost(v.paramRom);
  const parts = { datapath, output, sums, weightRom, paramRom, skid: skidCost(v.outWidth) };
  return { name: v.name, engine: 'depthwise (vvu)', ...sum(Object.values(parts)), parts };
}

/** Fork (two skid buffers), skip FIFO (a RAM of depth words) and requantizing add (adders, comparators, ROM). Not yet fitted. */
export function estimateResidual(u: ForkPlan | FifoPlan | AddPlan, c: Coefficients = DEFAULT_COEFFICIENTS): NodeResources {
  let parts: Record<string, Resources>;
  if (u.kind === 'fork') parts = { skids: sum([skidCost(u.outWidth), skidCost(u.outWidth)]) };
  else if (u.kind === 'fifo') parts = { memory: memoryCost(u.depth, u.outWidth, 'ram'), control: { luts: 4 * clog2(u.depth + 1) + 8, ffs: 2 * clog2(u.depth + 1) + u.outWidth + 4, brams: 0, dsps: 0 } };
  else {
    parts = {
      datapath: { luts: u.simd * u.zWidth * 2, ffs: u.simd * u.zWidth, brams: 0, dsps: 0 },
      output: { luts: Math.round(u.simd * u.thrCount * u.cmpWidth * (c.cmp ?? 1)), ffs: u.outWidth, brams: 0, dsps: 0 },
      paramRom: romCost(u.paramRom),
    };
  }
  return { name: u.name, engine: u.kind, ...sum(Object.values(parts)), parts };
}

/** One node's estimate from its stage plan (planStage or planRtl's stages). */
export function estimateStagePlan(n: HwNode, st: StagePlan, c: Coefficients = DEFAULT_COEFFICIENTS): NodeResources {
  if (st.kind === 'mvu') {
    if (n.op !== 'mvu') throw new Error(`estimateStagePlan: node '${n.name}' is not an MVU`);
    return estimateNode(n, st, c);
  }
  return estimateStage(st, c);
}

function estimateStage(st: StagePlan, c: Coefficients): NodeResources {
  if (st.kind === 'vvu') return estimateVvu(st, c);
  if (st.kind === 'fork' || st.kind === 'fifo' || st.kind === 'add') return estimateResidual(st, c);
  if (st.kind === 'mvu') throw new Error('estimateStage: MVUs are estimated by estimateNode');
  return estimateWindow(st, c);
}

/** Stream glue between nodes (width converters) and the end of the pipeline (argmax collection). */
export function estimateTop(ir: HardwareIR, c: Coefficients = DEFAULT_COEFFICIENTS, opts: PlanOptions = {}, plan: RtlPlan = planRtl(ir, opts)): Resources {
  const parts: Resources[] = [];
  for (let i = 0; i + 1 < plan.stages.length; i++) {
    const a = plan.stages[i];
    const b = plan.stages[i + 1];
    parts.push(widthConvCost(a.outElemBits, a.kind === 'mvu' ? a.pe : a.outElems, b.simd));
  }
  const last = outputNode(ir);
  const fmt = streamFormat(ir);
  const lw = fmt.logitBits;
  const nfBits = Math.max(1, clog2(last.mh / last.pe));
  // Input framing: the frame checker's word counter and flags, then a register slice.
  parts.push({ luts: 0, ffs: Math.max(1, clog2(fmt.inputWordsPerFrame)) + 3, brams: 0, dsps: 0 }, skidCost(fmt.inputDataBits));
  // qtsc_argmax_collect Pipelined: level k registers the maxima of its Leaves/2^(k+1) pairs
  // (value and lane index so far), and beside the tree the flags, base index and the word.
  const levels = plan.collectorPipelined && last.pe > 1 ? clog2(last.pe) : 0;
  let treeFfs = 0;
  for (let k = 0; k < levels; k++) treeFfs += ((1 << levels) >> (k + 1)) * (lw + k + 1) + 3 + fmt.indexBits + last.pe * lw;
  parts.push({
    // Pe comparisons per word against the running maximum, index muxes, word assembly.
    luts: Math.round(last.pe * ((c.cmp ?? 0) * lw + lw + fmt.indexBits) + (c.ctrl ?? 0) * nfBits + (c.node ?? 0)),
    ffs: fmt.outputDataBits + lw + fmt.indexBits + nfBits + 2 + treeFfs,
    brams: 0,
    dsps: 0,
  });
  return sum(parts);
}

/** `opts` are the RTL backend's (planRtl): the estimate is of the RTL emitRtl(ir, dir, opts) writes. */
/** `plan`, when the caller has it, must be planRtl(ir, opts). */
export function estimateResources(ir: HardwareIR, c: Coefficients = DEFAULT_COEFFICIENTS, opts: PlanOptions = {}, plan: RtlPlan = planRtl(ir, opts)): ResourceEstimate {
  const mvus = mvuNodes(ir);
  let k = 0;
  const nodes = plan.stages.map((st) => (st.kind === 'mvu' ? estimateNode(mvus[k], plan.nodes[k++], c) : estimateStage(st, c)));
  const top = estimateTop(ir, c, opts, plan);
  return { nodes, top, total: sum([...nodes, top]) };
}

/** The RTL plan emitRtl(ir, dir, opts) follows and its estimates: computed once, for the size guard, the report and the flows. */
export interface RtlEstimate {
  plan: RtlPlan;
  estimate: ResourceEstimate;
  /** Cycles from a frame's first input word to its output word, no stalls (latency.ts). */
  latencyCycles: number;
}

export function estimateRtl(ir: HardwareIR, opts: PlanOptions = {}): RtlEstimate {
  const plan = planRtl(ir, opts);
  return { plan, estimate: estimateResources(ir, DEFAULT_COEFFICIENTS, opts, plan), latencyCycles: frameLatency(ir, plan) };
}

/**
 * The LUT model is linear in the coefficients: luts = sum_k coef_k * feature_k
 * + fixed (ROMs, buffers, glue: not fitted). These are the features of one design.
 */
export function lutFeatures(ir: HardwareIR, opts: PlanOptions = {}): { features: Record<string, number>; fixed: number } {
  const f: Record<string, number> = {};
  const add = (k: string, v: number) => (f[k] = (f[k] ?? 0) + v);
  const zero: Coefficients = {};
  const plan = planRtl(ir, opts);
  let fixed = 0;
  mvuNodes(ir).forEach((n, i) => {
    fixed += estimateNode(n, plan.nodes[i], zero).luts;
    for (const [k, v] of Object.entries(nodeLutFeatures(n, plan.nodes[i]))) add(k, v);
  });
  for (const st of plan.stages) if (st.kind !== 'mvu') fixed += estimateStage(st, zero).luts;
  fixed += estimateTop(ir, zero, opts, plan).luts;
  const last = outputNode(ir);
  const fmt = streamFormat(ir);
  add('cmp', last.pe * fmt.logitBits);
  add('ctrl', Math.max(1, clog2(last.mh / last.pe)));
  add('node', 1);
  return { features: f, fixed };
}

/**
 * Least-squares fit of the LUT coefficients to measured LUT counts, minimising
 * the squared relative error (so small designs count as much as large ones),
 * non-negative (coordinate descent). Features no sample exercises keep their
 * `base` value. Returns the mean relative error before and after.
 */
export function fitCoefficients(
  samples: Array<{ ir: HardwareIR; luts: number; opts?: PlanOptions }>,
  base: Coefficients = DEFAULT_COEFFICIENTS,
): { coefficients: Coefficients; errorBefore: number; errorAfter: number; maxErrorAfter: number } {
  const rows = samples.map((s) => ({ ...lutFeatures(s.ir, s.opts), luts: s.luts }));
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.features).filter((k) => r.features[k] !== 0)))].sort();
  const x = keys.map((k) => base[k] ?? 0);
  const weight = rows.map((r) => 1 / Math.max(1, r.luts) ** 2);
  for (let iter = 0; iter < 2000; iter++) {
    let moved = 0;
    for (let j = 0; j < keys.length; j++) {
      let num = 0;
      let den = 0;
      rows.forEach((r, i) => {
        const fj = r.features[keys[j]] ?? 0;
        if (fj === 0) return;
        let pred = r.fixed;
        keys.forEach((k, m) => {
          if (m !== j) pred += x[m] * (r.features[k] ?? 0);
        });
        num += weight[i] * fj * (r.luts - pred);
        den += weight[i] * fj * fj;
      });
      if (den > 0) {
        const next = Math.max(0, num / den);
        moved = Math.max(moved, Math.abs(next - x[j]));
        x[j] = next;
      }
    }
    if (moved < 1e-9) break;
  }
  const coefficients: Coefficients = { ...base };
  keys.forEach((k, j) => (coefficients[k] = Math.round(x[j] * 1000) / 1000));
  const errs = (c: Coefficients) =>
    samples.map((smp) => Math.abs(estimateResources(smp.ir, c, smp.opts).total.luts - smp.luts) / Math.max(1, smp.luts));
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  const after = errs(coefficients);
  return { coefficients, errorBefore: mean(errs(base)), errorAfter: mean(after), maxErrorAfter: Math.max(0, ...after) };
}
