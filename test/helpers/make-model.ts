/**
 * Random tfjs Layers models in qtsc's model format, saved to a temporary
 * directory: the end-to-end tests' stand-in for trained models. Kernels are
 * drawn from a value space; BatchNorm statistics are random, negative scales
 * included, so the threshold folding meets every case.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { QtscDense, QtscQuantAct, QtscSign, registerQtscLayers, resolveValueSpace } from '../../src/layers/index.js';
import { fileSaveHandler } from '../../src/importers/tfjs-artifacts.js';
import { Rng } from '../../src/util/random.js';

export type HiddenAct = { kind: 'sign' } | { kind: 'quant'; bits: number } | { kind: 'relu' };

export interface ModelSpec {
  sizes: number[];
  valueSpace: string | number[];
  act: HiddenAct;
  batchNorm?: boolean;
  /** Bias on the last layer. */
  lastBias?: boolean;
  input?: { bits: number; scale: number };
  seed: number;
  /** Put the value space in the layer config (default) or leave kernels undeclared. */
  declare?: boolean;
}

export function tmpDir(prefix = 'qtsc-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function makeModel(spec: ModelSpec, dir = tmpDir()): Promise<{ dir: string; model: tf.LayersModel }> {
  registerQtscLayers();
  const rng = new Rng(spec.seed);
  const space = resolveValueSpace(spec.valueSpace as string);
  const model = tf.sequential();
  const n = spec.sizes.length - 1;
  const inputScale = spec.input?.scale ?? 1 / 255;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    const denseArgs = {
      units: spec.sizes[i + 1],
      useBias: last ? spec.lastBias ?? true : rng.next() < 0.5,
      name: `dense${i}`,
      ...(i === 0 ? { inputShape: [spec.sizes[0]] } : {}),
    };
    const dense = spec.declare === false ? tf.layers.dense(denseArgs) : new QtscDense({ ...denseArgs, valueSpace: spec.valueSpace as string });
    model.add(dense);
    const [kernel, ...rest] = dense.getWeights();
    const kv = Float32Array.from({ length: kernel.size }, () => rng.pick(space));
    dense.setWeights([tf.tensor(kv, kernel.shape), ...rest.map((b) => tf.tensor(Float32Array.from({ length: b.size }, () => (rng.next() - 0.5) * 4), b.shape))]);
    if (last) break;
    if (spec.batchNorm ?? true) {
      const bn = tf.layers.batchNormalization({ name: `bn${i}` });
      model.add(bn);
      const units = spec.sizes[i + 1];
      const fan = Math.sqrt(spec.sizes[i]);
      const scaleIn = i === 0 ? inputScale * 128 : 1;
      const r = (lo: number, hi: number) => Float32Array.from({ length: units }, () => lo + (hi - lo) * rng.next());
      const gamma = r(-1.5, 1.5);
      bn.setWeights([
        tf.tensor(gamma),
        tf.tensor(r(-0.5, 1)),
        tf.tensor(r(-fan * scaleIn, fan * scaleIn)),
        tf.tensor(Float32Array.from({ length: units }, () => (0.2 + rng.next()) * fan * fan * scaleIn * scaleIn)),
      ]);
    }
    if (spec.act.kind === 'sign') model.add(new QtscSign({ name: `act${i}` }));
    else if (spec.act.kind === 'quant') model.add(new QtscQuantAct({ name: `act${i}`, bits: spec.act.bits, clip: 1 + rng.next() * 2 }));
    else model.add(tf.layers.reLU({ name: `act${i}` }));
  }
  if (spec.input) model.setUserDefinedMetadata({ qtsc: { input: spec.input } });
  await model.save(fileSaveHandler(dir));
  return { dir, model };
}
