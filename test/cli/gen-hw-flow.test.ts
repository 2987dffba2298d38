import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeModel, tmpDir } from '../helpers/make-model.js';
import { bytesTree } from '../helpers/file-tree.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function qtsc(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli gen-hw --flow', () => {
  let model: string;
  before(async () => {
    model = (await makeModel({ sizes: [16, 8, 4], valueSpace: 'binary', act: { kind: 'sign' }, seed: 31 })).dir;
  });

  it('--flow all writes the three flows, the filelist, the template and the header under OUT/flow, the same bytes every run', () => {
    const outs = [path.join(tmpDir(), 'out'), path.join(tmpDir(), 'out')];
    for (const out of outs) {
      const r = qtsc(['gen-hw', '--model', model, '--out', out, '--flow', 'all', '--clock', '50', '--quiet']);
      expect(r.code, r.stderr).to.equal(0);
    }
    const [a, b] = outs.map((o) => bytesTree(o));
    const flowFiles = Object.keys(a).filter((f) => f.startsWith('flow/') && a[f] !== 'dir').sort();
    expect(flowFiles).to.deep.equal([
      'flow/filelist.f',
      'flow/qtsc_top.h',
      'flow/qtsc_top_inst.vh',
      'flow/quartus/project.tcl',
      'flow/quartus/qtsc_top.sdc',
      'flow/vivado/build.tcl',
      'flow/vivado/package_ip.tcl',
      'flow/vivado/project.tcl',
      'flow/vivado/qtsc_top.xdc',
      'flow/yosys-nextpnr/Makefile',
      'flow/yosys-nextpnr/qtsc_top_ice40.sv',
    ]);
    expect(a).to.deep.equal(b);
    // The filelist names exactly the RTL backend's sources, which exist.
    const listed = fs.readFileSync(path.join(outs[0], 'flow', 'filelist.f'), 'utf8').trim().split('\n');
    expect(listed).to.deep.equal(fs.readFileSync(path.join(outs[0], 'rtl', 'filelist.f'), 'utf8').trim().split('\n').map((s) => `../rtl/${s}`));
    for (const f of listed) expect(fs.existsSync(path.join(outs[0], 'flow', f)), f).to.equal(true);
  });

  it('a list of flows writes only those; no --flow writes no flow/', () => {
    const out = path.join(tmpDir(), 'out');
    expect(qtsc(['gen-hw', '--model', model, '--out', out, '--flow', 'quartus,vivado', '--quiet']).code).to.equal(0);
    expect(fs.readdirSync(path.join(out, 'flow')).sort()).to.deep.equal(['filelist.f', 'qtsc_top.h', 'qtsc_top_inst.vh', 'quartus', 'vivado']);
    const plain = path.join(tmpDir(), 'out');
    expect(qtsc(['gen-hw', '--model', model, '--out', plain, '--quiet']).code).to.equal(0);
    expect(fs.existsSync(path.join(plain, 'flow'))).to.equal(false);
  });

  it('refuses flow names, parts, devices and clocks that are not ours or not plain names, before writing anything', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--flow', '../../escape'], /--flow: '..\/..\/escape' is not a flow/],
      [['--flow', 'vivado,/tmp/x'], /--flow: '\/tmp\/x' is not a flow/],
      [['--flow', 'vivado', '--part', '../../x'], /--part: '..\/..\/x' is not a device name/],
      [['--flow', 'vivado', '--part', 'xc7;exec rm -rf /'], /--part: .* is not a device name/],
      [['--flow', 'quartus', '--device', '5CSE[exit]'], /--device: .* is not a device name/],
      [['--flow', 'yosys-nextpnr', '--ice40', 'lp1k'], /--ice40: 'lp1k' is not one of up5k, hx8k/],
      [['--flow', 'vivado', '--clock', '0'], /--clock/],
      [['--flow', 'vivado', '--clock', 'fast'], /--clock/],
      [['--part', 'xc7z020clg400-1'], /need --flow/],
      [['--flow', 'all', '--top', '../evil'], /--top: '..\/evil' is not a Verilog identifier/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(tmpDir(), 'out');
      const r = qtsc(['gen-hw', '--model', model, '--out', out, '--quiet', ...args]);
      expect(r.code, args.join(' ')).to.not.equal(0);
      expect(r.stderr, args.join(' ')).to.match(message);
      expect(fs.existsSync(out), args.join(' ')).to.equal(false);
    }
  });

  it('an unknown Quartus family fails the run and leaves the previous output as it was', () => {
    const out = path.join(tmpDir(), 'out');
    expect(qtsc(['gen-hw', '--model', model, '--out', out, '--flow', 'vivado', '--quiet']).code).to.equal(0);
    const before = bytesTree(out);
    const r = qtsc(['gen-hw', '--model', model, '--out', out, '--flow', 'quartus', '--device', 'XC7Z020', '--quiet']);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/--device: 'XC7Z020' is not a Quartus device/);
    expect(bytesTree(out)).to.deep.equal(before);
  });

  it('an OUT/flow that is a link to a directory elsewhere is replaced, never written through', () => {
    const out = path.join(tmpDir(), 'out');
    const elsewhere = tmpDir('qtsc-elsewhere-');
    fs.mkdirSync(out);
    fs.symlinkSync(elsewhere, path.join(out, 'flow'));
    expect(qtsc(['gen-hw', '--model', model, '--out', out, '--flow', 'all', '--quiet']).code).to.equal(0);
    expect(fs.readdirSync(elsewhere)).to.deep.equal([]);
    expect(fs.lstatSync(path.join(out, 'flow')).isDirectory()).to.equal(true);
  });
});
