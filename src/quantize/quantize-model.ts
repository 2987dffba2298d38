/**
 * Data-free post-training quantization of a model directory: every Dense,
 * Conv2D and DepthwiseConv2D kernel (their Qtsc forms too) is quantized with one scheme
 * (schemes.ts), per output channel or per tensor; biases, BatchNormalization
 * and activations are kept. A kernel whose possible values form a space the
 * compiler builds without multipliers ({-c, +c} or ±c·2^-k, zero allowed)
 * becomes a QtscDense / QtscConv2D / QtscDepthwiseConv2D declaring that value
 * space, so gen-hw compiles it with no extra flags; any other kernel is written
 * as a plain Dense / Conv2D / DepthwiseConv2D holding the dequantized values.
 */
import { classifySpace } from '../ir/value-space-class.js';
import { VALUE_SPACES, type ValueSpace } from '../layers/value-space.js';
import { QtscError } from '../util/errors.js';
import { quantizeKernel, type Granularity } from './kernel-quantizer.js';
import { layerStats, type LayerStats } from './layer-stats.js';
import { findWeight, layerName, readModelFile, type ModelFile } from './model-file.js';
import type { Scheme } from './schemes.js';

export interface QuantizeOptions {
  scheme: Scheme;
  bits: number;
  granularity: Granularity;
  /** Histogram bins in the statistics. */
  bins: number;
}

interface KernelClass {
  /** The float class and the deployable class with a value space. */
  plain: string;
  qtsc: string;
  /** The kernel's weight name in the layer. */
  weight: string;
  /**
   * The kernel's shape with the output channels on the last axis. A depthwise
   * kernel [kh, kw, in, multiplier] feeds output channel in·multiplier + m from
   * element (.., in, m), so merging its last two axes is exactly that.
   */
  channelShape: (shape: readonly number[]) => number[];
}

const asIs = (shape: readonly number[]) => [...shape];
const mergeLastTwo = (shape: readonly number[]) => [...shape.slice(0, -2), shape[shape.length - 2] * shape[shape.length - 1]];
const DENSE: KernelClass = { plain: 'Dense', qtsc: 'QtscDense', weight: 'kernel', channelShape: asIs };
const CONV: KernelClass = { plain: 'Conv2D', qtsc: 'QtscConv2D', weight: 'kernel', channelShape: asIs };
const DEPTHWISE: KernelClass = { plain: 'DepthwiseConv2D', qtsc: 'QtscDepthwiseConv2D', weight: 'depthwise_kernel', channelShape: mergeLastTwo };

/** Float class -> deployable class with a value space, and back. */
const KERNEL_CLASSES: Record<string, KernelClass> = {
  Dense: DENSE,
  QtscDense: DENSE,
  Conv2D: CONV,
  QtscConv2D: CONV,
  DepthwiseConv2D: DEPTHWISE,
  QtscDepthwiseConv2D: DEPTHWISE,
};

const TRAINING_CLASSES = new Set(['SearchDense', 'SearchConv2D', 'SearchDepthwiseConv2D']);

export type HardwareClass = 'binary' | 'pow2' | 'general';

export interface LayerReport extends LayerStats {
  layer: string;
  className: string;
  outputClassName: string;
  shape: number[];
  /** The value space written into the layer config (null: plain float layer). */
  valueSpace: ValueSpace | null;
  hardware: HardwareClass;
}

export interface PtqStats {
  format: 'qtsc-ptq-stats';
  version: 1;
  model: string;
  scheme: Scheme;
  bits: number;
  granularity: Granularity;
  bins: number;
  layers: LayerReport[];
  totals: {
    weights: number;
    float32Bytes: number;
    packedBytes: number;
    codesGzipBytes: number;
    /** Layers written with a value space (compiled without multipliers). */
    multiplierFreeLayers: number;
  };
  evaluation?: { dataset: string; images: number; floatAccuracy: number; quantizedAccuracy: number };
}

/** A named value space when the grid is exactly one, else the list. */
function spaceFor(grid: number[]): ValueSpace {
  for (const [name, vs] of Object.entries(VALUE_SPACES)) {
    if (vs.length === grid.length && vs.every((v, i) => v === grid[i])) return name as ValueSpace;
  }
  return grid;
}

export function quantizeModel(modelDir: string, o: QuantizeOptions): { model: ModelFile; stats: PtqStats } {
  const m = readModelFile(modelDir);
  const layers: LayerReport[] = [];
  for (const entry of m.layers) {
    const name = layerName(entry);
    if (TRAINING_CLASSES.has(entry.class_name)) {
      throw new QtscError(`${m.file}: layer '${name}' (${entry.class_name}): a training checkpoint layer; quantize the frozen model (the directory qtsc train writes model.json to), not its checkpoint/`);
    }
    const kind = KERNEL_CLASSES[entry.class_name];
    if (!kind) continue;
    const w = findWeight(m, name, kind.weight);
    const field = `${m.file}: layer '${name}': weight '${kind.weight}'`;
    if (w.dtype !== 'float32') throw new QtscError(`${field} has dtype ${w.dtype}, float32 expected`);
    if (w.shape.length < 2) throw new QtscError(`${field} has shape [${w.shape.join(', ')}], at least 2 axes expected`);
    let q;
    try {
      q = quantizeKernel(w.values, kind.channelShape(w.shape), o);
    } catch (e) {
      throw new QtscError(`${field}: ${(e as Error).message}`);
    }
    const stats = layerStats(w.values, q, o.bits, o.bins);
    const cls = classifySpace(q.grid);
    const hardware: HardwareClass = cls.kind;
    const valueSpace = hardware === 'general' ? null : spaceFor(q.grid);
    const outputClassName = valueSpace === null ? kind.plain : kind.qtsc;
    delete entry.config.value_space;
    delete entry.config.valueSpace;
    if (valueSpace !== null) entry.config.value_space = valueSpace;
    layers.push({ layer: name, className: entry.class_name, outputClassName, shape: [...w.shape], valueSpace, hardware, ...stats });
    entry.class_name = outputClassName;
    w.values = q.values;
  }
  if (layers.length === 0) throw new QtscError(`${m.file}: no Dense, Conv2D or DepthwiseConv2D layer to quantize`);
  const totals = {
    weights: layers.reduce((a, l) => a + l.weights, 0),
    float32Bytes: layers.reduce((a, l) => a + l.sizes.float32Bytes, 0),
    packedBytes: layers.reduce((a, l) => a + l.sizes.packedBytes, 0),
    codesGzipBytes: layers.reduce((a, l) => a + l.sizes.codesGzipBytes, 0),
    multiplierFreeLayers: layers.filter((l) => l.valueSpace !== null).length,
  };
  const meta = (m.json.userDefinedMetadata ??= {});
  meta.qtscQuantize = { scheme: o.scheme, bits: o.bits, granularity: o.granularity };
  return {
    model: m,
    stats: { format: 'qtsc-ptq-stats', version: 1, model: m.file, scheme: o.scheme, bits: o.bits, granularity: o.granularity, bins: o.bins, layers, totals },
  };
}
