import { expect } from 'chai';
import { progressLog, progressWanted } from '../../src/cli/progress.js';

describe('cli progress', () => {
  const tty = { isTTY: true, write: () => true };
  const pipe = { isTTY: false, write: () => true };

  it('is wanted on a terminal, not on a pipe; QTSC_PROGRESS=1/0 overrides; --quiet always wins', () => {
    expect(progressWanted(false, tty, {})).to.equal(true);
    expect(progressWanted(undefined, pipe, {})).to.equal(false);
    expect(progressWanted(false, pipe, { QTSC_PROGRESS: '1' })).to.equal(true);
    expect(progressWanted(false, tty, { QTSC_PROGRESS: '0' })).to.equal(false);
    expect(progressWanted(true, tty, { QTSC_PROGRESS: '1' })).to.equal(false);
  });

  it('progressLog writes `command: message` lines to the stream, or nothing', () => {
    const lines: string[] = [];
    const stream = { isTTY: true, write: (s: string) => lines.push(s) };
    progressLog('gen-hw', false, stream, {})('importing x');
    progressLog('gen-hw', true, stream, {})('hidden');
    progressLog('gen-hw', false, { ...stream, isTTY: false }, {})('hidden too');
    expect(lines).to.deep.equal(['gen-hw: importing x\n']);
  });
});
