/**
 * gen-hw's folding options: --target-fps / --lut-budget / --explore write a
 * design meeting the goal, pareto.json (through its schema) and pareto.svg,
 * the same bytes on a second run; conflicting or impossible goals are one
 * clear error line.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { initTf } from '../../src/util/tf-backend.js';
import { ParetoFileSchema } from '../../src/backends/report/pareto.js';
import { ReportSchema } from '../../src/backends/report/report-schema.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'gen-hw', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('cli gen-hw: folding by goal', function () {
  this.timeout(300_000);
  let model: string;
  let base: string;
  before(async () => {
    await initTf({ backend: 'wasm' });
    base = tmpDir('qtsc-genhw-fold-');
    ({ dir: model } = await makeModel({ sizes: [24, 12, 4], valueSpace: 'binary', act: { kind: 'sign' }, seed: 2, input: { bits: 2, scale: 0.25 } }, path.join(base, 'model')));
  });

  it('--target-fps --explore: meets the rate, writes pareto.json/svg and the same bytes twice', () => {
    const outs = ['a', 'b'].map((k) => path.join(base, k));
    for (const out of outs) {
      const r = run('--model', model, '--out', out, '--target-fps', '2e6', '--clock', '50', '--explore', '--quiet');
      expect(r.code, r.stderr).to.equal(0);
    }
    const p = ParetoFileSchema.parse(JSON.parse(fs.readFileSync(path.join(outs[0], 'pareto.json'), 'utf8')));
    expect(p.chosen.fps).to.be.at.least(2e6);
    expect(p.front.length).to.be.greaterThan(1);
    expect(fs.readFileSync(path.join(outs[0], 'pareto.svg'), 'utf8')).to.match(/^<svg [^>]*class="chart pareto"/);
    const rep = ReportSchema.parse(JSON.parse(fs.readFileSync(path.join(outs[0], 'report.json'), 'utf8')));
    expect(rep.framesPerSecond).to.be.at.least(2e6);
    expect(rep.clockMHz).to.equal(50);
    for (const f of ['pareto.json', 'pareto.svg', 'report.json', 'report.md', 'report.html', 'ir.json']) {
      expect(fs.readFileSync(path.join(outs[1], f)).equals(fs.readFileSync(path.join(outs[0], f))), f).to.equal(true);
    }
  });

  it('--lut-budget: the fastest folding within it', () => {
    const out = path.join(base, 'budget');
    const r = run('--model', model, '--out', out, '--lut-budget', '400', '--quiet');
    if (r.code !== 0) expect(r.stderr).to.match(/^error: folding: no folding fits --lut-budget 400: the smallest is estimated at \d+ LUTs/);
    else expect(ReportSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'))).estimate.total.luts).to.be.at.most(400);
  });

  it('conflicting or impossible goals: one error line, exit 1, no output', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--target-fps', '1000', '--lut-budget', '100'], /--target-fps or --lut-budget, not both/],
      [['--bram-budget', '2'], /--bram-budget goes with --target-fps or --lut-budget/],
      [['--target-fps', '1000', '--target-cycles', '10'], /give no --fold FILE or --target-cycles with them/],
      [['--target-fps', '1e12'], /the fastest folding takes \d+ \(/],
      [['--lut-budget', '1'], /no folding fits --lut-budget 1: the smallest is estimated at \d+ LUTs/],
      [['--clock', '0', '--target-fps', '5'], /--clock: /],
    ];
    for (const [args, re] of cases) {
      const out = path.join(base, 'bad');
      const r = run('--model', model, '--out', out, ...args);
      expect(r.code, args.join(' ')).to.equal(1);
      // one error line (a bad option value adds where to find help)
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith("run 'qtsc gen-hw --help'"))).to.have.length(1);
      expect(r.stderr, args.join(' ')).to.match(re);
      expect(fs.existsSync(out)).to.equal(false);
    }
  });
});
