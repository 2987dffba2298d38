/**
 * Pass: folding by goal. Instead of a cycle target per layer (choose-folding's
 * autoFold, FINN's SetFolding, hls4ml's reuse factor), the user names a speed
 * (`--target-fps`) or a size (`--lut-budget`, `--bram-budget`), and this pass
 * picks PE and SIMD for every node from the analytic estimates
 * (src/backends/estimates/resources.ts):
 *
 *   - the options of a node are the foldings its RTL accepts: an MVU's PE
 *     divides MH and its SIMD divides MW (the input channels when a sliding
 *     window feeds it, see simdChoices); every other node's SIMD divides its
 *     channels; a sliding window takes the SIMD of the MVU or VVU it feeds, so
 *     the two are one group with one choice;
 *   - the cost of an option is the node's estimate (planStage + the node's
 *     estimator, memoised per folding), plus the width converters on the
 *     streams it shares with its neighbours (widthConvCost, which depends on
 *     both ends);
 *   - for a cycle target T, each group takes the cheapest option that meets T,
 *     then coordinate descent re-chooses one group at a time with its
 *     neighbours fixed until nothing improves (converter costs couple
 *     neighbours). The descent also starts from autoFold's folding for T, so
 *     the result is never costlier than it by this model;
 *   - the Pareto front sweeps T over every cycle count an option reaches and
 *     keeps the points no other beats on both cycles and LUTs, each re-estimated
 *     on the whole design (FIFOs included) as gen-hw writes it.
 */
import { type HardwareIR, type HwNode, type MvuNode, outputElementBits } from '../ir/hardware-ir.js';
import { nodeCycles } from '../ir/node-cycles.js';
import { type PlanOptions, type StagePlan, planStage } from '../backends/rtl/plan.js';
import { type Resources, constantWeights, estimateResources, estimateStagePlan, widthConvCost } from '../backends/estimates/resources.js';
import { estimateCycles, framesPerSecond } from '../backends/estimates/cycles.js';
import { type Folds, autoFold, foldsForTarget, simdChoices, withFolding } from './choose-folding.js';
import { insertSkipFifos, insertWindowFifos } from './skip-fifos.js';
import { QtscError } from '../util/errors.js';
import { divisors } from '../util/random.js';

export interface FoldingGoal {
  /** Frames per second to reach, at clockMHz. */
  targetFps?: number;
  /** Estimated LUTs the design may use; the fastest folding within it is chosen. */
  lutBudget?: number;
  /** Estimated block RAM (RAMB36 units) the design may use, with lutBudget or targetFps. */
  bramBudget?: number;
  /** Clock for frames per second (MHz). */
  clockMHz: number;
  /** Also sweep the whole Pareto front (always swept for a LUT budget). */
  explore?: boolean;
  /** The RTL backend's options the estimates follow (gen-hw's --dot-trees). */
  plan?: PlanOptions;
}

/** One folding of the whole design and its estimate. */
export interface FoldingPoint {
  cyclesPerFrame: number;
  fps: number;
  luts: number;
  ffs: number;
  brams: number;
  dsps: number;
  bottleneck: string;
  /** PE and SIMD per node, in node order (non-MVU nodes have PE 1). */
  folding: Array<{ node: string; pe: number; simd: number }>;
}

export interface OptimizedFolding {
  /** The folded IR (before the FIFO passes, like autoFold's). */
  ir: HardwareIR;
  chosen: FoldingPoint;
  /** Fastest first; only points no other beats on both cycles and LUTs. */
  front: FoldingPoint[];
  goal: FoldingGoal;
  /** autoFold's folding (no target) by the same estimate, for comparison. */
  baseline: FoldingPoint;
  /** Wall time of the search (ms). */
  elapsedMs: number;
}

/**
 * A fully unfolded MVU folds every weight into its logic, and its estimate
 * evaluates one compressor tree per output channel with those weights fixed:
 * seconds for a layer of 200k weights, for a design of a million LUTs. The
 * Pareto sweep leaves such options out above this many weights; a target that
 * needs one still gets it.
 */
