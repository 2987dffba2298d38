/**
 * The second simulator: generated designs of every engine through Icarus
 * Verilog against the golden model, with seeded random stalls on both
 * handshakes; throughput at no stalls; and the testbench's own checks
 * (a corrupted expected word, a design that never answers).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type EmittedRtl, emitRtl } from '../../src/backends/rtl/emit.js';
import { runIverilog } from '../../src/drivers/iverilog.js';
import { findTool, runTool } from '../../src/drivers/tools.js';
import { packageRoot } from '../../src/util/package-root.js';
import { hwDir } from '../../src/backends/rtl/templates.js';
import { writeVectors } from '../../src/golden/vectors.js';
import type { EngineKind, HardwareIR } from '../../src/ir/hardware-ir.js';
import { QtscError } from '../../src/util/errors.js';
import { randomFrames, randomHardwareIR } from '../helpers/random-hw.js';
import { type NodeShape, makeIr, unfolded, xnorMlp } from '../backends/rtl/ir-builders.js';
import { mvuNodes } from '../../src/ir/hardware-ir.js';

const engines: EngineKind[] = ['xnor-popcount', 'sign-add', 'shift-add', 'int-mac'];

function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `qtsc-iv-${tag}-`));
}

interface Design {
  ir: HardwareIR;
  dir: string;
  rtlDir: string;
  vectorsDir: string;
  emitted: EmittedRtl;
}

function prepare(ir: HardwareIR, frames: number, seed: number, opts: { dotTrees?: 'none' | 'xnor' | 'all' } = {}): Design {
  const dir = tmpDir('d');
  const rtlDir = path.join(dir, 'rtl');
  const vectorsDir = path.join(dir, 'vectors');
  fs.mkdirSync(rtlDir);
  const emitted = emitRtl(ir, rtlDir, opts);
  writeVectors(ir, randomFrames(seed, ir, frames), vectorsDir);
  return { ir, dir, rtlDir, vectorsDir, emitted };
}

function slowestNode(ir: HardwareIR): number {
  return Math.max(...mvuNodes(ir).map((n) => (n.mh / n.pe) * (n.mw / n.simd)));
}

const describeIf = findTool('iverilog') && findTool('vvp') ? describe : describe.skip;

describeIf('drivers/iverilog: co-simulation with Icarus Verilog', () => {
  for (const engine of engines) {
    it(`${engine}: random designs, random stalls, every output bit equal to the golden model`, async () => {
      for (const seed of [1, 2, 3]) {
        const ir = randomHardwareIR(seed * 31 + engines.indexOf(engine), {
          engine,
          maxDim: 32,
          pow2Levels: [1, 2, 4][seed % 3],
          actBits: [1, 2, 3, 4][seed % 4],
        });
        const d = prepare(ir, 25, seed, { dotTrees: seed === 3 ? 'none' : 'all' });
        for (const stallProbability of [0.2, 0.6]) {
          const r = await runIverilog({ ...d, workDir: path.join(d.dir, `w${stallProbability}`), seed, stallProbability });
          expect(r.frames, `seed ${seed}`).to.equal(25);
          expect(r.mismatches, `${engine} seed ${seed} stall ${stallProbability}: ${JSON.stringify(r.firstMismatch)}`).to.equal(0);
          expect(r.watchdog).to.equal(false);
          expect(r.firstMismatch).to.equal(undefined);
        }
      }
    });
  }

  it('bipolar inputs into sign-add, shift-add and int-mac engines, generated trees and generic engine alike', async () => {
    const bip = { kind: 'bipolar' as const };
    const u2 = { kind: 'uint' as const, bits: 2 };
    const shapes = (engine: EngineKind, weights: NodeShape['weights']): NodeShape[] => [
      { engine, mw: 18, mh: 12, pe: 3, simd: 6, input: bip, weights, out: u2 },
      { engine: 'sign-add', mw: 12, mh: 5, pe: 5, simd: 4, input: u2, weights: { kind: 'binary' } },
    ];
    const designs = [
      makeIr(1, 'bip_sign', shapes('sign-add', { kind: 'binary' })),
      makeIr(2, 'bip_shift', shapes('shift-add', { kind: 'pow2', levels: 3, hasZero: true })),
      makeIr(3, 'bip_int', shapes('int-mac', { kind: 'int', bits: 4 })),
    ];
    for (const ir of designs) {
      for (const dotTrees of ['all', 'none'] as const) {
        const d = prepare(ir, 20, 5, { dotTrees });
        const r = await runIverilog({ ...d, workDir: path.join(d.dir, 'w'), seed: 2, stallProbability: 0.3 });
        expect(r.mismatches, `${ir.top} trees ${dotTrees}: ${JSON.stringify(r.firstMismatch)}`).to.equal(0);
        expect(r.frames).to.equal(20);
      }
    }
  });

  it('runs at the slowest node\'s (mh/pe)*(mw/simd) cycles per frame without stalls (within 5%)', async () => {
    const designs: HardwareIR[] = [
      ...engines.map((engine, i) => randomHardwareIR(200 + i, { engine, maxDim: 32, pow2Levels: 2 })),
      unfolded(randomHardwareIR(210, { engine: 'sign-add', maxDim: 20 })),
      // Balanced folding (every node 16 cycles), widths re-packed 4 -> 8 and 2 -> 16.
      xnorMlp(5, 'balanced', [64, 32, 16, 10], [
        { pe: 4, simd: 16 },
        { pe: 2, simd: 8 },
        { pe: 1, simd: 16 },
      ]),
    ];
    for (const ir of designs) {
      const d = prepare(ir, 40, 9);
      const r = await runIverilog({ ...d, workDir: path.join(d.dir, 'w'), seed: 1, stallProbability: 0 });
      expect(r.mismatches).to.equal(0);
      const slow = slowestNode(ir);
      expect(r.cyclesPerFrame, `${ir.top} ${mvuNodes(ir).map((n) => `${n.engine} ${n.mh}x${n.mw}/${n.pe}x${n.simd}`).join(', ')}`).to.be.at.most(slow * 1.05);
      expect(r.cyclesPerFrame).to.be.at.least(slow);
    }
  });

  it('reports a corrupted expected word as a mismatch naming the frame', async () => {
    const ir = randomHardwareIR(7, { engine: 'xnor-popcount', maxDim: 20 });
    const d = prepare(ir, 10, 3);
    const file = path.join(d.vectorsDir, 'expected.hex');
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const good = lines[6];
    const flipped = (BigInt('0x' + good) ^ 1n).toString(16).padStart(good.length, '0');
    lines[6] = flipped;
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const r = await runIverilog({ ...d, workDir: path.join(d.dir, 'w'), seed: 4, stallProbability: 0.3 });
    expect(r.frames).to.equal(10);
    expect(r.mismatches).to.equal(1);
    expect(r.firstMismatch).to.include({ frame: 6, kind: 'data' });
    expect(BigInt('0x' + r.firstMismatch!.expected)).to.equal(BigInt('0x' + flipped));
    expect(BigInt('0x' + r.firstMismatch!.actual)).to.equal(BigInt('0x' + good));
  });

  it('stops a design that never answers with the watchdog and counts every missing frame', async () => {
    const ir = randomHardwareIR(8, { engine: 'sign-add', maxDim: 12 });
    const d = prepare(ir, 5, 3);
    // Replace the top by one with the same ports that never offers a word.
    const topFile = path.join(d.rtlDir, `${ir.top}.sv`);
    const ports = fs.readFileSync(topFile, 'utf8').match(/module [\s\S]*?\);/)![0];
    fs.writeFileSync(
      topFile,
      [
        '`default_nettype none',
        ports,
        '  assign s_axis_tready = 1\'b1;',
        '  assign m_axis_tvalid = 1\'b0;',
        '  assign m_axis_tdata = \'0;',
        '  assign m_axis_tlast = 1\'b1;',
        '  assign frame_err = 1\'b0;',
        'endmodule',
        '`default_nettype wire',
        '',
      ].join('\n'),
    );
    const r = await runIverilog({ ...d, emitted: { ...d.emitted, sources: [`${ir.top}.sv`] }, workDir: path.join(d.dir, 'w'), seed: 1, stallProbability: 0, watchdogCycles: 300 });
    expect(r.watchdog).to.equal(true);
    expect(r.frames).to.equal(0);
    expect(r.mismatches).to.equal(5);
    expect(r.firstMismatch).to.include({ frame: 0, kind: 'watchdog' });
  });

  it('stream primitives: skid buffer and width converter keep every element in order under stalls, at full rate', async () => {
    const tb = path.join(packageRoot, 'sim', 'iverilog', 'qtsc_tb_stream.sv');
    const work = tmpDir('stream');
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    // [elemBits, inElems, outElems]: pass-through, up, down, and gearbox shapes.
    const shapes = [
      [1, 1, 1],
      [3, 4, 4],
      [1, 2, 16],
      [5, 8, 2],
      [3, 4, 6],
      [2, 6, 4],
      [7, 5, 3],
      [4, 3, 5],
    ];
    for (const [eb, ine, oute] of shapes) {
      const lcm = (ine * oute) / gcd(ine, oute);
      const words = (lcm / ine) * Math.max(1, Math.ceil(40 / (lcm / ine)));
      for (const regType of [0, 1, 2]) {
        for (const stall of [0, 0.4]) {
          const vvp = path.join(work, `s_${eb}_${ine}_${oute}_${regType}_${stall}.vvp`);
          const params = { ElemBits: eb, InElems: ine, OutElems: oute, Words: words, RegType: regType, Stall: Math.round(stall * 65536), Seed: eb + ine };
          const c = await runTool(
            'iverilog',
            ['-g2012', '-o', vvp, '-s', 'qtsc_tb_stream', `-I${path.dirname(tb)}`, ...Object.entries(params).map(([k, v]) => `-Pqtsc_tb_stream.${k}=${v}`), tb, path.join(hwDir, 'qtsc_axis_skid.sv'), path.join(hwDir, 'qtsc_axis_width_conv.sv')],
            { cwd: work, timeoutMs: 60_000 },
          );
          expect(c.code, c.stderr).to.equal(0);
          const r = await runTool('vvp', ['-n', vvp], { cwd: work, timeoutMs: 60_000 });
          const m = /QTSC_STREAM words=(\d+) errors=(\d+) cycles=(\d+)/.exec(r.stdout);
          const label = JSON.stringify(params);
          expect(m, `${label}: ${r.stdout}${r.stderr}`).to.not.equal(null);
          expect(Number(m![2]), label).to.equal(0);
          expect(Number(m![1]), label).to.equal((words * ine) / oute);
          if (stall === 0 && regType !== 1) {
            // One word per cycle on the busier side (plus the drain wait of the testbench).
            expect(Number(m![3]), label).to.be.at.most(Math.max(words, (words * ine) / oute) + 60);
          }
        }
      }
    }
  });

  it('refuses bad options before running anything', async () => {
    const ir = randomHardwareIR(9, { engine: 'sign-add', maxDim: 8 });
    const d = prepare(ir, 2, 1);
    const base = { ...d, workDir: path.join(d.dir, 'w'), seed: 1, stallProbability: 0 };
    for (const bad of [{ stallProbability: 1 }, { stallProbability: -0.1 }, { seed: -1 }, { watchdogCycles: 0 }]) {
      let err: unknown;
      try {
        await runIverilog({ ...base, ...bad });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).to.be.instanceOf(QtscError);
    }
    let err: unknown;
    try {
      await runIverilog({ ...base, vectorsDir: path.join(d.dir, 'nowhere') });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(QtscError);
  });
});
