import { expect } from 'chai';
import { UsageError } from '../../src/cli/args.js';
import { EXIT_INTERNAL_ERROR, EXIT_USER_ERROR, reportFailure } from '../../src/cli/failure.js';
import { QtscError } from '../../src/util/errors.js';

describe('cli failure: exit codes and what is printed', () => {
  function report(e: unknown): { code: number; printed: unknown[] } {
    const printed: unknown[] = [];
    const code = reportFailure(e, 'TOP USAGE', (...a) => printed.push(...a));
    return { code, printed };
  }

  it('a usage error: 1, the message and where help is (the top-level usage for qtsc itself)', () => {
    expect(report(new UsageError('sim', "--stall: too big"))).to.deep.equal({ code: EXIT_USER_ERROR, printed: ["error: sim: --stall: too big\nrun 'qtsc sim --help' for its options"] });
    expect(report(new UsageError('qtsc', "unknown command 'x'"))).to.deep.equal({ code: 1, printed: ["error: qtsc: unknown command 'x'\nTOP USAGE"] });
  });

  it('any other QtscError: 1 and its one-line message; anything else: 2 and the error itself (with its stack)', () => {
    expect(report(new QtscError('m.json: bad'))).to.deep.equal({ code: 1, printed: ['error: m.json: bad'] });
    const bug = new RangeError('oops');
    const r = report(bug);
    expect(r.code).to.equal(EXIT_INTERNAL_ERROR);
    expect(r.code).to.equal(2);
    expect(r.printed[1]).to.equal(bug);
  });
});
