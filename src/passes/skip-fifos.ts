/**
 * Pass (after folding): a FIFO on the short branch of every residual block.
 *
 * A fork feeds two branches that meet again at an add. The add takes a word
 * only when both branches offer one, so the short branch (the skip path)
 * must hold every word the long branch absorbs before its first result
 * reaches the add; with less, the fork stalls on the full short branch while
 * the long branch still waits for input: deadlock (measured on the
 * primitives, docs/rtl.md "Residual blocks"). The FIFO goes right after the
 * fork on the short branch and holds, in words of the fork's stream, what
 * the long branch can hold in flight: each unit's buffer converted to pixels
 * of its own input, scaled to the fork's resolution (a stride-2 branch holds
 * rows of a quarter-size map), plus its stream registers, plus a margin.
 */
import type { FifoNode, HardwareIR, HwNode } from '../ir/hardware-ir.js';

import { swuBufferWords } from '../backends/rtl/swu-geometry.js';
import { windowGeometry } from '../golden/sliding-window.js';

/** Slack beyond the computed hold (words of the fork stream). */
export const SKIP_FIFO_MARGIN = 16;

/** Elements a node can hold in flight (buffers and its output registers). */
function heldElements(ir: HardwareIR, n: HwNode): number {
  const [ih, iw, c] = ir.tensors[n.inputs[0]].shape;
  const regs = 4 * (n.op === 'mvu' ? n.pe : n.simd);
  switch (n.op) {
    case 'swu':
    case 'maxpool':
    case 'sumpool': {
      const direct = n.op !== 'swu' && n.window.kernel[0] === ih && n.window.kernel[1] === iw;
      const g = windowGeometry(n.window, [ih, iw, c]);
      // A global pool holds the whole map before it emits.
      return (direct ? ih * iw * c : swuBufferWords(g, n.simd) * n.simd) + regs;
    }
    case 'mvu':
      return 2 * n.mw + regs;
    case 'vvu':
      return n.channels * n.multiplier + regs;
    case 'fifo':
      return n.depth * n.simd;
    default:
      return regs;
  }
}

/** The nodes from a tensor to `until` along single-reader edges (a branch). */
function branch(ir: HardwareIR, from: string, until: HwNode): HwNode[] {
  const out: HwNode[] = [];
  let t = from;
  for (;;) {
    const n = ir.nodes.find((m) => m.inputs.includes(t));
    if (!n || n === until) return out;
    out.push(n);
    t = n.outputs[0];
  }
}

export function insertSkipFifos(ir: HardwareIR): HardwareIR {
  let nodes = [...ir.nodes];
  const tensors = { ...ir.tensors };
  for (const add of ir.nodes) {
    if (add.op !== 'add') continue;
    // The fork both branches come from: walk back from each input along single edges.
    const back = (t: string): HwNode[] => {
      const path: HwNode[] = [];
      let cur = t;
      for (;;) {
        const p = ir.nodes.find((m) => m.outputs.includes(cur));
        if (!p) return path;
        path.push(p);
        if (p.op === 'fork') return path;
        cur = p.inputs[0];
      }
    };
    const pa = back(add.inputs[0]);
    const pb = back(add.inputs[1]);
    const fork = pa[pa.length - 1];
    if (!fork || fork.op !== 'fork' || fork !== pb[pb.length - 1]) continue;
    const [fh, fw, fc] = ir.tensors[fork.inputs[0]].shape;
    const forkWordsPerPixel = fc / fork.simd;
    const hold = (start: string) =>
      branch(ir, start, add).reduce((s, n) => {
        const [ih, iw, c] = ir.tensors[n.inputs[0]].shape;
        const pixels = heldElements(ir, n) / c;
        return s + Math.ceil(pixels * ((fh * fw) / (ih * iw)) * forkWordsPerPixel);
      }, 0);
    const holds = fork.outputs.map(hold);
    const skip = holds[0] <= holds[1] ? 0 : 1;
    const depth = Math.max(2, holds[1 - skip] - holds[skip] + 2 * fw * forkWordsPerPixel + SKIP_FIFO_MARGIN);
    const t = fork.outputs[skip];
    const name = `${fork.name}_skip_fifo`;
    const fifo: FifoNode = { op: 'fifo', name, layers: [], inputs: [t], outputs: [name], simd: fork.simd, elem: fork.elem, depth };
    tensors[name] = tensors[t];
    nodes = nodes.map((n) => (n.inputs.includes(t) ? ({ ...n, inputs: n.inputs.map((x) => (x === t ? name : x)) } as HwNode) : n));
    nodes.splice(nodes.indexOf(fork) + 1, 0, fifo);
  }
  return { ...ir, tensors, nodes };
}

/** Rows of its input a FIFO in front of a sliding window holds, beyond the window's own buffer. */
export const WINDOW_FIFO_ROWS = 2;

/**
 * Pass (after folding): a FIFO of a few input rows in front of every
 * sliding window that an MVU feeds. At the end of a frame a window unit
 * still emits the last band while its buffer has room for only the first
 * rows of the next frame; without a FIFO the MVU before it then stalls, and
 * restarts a row's worth of work late, which shows as a few percent over the
 * slowest unit's pace (FINN sizes such FIFOs by simulation, qtsc by rows).
 */
export function insertWindowFifos(ir: HardwareIR): HardwareIR {
  let nodes = [...ir.nodes];
  const tensors = { ...ir.tensors };
  for (const n of ir.nodes) {
    if (n.op !== 'swu' && n.op !== 'maxpool' && n.op !== 'sumpool') continue;
    const t = n.inputs[0];
    const producer = ir.nodes.find((m) => m.outputs.includes(t));
    if (!producer || producer.op !== 'mvu') continue;
    const [ih, iw, c] = ir.tensors[t].shape;
    if (n.op !== 'swu' && n.window.kernel[0] === ih && n.window.kernel[1] === iw) continue;
    const depth = Math.max(2, WINDOW_FIFO_ROWS * iw * (c / n.simd));
    const name = `${n.name}_in_fifo`;
    const fifo: FifoNode = { op: 'fifo', name, layers: [], inputs: [t], outputs: [name], simd: n.simd, elem: n.elem, depth };
    tensors[name] = tensors[t];
    nodes = nodes.map((m) => (m === n ? ({ ...m, inputs: [name] } as HwNode) : m));
    nodes.splice(nodes.findIndex((m) => m.name === n.name), 0, fifo);
  }
  return { ...ir, tensors, nodes };
}
