/**
 * Pass: cut the layer chain into stages, one future streaming unit each (a
 * convolution stage becomes two: a sliding window and its MVU):
 *   block    weighted layer (Dense or Conv2D) -> BatchNormalization* -> activation?
 *   maxpool  a max pool on the codes of the stage before it
 * Zero padding merges into the window of the convolution after it;
 * Flatten is the stream order and needs no unit. Everything else between two
 * weighted layers is refused with the layer named.
 */
import type { Activation, AvgPoolLayer, BatchNormLayer, Graph, MaxPoolLayer, WeightedLayer, ZeroPadLayer } from '../ir/graph-ir.js';
import { isWeighted } from '../ir/graph-ir.js';
import { QtscError } from '../util/errors.js';

export interface Block {
  kind: 'block';
  layer: WeightedLayer;
  batchnorms: BatchNormLayer[];
  /** The block's activation (linear when there is none). */
  act: Activation;
  /** Name of the activation layer, when there is one. */
  actName: string | null;
  /**
   * Max pools that sat between the weighted layer and its activation. They
   * run after the activation's thresholds instead, which is exact when every
   * channel's BatchNorm scale is positive (lower-to-hardware checks).
   */
  poolsBeforeAct: MaxPoolLayer[];
}

export interface PoolStage {
  kind: 'maxpool';
  layer: MaxPoolLayer;
}

/** Average pooling of activation codes: a window sum; the 1/N moves into the next layer's scale. */
export interface AvgPoolStage {
  kind: 'avgpool';
  layer: AvgPoolLayer;
}

export type Stage = Block | PoolStage | AvgPoolStage;

function addPad(a: [number, number, number, number], b: [number, number, number, number]): [number, number, number, number] {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]];
}

export function groupStages(graph: Graph): Stage[] {
  const stages: Stage[] = [];
  let pendingPad: ZeroPadLayer | null = null;
  const where = (name: string) => `${graph.file}: layer '${name}'`;
  for (const raw of graph.layers) {
    let layer = raw;
    const cur = stages[stages.length - 1];
    if (pendingPad && raw.kind !== 'zeropad') {
      // A max pool ignores padded taps, but ZeroPadding2D's zeros are real values: only a convolution takes them.
      if (raw.kind !== 'conv2d') throw new QtscError(`${where(pendingPad.name)}: ZeroPadding2D must be followed by a Conv2D (found '${raw.name}')`);
      // The window reads the unpadded map and pads in the stream.
      layer = { ...raw, inShape: pendingPad.inShape, pad: addPad(raw.pad, pendingPad.pad) };
      pendingPad = null;
    }
    if (isWeighted(layer)) {
      stages.push({ kind: 'block', layer, batchnorms: [], act: { fn: 'linear' }, actName: null, poolsBeforeAct: [] });
      continue;
    }
    if (layer.kind === 'zeropad') {
      const before = pendingPad as ZeroPadLayer | null;
      pendingPad = before ? { ...before, pad: addPad(before.pad, layer.pad) } : layer;
      continue;
    }
    if (layer.kind === 'flatten') continue;
    if (!cur) {
      if (layer.kind === 'activation' && layer.act.fn === 'linear') continue;
      throw new QtscError(`${where(layer.name)}: a ${layer.kind} before the first Dense or Conv2D layer is not supported (the input is quantized by userDefinedMetadata.qtsc.input)`);
    }
    if (layer.kind === 'maxpool') {
      if (cur.kind === 'block' && cur.actName === null && cur.act.fn === 'linear') cur.poolsBeforeAct.push(layer);
      else stages.push({ kind: 'maxpool', layer });
      continue;
    }
    if (layer.kind === 'avgpool') {
      if (cur.kind === 'block' && cur.actName === null && cur.act.fn === 'linear') {
        throw new QtscError(`${where(layer.name)}: average pooling before the activation is not supported; put it after the activation`);
      }
      stages.push({ kind: 'avgpool', layer });
      continue;
    }
    if (cur.kind !== 'block') {
      throw new QtscError(`${where(layer.name)}: a ${layer.kind === 'batchnorm' ? 'BatchNormalization' : 'activation'} after a pooling layer is not supported; put it before the pool`);
    }
    if (layer.kind === 'batchnorm') {
      if (cur.actName !== null) throw new QtscError(`${where(layer.name)}: BatchNormalization after an activation is not supported; put it between the weighted layer and the activation`);
      cur.batchnorms.push(layer);
      continue;
    }
    if (layer.act.fn === 'linear') continue;
    if (cur.actName !== null) throw new QtscError(`${where(layer.name)}: two activations in a row ('${cur.actName}' and '${layer.name}')`);
    cur.act = layer.act;
    cur.actName = layer.name;
  }
  if (pendingPad) throw new QtscError(`${where(pendingPad.name)}: ZeroPadding2D at the end of the model has no window to merge into`);
  return stages;
}

/** The weighted blocks alone, in order. */
export function groupBlocks(graph: Graph): Block[] {
  return groupStages(graph).filter((s): s is Block => s.kind === 'block');
}
