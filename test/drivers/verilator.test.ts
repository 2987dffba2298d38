/**
 * Verilator driver on small hand-written AXI-Stream designs: a frame summer
 * (output = sum of the K input words of a frame + an offset read with
 * $readmemh), built at narrow and >64-bit widths, and faulty variants that
 * never answer, drop tlast, or change their output while it waits for tready.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SimulationError, buildVerilatorSim, lintVerilator, renderTestbench, runVerilatorSim } from '../../src/drivers/verilator.js';
import { ToolError, findTool, runTool, runToolChecked } from '../../src/drivers/tools.js';
import { Rng } from '../../src/util/random.js';

type Variant = 'ok' | 'silent' | 'no-tlast' | 'unstable';

interface SumDesign {
  inW: number;
  outW: number;
  k: number;
  variant: Variant;
}

function frameSumVerilog(d: SumDesign, top: string): string {
  if (d.variant === 'silent') {
    return `\`default_nettype none
module ${top} (
  input wire clk, input wire rst,
  input wire [${d.inW - 1}:0] s_axis_tdata, input wire s_axis_tvalid, output wire s_axis_tready, input wire s_axis_tlast,
  output wire [${d.outW - 1}:0] m_axis_tdata, output wire m_axis_tvalid, input wire m_axis_tready, output wire m_axis_tlast,
  output wire frame_err
);
  assign s_axis_tready = !rst;
  assign frame_err = 1'b0;
  assign m_axis_tdata = '0;
  assign m_axis_tvalid = 1'b0;
  assign m_axis_tlast = 1'b0;
endmodule
`;
  }
  const tlast = d.variant === 'no-tlast' ? "1'b0" : "1'b1";
  const unstable = d.variant === 'unstable' ? `      if (m_axis_tvalid && !m_axis_tready) m_axis_tdata <= m_axis_tdata ^ ${d.outW}'d1;\n` : '';
  return `\`default_nettype none
module ${top} #(
  parameter integer InW = ${d.inW},
  parameter integer OutW = ${d.outW},
  parameter integer K = ${d.k}
) (
  input wire clk,
  input wire rst,
  input wire [InW-1:0] s_axis_tdata,
  input wire s_axis_tvalid,
  output wire s_axis_tready,
  input wire s_axis_tlast, // frames are counted, not delimited: unused
  output reg [OutW-1:0] m_axis_tdata,
  output reg m_axis_tvalid,
  input wire m_axis_tready,
  output wire m_axis_tlast,
  output wire frame_err
);
  wire unused_tlast = s_axis_tlast;
  assign frame_err = 1'b0;
  localparam integer CW = $clog2(K + 1);
  localparam [CW-1:0] LastCount = CW'(K - 1);
  reg [OutW-1:0] acc;
  reg [CW-1:0] count;
  reg [OutW-1:0] rom [0:0];
  initial $readmemh("offset.mem", rom);
  wire in_fire = s_axis_tvalid && s_axis_tready;
  wire [OutW-1:0] sum = acc + {{(OutW-InW){1'b0}}, s_axis_tdata};
  assign s_axis_tready = !rst && (!m_axis_tvalid || m_axis_tready);
  assign m_axis_tlast = ${tlast};
  always @(posedge clk) begin
    if (rst) begin
      acc <= '0;
      count <= '0;
      m_axis_tvalid <= 1'b0;
    end else begin
${unstable}      if (m_axis_tvalid && m_axis_tready) m_axis_tvalid <= 1'b0;
      if (in_fire) begin
        if (count == LastCount) begin
          m_axis_tdata <= sum + rom[0];
          m_axis_tvalid <= 1'b1;
          acc <= '0;
          count <= '0;
        end else begin
          acc <= sum;
          count <= count + 1'b1;
        end
      end
    end
  end
endmodule
\`default_nettype wire
`;
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'qtsc-verilator-test-'));

function makeDesign(name: string, d: SumDesign, offset: bigint): { rtlDir: string; top: string } {
  const rtlDir = path.join(tmpRoot, name, 'rtl');
  fs.mkdirSync(rtlDir, { recursive: true });
  const top = `tb_${d.variant.replace('-', '_')}_sum_${d.inW}_${d.outW}_${d.k}`;
  fs.writeFileSync(path.join(rtlDir, `${top}.sv`), frameSumVerilog(d, top));
  fs.writeFileSync(path.join(rtlDir, 'offset.mem'), offset.toString(16) + '\n');
  return { rtlDir, top };
}

function randomBits(rng: Rng, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) if (rng.next() < 0.5) v |= 1n << BigInt(i);
  return v;
}

/** Writes vectors for the frame summer; returns the expected words. */
function writeVectors(dir: string, d: SumDesign, frames: number, offset: bigint, seed: number): bigint[] {
  const rng = new Rng(seed);
  const mask = (1n << BigInt(d.outW)) - 1n;
  const ins: string[] = [];
  const exp: bigint[] = [];
  for (let f = 0; f < frames; f++) {
    let s = offset;
    for (let k = 0; k < d.k; k++) {
      const v = randomBits(rng, d.inW);
      ins.push(v.toString(16).padStart(Math.ceil(d.inW / 4), '0'));
      s += v;
    }
    exp.push(s & mask);
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'input.hex'), ins.join('\n') + '\n');
  writeExpected(dir, d, exp);
  fs.writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({ frames, inputWordBits: d.inW, inputWordsPerFrame: d.k, outputWordBits: d.outW }),
  );
  return exp;
}

