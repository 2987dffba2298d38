/**
 * Pass: a stream has one reader. A tensor that several nodes read (the input
 * of a residual block) gets fork nodes that duplicate it, placed right after
 * the node that writes it; the readers are rewired to the fork's outputs.
 */
import type { ActType, ForkNode, HardwareIR, HwNode } from '../ir/hardware-ir.js';

export function insertForks(ir: HardwareIR): HardwareIR {
  const readers = new Map<string, number>();
  for (const n of ir.nodes) for (const t of n.inputs) readers.set(t, (readers.get(t) ?? 0) + 1);
  const tensors = { ...ir.tensors };
  let nodes: HwNode[] = ir.nodes.map((n) => ({ ...n, inputs: [...n.inputs] }) as HwNode);
  for (const [t, count] of readers) {
    if (count < 2) continue;
    const elem = tensors[t].elem as ActType;
    // count - 1 forks in a chain: each passes one copy on and keeps one.
    const forks: ForkNode[] = [];
    let src = t;
    const copies: string[] = [];
    for (let k = 0; k < count - 1; k++) {
      const name = `${t}_fork${k}`;
      const a = `${name}_a`;
      const b = `${name}_b`;
      tensors[a] = tensors[t];
      tensors[b] = tensors[t];
      forks.push({ op: 'fork', name, layers: [], inputs: [src], outputs: [a, b], simd: 1, elem });
      copies.push(a);
      src = b;
    }
    copies.push(src);
    let next = 0;
    nodes = nodes.map((n) => (n.inputs.includes(t) ? ({ ...n, inputs: n.inputs.map((x) => (x === t ? copies[next++] : x)) } as HwNode) : n));
    const at = t === ir.input.tensor ? 0 : nodes.findIndex((n) => n.outputs.includes(t)) + 1;
    nodes.splice(at, 0, ...forks);
  }
  return { ...ir, tensors, nodes };
}
