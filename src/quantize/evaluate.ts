/**
 * Test-set accuracy of a float model and its quantized form on the same
 * images (data is used only to measure, never to quantize).
 */
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../data/dataset.js';
import { loadArtifacts } from '../importers/tfjs-artifacts.js';
import { registerQtscLayers } from '../layers/register.js';
import { evaluate, imagesToTensor } from '../train/trainer.js';
import { QtscError } from '../util/errors.js';
import { initTf, type BackendChoice } from '../util/tf-backend.js';

export interface Evaluation {
  dataset: string;
  images: number;
  floatAccuracy: number;
  quantizedAccuracy: number;
}

export async function evaluatePair(floatDir: string, quantizedDir: string, source: string, backend: BackendChoice = 'auto'): Promise<Evaluation> {
  await initTf({ backend });
  registerQtscLayers();
  const test = await loadDataset(source, 'test');
  const accuracy = async (dir: string): Promise<number> => {
    const model = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    const shape = model.inputs[0].shape;
    const size = shape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);
    if (size !== test.rows * test.cols) {
      throw new QtscError(`${dir}: the model takes ${size} inputs per image, ${source} has ${test.rows}x${test.cols} images`);
    }
    const x = imagesToTensor(test, shape.length === 2 ? 'flat' : 'image');
    try {
      return evaluate(model, x, test.labels);
    } finally {
      x.dispose();
      model.dispose();
    }
  };
  return { dataset: source, images: test.n, floatAccuracy: await accuracy(floatDir), quantizedAccuracy: await accuracy(quantizedDir) };
}
