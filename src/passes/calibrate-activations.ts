/**
 * Pass: make float activations hardware-ready. Models trained with float
 * activations (the weight-search paper quantizes weights only) get a uniform
 * unsigned quantizer of --act-bits bits in place of each hidden ReLU (a sign
 * for 1 bit), whose clip is chosen from sample data: the 99.9th percentile
 * of the positive pre-activations, layer by layer, each layer seeing the
 * already-quantized layers before it.
 */
import { type Activation, type Graph, type GraphLayer, GRAPH_INPUT, isWeighted, layerInputs } from '../ir/graph-ir.js';
import { runFloat } from '../golden/float-model.js';
import { QtscError } from '../util/errors.js';

export const CLIP_PERCENTILE = 0.999;

export interface CalibrationNote {
  layer: string;
  from: string;
  to: Activation;
}

/**
 * Names of the hidden activation layers: every activation listed before the
 * last weighted layer (the list is topological, so each of them feeds a later
 * weighted layer, directly or through a branch and an Add); what follows the
 * last weighted layer (a softmax) is the output's business.
 */
function hiddenActivations(graph: Graph): string[] {
  let last = -1;
  graph.layers.forEach((l, i) => {
    if (isWeighted(l)) last = i;
  });
  return graph.layers.filter((l, i) => i < last && l.kind === 'activation' && l.act.fn !== 'linear').map((l) => l.name);
}

/**
 * Every weighted layer must read activations (or the model input): walking
 * back through BatchNorm, pooling, padding and flatten layers it must meet an
 * activation before another weighted layer or an Add, else its input is
 * signed and no unsigned quantizer can be calibrated for it.
 */
function checkUnsignedInputs(graph: Graph): void {
  const inputs = layerInputs(graph);
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  for (const l of graph.layers) {
    if (!isWeighted(l)) continue;
    let src = inputs.get(l.name)![0];
    while (src !== GRAPH_INPUT) {
      const s = byName.get(src)!;
      if (s.kind === 'activation' && s.act.fn !== 'linear') break;
      if (isWeighted(s) || s.kind === 'add') {
        throw new QtscError(`${graph.file}: layer '${l.name}': the layer before it ('${s.name}') has no activation; signed hidden activations cannot be calibrated (add a ReLU)`);
      }
      src = inputs.get(src)![0];
    }
  }
}

export function percentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
}

export function calibrateActivations(graph: Graph, samples: Float64Array[], actBits: number): { graph: Graph; notes: CalibrationNote[] } {
  if (samples.length === 0) throw new QtscError('calibration: no samples');
  const hidden = hiddenActivations(graph);
  const notes: CalibrationNote[] = [];
  let g = graph;
  checkUnsignedInputs(graph);
  for (const name of hidden) {
    const idx = g.layers.findIndex((l) => l.name === name);
    const layer = g.layers[idx] as Extract<GraphLayer, { kind: 'activation' }>;
    if (layer.act.fn === 'sign' || layer.act.fn === 'quant') continue;
    if (layer.act.fn !== 'relu') throw new QtscError(`${graph.file}: layer '${name}': activation '${layer.act.fn}' cannot be calibrated (relu only)`);
    let act: Activation;
    if (actBits === 1) act = { fn: 'sign' };
    else {
      const values: number[] = [];
      for (const s of samples) {
        const pre = runFloat(g, s, true).preActivations!.get(name)!;
        for (const v of pre) if (v > 0) values.push(v);
      }
      const clip = percentile(Float64Array.from(values), CLIP_PERCENTILE);
      act = { fn: 'quant', bits: actBits, clip: clip > 0 ? clip : 1 };
    }
    notes.push({ layer: name, from: layer.act.fn, to: act });
    const layers = g.layers.slice();
    layers[idx] = { ...layer, act };
    g = { ...g, layers };
  }
  return { graph: g, notes };
}
