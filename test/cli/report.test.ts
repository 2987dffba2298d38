/**
 * `npm run report`: on a tiny design gen-hw wrote, Yosys per node and of the
 * top, iCE40 place and route, all three reports rewritten with measured
 * figures (report.json through its zod schema); a second run reads every
 * figure from the cache; bad input is one clear error line.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { initTf } from '../../src/util/tf-backend.js';
import { ReportSchema } from '../../src/backends/report/report-schema.js';
import { findTool } from '../../src/drivers/tools.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli report', function () {
  this.timeout(900_000);
  let out: string;

  before(async () => {
    await initTf({ backend: 'wasm' });
    const base = tmpDir('qtsc-report-');
    const { dir } = await makeModel({ sizes: [16, 8, 4], valueSpace: 'binary', act: { kind: 'sign' }, seed: 1, input: { bits: 2, scale: 0.25 } }, path.join(base, 'model'));
    out = path.join(base, 'out');
    const g = run('gen-hw', '--model', dir, '--out', out, '--quiet');
    expect(g.code, g.stderr).to.equal(0);
  });

  it('synthesises every node and the top, places and routes on an iCE40, and rewrites report.json/md/html', function () {
    if (!findTool('yosys') || !findTool('nextpnr-ice40')) this.skip();
    const r = run('report', '--out', out, '--clock', '50');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr, 'no progress when stderr is not a terminal').to.equal('');
    const rep = ReportSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')));
    const m = rep.measured!;
    expect(m.target).to.equal('xilinx');
    expect(m.nodes.map((n) => n.name)).to.deep.equal(rep.layers.map((l) => l.name));
    for (const n of [...m.nodes, m.top]) {
      expect(n.luts, n.name).to.be.greaterThan(0);
      expect(n.logicDepth, n.name).to.be.a('number');
      expect(n.fmaxMHz, n.name).to.be.greaterThan(0);
      expect(n.cached).to.equal(false);
    }
    // The estimate the report sets beside it is the 35% model of test/backends/estimates.
    expect(Math.abs(rep.estimate.total.luts - m.top.luts) / m.top.luts).to.be.below(0.35);
    expect(m.ice40?.fits).to.equal(true);
    expect(m.ice40?.device).to.equal('up5k');
    expect(m.ice40?.fmaxMHz).to.be.greaterThan(0);
    expect(m.ice40?.utilisation?.ICESTORM_LC.used).to.be.greaterThan(0);
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).to.contain('estimate / measured (Yosys xilinx)').and.contain('iCE40 UP5K: fmax');
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).to.contain('LUT synth').and.contain('nextpnr-ice40');

    const again = run('report', '--out', out, '--clock', '50');
    expect(again.code, again.stderr).to.equal(0);
    const rep2 = ReportSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')));
    expect([...rep2.measured!.nodes, rep2.measured!.top].every((n) => n.cached)).to.equal(true);
    expect(rep2.measured!.top.luts).to.equal(m.top.luts);
  });

  it('bad input: one clear error line and exit 1', () => {
    const none = run('report', '--out', path.join(out, 'nope'));
    expect(none.code).to.equal(1);
    expect(none.stderr).to.match(/^error: .*nope.*report\.json: not found \(run gen-hw/);
    const t = run('report', '--out', out, '--synth', 'virtex');
    expect(t.code).to.equal(1);
    expect(t.stderr).to.match(/^error: report: --synth: /);
    const missing = run('report');
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('--out DIR is required');
  });
});
