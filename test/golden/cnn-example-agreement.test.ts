/**
 * The shipped CNN example (examples/fashion-cnn-binary): the integer golden
 * model's accuracy on Fashion-MNIST test images is within 0.2 points of
 * tfjs predict's on the same images, and the two disagree on the argmax of
 * at most 0.5% of them (ties and threshold touches of the float model).
 */
import { expect } from 'chai';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { compileModel } from '../../src/compile.js';
import { runGolden } from '../../src/golden/execute.js';
import { dequantizeInput } from '../../src/golden/float-model.js';
import { framesFromSource } from '../../src/golden/input-frames.js';
import { loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import { registerQtscLayers } from '../../src/layers/index.js';
import { initTf } from '../../src/util/tf-backend.js';
import { packageRoot } from '../../src/util/package-root.js';
import { inputLength } from '../../src/ir/hardware-ir.js';
import * as fs from 'node:fs';

const EXAMPLE = path.join(packageRoot, 'examples', 'fashion-cnn-binary');
const COUNT = 2000;
const describeIf = fs.existsSync('/usr/share/datasets/fashion-mnist') ? describe : describe.skip;

describeIf(`golden model vs tfjs on the shipped CNN example (${COUNT} Fashion-MNIST test images)`, () => {
  it('accuracy within 0.2 points of tfjs, argmax agreement >= 99.5%', async () => {
    await initTf({ backend: 'wasm' });
    registerQtscLayers();
    const model = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(EXAMPLE)));
    const compiled = await compileModel({ model: EXAMPLE });
    const data = await framesFromSource('fashion-mnist', { count: COUNT, inputLength: inputLength(compiled.ir), input: compiled.graph.inputQuant, split: 'test' });
    const flat = new Float32Array(data.frames.length * inputLength(compiled.ir));
    data.frames.forEach((f, i) => flat.set(dequantizeInput(compiled.graph, f), i * inputLength(compiled.ir)));
    const x = tf.tensor4d(flat, [data.frames.length, 28, 28, 1]);
    const tfPred = Array.from((tf.argMax(model.predict(x, { batchSize: 500 }) as tf.Tensor, 1) as tf.Tensor).dataSync());
    x.dispose();
    let goldenRight = 0;
    let tfRight = 0;
    let agree = 0;
    data.frames.forEach((f, i) => {
      const g = runGolden(compiled.ir, f).argmax;
      if (g === data.labels![i]) goldenRight++;
      if (tfPred[i] === data.labels![i]) tfRight++;
      if (g === tfPred[i]) agree++;
    });
    expect(Math.abs(goldenRight - tfRight) / COUNT, `golden ${goldenRight}, tfjs ${tfRight} right of ${COUNT}`).to.be.at.most(0.002);
    expect(agree / COUNT).to.be.at.least(0.995);
    expect(compiled.ir.nodes.filter((n) => n.op === 'mvu').every((n) => n.op === 'mvu' && n.multipliers === 0)).to.equal(true);
  });
});
