/**
 * Test-set accuracy of a float model and its quantized form on the same
 * images (data is used only to measure, never to quantize).
 */
import * as tf from '@tensorflow/tfjs';
import { describeImageSize, loadDataset, valuesPerImage } from '../data/dataset.js';
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
  // The float model's input shape gives a CSV file's image size (and is checked against IDX images).
  const floatModel = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(floatDir)));
  const inShape = floatModel.inputs[0].shape;
  floatModel.dispose();
  const imageSize = inShape.length === 4 ? { rows: inShape[1] ?? 1, cols: inShape[2] ?? 1, channels: inShape[3] ?? 1 } : undefined;
  const test = await loadDataset(source, 'test', { ...(imageSize ? { imageSize } : {}) });
  const accuracy = async (dir: string): Promise<number> => {
    const model = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    const shape = model.inputs[0].shape;
    const size = shape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);
    if (size !== valuesPerImage(test)) {
      throw new QtscError(`${dir}: the model takes ${size} inputs per image, ${source} has ${describeImageSize(test)} images`);
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