export const BULKY_WEIGHTS = 4096;

/** The Pareto sweep stops at the first folding estimated above this many LUTs (a large Xilinx part). */
export const EXPLORE_MAX_LUTS = 250_000;

interface Option {
  pe: number;
  simd: number;
  /** Slowest member of the group with this option. */
  cycles: number;
  /** Estimate of the group's nodes (computed on first use). */
  readonly res: Resources;
  /** A fully unfolded MVU of more than BULKY_WEIGHTS weights (see there). */
  bulky: boolean;
  /** Output word of each member: elements and bits per element (for width converters). */
  outElems: Map<number, number>;
  outElemBits: Map<number, number>;
}

interface Group {
  /** Node indices; the first is the one whose options these are. */
  members: number[];
  options: Option[];
}

/** Ties: a sliding window follows the SIMD of the MVU or VVU it feeds. */
function consumerIndex(ir: HardwareIR, n: HwNode): number {
  return ir.nodes.findIndex((m) => m.inputs.includes(n.outputs[0]));
}

function nodeOptions(ir: HardwareIR, n: HwNode): Array<{ pe: number; simd: number }> {
  if (n.op === 'mvu') return divisors(n.mh).flatMap((pe) => simdChoices(ir, n).map((simd) => ({ pe, simd })));
  const c = n.op === 'vvu' ? n.channels : ir.tensors[n.inputs[0]].shape[2];
  return divisors(c).map((simd) => ({ pe: 1, simd }));
}

function refold(n: HwNode, pe: number, simd: number): HwNode {
  return n.op === 'mvu' ? ({ ...n, pe, simd, multipliers: n.engine === 'int-mac' ? pe * simd : 0 } as MvuNode) : ({ ...n, simd } as HwNode);
}

function outElemsOf(st: StagePlan): number {
  return st.kind === 'mvu' ? st.pe : st.outElems;
}

const weighted = (r: Resources, bramWeight: number) => r.luts + bramWeight * r.brams;

/** The search space: groups of nodes with their options, each estimated once. */
function buildGroups(ir: HardwareIR, plan: PlanOptions): Group[] {
  const tiedTo = new Map<number, number>();
  ir.nodes.forEach((n, i) => {
    if (n.op !== 'swu') return;
    const k = consumerIndex(ir, n);
    if (k >= 0 && (ir.nodes[k].op === 'mvu' || ir.nodes[k].op === 'vvu')) tiedTo.set(i, k);
  });
  const groups: Group[] = [];
  ir.nodes.forEach((n, i) => {
    if (tiedTo.has(i)) return;
    const members = [i, ...[...tiedTo].filter(([, k]) => k === i).map(([s]) => s)];
    const options = nodeOptions(ir, n).map((o): Option => {
      const nodes = members.map((m) => refold(ir.nodes[m], m === i ? o.pe : 1, o.simd));
      const outElems = new Map<number, number>();
      const outElemBits = new Map<number, number>();
      members.forEach((m, k) => {
        const node = nodes[k];
        // An MVU's plan builds its weight ROM image: only when its estimate is needed.
        const st = node.op === 'mvu' ? null : planStage(ir, node, m, plan);
        outElems.set(m, node.op === 'mvu' ? node.pe : outElemsOf(st!));
        outElemBits.set(m, node.op === 'mvu' ? outputElementBits(node) : st!.outElemBits);
      });
      let res: Resources | undefined;
      return {
        ...o,
        cycles: Math.max(...nodes.map((node) => nodeCycles(ir, node))),
        outElems,
        outElemBits,
        bulky: nodes.some((node) => node.op === 'mvu' && constantWeights(node) && node.mw * node.mh > BULKY_WEIGHTS),
        get res(): Resources {
          if (!res) {
            res = { luts: 0, ffs: 0, brams: 0, dsps: 0 };
            members.forEach((m, k) => {
              const r = estimateStagePlan(nodes[k], planStage(ir, nodes[k], m, plan));
              res!.luts += r.luts;
              res!.ffs += r.ffs;
              res!.brams += r.brams;
              res!.dsps += r.dsps;
            });
          }
          return res;
        },
      };
    });
    groups.push({ members, options });
  });
  return groups;
}

