/**
 * The shipped example: the integer golden model agrees with tfjs predict on
 * the argmax for at least 99.9% of the 10,000 MNIST digits, and every
 * disagreement is explained: either the float logits tie (top two within
 * float32 noise, or one step of the logit offsets' rounding) or some float
 * pre-activation lies on a quantizer threshold.
 */
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { compileModel } from '../../src/compile.js';
import { runGolden } from '../../src/golden/execute.js';
import { dequantizeInput, runFloat } from '../../src/golden/float-model.js';
import { framesFromSource } from '../../src/golden/input-frames.js';
import { loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import { registerQtscLayers } from '../../src/layers/index.js';
import { initTf } from '../../src/util/tf-backend.js';
import { DEFAULT_MODEL } from '../../src/cli/gen-hw.js';
import { inputLength } from '../../src/ir/hardware-ir.js';

describe('golden model vs tfjs on the shipped example (10,000 MNIST digits)', () => {
  it('agrees on the argmax for >= 99.9%, and each disagreement is a tie or a threshold touch', async () => {
    await initTf({ backend: 'wasm' });
    registerQtscLayers();
    const model = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(DEFAULT_MODEL)));
    const compiled = await compileModel({ model: DEFAULT_MODEL });
    const data = await framesFromSource('mnist', { count: 10_000, inputLength: inputLength(compiled.ir), input: compiled.graph.inputQuant, split: 'all' });
    expect(data.frames.length).to.equal(10_000);
    const flat = new Float32Array(data.frames.length * inputLength(compiled.ir));
    data.frames.forEach((f, i) => flat.set(dequantizeInput(compiled.graph, f), i * inputLength(compiled.ir)));
    const x = tf.tensor2d(flat, [data.frames.length, inputLength(compiled.ir)]);
    const tfPred = Array.from((tf.argMax(model.predict(x, { batchSize: 2000 }) as tf.Tensor, 1) as tf.Tensor).dataSync());
    x.dispose();
    let disagree = 0;
    for (let i = 0; i < data.frames.length; i++) {
      const g = runGolden(compiled.ir, data.frames[i]);
      if (g.argmax === tfPred[i]) continue;
      disagree++;
      const f = runFloat(compiled.graph, dequantizeInput(compiled.graph, data.frames[i]));
      const sorted = [...f.logits].sort((a, b) => b - a);
      // A tie: float logits within float32 noise, or integer logits within one
      // step of the offset rounding (2^-shift of an accumulator step).
      const tie = sorted[0] - sorted[1] <= 1e-4 * Math.max(1, Math.abs(sorted[0])) || Math.abs(g.logits[g.argmax] - g.logits[tfPred[i]]) <= 1;
      const onThreshold = f.thresholdMargin <= 1e-4;
      expect(tie || onThreshold, `frame ${i}: golden ${g.argmax}, tfjs ${tfPred[i]}, logit gap ${sorted[0] - sorted[1]}, threshold margin ${f.thresholdMargin}`).to.equal(true);
    }
    expect(disagree).to.be.at.most(10);
  });
});
