export * from './dataset.js';
export * from './idx.js';
export { loadMnist } from './mnist.js';
export { loadFashionMnist, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES } from './fashion-mnist.js';
