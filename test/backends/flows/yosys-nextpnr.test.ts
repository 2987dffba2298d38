import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FlowCase, makeFlowCase } from './flow-design.js';
import { writeVectors } from '../../../src/golden/vectors.js';
import { lintVerilator } from '../../../src/drivers/verilator.js';
import { findTool } from '../../../src/drivers/tools.js';
import { outputBytes, wrapperName } from '../../../src/backends/flows/yosys-nextpnr.js';
import { Rng } from '../../../src/util/random.js';
import { tmpDir } from '../../helpers/make-model.js';

/** Streams elements into the wrapper (with back-pressure on the output) and writes every output byte. */
function testbench(c: FlowCase, frames: number): string {
  const f = c.design.format;
  const n = frames * c.design.inputElements;
  return `\`timescale 1ns/1ps
module tb;
  logic clk = 1'b0, rst = 1'b1;
  always #5 clk = ~clk;
  logic [${f.inputElementBits}-1:0] elems [0:${n - 1}];
  logic [${f.inputElementBits}-1:0] in_data;
  logic in_valid, in_ready, out_valid, out_ready;
  logic [7:0] out_data;
  integer i = 0, bytes = 0, cyc = 0, fd;
  ${wrapperName(c.design)} dut (.clk(clk), .rst(rst), .in_data(in_data), .in_valid(in_valid), .in_ready(in_ready),
    .out_data(out_data), .out_valid(out_valid), .out_ready(out_ready));
  assign in_data = i < ${n} ? elems[i] : '0;
  assign in_valid = !rst && i < ${n} && (cyc % 5 != 3);
  assign out_ready = (cyc % 3 != 1);
  always @(posedge clk) begin
    cyc <= cyc + 1;
    if (in_valid && in_ready) i <= i + 1;
    if (out_valid && out_ready) begin $fwrite(fd, "%02x\\n", out_data); bytes <= bytes + 1; end
    if (cyc > 200000) begin $display("watchdog"); $fatal(1); end
  end
  initial begin
    $readmemh("elems.hex", elems);
    fd = $fopen("bytes.hex", "w");
    repeat (3) @(posedge clk);
    rst <= 1'b0;
    wait (bytes == ${frames * outputBytes(c.design)});
    @(posedge clk);
    $fclose(fd);
    $finish;
  end
endmodule
`;
}