function writeExpected(dir: string, d: SumDesign, exp: bigint[]): void {
  fs.writeFileSync(path.join(dir, 'expected.hex'), exp.map((e) => e.toString(16).padStart(Math.ceil(d.outW / 4), '0')).join('\n') + '\n');
}

async function build(rtlDir: string, top: string, d: SumDesign, cacheDir?: string) {
  return buildVerilatorSim({
    rtlDir,
    sources: [`${top}.sv`],
    top,
    inputWordBits: d.inW,
    outputWordBits: d.outW,
    workDir: path.join(rtlDir, '..', 'work'),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
  });
}

const haveVerilator = findTool('verilator') !== null;

describe('drivers/verilator', function () {
  this.timeout(300_000);
  before(function () {
    if (!haveVerilator) this.skip();
  });
  after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

  describe('renderTestbench', () => {
    it('bakes the port widths into the C++ and refuses bad names', () => {
      const tb = renderTestbench('my_top', 70, 100);
      expect(tb).to.contain('kInBits = 70;');
      expect(tb).to.contain('kOutBits = 100;');
      expect(tb).to.contain("'my_top'");
      expect(() => renderTestbench('bad name', 8, 8)).to.throw(/not a Verilog module name/);
      expect(() => renderTestbench('t', 0, 8)).to.throw(/inputWordBits/);
    });
  });

  describe('lintVerilator', () => {
    it('passes a -Wall clean design and reports warnings of a sloppy one', async () => {
      const d: SumDesign = { inW: 8, outW: 12, k: 3, variant: 'ok' };
      const { rtlDir, top } = makeDesign('lint-clean', d, 5n);
      const clean = await lintVerilator(rtlDir, [`${top}.sv`], top);
      expect(clean.warnings, clean.log).to.deep.equal([]);
      expect(clean.ok).to.equal(true);

      const dirty = path.join(tmpRoot, 'lint-dirty');
      fs.mkdirSync(dirty, { recursive: true });
      fs.writeFileSync(
        path.join(dirty, 'dirty.v'),
        'module dirty(input wire [7:0] a, input wire unused_in, output wire [3:0] y);\n  assign y = a;\nendmodule\n',
      );
      const r = await lintVerilator(dirty, ['dirty.v'], 'dirty');
      expect(r.ok).to.equal(false);
      expect(r.warnings.join('\n')).to.match(/WIDTH/);
      expect(r.warnings.join('\n')).to.match(/UNUSED/);
    });

    it('reports syntax errors as errors', async () => {
      const dir = path.join(tmpRoot, 'lint-error');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'broken.v'), 'module broken(input wire a, output wire y);\n  assign y = a +;\nendmodule\n');
      const r = await lintVerilator(dir, ['broken.v'], 'broken');
      expect(r.ok).to.equal(false);
      expect(r.errors.length).to.be.greaterThan(0);
    });
  });

  describe('build and run', () => {
    const d: SumDesign = { inW: 8, outW: 12, k: 3, variant: 'ok' };
    let rtlDir: string;
    let top: string;
    let binary: string;
    before(async () => {
      ({ rtlDir, top } = makeDesign('sum8', d, 5n));
      binary = (await build(rtlDir, top, d)).binary;
    });

    it('matches every frame and measures K cycles per frame without stalls', async () => {
      const vec = path.join(tmpRoot, 'sum8', 'vec');
      writeVectors(vec, d, 40, 5n, 11);
      const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 });
      expect(r.passed, r.log).to.equal(true);
      expect(r.frames).to.equal(40);
      expect(r.mismatches).to.equal(0);
      expect(r.cyclesPerFrame).to.equal(d.k);
      expect(r.latencyCycles).to.equal(d.k);
      expect(r.cyclesTotal).to.equal(40 * d.k + 1);
    });

    it('still matches under random stalls on both handshakes, and the stalls cost cycles', async () => {
      const vec = path.join(tmpRoot, 'sum8', 'vec-stall');
      writeVectors(vec, d, 60, 5n, 12);
      const base = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 3, stallProbability: 0 });
      for (const seed of [1, 2, 3]) {
        const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed, stallProbability: 0.4 });
        expect(r.passed, r.log).to.equal(true);
        expect(r.protocolViolations).to.equal(0);
        expect(r.cyclesTotal).to.be.greaterThan(base.cyclesTotal);
      }
      // Same seed, same run.
      const a = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 9, stallProbability: 0.3 });
      const b = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 9, stallProbability: 0.3 });
      expect(a.cyclesTotal).to.equal(b.cyclesTotal);
    });

    it('detects a single flipped bit and names the frame', async () => {
      const vec = path.join(tmpRoot, 'sum8', 'vec-flip');
      const exp = writeVectors(vec, d, 20, 5n, 13);
      const bad = exp.slice();
      bad[7] ^= 1n << 11n;
      writeExpected(vec, d, bad);
      const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0.2 });
      expect(r.passed).to.equal(false);
      expect(r.mismatches).to.equal(1);
      expect(r.firstMismatch?.frame).to.equal(7);
      expect(r.firstMismatch?.kind).to.equal('data');
      expect(BigInt('0x' + r.firstMismatch!.expected) ^ BigInt('0x' + r.firstMismatch!.actual)).to.equal(1n << 11n);
    });

    it('refuses vector files that do not fit the binary', async () => {
      const vec = path.join(tmpRoot, 'sum8', 'vec-bad');
      writeVectors(vec, d, 4, 5n, 14);
      fs.writeFileSync(path.join(vec, 'meta.json'), JSON.stringify({ frames: 5, inputWordBits: 8, inputWordsPerFrame: 3, outputWordBits: 12 }));
      await expectReject(runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 }), /input\.hex has 12 words/);
      writeVectors(vec, { ...d, outW: 16 }, 4, 5n, 14);
      await expectReject(runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 }), /wider than 12 bits|12-bit/);
      fs.writeFileSync(path.join(vec, 'meta.json'), JSON.stringify({ frames: 4, inputWordBits: 8 }));
      await expectReject(runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 }), /meta\.json/);
    });
  });

  it('drives and checks ports wider than 64 bits bit for bit', async () => {
    const d: SumDesign = { inW: 70, outW: 100, k: 2, variant: 'ok' };
    const offset = (1n << 99n) | 0x123456789abcdefn;
    const { rtlDir, top } = makeDesign('wide', d, offset);
    const { binary } = await build(rtlDir, top, d);
    const vec = path.join(tmpRoot, 'wide', 'vec');
    const exp = writeVectors(vec, d, 30, offset, 21);
    const ok = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 5, stallProbability: 0.25 });
    expect(ok.passed, ok.log).to.equal(true);
    // A flip in the top bit, and one in the middle of the second 32-bit word.
    for (const bit of [99n, 40n, 64n]) {
      const bad = exp.slice();
      bad[3] ^= 1n << bit;
      writeExpected(vec, d, bad);
      const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 5, stallProbability: 0 });
      expect(r.mismatches, `bit ${bit}`).to.equal(1);
      expect(r.firstMismatch?.frame).to.equal(3);
      expect(r.firstMismatch?.expected).to.have.length(25);
    }
  });

  it('caches by content: same design reuses the binary, mem files are read at run time, edits rebuild', async () => {
    const cacheDir = path.join(tmpRoot, 'cache');
    const d: SumDesign = { inW: 6, outW: 10, k: 4, variant: 'ok' };
    const { rtlDir, top } = makeDesign('cache-a', d, 1n);
    const first = await build(rtlDir, top, d, cacheDir);
    expect(first.cached).to.equal(false);
    const again = await build(rtlDir, top, d, cacheDir);
    expect(again.cached).to.equal(true);
    expect(again.binary).to.equal(first.binary);

    // Another directory, same source, different ROM contents: same binary, new behaviour.
    const other = makeDesign('cache-b', d, 100n);
    const reuse = await build(other.rtlDir, other.top, d, cacheDir);
    expect(reuse.cached).to.equal(true);
    const vec = path.join(tmpRoot, 'cache-b', 'vec');
    writeVectors(vec, d, 10, 100n, 31);
    const r = await runVerilatorSim({ binary: reuse.binary, rtlDir: other.rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 });
    expect(r.passed, r.log).to.equal(true);
    const wrongRom = await runVerilatorSim({ binary: reuse.binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 });
    expect(wrongRom.mismatches).to.be.greaterThan(0);

    // A source edit (even a comment) is a new design.
    fs.appendFileSync(path.join(rtlDir, `${top}.sv`), '// edited\n');
    const edited = await build(rtlDir, top, d, cacheDir);
    expect(edited.cached).to.equal(false);
    expect(edited.hash).to.not.equal(first.hash);
    expect((await build(rtlDir, top, d, cacheDir)).cached).to.equal(true);
  });

  it('stops a design that never answers with a watchdog error', async () => {
    const d: SumDesign = { inW: 8, outW: 8, k: 2, variant: 'silent' };
    const { rtlDir, top } = makeDesign('silent', d, 0n);
    const { binary } = await build(rtlDir, top, d);
    const vec = path.join(tmpRoot, 'silent', 'vec');
    writeVectors(vec, d, 5, 0n, 41);
    const started = Date.now();
    const err = await expectReject(
      runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0, watchdogCycles: 500 }),
      /watchdog: no output word for 500 cycles/,
    );
    expect(err).to.be.instanceOf(SimulationError);
    expect((err as SimulationError).partial?.framesReceived).to.equal(0);
    expect((err as SimulationError).partial?.inputWordsSent).to.equal(10);
    expect(Date.now() - started).to.be.lessThan(10_000);
  });

  it('reports a missing tlast as a mismatch of kind tlast', async () => {
    const d: SumDesign = { inW: 8, outW: 12, k: 2, variant: 'no-tlast' };
    const { rtlDir, top } = makeDesign('no-tlast', d, 0n);
    const { binary } = await build(rtlDir, top, d);
    const vec = path.join(tmpRoot, 'no-tlast', 'vec');
    writeVectors(vec, d, 6, 0n, 51);
    const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 });
    expect(r.passed).to.equal(false);
    expect(r.tlastErrors).to.equal(6);
    expect(r.mismatches).to.equal(6);
    expect(r.firstMismatch?.kind).to.equal('tlast');
  });

  it('flags an output that changes while it waits for tready', async () => {
    const d: SumDesign = { inW: 8, outW: 12, k: 2, variant: 'unstable' };
    const { rtlDir, top } = makeDesign('unstable', d, 0n);
    const { binary } = await build(rtlDir, top, d);
    const vec = path.join(tmpRoot, 'unstable', 'vec');
    writeVectors(vec, d, 30, 0n, 61);
    // Without backpressure the bug is invisible...
    const calm = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0 });
    expect(calm.passed, calm.log).to.equal(true);
    // ...with it, the protocol check catches it.
    const r = await runVerilatorSim({ binary, rtlDir, vectorsDir: vec, seed: 1, stallProbability: 0.5 });
    expect(r.passed).to.equal(false);
    expect(r.protocolViolations).to.be.greaterThan(0);
    expect(r.firstProtocolViolation).to.match(/changed while the previous word waited/);
  });

  it('explains a build failure', async () => {
    const dir = path.join(tmpRoot, 'broken-build');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'nope.v'), 'module nope(input wire clk);\nendmodule\n');
    await expectReject(
      buildVerilatorSim({ rtlDir: dir, sources: ['nope.v'], top: 'nope', inputWordBits: 8, outputWordBits: 8, workDir: dir, cacheDir: path.join(tmpRoot, 'cache') }),
      /Verilator build of 'nope' exited with code [1-9][\s\S]*s_axis_tdata/,
    );
    expect(fs.readdirSync(path.join(tmpRoot, 'cache')).filter((e) => e.includes('.tmp-'))).to.deep.equal([]);
  });
});

