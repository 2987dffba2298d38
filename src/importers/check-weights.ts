/**
 * Checks on a model's weights as soon as they are read (tfjs-artifacts.ts),
 * so that a bad value is reported where it is, with the file, layer, weight,
 * index and value named, instead of surfacing as an internal error of a later
 * pass or backend:
 *   - every value of every weight is finite (no NaN, no ±Infinity);
 *   - BatchNormalization: epsilon a finite number >= 0, moving_variance >= 0
 *     and variance + epsilon > 0 in every channel; gamma, beta, moving_mean
 *     and moving_variance 1-D and of one length;
 *   - Dense / QtscDense: kernel 2-D [in, units], bias [units].
 * Layers are found by name in the topology; a weight `a/b/kernel` belongs to
 * the layer `b` (or `a/b` when that is a layer's name).
 */
import { QtscError } from '../util/errors.js';
import { showName } from '../util/paths.js';

export interface TopologyLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
}

type Weights = ReadonlyMap<string, { shape: number[]; values: Float32Array }>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The layers of a topology, best effort: whatever entries look like layers
 * (the importer validates the topology itself and reports what is wrong).
 */
export function topologyLayerNames(topology: Record<string, unknown>): TopologyLayer[] {
  const root = isRecord(topology.model_config) ? topology.model_config : topology;
  const config = root.config;
  const list = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list)) return [];
  const out: TopologyLayer[] = [];
  for (const l of list) {
    if (!isRecord(l) || !isRecord(l.config)) continue;
    const name = l.name ?? l.config.name;
    if (typeof name !== 'string') continue;
    out.push({ name, className: String(l.class_name), config: l.config });
  }
  return out;
}

/** The layer a weight belongs to and the weight's own name (`kernel`, `moving_variance`...). */
export function weightOwner(weight: string, layers: readonly TopologyLayer[]): { layer: string; field: string } {
  const cut = weight.lastIndexOf('/');
  if (cut < 0) return { layer: weight, field: weight };
  const prefix = weight.slice(0, cut);
  const field = weight.slice(cut + 1);
  let best: string | undefined;
  for (const l of layers) {
    if ((prefix === l.name || prefix.endsWith(`/${l.name}`)) && (best === undefined || l.name.length > best.length)) best = l.name;
  }
  return { layer: best ?? prefix.slice(prefix.lastIndexOf('/') + 1), field };
}

/** `FILE: layer 'NAME': field 'X'` for a weight (its full name added when it is not NAME/X). */
export function weightWhere(file: string, weight: string, layers: readonly TopologyLayer[]): string {
  const { layer, field } = weightOwner(weight, layers);
  const full = weight === `${layer}/${field}` ? '' : ` (weight '${showName(weight)}')`;
  return `${file}: layer '${showName(layer)}': field '${showName(field)}'${full}`;
}

/** Row-major index of element i of a tensor of the given shape, as `[a, b, c]`. */
export function indexIn(shape: readonly number[], i: number): string {
  if (shape.length <= 1) return `[${i}]`;
  const idx: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

/** A weight of a layer by its own name: `L/suffix`, or one ending in `/L/suffix`. */
function layerWeight(weights: Weights, layer: string, suffix: string): { name: string; shape: number[]; values: Float32Array } | undefined {
  const exact = weights.get(`${layer}/${suffix}`);
  if (exact) return { name: `${layer}/${suffix}`, ...exact };
  for (const [k, v] of weights) if (k.endsWith(`/${layer}/${suffix}`)) return { name: k, ...v };
  return undefined;
}

/** Reads a config key in either spelling (tfjs writes snake_case). */
function cfg(c: Record<string, unknown>, camel: string): unknown {
  const snake = camel.replace(/[A-Z]/g, (m) => '_' + m.toLowerCase());
  return c[snake] !== undefined ? c[snake] : c[camel];
}

export function checkWeights(file: string, json: { modelTopology: Record<string, unknown> }, weights: Weights): void {
  const layers = topologyLayerNames(json.modelTopology);
  for (const [name, w] of weights) {
    const v = w.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        throw new QtscError(`${weightWhere(file, name, layers)}: value ${v[i]} at index ${indexIn(w.shape, i)} is not finite`);
      }
    }
  }
  for (const l of layers) {
    const where = `${file}: layer '${showName(l.name)}' (${showName(l.className)})`;
    if (l.className === 'BatchNormalization') checkBatchNorm(file, where, l, weights, layers);
    else if (l.className === 'Dense' || l.className === 'QtscDense') checkDense(file, l, weights, layers);
  }
}

function checkBatchNorm(file: string, where: string, l: TopologyLayer, weights: Weights, layers: readonly TopologyLayer[]): void {
  const eps = cfg(l.config, 'epsilon');
  if (eps !== undefined && (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)) {
    throw new QtscError(`${where}: field 'epsilon': ${JSON.stringify(eps) ?? String(eps)} is not a finite number >= 0`);
  }
  const epsilon = eps ?? 1e-3;
  const present = ['gamma', 'beta', 'moving_mean', 'moving_variance'].flatMap((s) => {
    const w = layerWeight(weights, l.name, s);
    return w ? [w] : [];
  });
  for (const w of present) {
    if (w.shape.length !== 1) throw new QtscError(`${weightWhere(file, w.name, layers)}: shape [${w.shape.join(', ')}] must be 1-D (one value per channel)`);
    if (w.shape[0] !== present[0].shape[0]) {
      throw new QtscError(`${weightWhere(file, w.name, layers)}: shape [${w.shape.join(', ')}] differs from ${weightOwner(present[0].name, layers).field}'s [${present[0].shape.join(', ')}]`);
    }
  }
  const variance = layerWeight(weights, l.name, 'moving_variance');
  if (!variance) return;
  variance.values.forEach((v, i) => {
    if (v < 0) throw new QtscError(`${weightWhere(file, variance.name, layers)}: value ${v} at index [${i}] is negative (a variance)`);
    if (!(v + epsilon > 0)) throw new QtscError(`${weightWhere(file, variance.name, layers)}: value ${v} at index [${i}] plus epsilon ${epsilon} is not positive (division by zero)`);
  });
}

function checkDense(file: string, l: TopologyLayer, weights: Weights, layers: readonly TopologyLayer[]): void {
  const units = cfg(l.config, 'units');
  const kernel = layerWeight(weights, l.name, 'kernel');
  if (kernel && (kernel.shape.length !== 2 || (typeof units === 'number' && kernel.shape[1] !== units))) {
    throw new QtscError(`${weightWhere(file, kernel.name, layers)}: shape [${kernel.shape.join(', ')}] must be [inputs, units]${typeof units === 'number' ? ` with units = ${units}` : ''}`);
  }
  const bias = layerWeight(weights, l.name, 'bias');
  if (bias && (bias.shape.length !== 1 || (typeof units === 'number' && bias.shape[0] !== units))) {
    throw new QtscError(`${weightWhere(file, bias.name, layers)}: shape [${bias.shape.join(', ')}] must be [units]${typeof units === 'number' ? ` = [${units}]` : ''}`);
  }
}
