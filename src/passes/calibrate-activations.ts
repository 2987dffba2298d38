/**
 * Pass: make float activations hardware-ready. Models trained with float
 * activations (the weight-search paper quantizes weights only) get a uniform
 * unsigned quantizer of --act-bits bits in place of each hidden ReLU (a sign
 * for 1 bit), whose clip is chosen from sample data: the 99.9th percentile
 * of the positive pre-activations, layer by layer, each layer seeing the
 * already-quantized layers before it.
 */
import { type Activation, type Graph, type GraphLayer, isWeighted } from '../ir/graph-ir.js';
import { runFloat } from '../golden/float-model.js';
import { QtscError } from '../util/errors.js';

export const CLIP_PERCENTILE = 0.999;

export interface CalibrationNote {
  layer: string;
  from: string;
  to: Activation;
}

/** Names of activation layers that sit between two Dense layers. */
function hiddenActivations(graph: Graph): Set<string> {
  const out = new Set<string>();
  let pending: string | null = null;
  for (const l of graph.layers) {
    if (isWeighted(l)) {
      if (pending) out.add(pending);
      pending = null;
    } else if (l.kind === 'activation') pending = l.name;
  }
  return out;
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
  // Dense layers with no activation before the next Dense cannot be quantized unsigned.
  let seenDense = false;
  let sawAct = true;
  for (const l of graph.layers) {
    if (isWeighted(l)) {
      if (seenDense && !sawAct) throw new QtscError(`${graph.file}: layer '${l.name}': the layer before it has no activation; signed hidden activations cannot be calibrated (add a ReLU)`);
      seenDense = true;
      sawAct = false;
    } else if (l.kind === 'activation' && l.act.fn !== 'linear') sawAct = true;
  }
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
