/**
 * Analytic cycle model. An MVU consumes an MW-element input vector as MW/SIMD
 * words and produces MH outputs PE at a time, so it needs
 * (MH/PE) * (MW/SIMD) cycles per frame; the pipeline's steady-state pace is
 * that of its slowest node (every node runs concurrently on consecutive
 * frames). The latency figure is a first-order bound: every node finishes its
 * frame before the next can finish its own, plus a few cycles of registers per
 * node; simulation reports the measured one.
 */
import type { HardwareIR } from '../../ir/hardware-ir.js';
import { QtscError } from '../../util/errors.js';

export interface NodeCycles {
  name: string;
  /** (mh/pe) * (mw/simd) */
  cycles: number;
  /** mh/pe: output groups per frame. */
  outputGroups: number;
  /** mw/simd: input words per output group. */
  inputWords: number;
}

export interface CycleEstimate {
  nodes: NodeCycles[];
  /** Steady-state cycles between frames: the maximum over nodes. */
  cyclesPerFrame: number;
  /** Name of the node that sets the pace (first of equals). */
  bottleneck: string;
  /** First-order latency estimate in cycles (see the file comment). */
  latencyCycles: number;
  /** Words the top's input stream carries per frame. */
  inputWordsPerFrame: number;
}

/** Register stages assumed per node for the latency figure (ROM read, accumulate, output stage). */
export const PIPELINE_STAGES_PER_NODE = 3;

export function estimateCycles(ir: HardwareIR): CycleEstimate {
  if (ir.nodes.length === 0) throw new QtscError('estimateCycles: the design has no nodes');
  const nodes = ir.nodes.map((n): NodeCycles => {
    if (n.mh % n.pe !== 0) throw new QtscError(`node '${n.name}': pe ${n.pe} does not divide mh ${n.mh}`);
    if (n.mw % n.simd !== 0) throw new QtscError(`node '${n.name}': simd ${n.simd} does not divide mw ${n.mw}`);
    const outputGroups = n.mh / n.pe;
    const inputWords = n.mw / n.simd;
    return { name: n.name, cycles: outputGroups * inputWords, outputGroups, inputWords };
  });
  let worst = nodes[0];
  for (const n of nodes) if (n.cycles > worst.cycles) worst = n;
  return {
    nodes,
    cyclesPerFrame: worst.cycles,
    bottleneck: worst.name,
    latencyCycles: nodes.reduce((s, n) => s + n.cycles + PIPELINE_STAGES_PER_NODE, 0),
    inputWordsPerFrame: ir.inputLength / ir.nodes[0].simd,
  };
}

/** Frames per second at a clock frequency. */
export function framesPerSecond(cyclesPerFrame: number, clockMHz: number): number {
  return (clockMHz * 1e6) / cyclesPerFrame;
}
