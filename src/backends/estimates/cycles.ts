/**
 * Analytic cycle model. Each node's cycles per frame come from
 * src/ir/node-cycles.ts (an MVU: numVectors * (MH/PE) * (MW/SIMD)); the pipeline's steady-state pace is
 * that of its slowest node (every node runs concurrently on consecutive
 * frames). The latency of a frame comes from the RTL plan instead
 * (latency.ts: the registers and waits on the frame's path).
 */
import { type HardwareIR, inputLength } from '../../ir/hardware-ir.js';
import { nodeCycles } from '../../ir/node-cycles.js';
import { QtscError } from '../../util/errors.js';

export interface NodeCycles {
  name: string;
  /** Steady-state cycles per frame (src/ir/node-cycles.ts). */
  cycles: number;
}

export interface CycleEstimate {
  nodes: NodeCycles[];
  /** Steady-state cycles between frames: the maximum over nodes. */
  cyclesPerFrame: number;
  /** Name of the node that sets the pace (first of equals). */
  bottleneck: string;
  /** Words the top's input stream carries per frame. */
  inputWordsPerFrame: number;
}

export function estimateCycles(ir: HardwareIR): CycleEstimate {
  if (ir.nodes.length === 0) throw new QtscError('estimateCycles: the design has no nodes');
  const nodes = ir.nodes.map((n): NodeCycles => {
    if (n.op === 'mvu' && n.mh % n.pe !== 0) throw new QtscError(`node '${n.name}': pe ${n.pe} does not divide mh ${n.mh}`);
    if (n.op === 'mvu' && n.mw % n.simd !== 0) throw new QtscError(`node '${n.name}': simd ${n.simd} does not divide mw ${n.mw}`);
    return { name: n.name, cycles: nodeCycles(ir, n) };
  });
  let worst = nodes[0];
  for (const n of nodes) if (n.cycles > worst.cycles) worst = n;
  return {
    nodes,
    cyclesPerFrame: worst.cycles,
    bottleneck: worst.name,
    inputWordsPerFrame: inputLength(ir) / ir.nodes[0].simd,
  };
}

/** Frames per second at a clock frequency. */
export function framesPerSecond(cyclesPerFrame: number, clockMHz: number): number {
  return (clockMHz * 1e6) / cyclesPerFrame;
}
