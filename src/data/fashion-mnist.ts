/** Fashion-MNIST as installed by Debian's dataset-fashion-mnist package. */
import * as fs from 'node:fs';
import { QtscError } from '../util/errors.js';
import { checkDataset, readIdxDir, type Dataset, type Split } from './dataset.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** train: 60,000 images, test: 10,000, all: both (train first). */
export function loadFashionMnist(split: Split, dir = FASHION_MNIST_DIR): Dataset {
  if (!fs.existsSync(dir) || !fs.readdirSync(dir).some((f) => f.startsWith('train-images'))) {
    throw new QtscError(`Fashion-MNIST not found in ${dir}; install it with: apt-get install dataset-fashion-mnist`);
  }
  return checkDataset(readIdxDir(dir, split), `fashion-mnist ${split}`);
}
