/**
 * Pass: cut the layer graph into stages, one future streaming unit each (a
 * convolution stage becomes two: a sliding window and its MVU):
 *   block    weighted layer (Dense, Conv2D, DepthwiseConv2D) -> BatchNormalization* -> activation?
 *   maxpool  a max pool on the codes of the stage before it
 *   avgpool  an average pool (an exact sum of codes)
 *   add      a residual join of two streams -> activation
 * Every stage names the graph layers it reads and the layer whose output it
 * ends with (stream names, GRAPH_INPUT for the model input). Zero padding
 * merges into the window of the convolution after it; Flatten is the stream
 * order and needs no unit. BatchNorm and activations join the stage whose
 * output they read, which must have no other reader. Anything else is
 * refused with the layer named.
 */
import type { Activation, AddLayer, AvgPoolLayer, BatchNormLayer, Graph, MaxPoolLayer, WeightedLayer, ZeroPadLayer } from '../ir/graph-ir.js';
import { GRAPH_INPUT, isWeighted, layerInputs } from '../ir/graph-ir.js';
import { QtscError } from '../util/errors.js';

interface Ends {
  /** The stream this stage reads. */
  input: string;
  /** The graph layer whose output is this stage's output stream. */
  output: string;
}

export interface Block extends Ends {
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

export interface PoolStage extends Ends {
  kind: 'maxpool';
  layer: MaxPoolLayer;
}

/** Average pooling of activation codes: a window sum; the 1/N moves into the next layer's scale. */
export interface AvgPoolStage extends Ends {
  kind: 'avgpool';
  layer: AvgPoolLayer;
}

/** A residual join: two streams added, then requantized by the activation after the Add. */
export interface AddStage {
  kind: 'add';
  layer: AddLayer;
  inputs: [string, string];
  output: string;
  act: Activation;
  actName: string | null;
}

export type Stage = Block | PoolStage | AvgPoolStage | AddStage;

function addPad(a: [number, number, number, number], b: [number, number, number, number]): [number, number, number, number] {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]];
}

export function groupStages(graph: Graph): Stage[] {
  const stages: Stage[] = [];
  const where = (name: string) => `${graph.file}: layer '${name}'`;
  const inputsOf = layerInputs(graph);
  const readers = new Map<string, number>();
  for (const ins of inputsOf.values()) for (const n of ins) readers.set(n, (readers.get(n) ?? 0) + 1);
  /** Layers that pass their input through unchanged (Flatten, linear activations): name -> the stream they carry. */
  const alias = new Map<string, string>();
  const resolve = (n: string): string => alias.get(n) ?? n;
  /** ZeroPadding2D outputs, merged into the convolution that reads them. */
  const zeroPads = new Map<string, ZeroPadLayer & { source: string }>();
  /** The stage whose output each stream is. */
  const producer = new Map<string, Stage>();
  const open = (s: Stage, name: string) => {
    stages.push(s);
    producer.set(name, s);
  };
  for (const raw of graph.layers) {
    const ins = (inputsOf.get(raw.name) ?? []).map(resolve);
    let layer = raw;
    let input = ins[0];
    const pad = zeroPads.get(input);
    if (pad) {
      if (raw.kind !== 'conv2d' && raw.kind !== 'depthwise') throw new QtscError(`${where(pad.name)}: ZeroPadding2D must be followed by a Conv2D or DepthwiseConv2D (found '${raw.name}')`);
      // The window reads the unpadded map and pads in the stream.
      layer = { ...raw, inShape: pad.inShape, pad: addPad(raw.pad, pad.pad) };
      input = pad.source;
    }
    if (layer.kind === 'zeropad') {
      const before = zeroPads.get(input);
      zeroPads.set(layer.name, before ? { ...before, name: layer.name, pad: addPad(before.pad, layer.pad) } : { ...layer, source: input });
      continue;
    }
    if (isWeighted(layer)) {
      open({ kind: 'block', layer, batchnorms: [], act: { fn: 'linear' }, actName: null, poolsBeforeAct: [], input, output: layer.name }, layer.name);
      continue;
    }
    if (layer.kind === 'flatten') {
      alias.set(layer.name, input);
      continue;
    }
    if (layer.kind === 'add') {
      open({ kind: 'add', layer, inputs: [ins[0], ins[1]], output: layer.name, act: { fn: 'linear' }, actName: null }, layer.name);
      continue;
    }
    const cur = producer.get(input);
    // Joining the producer's stage: only at its end, and only when nothing else reads that end.
    const joins = cur !== undefined && cur.output === input && (readers.get(input) ?? 0) === 1;
    if (layer.kind === 'maxpool' || layer.kind === 'avgpool') {
      if (input === GRAPH_INPUT) throw new QtscError(`${where(layer.name)}: pooling the model input is not supported`);
      if (cur && cur.kind === 'block' && joins && cur.actName === null && cur.act.fn === 'linear') {
        if (layer.kind === 'avgpool') throw new QtscError(`${where(layer.name)}: average pooling before the activation is not supported; put it after the activation`);
        cur.poolsBeforeAct.push(layer);
        cur.output = layer.name;
        producer.set(layer.name, cur);
        continue;
      }
      const stage: Stage = layer.kind === 'maxpool' ? { kind: 'maxpool', layer, input, output: layer.name } : { kind: 'avgpool', layer, input, output: layer.name };
      open(stage, layer.name);
      continue;
    }
    if (layer.kind === 'activation' && layer.act.fn === 'linear') {
      alias.set(layer.name, input);
      continue;
    }
    if (!cur) {
      throw new QtscError(`${where(layer.name)}: a ${layer.kind} before the first Dense or Conv2D layer is not supported (the input is quantized by userDefinedMetadata.qtsc.input)`);
    }
    if (!joins) {
      throw new QtscError(`${where(layer.name)}: a ${layer.kind === 'batchnorm' ? 'BatchNormalization' : 'activation'} must directly follow the layer it belongs to, whose output nothing else reads`);
    }
    if (cur.kind === 'maxpool' || cur.kind === 'avgpool') {
      throw new QtscError(`${where(layer.name)}: a ${layer.kind === 'batchnorm' ? 'BatchNormalization' : 'activation'} after a pooling layer is not supported; put it before the pool`);
    }
    if (layer.kind === 'batchnorm') {
      if (cur.kind === 'add') throw new QtscError(`${where(layer.name)}: BatchNormalization after an Add is not supported; put it on the branches before the Add`);
      if (cur.actName !== null) throw new QtscError(`${where(layer.name)}: BatchNormalization after an activation is not supported; put it between the weighted layer and the activation`);
      cur.batchnorms.push(layer);
    } else {
      if (cur.actName !== null) throw new QtscError(`${where(layer.name)}: two activations in a row ('${cur.actName}' and '${layer.name}')`);
      cur.act = layer.act;
      cur.actName = layer.name;
    }
    cur.output = layer.name;
    producer.set(layer.name, cur);
  }
  const dangling = [...zeroPads.keys()].find((n) => !(readers.get(n) ?? 0));
  if (dangling) throw new QtscError(`${where(dangling)}: ZeroPadding2D at the end of the model has no window to merge into`);
  return stages;
}

/** The weighted blocks alone, in order. */
export function groupBlocks(graph: Graph): Block[] {
  return groupStages(graph).filter((s): s is Block => s.kind === 'block');
}
