/**
 * Data-free post-training quantization of a model directory: every Dense and
 * Conv2D kernel (QtscDense / QtscConv2D too) is quantized with one scheme
 * (schemes.ts), per output channel or per tensor; biases, BatchNormalization
 * and activations are kept. A kernel whose possible values form a space the
 * compiler builds without multipliers ({-c, +c} or ±c·2^-k, zero allowed)
 * becomes a QtscDense / QtscConv2D declaring that value space, so gen-hw
 * compiles it with no extra flags; any other kernel is written as a plain
 * Dense / Conv2D holding the dequantized values.
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

/** Float class -> deployable class with a value space, and back. */
const KERNEL_CLASSES: Record<string, { plain: string; qtsc: string }> = {
  Dense: { plain: 'Dense', qtsc: 'QtscDense' },
  QtscDense: { plain: 'Dense', qtsc: 'QtscDense' },
  Conv2D: { plain: 'Conv2D', qtsc: 'QtscConv2D' },
  QtscConv2D: { plain: 'Conv2D', qtsc: 'QtscConv2D' },
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
    const w = findWeight(m, name, 'kernel');
    if (w.dtype !== 'float32') throw new QtscError(`${m.file}: layer '${name}': weight 'kernel' has dtype ${w.dtype}, float32 expected`);
    if (w.shape.length < 2) throw new QtscError(`${m.file}: layer '${name}': weight 'kernel' has shape [${w.shape.join(', ')}], at least 2 axes expected`);
    let q;
    try {
      q = quantizeKernel(w.values, w.shape, o);
    } catch (e) {
      throw new QtscError(`${m.file}: layer '${name}': weight 'kernel': ${(e as Error).message}`);
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
  if (layers.length === 0) throw new QtscError(`${m.file}: no Dense or Conv2D layer to quantize`);
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