/** Streams between nodes: producer and reader node indices. */
function streamEdges(ir: HardwareIR): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  ir.nodes.forEach((n, i) => {
    for (const t of n.outputs) {
      const k = ir.nodes.findIndex((m) => m.inputs.includes(t));
      if (k >= 0) edges.push([i, k]);
    }
  });
  return edges;
}

interface Search {
  ir: HardwareIR;
  groups: Group[];
  groupOf: number[];
  edges: Array<[number, number]>;
  /** Edges touching each group. */
  groupEdges: Array<Array<[number, number]>>;
}

function makeSearch(ir: HardwareIR, plan: PlanOptions): Search {
  const groups = buildGroups(ir, plan);
  const groupOf: number[] = [];
  groups.forEach((g, gi) => g.members.forEach((m) => (groupOf[m] = gi)));
  const edges = streamEdges(ir);
  const groupEdges = groups.map((_, gi) => edges.filter(([a, b]) => groupOf[a] === gi || groupOf[b] === gi));
  return { ir, groups, groupOf, edges, groupEdges };
}

/** LUTs of the width converter on edge a -> b with the given choices (option index per group). */
function edgeLuts(s: Search, [a, b]: [number, number], choice: number[]): number {
  const oa = s.groups[s.groupOf[a]].options[choice[s.groupOf[a]]];
  const ob = s.groups[s.groupOf[b]].options[choice[s.groupOf[b]]];
  return widthConvCost(oa.outElemBits.get(a)!, oa.outElems.get(a)!, ob.simd).luts;
}

function modelCost(s: Search, choice: number[], bramWeight: number): number {
  let t = 0;
  s.groups.forEach((g, gi) => (t += weighted(g.options[choice[gi]].res, bramWeight)));
  for (const e of s.edges) t += edgeLuts(s, e, choice);
  return t;
}

/**
 * Options worth estimating for a target: they meet it, are not bulky (unless
 * nothing else meets it, and never in the sweep), and have at most
 * LANE_SLACK times the fewest lanes that meet it: more lanes than that buy
 * speed the target does not ask for at a cost in LUTs the estimate would only
 * confirm, and estimating them is what takes the time.
 */
export const LANE_SLACK = 8;

function admissible(s: Search, target: number, sweep: boolean): boolean[][] {
  return s.groups.map((g) => {
    const meets = g.options.map((o) => o.cycles <= target && !(sweep && o.bulky));
    const light = g.options.some((o, i) => meets[i] && !o.bulky);
    const lanes = g.options.map((o) => o.pe * o.simd);
    const fewest = Math.min(...lanes.filter((_, i) => meets[i] && (!light || !g.options[i].bulky)));
    return g.options.map((o, i) => meets[i] && (!light || !o.bulky) && lanes[i] <= LANE_SLACK * fewest);
  });
}

/** Coordinate descent from `start` over options meeting `target`. */
function descend(s: Search, start: number[], ok: boolean[][], bramWeight: number): number[] {
  const choice = [...start];
  for (let pass = 0; pass < 20; pass++) {
    let changed = false;
    s.groups.forEach((g, gi) => {
      let best = choice[gi];
      let bestCost = Infinity;
      g.options.forEach((o, oi) => {
        if (!ok[gi][oi]) return;
        choice[gi] = oi;
        let c = weighted(o.res, bramWeight);
        for (const e of s.groupEdges[gi]) c += edgeLuts(s, e, choice);
        // Ties: fewer lanes, then wider SIMD (autoFold's preference).
        if (c < bestCost - 1e-9) {
          best = oi;
          bestCost = c;
        }
      });
      if (best !== choice[gi]) changed = true;
      choice[gi] = best;
    });
    if (!changed) break;
  }
  return choice;
}