describe('drivers/tools', function () {
  this.timeout(30_000);

  it('finds tools on PATH and honours QTSC_<TOOL> overrides', () => {
    expect(findTool('sh')).to.match(/\/sh$/);
    expect(findTool('qtsc-no-such-tool')).to.equal(null);
    const saved = process.env.QTSC_YOSYS;
    try {
      process.env.QTSC_YOSYS = 'none';
      expect(findTool('yosys')).to.equal(null);
      process.env.QTSC_YOSYS = '/bin/sh';
      expect(findTool('yosys')).to.equal('/bin/sh');
    } finally {
      if (saved === undefined) delete process.env.QTSC_YOSYS;
      else process.env.QTSC_YOSYS = saved;
    }
  });

  it('captures stdout, stderr and the exit code, and explains failures', async () => {
    const r = await runTool('sh', ['-c', 'echo out; echo err >&2; exit 3'], { cwd: os.tmpdir() });
    expect([r.stdout.trim(), r.stderr.trim(), r.code, r.timedOut]).to.deep.equal(['out', 'err', 3, false]);
    const e = await expectReject(runToolChecked('the step', 'sh', ['-c', 'echo something broke >&2; exit 2'], { cwd: os.tmpdir() }), /the step exited with code 2/);
    expect(e).to.be.instanceOf(ToolError);
    expect(e.message).to.contain('something broke');
    expect(e.message).to.contain("command: sh -c 'echo something broke >&2; exit 2'");
    await expectReject(runTool('/nonexistent/qtsc-tool', [], { cwd: os.tmpdir() }), /cannot start \/nonexistent\/qtsc-tool/);
  });

  it('a timeout ends the tool and the processes it started', async () => {
    const marker = path.join(tmpRoot, `child-${process.pid}.pid`);
    fs.mkdirSync(tmpRoot, { recursive: true });
    const started = Date.now();
    const r = await runTool('sh', ['-c', `sleep 30 & echo $! > ${marker}; wait`], { cwd: os.tmpdir(), timeoutMs: 500 });
    expect(r.timedOut).to.equal(true);
    expect(Date.now() - started).to.be.lessThan(5000);
    const child = Number(fs.readFileSync(marker, 'utf8'));
    // Gone, or a zombie waiting for init to reap it (state Z): either way not running.
    const running = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${child}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 30 && running(); i++) await new Promise((res) => setTimeout(res, 100));
    expect(running(), `background child ${child} survived`).to.equal(false);
  });

  it('keeps the head and tail of huge output', async () => {
    const r = await runTool('sh', ['-c', 'echo FIRST; yes middle | head -c 3000000; echo; echo LAST'], { cwd: os.tmpdir(), maxOutputBytes: 100_000 });
    expect(r.stdout.startsWith('FIRST')).to.equal(true);
    expect(r.stdout.trimEnd().endsWith('LAST')).to.equal(true);
    expect(r.stdout).to.match(/bytes of output dropped/);
    expect(r.stdout.length).to.be.lessThan(200_000);
  });
});

async function expectReject(p: Promise<unknown>, re: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).message).to.match(re);
    return e as Error;
  }
  throw new Error(`expected a rejection matching ${re}`);
}
