export * from './dataset.js';
export * from './idx.js';
export * from './csv.js';
export { loadMnist } from './mnist.js';
export { loadFashionMnist, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES } from './fashion-mnist.js';
