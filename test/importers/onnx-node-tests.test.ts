/**
 * ONNX's own operator tests (bench/onnx-node-tests.ts) on the float Graph IR
 * executor: every case of a supported operator either passes or is skipped by
 * the importer with a reason; the one known difference is Sign of an exact 0
 * (ONNX: 0; qtsc's ±1 activation: +1, docs/model-format.md).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import { KNOWN_DIFFERENCES, NODE_TEST_DIR, listCases, runAll } from '../../bench/onnx-node-tests.js';

describe("importers/onnx on ONNX's operator tests (libonnx-testdata)", function () {
  before(function () {
    if (!fs.existsSync(NODE_TEST_DIR)) this.skip();
  });

  it('passes every case it imports, and skips the others with a reason', () => {
    const results = runAll();
    expect(results.length).to.equal(listCases().length);
    const failed = results.filter((r) => r.status === 'failed' && !(r.name in KNOWN_DIFFERENCES));
    expect(failed, JSON.stringify(failed, null, 1)).to.deep.equal([]);
    for (const r of results.filter((x) => x.status === 'skipped')) expect(r.reason, r.name).to.be.a('string').and.not.equal('');
    // The cases the supported attribute set covers: convolutions, Gemm, pooling, BatchNorm, Flatten, Reshape, Relu.
    const passed = new Set(results.filter((r) => r.status === 'passed').map((r) => r.name));
    for (const name of ['test_conv_with_strides_padding', 'test_conv_with_autopad_same', 'test_gemm_transposeB', 'test_gemm_alpha', 'test_maxpool_2d_same_lower', 'test_averagepool_2d_strides', 'test_averagepool_2d_pads', 'test_averagepool_2d_same_lower', 'test_averagepool_2d_pads_count_include_pad', 'test_batchnorm_epsilon', 'test_flatten_axis1', 'test_relu', 'test_reshape_reduced_dims']) {
      expect(passed.has(name), name).to.equal(true);
    }
    const sign = results.find((r) => r.name === 'test_sign');
    expect(sign?.reason ?? '').to.match(/1 instead of 0/);
  });
});
