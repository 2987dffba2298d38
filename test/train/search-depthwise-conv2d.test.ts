import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { QtscQuantAct } from '../../src/layers/qtsc-quant-act.js';
import { initTf } from '../../src/util/tf-backend.js';
import { compileModel } from '../../src/compile.js';
import { fileSaveHandler, loadArtifacts } from '../../src/importers/tfjs-artifacts.js';
import { resolveValueSpace, type ValueSpace } from '../../src/layers/value-space.js';
import { QtscDepthwiseConv2D } from '../../src/layers/qtsc-depthwise-conv2d.js';
import { freezeModel } from '../../src/train/freeze.js';
import { registerTrainLayers } from '../../src/train/register.js';
import { SearchConv2D } from '../../src/train/search-conv2d.js';
import { SearchDense } from '../../src/train/search-dense.js';
import { SearchDepthwiseConv2D } from '../../src/train/search-depthwise-conv2d.js';
import type { SearchMethod } from '../../src/train/search-kernel.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-dw-'));
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, eps: number, what: string): void {
  expect(a.length, what).to.equal(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i], `${what}[${i}]`).to.be.closeTo(b[i], eps * Math.max(1, Math.abs(b[i])));
}

/** conv (strided) -> BN -> depthwise (strided, multiplier 2) -> BN -> flatten -> dense: every searched layer of one method. */
function smallNet(method: SearchMethod, space: ValueSpace, seed: number): tf.Sequential {
  registerTrainLayers();
  return tf.sequential({
    layers: [
      new SearchConv2D({ name: 'conv', filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', useBias: method !== 'xnor', valueSpace: space, method, seed, inputShape: [7, 6, 2] }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      new SearchDepthwiseConv2D({ name: 'dw', kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'valid', useBias: method !== 'xnor', valueSpace: space, method, seed: seed + 1 }),
      tf.layers.batchNormalization({ name: 'bn2' }),
      tf.layers.flatten({ name: 'flat' }),
      new SearchDense({ name: 'logits', units: 4, valueSpace: space, method: method === 'xnor' ? 'ste' : method, seed: seed + 2 }),
    ],
  });
}

describe('SearchDepthwiseConv2D, strided SearchConv2D and their frozen forms', () => {
  before(async () => {
    await initTf({ backend: 'wasm' });
    registerTrainLayers();
  });

  it('rejects bad geometry config with an error naming the layer and field', () => {
    const base = { valueSpace: 'binary' as const, method: 'sgt' as const, name: 'd1' };
    expect(() => new SearchDepthwiseConv2D({ ...base, kernelSize: 3, strides: 0 })).to.throw(/SearchDepthwiseConv2D 'd1': config 'strides'/);
    expect(() => new SearchDepthwiseConv2D({ ...base, kernelSize: [3, 1.5] })).to.throw(/SearchDepthwiseConv2D 'd1': config 'kernelSize'/);
    expect(() => new SearchDepthwiseConv2D({ ...base, kernelSize: 3, depthMultiplier: 0 })).to.throw(/SearchDepthwiseConv2D 'd1': config 'depthMultiplier'/);
    expect(() => new SearchDepthwiseConv2D({ ...base, kernelSize: 3, padding: 'causal' as 'same' })).to.throw(/SearchDepthwiseConv2D 'd1': config 'padding'/);
    expect(() => new SearchConv2D({ ...base, name: 'c1', filters: 2, kernelSize: 3, strides: [1, 2, 3] as unknown as [number, number] })).to.throw(/SearchConv2D 'c1': config 'strides'/);
    const l = new SearchDepthwiseConv2D({ ...base, kernelSize: 5, padding: 'valid' });
    expect(() => l.apply(tf.input({ shape: [4, 8, 1] }))).to.throw(/SearchDepthwiseConv2D 'd1': .*smaller than the kernel/);
  });

  for (const method of ['rdhs', 'sgt'] as const) {
    it(`${method}: the depthwise kernel in force holds only candidates and the output is tf.depthwiseConv2d with it`, () => {
      const l = new SearchDepthwiseConv2D({ kernelSize: [2, 3], depthMultiplier: 3, strides: [1, 2], padding: 'same', valueSpace: 'pow2-3', method, seed: 4, useBias: false });
      const x = tf.randomNormal([2, 5, 6, 2], 0, 1, 'float32', 9) as tf.Tensor4D;
      const y = l.apply(x) as tf.Tensor;
      const k = l.effectiveKernel();
      expect(k.shape).to.deep.equal([2, 3, 2, 3]);
      const values = resolveValueSpace('pow2-3');
      for (const v of k.dataSync()) if (!values.includes(v)) expect.fail(`${v} is not a candidate`);
      expect(Array.from(l.frozenKernel().dataSync())).to.deep.equal(Array.from(k.dataSync()));
      close(y.dataSync(), tf.depthwiseConv2d(x, k as tf.Tensor4D, [1, 2], 'same').dataSync(), 1e-5, 'y');
      expect(y.shape).to.deep.equal([2, 5, 3, 6]);
    });
  }

  // Per channel c (1x1 kernel, stride [1, 2], 'valid' on a 1x3 row): y_c = w_c (x[0, c] + x[2, c]),
  // L = sum y, so dL/dw_c = x[0, c] + x[2, c] = [3, -3] (the skipped middle column holds 100).
  // q = [-1, 1]; alpha selects -1 for channel 0 and +1 for channel 1.
  const alpha = () => tf.tensor5d([Math.log(3), 0, 0, Math.log(3)], [1, 1, 2, 1, 2]);
  const x = () => tf.tensor4d([2, 1, 100, 100, 1, -4], [1, 1, 3, 2]);
  function alphaGrad(method: SearchMethod): number[] {
    const l = new SearchDepthwiseConv2D({ kernelSize: 1, strides: [1, 2], padding: 'valid', valueSpace: 'binary', method, useBias: false });
    l.apply(tf.input({ shape: [1, 3, 2] }));
    l.setWeights([alpha()]);
    const { grads } = tf.variableGrads(() => tf.sum(l.apply(x()) as tf.Tensor) as tf.Scalar, l.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
    return Array.from(Object.values(grads)[0].dataSync());
  }

  it('SGT: dL/dalpha^r = dL/dw * sign(q^r - q^k) on a hand-computed strided case', () => {
    // channel 0: dw = 3, k = 0 (q^k = -1): sign([0, 2]) * 3 = [0, 3]
    // channel 1: dw = -3, k = 1 (q^k = 1): sign([-2, 0]) * -3 = [3, 0]
    close(alphaGrad('sgt'), [0, 3, 3, 0], 0, 'dalpha');
  });

  it('RDHS: dL/dalpha = y * (g - sum(y g)) / tau with g = dL/dw * q on a hand-computed strided case', () => {
    // channel 0: y = [3/4, 1/4], g = 3 * [-1, 1] = [-3, 3], sum y g = -1.5: [0.75 * -1.5, 0.25 * 4.5] = [-1.125, 1.125]
    // channel 1: y = [1/4, 3/4], g = -3 * [-1, 1] = [3, -3], sum y g = -1.5: [0.25 * 4.5, 0.75 * -1.5] = [1.125, -1.125]
    close(alphaGrad('rdhs'), [-1.125, 1.125, 1.125, -1.125], 1e-5, 'dalpha');
  });

  for (const [method, space] of [
    ['rdhs', 'pow2-2'],
    ['sgt', [-1, 0, 1]],
    ['ste', 'binary'],
    ['xnor', 'binary'],
    ['fp', 'binary'],
    ['int8', 'binary'],
  ] as Array<[SearchMethod, ValueSpace]>) {
    it(`${method}: freeze gives ${method === 'fp' || method === 'int8' ? 'plain' : 'value-space'} strided convolutions with the search model's predictions; both models round-trip through model.json`, async () => {
      const model = smallNet(method, space, 3);
      const xi = tf.randomNormal([3, 7, 6, 2], 0, 1, 'float32', 5);
      // non-trivial batch-norm statistics, so that XNOR's scale folding is exercised
      for (const bn of ['bn1', 'bn2']) {
        const l = model.getLayer(bn);
        const c = l.getWeights()[0].shape[0];
        l.setWeights([tf.randomUniform([c], 0.5, 2, 'float32', 1), tf.randomNormal([c], 0, 1, 'float32', 2), tf.randomNormal([c], 0, 0.5, 'float32', 3), tf.randomUniform([c], 0.5, 2, 'float32', 4)]);
      }
      const dir = tmp();
      await model.save(fileSaveHandler(dir));
      const reloaded = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
      const dwl = reloaded.getLayer('dw') as SearchDepthwiseConv2D;
      expect(dwl).to.be.instanceOf(SearchDepthwiseConv2D);
      expect([dwl.kernelSize, dwl.strides, dwl.depthMultiplier, dwl.padding, dwl.method]).to.deep.equal([[3, 3], [2, 2], 2, 'valid', method]);
      expect((reloaded.getLayer('conv') as SearchConv2D).strides).to.deep.equal([2, 1]);
      const a = (model.predict(xi) as tf.Tensor).dataSync();
      expect(Array.from((reloaded.predict(xi) as tf.Tensor).dataSync())).to.deep.equal(Array.from(a));

      const frozen = await freezeModel(model);
      const float = method === 'fp' || method === 'int8';
      expect(frozen.layers.map((l) => l.getClassName())).to.deep.equal([
        float ? 'Conv2D' : 'QtscConv2D',
        'BatchNormalization',
        float ? 'DepthwiseConv2D' : 'QtscDepthwiseConv2D',
        'BatchNormalization',
        'Flatten',
        float ? 'Dense' : 'QtscDense',
      ]);
      const conv = frozen.getLayer('conv').getConfig();
      expect([conv.strides, conv.padding, conv.kernelSize]).to.deep.equal([[2, 1], 'same', [3, 2]]);
      const dw = frozen.getLayer('dw').getConfig();
      expect([dw.strides, dw.padding, dw.kernelSize, dw.depthMultiplier]).to.deep.equal([[2, 2], 'valid', [3, 3], 2]);
      if (!float) {
        const values = resolveValueSpace(space);
        for (const name of ['conv', 'dw', 'logits']) {
          const seen = new Set<number>();
          for (const v of frozen.getLayer(name).getWeights()[0].dataSync()) {
            if (!values.includes(v)) expect.fail(`${name}: ${v} is not in ${values}`);
            seen.add(v);
          }
          expect(seen.size, `${name} uses several candidates`).to.be.greaterThan(1);
        }
        expect(frozen.getLayer('dw').getConfig().valueSpace).to.deep.equal(space);
      }
      const b = (frozen.predict(xi) as tf.Tensor).dataSync();
      close(b, a, 1e-4, 'frozen vs search');

      await frozen.save(fileSaveHandler(dir));
      const again = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
      if (!float) expect(again.getLayer('dw')).to.be.instanceOf(QtscDepthwiseConv2D);
      expect(Array.from((again.predict(xi) as tf.Tensor).dataSync())).to.deep.equal(Array.from(b));
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('gen-hw compiles a frozen depthwise model to a sliding window and a VVU; without a quantized activation the error names the layer', async () => {
    const model = tf.sequential({
      layers: [
        new SearchDepthwiseConv2D({ name: 'dw', kernelSize: 3, strides: 2, valueSpace: 'binary', method: 'sgt', inputShape: [6, 6, 1] }),
        tf.layers.flatten({ name: 'flat' }),
        new SearchDense({ name: 'logits', units: 2, valueSpace: 'binary', method: 'sgt' }),
      ],
    });
    const dir = tmp();
    await (await freezeModel(model)).save(fileSaveHandler(dir));
    let msg = '';
    await compileModel({ model: dir }).catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/layer 'dw': activation 'linear' is float; the hardware needs quantized activations/);
    fs.rmSync(dir, { recursive: true, force: true });
    const quantized = tf.sequential({
      layers: [
        new SearchDepthwiseConv2D({ name: 'dw', kernelSize: 3, strides: 2, depthMultiplier: 2, valueSpace: 'binary', method: 'sgt', inputShape: [6, 6, 1] }),
        new QtscQuantAct({ name: 'q', bits: 2, clip: 1 }),
        tf.layers.flatten({ name: 'flat' }),
        new SearchDense({ name: 'logits', units: 2, valueSpace: 'binary', method: 'sgt' }),
      ],
    });
    const dir2 = tmp();
    await (await freezeModel(quantized)).save(fileSaveHandler(dir2));
    const compiled = await compileModel({ model: dir2 });
    expect(compiled.ir.nodes.map((n) => n.op)).to.deep.equal(['swu', 'vvu', 'mvu']);
    fs.rmSync(dir2, { recursive: true, force: true });
  });

  it('initFromFloat selects the nearest candidates of a float depthwise kernel', () => {
    const l = new SearchDepthwiseConv2D({ kernelSize: 1, depthMultiplier: 2, valueSpace: 'pow2-2', method: 'rdhs', useBias: false });
    l.apply(tf.input({ shape: [2, 2, 2] }));
    l.initFromFloat(tf.tensor4d([0.9, -0.3, 0.4, -2], [1, 1, 2, 2]));
    expect(Array.from(l.frozenKernel().dataSync())).to.deep.equal([1, -0.5, 0.5, -1]);
  });
});