describe('flows: open iCE40 flow (yosys, nextpnr-ice40, icepack)', () => {
  let c: FlowCase;
  const dir = () => path.join(c.flowDir, 'yosys-nextpnr');
  before(async () => {
    c = await makeFlowCase({ flows: ['yosys-nextpnr'], options: { clockMHz: 12 } });
  });

  it('the wrapper and the instantiation template are lint-clean under verilator -Wall, with the filelist', async function () {
    if (findTool('verilator') === null) this.skip();
    const rtl = path.join(c.out, 'rtl');
    const wrapper = path.relative(rtl, path.join(dir(), `${wrapperName(c.design)}.sv`));
    const lint = await lintVerilator(rtl, [...c.emitted.sources, wrapper], wrapperName(c.design));
    expect(lint.ok, lint.log).to.equal(true);
    // The template pasted into a module of its own.
    const user = path.join(tmpDir('qtsc-inst-'), 'user_design.v');
    fs.writeFileSync(user, `\`default_nettype none\nmodule user_design (input wire logic clk, input wire logic rst);\n\`include "qtsc_top_inst.vh"\n  logic unused;\n  assign unused = ^{qtsc_top_s_axis_tready, qtsc_top_m_axis_tdata, qtsc_top_m_axis_tvalid, qtsc_top_m_axis_tlast, qtsc_top_frame_err};\n  assign qtsc_top_s_axis_tdata = '0;\n  assign qtsc_top_s_axis_tvalid = 1'b0;\n  assign qtsc_top_s_axis_tlast = 1'b0;\n  assign qtsc_top_m_axis_tready = 1'b1;\nendmodule\n\`default_nettype wire\n`);
    const fromFlow = spawnSync('verilator', ['--lint-only', '-Wall', `-I${c.flowDir}`, '--top-module', 'user_design', '-f', 'filelist.f', user], { cwd: c.flowDir, encoding: 'utf8' });
    expect(fromFlow.status, fromFlow.stderr).to.equal(0);
    expect(fromFlow.stderr).to.not.match(/%Warning/);
  });

  it('the wrapper streams frames element by element and returns each output word as bytes, least significant first (Icarus, against the golden model)', async function () {
    if (findTool('iverilog') === null) this.skip();
    const frames = 12;
    const rng = new Rng(5);
    const bits = c.design.format.inputElementBits;
    const codes = Array.from({ length: frames }, () => Array.from({ length: c.design.inputElements }, () => rng.int(0, 2 ** bits - 1)));
    const work = tmpDir('qtsc-wrap-');
    writeVectors(c.compiled.ir, codes, work);
    fs.writeFileSync(path.join(work, 'elems.hex'), codes.flat().map((x) => x.toString(16)).join('\n') + '\n');
    fs.writeFileSync(path.join(work, 'tb.sv'), testbench(c, frames));
    const rtl = path.join(c.out, 'rtl');
    // ROM images: $readmemh names them bare, relative to where the simulation runs.
    for (const m of c.emitted.memFiles) fs.copyFileSync(path.join(rtl, m), path.join(work, m));
    const sources = [...c.emitted.sources.map((s) => path.join(rtl, s)), path.join(dir(), `${wrapperName(c.design)}.sv`), path.join(work, 'tb.sv')];
    const cc = spawnSync('iverilog', ['-g2012', '-s', 'tb', '-o', 'tb.vvp', ...sources], { cwd: work, encoding: 'utf8' });
    expect(cc.status, cc.stderr).to.equal(0);
    const sim = spawnSync('vvp', ['-n', 'tb.vvp'], { cwd: work, encoding: 'utf8' });
    expect(sim.status, sim.stdout + sim.stderr).to.equal(0);
    const nb = outputBytes(c.design);
    const expected = fs.readFileSync(path.join(work, 'expected.hex'), 'utf8').trim().split('\n').flatMap((hex) => {
      const v = BigInt('0x' + hex);
      return Array.from({ length: nb }, (_, k) => ((v >> BigInt(8 * k)) & 0xffn).toString(16).padStart(2, '0'));
    });
    expect(fs.readFileSync(path.join(work, 'bytes.hex'), 'utf8').trim().split('\n')).to.deep.equal(expected);
  });

  it('make synthesises, places and routes on a UP5K and packs a bitstream, printing the max frequency and utilisation; on an LP384 it says the design does not fit', async function () {
    for (const t of ['make', 'yosys', 'nextpnr-ice40', 'icepack']) if (findTool(t) === null) this.skip();
    const made = spawnSync('make', [], { cwd: dir(), encoding: 'utf8' });
    expect(made.status, made.stdout + made.stderr).to.equal(0);
    const bin = path.join(dir(), `${wrapperName(c.design)}.bin`);
    expect(fs.statSync(bin).size).to.be.greaterThan(1000);
    // After icepack's comment block (0xFF 0x00 ... 0x00 0xFF) comes the iCE40 preamble 0x7EAA997E.
    expect(fs.readFileSync(bin).subarray(0, 64).toString('hex')).to.match(/^ff00(00)*ff7eaa997e/);
    expect(made.stdout).to.match(/on iCE40 up5k sg48, target 12 MHz/);
    expect(made.stdout).to.match(/Max frequency for clock .*: [\d.]+ MHz \((PASS|FAIL) at 12\.00 MHz\)/);
    const lcs = /ICESTORM_LC:\s+(\d+)\/\s*5280/.exec(made.stdout);
    expect(lcs, made.stdout).to.not.equal(null);
    const used = Number(lcs![1]);
    expect(used).to.be.greaterThan(100);
    // Too small a device: nextpnr's error and the utilisation, and no bitstream left behind.
    const small = spawnSync('make', ['DEVICE=lp384', 'PACKAGE=qn32'], { cwd: dir(), encoding: 'utf8' });
    expect(small.status).to.not.equal(0);
    expect(small.stdout).to.contain('does not fit (or does not route) on iCE40 lp384 qn32');
    expect(small.stdout).to.match(new RegExp(`ICESTORM_LC:\\s+${used}/\\s+384`));
    expect(small.stdout + small.stderr).to.match(/ERROR: .*no BELs remaining/);
    expect(fs.existsSync(bin)).to.equal(false);
  });
});
