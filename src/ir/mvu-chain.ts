/**
 * A hardware IR from a list of fully connected MVUs, each feeding the next:
 * tensors and edges filled in. For designs built in code (tests, benchmarks)
 * rather than lowered from a model.
 */
import type { ActType, HardwareIR, MvuNode, TensorInfo } from './hardware-ir.js';

/** An MVU without its edges, provenance or vector count (a dense layer). */
export type ChainMvu = Omit<MvuNode, 'inputs' | 'outputs' | 'layers' | 'numVectors'> & { layers?: string[] };

export function mvuChain(top: string, input: ActType, inputLength: number, nodes: ChainMvu[], inputScale = 1): HardwareIR {
  const tensors: Record<string, TensorInfo> = { input: { elem: input, shape: [1, 1, inputLength] } };
  let prev = 'input';
  const linked: MvuNode[] = nodes.map((n) => {
    const node: MvuNode = { ...n, layers: n.layers ?? [n.name], numVectors: 1, inputs: [prev], outputs: [n.name] };
    tensors[n.name] = { elem: n.output.kind === 'logits' ? { kind: 'sint', bits: n.output.logitWidth } : n.output.out, shape: [1, 1, n.mh] };
    prev = n.name;
    return node;
  });
  return { format: 'qtsc-hardware-ir', version: 2, top, input: { tensor: 'input', scale: inputScale }, tensors, nodes: linked, output: prev };
}
