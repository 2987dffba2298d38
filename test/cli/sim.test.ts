/**
 * The shipped example end to end through the CLI, as a user runs it: gen-hw,
 * then sim on real MNIST digits with random stalls (Verilator, stream checkers
 * compiled in), the same vectors under Icarus Verilog, lint and Yosys checks of
 * the generated design.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../helpers/make-model.js';
import { lintVerilator } from '../../src/drivers/verilator.js';
import { synthesize } from '../../src/drivers/yosys.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function qtsc(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli sim on the shipped example', () => {
  const out = path.join(tmpDir(), 'build');
  let sources: string[];

  before(() => {
    const r = qtsc(['gen-hw', '--out', out, '--quiet']);
    expect(r.code, r.stderr).to.equal(0);
    sources = fs.readFileSync(path.join(out, 'rtl', 'filelist.f'), 'utf8').trim().split('\n');
  });

  it('Verilator: 300 MNIST digits with random stalls are bit-exact; steady-state cycles within 5% of the analytic count, latency as report.json says', () => {
    const r = qtsc(['sim', '--out', out, '--data', 'mnist', '--vectors', '300', '--stall', '0.3', '--seed', '5']);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/^sim: PASS: 300 vectors, 0 mismatches/m);
    const res = JSON.parse(fs.readFileSync(path.join(out, 'sim', 'result.json'), 'utf8'));
    expect(res.vectors).to.equal(300);
    expect(res.mismatches).to.equal(0);
    expect(res.expectedCyclesPerFrame).to.equal(3136);
    expect(Math.abs(res.cyclesPerFrame - res.expectedCyclesPerFrame)).to.be.at.most(0.05 * res.expectedCyclesPerFrame);
    // The latency gen-hw put in report.json is the one Verilator measures without stalls.
    expect(res.latencyCycles).to.be.a('number');
    expect(res.latencyCycles).to.equal(res.expectedLatencyCycles);
    expect(r.stdout).to.include(`latency ${res.latencyCycles} cycles vs ${res.latencyCycles} estimated`);
    expect(res.accuracy).to.be.greaterThan(0.8);
  });

  it('Icarus Verilog: the same design passes the example vectors too', () => {
    const r = qtsc(['sim', '--out', out, '--data', 'mnist', '--vectors', '8', '--simulator', 'iverilog', '--stall', '0.2']);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/PASS: 8 vectors, 0 mismatches \(iverilog/);
  });

  it('the generated design is lint-clean, and Yosys (xilinx) finds no latches, multipliers or DSPs', async () => {
    const rtlDir = path.join(out, 'rtl');
    const lint = await lintVerilator(rtlDir, sources, 'qtsc_top');
    expect(lint.warnings.concat(lint.errors), lint.log).to.deep.equal([]);
    const s = await synthesize({ rtlDir, sources, top: 'qtsc_top', target: 'xilinx', workDir: path.join(out, 'synth') });
    expect(s.latches).to.equal(0);
    expect(s.multipliers).to.equal(0);
    expect(s.dsps).to.equal(0);
    expect(s.luts).to.be.greaterThan(0);
  });

  it('the Verilator run has the stream checkers compiled in: a skid buffer whose data flips while stalled fails it, naming the stream', () => {
    // The outputs stay right (every consumer takes the word when ready is high): only the checkers see it.
    const copy = path.join(tmpDir(), 'build');
    fs.cpSync(out, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'sim'), { recursive: true, force: true });
    const skid = path.join(copy, 'rtl', 'qtsc_axis_skid.sv');
    const text = fs.readFileSync(skid, 'utf8');
    const broken = text.replace('    assign m_data_o = out_data_q;\n', '    assign m_data_o = m_ready_i ? out_data_q : ~out_data_q;\n');
    expect(broken).not.to.equal(text);
    fs.writeFileSync(skid, broken);
    const r = qtsc(['sim', '--out', copy, '--vectors', '10', '--stall', '0.3']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/the design stopped the run at cycle \d+ .*a failed assertion/);
    expect(r.stderr).to.match(/Assertion failed in TOP\.qtsc_top\.sva_(framed|n\d+_reg)\.data_held: data changed while the word waited for ready/);
  });

  it('a filelist edited to name a file outside rtl/ (a path, or a link in rtl/ to elsewhere) is refused before a simulator reads it', () => {
    const copy = path.join(tmpDir(), 'build');
    fs.cpSync(out, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'sim'), { recursive: true, force: true });
    const filelist = path.join(copy, 'rtl', 'filelist.f');
    const good = fs.readFileSync(filelist, 'utf8');
    fs.writeFileSync(filelist, good + '../../../../etc/passwd\n');
    let r = qtsc(['sim', '--out', copy, '--vectors', '1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`${filelist}: line ${good.trim().split('\n').length + 1}: '../../../../etc/passwd' is not a Verilog file name in rtl/`);
    fs.symlinkSync('/etc/passwd', path.join(copy, 'rtl', 'evil.v'));
    fs.writeFileSync(filelist, good + 'evil.v\n');
    r = qtsc(['sim', '--out', copy, '--vectors', '1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/line \d+ 'evil\.v' is a symbolic link to \/etc\/passwd, outside/);
    expect(fs.existsSync(path.join(copy, 'sim'))).to.equal(false);
  });

  it('a missing or damaged ir.json is a clear error', () => {
    const dir = tmpDir();
    let r = qtsc(['sim', '--out', dir]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/ir\.json: no hardware IR here \(run gen-hw first\)/);
    fs.writeFileSync(path.join(dir, 'ir.json'), JSON.stringify({ format: 'qtsc-hardware-ir', version: 2, top: 'x', input: { tensor: 'input', scale: 1 }, tensors: { input: { elem: { kind: 'uint', bits: 8 }, shape: [1, 1, 4] } }, nodes: [], output: 'input' }));
    r = qtsc(['sim', '--out', dir]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/ir\.json: field 'nodes'/);
    fs.writeFileSync(path.join(dir, 'ir.json'), JSON.stringify({ format: 'qtsc-hardware-ir', version: 1, top: 'x', input: { kind: 'uint', bits: 8 }, inputScale: 1, inputLength: 4, nodes: [] }));
    r = qtsc(['sim', '--out', dir]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/ir\.json: field 'version': 1 is the hardware IR before graphs/);
  });
});
