/**
 * The unit-testbench driver (src/drivers/testbench.ts): its result-line
 * parsing and its refusals; running real units in both simulators is what
 * the unit tests (window-rtl, vvu, residual-prims) do with it.
 */
import { expect } from 'chai';
import * as os from 'node:os';
import { resultLine, runTestbench } from '../../src/drivers/testbench.js';
import { QtscError } from '../../src/util/errors.js';

describe('drivers/testbench', () => {
  it('resultLine: the numbers of the line that starts with the name, null without one', () => {
    const out = 'noise\nQTSC_UNIT words=12 errors=0 cycles=40 frame0=-1 first_error=-1\n- tb.sv:9: Verilog $finish\n';
    expect(resultLine(out, 'QTSC_UNIT')).to.deep.equal({ words: 12, errors: 0, cycles: 40, frame0: -1, first_error: -1 });
    expect(resultLine(out, 'QTSC_RESIDUAL')).to.equal(null);
  });

  it('refuses a top that is no module name and a source that does not exist, before running a tool', async () => {
    const base = { simulator: 'iverilog' as const, cwd: os.tmpdir(), workDir: os.tmpdir() };
    let err: unknown;
    try {
      await runTestbench({ ...base, top: 'tb; rm', sources: [] });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(QtscError);
    expect((err as Error).message).to.match(/'tb; rm' is not a Verilog module name/);
    err = undefined;
    try {
      await runTestbench({ ...base, top: 'tb', sources: ['no-such-file.sv'] });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(QtscError);
    expect((err as Error).message).to.match(/no-such-file\.sv' not found/);
  });
});
