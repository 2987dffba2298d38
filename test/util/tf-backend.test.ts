import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/util/tf-backend.js';

describe('initTf', () => {
  after(async () => {
    await initTf({ backend: 'wasm' });
  });

  it('auto picks tfjs-node when present, else wasm, and is idempotent', async () => {
    const a = await initTf();
    const b = await initTf();
    expect(a).to.equal(b);
    expect(['tensorflow', 'wasm']).to.include(a);
    expect(tf.getBackend()).to.equal(a);
  });

  it('wasm loads its .wasm binary under Node and computes', async () => {
    expect(await initTf({ backend: 'wasm' })).to.equal('wasm');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).arraySync();
    expect(y).to.deep.equal([[11]]);
  });

  it('switches to cpu on request, and auto then keeps it', async () => {
    expect(await initTf({ backend: 'cpu' })).to.equal('cpu');
    expect(tf.getBackend()).to.equal('cpu');
    expect(await initTf()).to.equal('cpu');
  });

  it('an unavailable explicit backend is an error', async () => {
    let hasNode = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      hasNode = false;
    }
    if (hasNode) return;
    let msg = '';
    await initTf({ backend: 'node' }).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/tfjs-node/);
  });
});
