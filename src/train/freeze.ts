/**
 * freeze: turns a training model (SearchDense / SearchConv2D /
 * SearchDepthwiseConv2D layers) into the deployable model of
 * docs/model-format.md, whose searched kernels hold exactly value-space values
 * in QtscDense / QtscConv2D / QtscDepthwiseConv2D layers. Everything else is
 * copied.
 */
import * as tf from '@tensorflow/tfjs';
import { QtscConv2D } from '../layers/qtsc-conv2d.js';
import { QtscDense } from '../layers/qtsc-dense.js';
import { QtscDepthwiseConv2D } from '../layers/qtsc-depthwise-conv2d.js';
import { registerTrainLayers } from './register.js';
import { SearchConv2D } from './search-conv2d.js';
import { SearchDense } from './search-dense.js';
import { SearchDepthwiseConv2D } from './search-depthwise-conv2d.js';
import { isFloatMethod, isSearchable, type Searchable } from './search-kernel.js';

type PyDict = { [k: string]: unknown };
interface LayerEntry {
  class_name: string;
  config: PyDict;
  name?: string;
  inbound_nodes?: unknown;
}

export interface QtscMetadata {
  input?: { bits: number; scale: number };
  [k: string]: unknown;
}

function layerEntries(topology: PyDict): LayerEntry[] {
  const cfg = topology.config as PyDict | undefined;
  const layers = cfg?.layers;
  if (!Array.isArray(layers)) throw new Error('freeze: model topology has no layer list');
  return layers as LayerEntry[];
}

function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: PyDict = {};
  for (const [k, x] of Object.entries(v as PyDict)) out[k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()] = snakeKeys(x);
  return out;
}

/** The model.json entry of the deployable layer that replaces a searched one. */
function frozenEntry(layer: Searchable & tf.layers.Layer, old: PyDict): LayerEntry {
  const vs = Array.isArray(layer.valueSpace) ? [...layer.valueSpace] : layer.valueSpace;
  const common = { name: old.name as string, useBias: layer.useBias && layer.method !== 'xnor', kernelInitializer: 'zeros' as const, activation: 'linear' as const };
  let replacement: tf.layers.Layer;
  if (layer instanceof SearchDense) {
    const args = { ...common, units: layer.units };
    replacement = isFloatMethod(layer.method) ? tf.layers.dense(args) : new QtscDense({ ...args, valueSpace: vs });
  } else if (layer instanceof SearchConv2D) {
    const args = { ...common, filters: layer.filters, kernelSize: layer.kernelSize, padding: layer.padding, strides: layer.strides };
    replacement = isFloatMethod(layer.method) ? tf.layers.conv2d(args) : new QtscConv2D({ ...args, valueSpace: vs });
  } else if (layer instanceof SearchDepthwiseConv2D) {
    const args = {
      name: common.name,
      useBias: common.useBias,
      activation: common.activation,
      depthwiseInitializer: 'zeros' as const,
      kernelSize: layer.kernelSize,
      depthMultiplier: layer.depthMultiplier,
      strides: layer.strides,
      padding: layer.padding,
    };
    replacement = isFloatMethod(layer.method) ? tf.layers.depthwiseConv2d(args) : new QtscDepthwiseConv2D({ ...args, valueSpace: vs });
  } else {
    throw new Error(`freeze: layer '${layer.name}' (${layer.getClassName()}) has no deployable form`);
  }
  const config = snakeKeys(replacement.getConfig()) as PyDict;
  config.name = old.name;
  config.trainable = old.trainable ?? true;
  if (old.batch_input_shape !== undefined) config.batch_input_shape = old.batch_input_shape;
  return { class_name: replacement.getClassName(), config };
}

/**
 * Folds a positive per-channel scale a (applied before it) into a
 * BatchNormalization's statistics: BN(a*z + b) == BN'(z) with
 * mean' = (mean - b)/a and var' = (var + eps)/a^2 - eps.
 */
function foldScaleIntoBn(bnWeights: tf.Tensor[], scale: Float32Array, bias: Float32Array | null, eps: number, center: boolean, doScale: boolean): tf.Tensor[] {
  const n = 2 - (center ? 0 : 1) - (doScale ? 0 : 1);
  const mean = bnWeights[n].dataSync();
  const variance = bnWeights[n + 1].dataSync();
  const m2 = new Float32Array(mean.length);
  const v2 = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    const a = scale[c];
    if (!(a > 0)) throw new Error(`freeze: XNOR scale of channel ${c} is ${a}; cannot fold it into BatchNormalization`);
    m2[c] = (mean[c] - (bias ? bias[c] : 0)) / a;
    v2[c] = Math.max(0, (variance[c] + eps) / (a * a) - eps);
  }
  return [...bnWeights.slice(0, n), tf.tensor1d(m2), tf.tensor1d(v2)];
}

/**
 * The frozen model. Metadata, when given, becomes userDefinedMetadata.qtsc.
 * 'fp' and 'int8' searched layers become plain Dense / Conv2D; 'xnor' ones fold their scale
 * into the BatchNormalization that must follow them.
 */
export async function freezeModel(model: tf.LayersModel, metadata?: QtscMetadata): Promise<tf.LayersModel> {
  registerTrainLayers();
  const topology = model.toJSON(null, false) as PyDict;
  const entries = layerEntries(topology);
  const xnorFolds = new Map<string, { scale: Float32Array; bias: Float32Array | null }>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const name = e.config.name as string;
    const layer = model.getLayer(name);
    if (!isSearchable(layer)) continue;
    const fresh = frozenEntry(layer, e.config);
    e.class_name = fresh.class_name;
    e.config = fresh.config;
    if (layer.method === 'xnor') {
      const next = entries[i + 1];
      if (topology.class_name !== 'Sequential' || next === undefined || next.class_name !== 'BatchNormalization') {
        throw new Error(`freeze: XNOR layer '${name}' must be followed by BatchNormalization in a Sequential model to absorb its scale`);
      }
      const bias = layer.useBias ? (layer.getWeights()[1].dataSync() as Float32Array) : null;
      xnorFolds.set(next.config.name as string, { scale: layer.xnorScale().dataSync() as Float32Array, bias });
    }
  }
  const frozen = await tf.models.modelFromJSON(topology as unknown as tf.io.ModelArtifacts['modelTopology'] as never);
  for (const fl of frozen.layers) {
    const old = model.getLayer(fl.name);
    if (isSearchable(old)) {
      const kernel = old.frozenKernel();
      const ws = [kernel];
      if (old.useBias && old.method !== 'xnor') ws.push(old.getWeights()[1]);
      fl.setWeights(ws);
      kernel.dispose();
    } else if (xnorFolds.has(fl.name)) {
      const f = xnorFolds.get(fl.name)!;
      const cfg = old.getConfig();
      fl.setWeights(foldScaleIntoBn(old.getWeights(), f.scale, f.bias, cfg.epsilon as number, cfg.center !== false, cfg.scale !== false));
    } else {
      fl.setWeights(old.getWeights());
    }
  }
  if (metadata) frozen.setUserDefinedMetadata({ qtsc: metadata });
  return frozen;
}