/** The cheapest folding (by the model) meeting `target` cycles, or null when no option of some group meets it. */
function bestAt(s: Search, target: number, bramWeight: number, sweep = false): number[] | null {
  const ok = admissible(s, target, sweep);
  const greedy: number[] = [];
  for (const [gi, g] of s.groups.entries()) {
    let best = -1;
    g.options.forEach((o, oi) => {
      if (!ok[gi][oi]) return;
      if (best < 0 || weighted(o.res, bramWeight) < weighted(g.options[best].res, bramWeight)) best = oi;
    });
    if (best < 0) return null;
    greedy.push(best);
  }
  const starts = [greedy];
  // autoFold's folding for this target, when it meets it.
  const auto = foldsForTarget(s.ir, target);
  const autoChoice = s.groups.map((g) => g.options.findIndex((o) => o.pe === auto[g.members[0]].pe && o.simd === auto[g.members[0]].simd));
  if (autoChoice.every((oi, gi) => oi >= 0 && ok[gi][oi])) starts.push(autoChoice);
  let best: number[] | null = null;
  let bestCost = Infinity;
  for (const st of starts) {
    const c = descend(s, st, ok, bramWeight);
    const cost = modelCost(s, c, bramWeight);
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}

function foldsOf(s: Search, choice: number[]): Folds {
  const folds: Folds = s.ir.nodes.map(() => ({ pe: 1, simd: 1 }));
  s.groups.forEach((g, gi) => {
    const o = g.options[choice[gi]];
    g.members.forEach((m, k) => (folds[m] = { pe: k === 0 ? o.pe : 1, simd: o.simd }));
  });
  return folds;
}

/** The whole design's estimate as gen-hw writes it (FIFO passes included). */
export function evaluateFolding(ir: HardwareIR, clockMHz: number, plan: PlanOptions = {}): FoldingPoint {
  const full = insertSkipFifos(insertWindowFifos(ir));
  const est = estimateResources(full, undefined, plan);
  const cyc = estimateCycles(full);
  return {
    cyclesPerFrame: cyc.cyclesPerFrame,
    fps: framesPerSecond(cyc.cyclesPerFrame, clockMHz),
    luts: est.total.luts,
    ffs: est.total.ffs,
    brams: est.total.brams,
    dsps: est.total.dsps,
    bottleneck: cyc.bottleneck,
    folding: ir.nodes.map((n) => ({ node: n.name, pe: n.op === 'mvu' ? n.pe : 1, simd: n.simd })),
  };
}

/** Every cycle count some group reaches, ascending: the targets worth trying. */
function cycleTargets(s: Search): number[] {
  const floor = Math.max(...s.groups.map((g) => Math.min(...g.options.map((o) => o.cycles))));
  return [...new Set(s.groups.flatMap((g) => g.options.map((o) => o.cycles)))].filter((c) => c >= floor).sort((a, b) => a - b);
}

/** Keeps the points no other beats on both cycles and LUTs (one per folding), fastest first. */
export function paretoFilter(points: FoldingPoint[]): FoldingPoint[] {
  const sorted = [...points].sort((a, b) => a.cyclesPerFrame - b.cyclesPerFrame || a.luts - b.luts);
  const front: FoldingPoint[] = [];
  for (const p of sorted) if (front.length === 0 || p.luts < front[front.length - 1].luts) front.push(p);
  return front;
}

/** The fewest cycles per frame any folding reaches: the slowest node at its fastest. */
export function fastestCycles(ir: HardwareIR): number {
  return Math.max(...ir.nodes.map((n) => Math.min(...nodeOptions(ir, n).map((o) => nodeCycles(ir, refold(n, o.pe, o.simd))))));
}

export function optimizeFolding(ir: HardwareIR, goal: FoldingGoal): OptimizedFolding {
  const plan = goal.plan ?? {};
  const started = Date.now();
  if (!(goal.clockMHz > 0)) throw new QtscError(`folding: --clock must be positive (got ${goal.clockMHz})`);
  const s = makeSearch(ir, plan);
  const targets = cycleTargets(s);
  const weights = goal.bramBudget !== undefined ? [0, 64, 1e6] : [0];
  const seen = new Map<string, FoldingPoint>();
  const candidates: FoldingPoint[] = [];
  const point = (choice: number[]): FoldingPoint => {
    const key = choice.join(',');
    let p = seen.get(key);
    if (!p) {
      p = evaluateFolding(withFolding(ir, foldsOf(s, choice)), goal.clockMHz, plan);
      seen.set(key, p);
      candidates.push(p);
    }
    return p;
  };
  const bestFps = framesPerSecond(targets[0], goal.clockMHz);
  const fits = (p: FoldingPoint) => (goal.lutBudget === undefined || p.luts <= goal.lutBudget) && (goal.bramBudget === undefined || p.brams <= goal.bramBudget);

  let chosen: FoldingPoint | undefined;
  if (goal.targetFps !== undefined) {
    if (!(goal.targetFps > 0)) throw new QtscError(`folding: --target-fps must be positive (got ${goal.targetFps})`);
    const limit = Math.floor((goal.clockMHz * 1e6) / goal.targetFps);
    if (limit < targets[0]) {
      throw new QtscError(
        `folding: --target-fps ${goal.targetFps} at ${goal.clockMHz} MHz needs at most ${limit} cycles per frame; the fastest folding takes ${targets[0]} (${bestFps.toFixed(1)} frames/s, every node fully unfolded)`,
      );
    }
    const at = weights.map((w) => bestAt(s, limit, w)).filter((c): c is number[] => c !== null).map(point);
    const ok = at.filter(fits).sort((a, b) => a.luts - b.luts);
    if (ok.length === 0) {
      const least = at.reduce((a, b) => (b.luts < a.luts ? b : a));
      throw new QtscError(`folding: --target-fps ${goal.targetFps} at ${goal.clockMHz} MHz: the cheapest folding that fast is estimated at ${least.luts} LUTs and ${least.brams} BRAM36, over the budget (--lut-budget ${goal.lutBudget ?? '-'}, --bram-budget ${goal.bramBudget ?? '-'})`);
    }
    chosen = ok[0];
  }
  // The front (and, for a budget, the fastest point within it).
  const sweep = goal.lutBudget !== undefined || goal.explore;
  if (sweep) {
    // Slowest first, up to the first point over EXPLORE_MAX_LUTS: faster ones only cost more.
    sweepLoop: for (const t of [...targets].reverse()) {
      for (const w of weights) {
        const c = bestAt(s, t, w, true);
        if (c && point(c).luts > EXPLORE_MAX_LUTS) break sweepLoop;
      }
    }
  }
  if (!chosen && goal.lutBudget === undefined && goal.bramBudget === undefined) {
    // Exploring only: the design keeps autoFold's folding.
    const auto = autoFold(ir);
    const baseline = evaluateFolding(auto, goal.clockMHz, plan);
    return { ir: auto, chosen: baseline, front: paretoFilter(candidates), goal, baseline, elapsedMs: Date.now() - started };
  }
  if (!chosen) {
    const ok = candidates.filter(fits).sort((a, b) => a.cyclesPerFrame - b.cyclesPerFrame || a.luts - b.luts);
    if (ok.length === 0) {
      const least = candidates.reduce((a, b) => (b.luts < a.luts ? b : a));
      const slow = candidates.reduce((a, b) => (b.brams < a.brams ? b : a));
      throw new QtscError(
        `folding: no folding fits --lut-budget ${goal.lutBudget}${goal.bramBudget !== undefined ? ` --bram-budget ${goal.bramBudget}` : ''}: the smallest is estimated at ${least.luts} LUTs and ${least.brams} BRAM36 (${least.fps.toFixed(1)} frames/s at ${goal.clockMHz} MHz)` +
          (goal.bramBudget !== undefined ? `; the least block RAM any folding needs is ${slow.brams} BRAM36` : ''),
      );
    }
    chosen = ok[0];
  }
  const front = paretoFilter(candidates);
  const folds = chosen.folding.map((f) => ({ pe: f.pe, simd: f.simd }));
  const baseline = evaluateFolding(autoFold(ir), goal.clockMHz, plan);
  return { ir: withFolding(ir, folds), chosen, front: sweep ? front : [], goal, baseline, elapsedMs: Date.now() - started };
}
