import { expect } from 'chai';
import { compileModel } from '../../../src/compile.js';
import { estimateRtl } from '../../../src/backends/estimates/resources.js';
import { checkSizeGuard, DEFAULT_MAX_LUTS } from '../../../src/backends/estimates/size-guard.js';
import { QtscError } from '../../../src/util/errors.js';
import { makeModel } from '../../helpers/make-model.js';

describe('size guard', () => {
  it('passes a design at the guard, refuses one above it naming the estimate, the largest unit and the ways out; --force passes it', async () => {
    const { dir } = await makeModel({ sizes: [30, 12, 5], valueSpace: 'binary', act: { kind: 'sign' }, seed: 21 });
    const compiled = await compileModel({ model: dir });
    const rtl = estimateRtl(compiled.ir);
    const luts = rtl.estimate.total.luts;
    expect(luts).to.be.greaterThan(10);
    checkSizeGuard(rtl, { maxLuts: luts, force: false });
    checkSizeGuard(rtl, { maxLuts: DEFAULT_MAX_LUTS, force: false });
    let err: unknown;
    try {
      checkSizeGuard(rtl, { maxLuts: luts - 1, force: false });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(QtscError);
    const largest = rtl.estimate.nodes.reduce((a, b) => (b.luts > a.luts ? b : a));
    expect((err as Error).message).to.equal(
      `design 'qtsc_top': estimated ${luts.toLocaleString('en-US')} LUTs (largest: '${largest.name}', ${Math.round(largest.luts).toLocaleString('en-US')} LUTs) is above the size guard of ${(luts - 1).toLocaleString('en-US')} LUTs; ` +
        'fold the layers further (--fold, --target-cycles), raise the guard with --max-luts N, or build it anyway with --force',
    );
    checkSizeGuard(rtl, { maxLuts: 1, force: true });
  });

  it('the default guard is 2,000,000 LUTs', () => {
    expect(DEFAULT_MAX_LUTS).to.equal(2_000_000);
  });
});
