/**
 * Cycles per frame of each node kind in steady state: the one cycle model
 * that folding, estimates, the report and the simulation checks share.
 */
import { type HardwareIR, type HwNode, type MvuNode, shapeSize, windowOutput } from './hardware-ir.js';

/** An MVU takes (MH/PE)*(MW/SIMD) cycles per vector, one weight word per cycle. */
export function mvuCycles(n: Pick<MvuNode, 'mw' | 'mh' | 'pe' | 'simd'> & { numVectors?: number }): number {
  return (n.numVectors ?? 1) * (n.mh / n.pe) * (n.mw / n.simd);
}

/**
 * Cycles per frame of a node. Window units move one word per cycle on each
 * side and overlap input and output, so the busier side sets the pace.
 */
export function nodeCycles(ir: HardwareIR, n: HwNode): number {
  if (n.op === 'mvu') return mvuCycles(n);
  // One window word (simd channels of one tap) per cycle.
  if (n.op === 'vvu' || n.op === 'fork' || n.op === 'fifo' || n.op === 'add') return shapeSize(ir.tensors[n.inputs[0]].shape) / n.simd;
  const [ih, iw, c] = ir.tensors[n.inputs[0]].shape;
  const { oh, ow } = windowOutput(n.window, ih, iw);
  const inWords = (ih * iw * c) / n.simd;
  const windowWords = (oh * ow * n.window.kernel[0] * n.window.kernel[1] * c) / n.simd;
  return Math.max(inWords, windowWords);
}
