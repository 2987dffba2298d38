/**
 * Random convolutional tfjs Layers models in qtsc's model format: a list of
 * layer specs becomes a Sequential model with kernels drawn from a value
 * space and BatchNorm statistics measured on random inputs (then perturbed,
 * scales of both signs), so every threshold lands inside the range the
 * activations really take.
 */
import * as tf from '@tensorflow/tfjs';
import { QtscConv2D, QtscDense, QtscDepthwiseConv2D, QtscQuantAct, QtscSign, registerQtscLayers, resolveValueSpace } from '../../src/layers/index.js';
import { fileSaveHandler } from '../../src/importers/tfjs-artifacts.js';
import { Rng } from '../../src/util/random.js';
import { tmpDir } from './make-model.js';

export type ConvLayerSpec =
  /** int8: a plain Conv2D with random integer/64 weights (an int8 first layer, --allow-mult). */
  | { kind: 'conv'; filters: number; kernel: [number, number]; strides?: [number, number]; padding: 'same' | 'valid'; bias?: boolean; valueSpace?: string; int8?: boolean }
  | { kind: 'depthwise'; multiplier: number; kernel: [number, number]; strides?: [number, number]; padding: 'same' | 'valid'; bias?: boolean; valueSpace?: string }
  | { kind: 'avgpool'; pool: [number, number]; strides?: [number, number]; padding?: 'same' | 'valid' }
  | { kind: 'gap' }
  | { kind: 'bn' }
  /** bits 1: QtscSign; >= 2: QtscQuantAct. */
  | { kind: 'act'; bits: number }
  | { kind: 'maxpool'; pool: [number, number]; strides?: [number, number]; padding?: 'same' | 'valid' }
  | { kind: 'zeropad'; pad: [[number, number], [number, number]] }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number; bias?: boolean; valueSpace?: string };

export interface ConvModelSpec {
  inputShape: [number, number, number];
  layers: ConvLayerSpec[];
  /** Value space of weighted layers that name none. */
  valueSpace: string;
  seed: number;
  input?: { bits: number; scale: number };
  /** Random inputs the BatchNorm statistics are measured on (default 64). */
  probes?: number;
}

export async function makeConvModel(spec: ConvModelSpec, dir = tmpDir('qtsc-conv-model-')): Promise<{ dir: string; model: tf.LayersModel }> {
  registerQtscLayers();
  const rng = new Rng(spec.seed);
  const model = tf.sequential();
  const first = { inputShape: spec.inputShape };
  spec.layers.forEach((l, i) => {
    const shape = i === 0 ? first : {};
    const name = `${l.kind}${i}`;
    switch (l.kind) {
      case 'conv': {
        const args = { ...shape, name, filters: l.filters, kernelSize: l.kernel, strides: l.strides ?? [1, 1], padding: l.padding, useBias: l.bias ?? false };
        model.add(l.int8 ? tf.layers.conv2d(args) : new QtscConv2D({ ...args, valueSpace: l.valueSpace ?? spec.valueSpace }));
        break;
      }
      case 'depthwise':
        model.add(new QtscDepthwiseConv2D({ ...shape, name, depthMultiplier: l.multiplier, kernelSize: l.kernel, strides: l.strides ?? [1, 1], padding: l.padding, useBias: l.bias ?? false, valueSpace: l.valueSpace ?? spec.valueSpace }));
        break;
      case 'avgpool':
        model.add(tf.layers.averagePooling2d({ ...shape, name, poolSize: l.pool, strides: l.strides ?? l.pool, padding: l.padding ?? 'valid' }));
        break;
      case 'gap':
        model.add(tf.layers.globalAveragePooling2d({ ...shape, name }));
        break;
      case 'dense':
        model.add(new QtscDense({ ...shape, name, units: l.units, useBias: l.bias ?? true, valueSpace: l.valueSpace ?? spec.valueSpace }));
        break;
      case 'bn':
        model.add(tf.layers.batchNormalization({ ...shape, name }));
        break;
      case 'act':
        model.add(l.bits === 1 ? new QtscSign({ ...shape, name }) : new QtscQuantAct({ ...shape, name, bits: l.bits, clip: 1 + rng.next() * 2 }));
        break;
      case 'maxpool':
        model.add(tf.layers.maxPooling2d({ ...shape, name, poolSize: l.pool, strides: l.strides ?? l.pool, padding: l.padding ?? 'valid' }));
        break;
      case 'zeropad':
        model.add(tf.layers.zeroPadding2d({ ...shape, name, padding: l.pad }));
        break;
      case 'flatten':
        model.add(tf.layers.flatten({ ...shape, name }));
        break;
    }
  });
  const inScale = spec.input?.scale ?? 1 / 255;
  const inMax = 2 ** (spec.input?.bits ?? 8) - 1;
  const probe = tf.tidy(() => tf.floor(tf.randomUniform([spec.probes ?? 64, ...spec.inputShape], 0, inMax + 1, 'float32', spec.seed)).mul(inScale));
  model.layers.forEach((layer, i) => {
    const cls = layer.getClassName();
    if (cls === 'Conv2D') {
      const [kernel, ...rest] = layer.getWeights();
      const kv = Float32Array.from({ length: kernel.size }, () => rng.int(-127, 127) / 64);
      layer.setWeights([tf.tensor(kv, kernel.shape), ...rest.map((b) => tf.tensor(Float32Array.from({ length: b.size }, () => (rng.next() - 0.5) * 4), b.shape))]);
    } else if (cls === 'QtscConv2D' || cls === 'QtscDense' || cls === 'QtscDepthwiseConv2D') {
      const space = resolveValueSpace((spec.layers[i] as { valueSpace?: string }).valueSpace ?? spec.valueSpace);
      const [kernel, ...rest] = layer.getWeights();
      const kv = Float32Array.from({ length: kernel.size }, () => rng.pick(space));
      layer.setWeights([tf.tensor(kv, kernel.shape), ...rest.map((b) => tf.tensor(Float32Array.from({ length: b.size }, () => (rng.next() - 0.5) * 4), b.shape))]);
    } else if (cls === 'BatchNormalization') {
      // Statistics of the layer's real input, perturbed; gamma of both signs.
      const before = tf.model({ inputs: model.inputs, outputs: model.layers[i - 1].output as tf.SymbolicTensor });
      const x = before.predict(probe) as tf.Tensor;
      const axes = x.shape.slice(0, -1).map((_, k) => k);
      const { mean, variance } = tf.moments(x, axes);
      const m = mean.dataSync();
      const v = variance.dataSync();
      const c = m.length;
      const r = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
      const sd = Float32Array.from(v, (vi) => Math.sqrt(vi + 1e-3));
      layer.setWeights([
        tf.tensor(Float32Array.from({ length: c }, () => (rng.next() < 0.25 ? -1 : 1) * r(0.5, 1.5))),
        tf.tensor(Float32Array.from({ length: c }, () => r(0, 1.5))),
        tf.tensor(Float32Array.from(m, (mi, k) => mi + r(-0.3, 0.3) * sd[k])),
        tf.tensor(Float32Array.from(v, (vi) => (vi + 1e-3) * r(0.5, 1.5))),
      ]);
      tf.dispose([x, mean, variance]);
    }
  });
  probe.dispose();
  if (spec.input) model.setUserDefinedMetadata({ qtsc: { input: spec.input } });
  await model.save(fileSaveHandler(dir));
  return { dir, model };
}
