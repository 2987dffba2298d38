/**
 * Pass: cut the layer chain into blocks of dense -> batchnorm* -> activation?,
 * one future MVU each. Everything else between two dense layers is refused
 * with the layer named.
 */
import type { Activation, BatchNormLayer, DenseLayer, Graph } from '../ir/graph-ir.js';
import { QtscError } from '../util/errors.js';

export interface Block {
  dense: DenseLayer;
  batchnorms: BatchNormLayer[];
  /** The block's activation (linear when there is none). */
  act: Activation;
  /** Name of the activation layer, when there is one. */
  actName: string | null;
}

export function groupBlocks(graph: Graph): Block[] {
  const blocks: Block[] = [];
  for (const layer of graph.layers) {
    const cur = blocks[blocks.length - 1];
    if (layer.kind === 'dense') {
      blocks.push({ dense: layer, batchnorms: [], act: { fn: 'linear' }, actName: null });
      continue;
    }
    if (!cur) {
      if (layer.kind === 'activation' && layer.act.fn === 'linear') continue;
      throw new QtscError(`${graph.file}: layer '${layer.name}': a ${layer.kind} before the first Dense layer is not supported (the input is quantized by userDefinedMetadata.qtsc.input)`);
    }
    if (layer.kind === 'batchnorm') {
      if (cur.actName !== null) throw new QtscError(`${graph.file}: layer '${layer.name}': BatchNormalization after an activation is not supported; put it between Dense and the activation`);
      cur.batchnorms.push(layer);
      continue;
    }
    if (layer.act.fn === 'linear') continue;
    if (cur.actName !== null) throw new QtscError(`${graph.file}: layer '${layer.name}': two activations in a row ('${cur.actName}' and '${layer.name}')`);
    cur.act = layer.act;
    cur.actName = layer.name;
  }
  return blocks;
}
