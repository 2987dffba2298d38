/**
 * The stream checker (hw/qtsc_axis_assert.sv) in the Verilator co-simulation:
 * broken producers in front of it stop the run with the stream and the rule
 * named; both tops carry one checker per stream (counted from the top's own
 * nets, and found in the compiled model), stay lint-clean with them, and a
 * correct design passes under random stalls with them compiled in; a bug that
 * the output comparison cannot see (data that changes while stalled, taken
 * only once right) is caught by them.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tmpDir } from '../../helpers/make-model.js';
import { randomFrames, randomHardwareIR } from '../../helpers/random-hw.js';
import { emitRtl } from '../../../src/backends/rtl/emit.js';
import { streamCheckerFile } from '../../../src/backends/rtl/templates.js';
import { writeVectors } from '../../../src/golden/vectors.js';
import { SimulationError, buildVerilatorSim, lintVerilator, runVerilatorSim } from '../../../src/drivers/verilator.js';
import { findTool } from '../../../src/drivers/tools.js';
import { compileModel } from '../../../src/compile.js';
import { fileSaveHandler } from '../../../src/importers/tfjs-artifacts.js';
import { QtscConv2D, QtscDense, QtscQuantAct, registerQtscLayers } from '../../../src/layers/index.js';
import type { HardwareIR } from '../../../src/ir/hardware-ir.js';

type Fault = 'none' | 'retract' | 'drift' | 'valid-in-reset' | 'ready-in-reset';

/**
 * s_axis -> producer -> mid -> register slice -> m_axis, one 8-bit word per frame, output =
 * input. The producer breaks one rule (`fault`) on mid, or on s_axis_tready; checkers watch
 * s_axis and mid as the tops do.
 */
function fixture(top: string, fault: Fault): string {
  // What the producer does in a cycle that its word waits for ready.
  const onWait =
    fault === 'retract' ? "      if (waited_q) mid_valid <= 1'b0; // gives the word up after two cycles\n      waited_q <= 1'b1;\n" : fault === 'drift' ? "      mid_data <= mid_data + 8'd1;\n" : '';
  const waited = fault === 'retract';
  return `\`default_nettype none
module ${top} (
  input  wire logic       clk,
  input  wire logic       rst,
  input  wire logic [7:0] s_axis_tdata,
  input  wire logic       s_axis_tvalid,
  output logic            s_axis_tready,
  input  wire logic       s_axis_tlast,
  output logic      [7:0] m_axis_tdata,
  output logic            m_axis_tvalid,
  input  wire logic       m_axis_tready,
  output logic            m_axis_tlast,
  output logic            frame_err
);
  logic [7:0] mid_data;
  logic mid_valid, mid_ready${waited ? ', waited_q' : ''};

  assign frame_err = 1'b0;
  assign m_axis_tlast = 1'b1;
  assign s_axis_tready = ${fault === 'ready-in-reset' ? '' : '~rst & '}(~mid_valid | mid_ready);
  assign mid_ready = ~m_axis_tvalid | m_axis_tready;

  always_ff @(posedge clk) begin
    if (rst) begin
      mid_valid <= 1'b${fault === 'valid-in-reset' ? 1 : 0};
    end else if (s_axis_tvalid && s_axis_tready) begin
      mid_valid <= 1'b1;
      mid_data <= s_axis_tdata;${waited ? "\n      waited_q <= 1'b0;" : ''}
    end else if (mid_ready) begin
      mid_valid <= 1'b0;
    end else if (mid_valid) begin
${onWait}    end
  end

  always_ff @(posedge clk) begin
    if (rst) m_axis_tvalid <= 1'b0;
    else if (mid_valid && mid_ready) m_axis_tvalid <= 1'b1;
    else if (m_axis_tready) m_axis_tvalid <= 1'b0;
    if (mid_valid && mid_ready) m_axis_tdata <= mid_data;
  end

\`ifdef QTSC_ASSERTIONS
  qtsc_axis_assert #(.Width(9), .ValidLowInReset(0), .ReadyLowInReset(1)) sva_s_axis (.clk_i(clk), .rst_i(rst),
    .data_i({s_axis_tlast, s_axis_tdata}), .valid_i(s_axis_tvalid), .ready_i(s_axis_tready));
  qtsc_axis_assert #(.Width(8)) sva_mid (.clk_i(clk), .rst_i(rst), .data_i(mid_data), .valid_i(mid_valid), .ready_i(mid_ready));
\`endif
endmodule
\`default_nettype wire
`;
}

/** Vectors for the fixture: `frames` random bytes in, the same bytes out. */
function fixtureVectors(dir: string, frames: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const words = Array.from({ length: frames }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0'));
  fs.writeFileSync(path.join(dir, 'input.hex'), words.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'expected.hex'), words.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ frames, inputWordBits: 8, inputWordsPerFrame: 1, outputWordBits: 8 }));
}

/** How the run ended: passed, failed on the outputs, or stopped with this message. */
async function outcome(p: ReturnType<typeof runVerilatorSim>): Promise<{ passed: boolean; mismatches: number; stopped?: SimulationError }> {
  try {
    const r = await p;
    return { passed: r.passed, mismatches: r.mismatches };
  } catch (e) {
    if (e instanceof SimulationError) return { passed: false, mismatches: -1, stopped: e };
    throw e;
  }
}

/**
 * The streams of an emitted top, from its own nets: every <name>_valid it declares, less those
 * that are another stream under a second name (assign <name>_valid = <other>_valid), plus its ports.
 */
function topStreams(topText: string): string[] {
  const body = topText.slice(0, topText.indexOf('`ifdef QTSC_ASSERTIONS'));
  const declared = new Set<string>();
  for (const line of body.split('\n').filter((l) => /^\s*logic\b/.test(l))) for (const m of line.matchAll(/\b(\w+)_valid\b/g)) declared.add(m[1]);
  for (const m of body.matchAll(/assign (\w+)_valid = \w+_valid;/g)) declared.delete(m[1]);
  return ['s_axis', ...[...declared].sort(), 'm_axis'];
}

/** The checker instances of an emitted top (sva_<stream>). */
function checkerInstances(topText: string): string[] {
  return [...topText.matchAll(/^\s*qtsc_axis_assert #\(.*\) sva_(\w+) \(/gm)].map((m) => m[1]);
}

const haveVerilator = findTool('verilator') !== null;

describe('stream assertions (hw/qtsc_axis_assert.sv) in the Verilator co-simulation', function () {
  this.timeout(900_000);
  before(function () {
    if (!haveVerilator) this.skip();
  });

  describe('a producer that breaks a rule stops the run, naming the stream and the rule', () => {
    const work = tmpDir('qtsc-sva-fixture-');
    const vectorsDir = path.join(work, 'vectors');
    fixtureVectors(vectorsDir, 40);
    const build = async (fault: Fault, assertions = true) => {
      const rtlDir = path.join(work, `${fault}-${assertions}`);
      fs.mkdirSync(rtlDir, { recursive: true });
      const top = `sva_fixture_${fault.replace(/-/g, '_')}`;
      fs.writeFileSync(path.join(rtlDir, `${top}.sv`), fixture(top, fault));
      const b = await buildVerilatorSim({ rtlDir, sources: [`${top}.sv`], top, inputWordBits: 8, outputWordBits: 8, workDir: rtlDir, assertions });
      return { rtlDir, top, binary: b.binary };
    };
    const run = (d: { rtlDir: string; binary: string }, stallProbability: number, seed = 1) =>
      outcome(runVerilatorSim({ binary: d.binary, rtlDir: d.rtlDir, vectorsDir, seed, stallProbability, watchdogCycles: 2000 }));
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it('a correct producer passes under heavy stalls with its checkers compiled in (and lint-clean with them)', async () => {
      const d = await build('none');
      for (const seed of [1, 2, 3]) expect((await run(d, 0.5, seed)).passed, `seed ${seed}`).to.equal(true);
      expect(fs.readFileSync(d.binary).includes(`${d.top}.sva_mid.valid_held`), 'checker in the model').to.equal(true);
      const lint = await lintVerilator(d.rtlDir, [streamCheckerFile, `${d.top}.sv`], d.top, ['QTSC_ASSERTIONS']);
      expect(lint.warnings.concat(lint.errors), lint.log).to.deep.equal([]);
    });

    it('valid retracted while stalled: valid_held on mid', async () => {
      const d = await build('retract');
      // No stall, no retraction: the checker does not fire on its own.
      expect((await run(d, 0)).passed).to.equal(true);
      const r = await run(d, 0.5);
      expect(r.stopped?.message).to.match(/stopped the run at cycle \d+/);
      expect(r.stopped?.message).to.match(new RegExp(`Assertion failed in TOP\\.${d.top}\\.sva_mid\\.valid_held: valid fell before the handshake`));
      expect(r.stopped?.partial?.status).to.equal('stop');
    });

    it('data changed while stalled: data_held on mid, where without the checkers only wrong outputs show', async () => {
      const r = await run(await build('drift'), 0.5);
      expect(r.stopped?.message).to.match(/sva_mid\.data_held: data changed while the word waited for ready/);
      expect(r.stopped?.message).not.to.match(/valid_held/);
      const off = await run(await build('drift', false), 0.5);
      expect(off.stopped).to.equal(undefined);
      expect(off.mismatches).to.be.greaterThan(0);
    });

    it('valid high during reset: valid_reset on mid', async () => {
      const r = await run(await build('valid-in-reset'), 0);
      expect(r.stopped?.message).to.match(/stopped the run during reset/);
      expect(r.stopped?.message).to.match(/sva_mid\.g_valid_reset\.valid_reset: valid high during reset/);
    });

    it('s_axis_tready high during reset: ready_reset on s_axis', async () => {
      const r = await run(await build('ready-in-reset'), 0);
      expect(r.stopped?.message).to.match(/sva_s_axis\.g_ready_reset\.ready_reset: ready high during reset/);
    });
  });

  describe('generated tops: one checker per stream, compiled in, silent on correct designs', () => {
    /** Emits, counts, lints with the checkers, builds and runs under stalls; returns the build for more runs. */
    async function check(ir: HardwareIR, frames: number[][], what: RegExp) {
      const work = tmpDir('qtsc-sva-top-');
      const rtlDir = path.join(work, 'rtl');
      fs.mkdirSync(rtlDir);
      const emitted = emitRtl(ir, rtlDir);
      const topText = fs.readFileSync(path.join(rtlDir, `${emitted.top}.sv`), 'utf8');
      expect(topText, 'the kind of top').to.match(what);
      const streams = topStreams(topText);
      expect(checkerInstances(topText)).to.have.members(streams).and.have.length(streams.length);
      // The checker is emitted beside the sources for other simulators, but is not one of them.
      expect(fs.readFileSync(path.join(rtlDir, 'qtsc_axis_assert.sv'), 'utf8')).to.contain(fs.readFileSync(streamCheckerFile, 'utf8'));
      expect(emitted.sources).not.to.include('qtsc_axis_assert.sv');
      const lint = await lintVerilator(rtlDir, [streamCheckerFile, ...emitted.sources], emitted.top, ['QTSC_ASSERTIONS']);
      expect(lint.warnings.concat(lint.errors), lint.log).to.deep.equal([]);

      const vectorsDir = path.join(work, 'vectors');
      const { meta } = writeVectors(ir, frames, vectorsDir);
      const build = await buildVerilatorSim({ rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work });
      const model = fs.readFileSync(build.binary);
      for (const s of streams) expect(model.includes(`${emitted.top}.sva_${s}.valid_held`), `sva_${s} in the compiled model`).to.equal(true);
      for (const seed of [1, 2]) {
        const r = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed, stallProbability: 0.3 });
        expect(r.passed, `seed ${seed}: ${JSON.stringify(r.firstMismatch)}`).to.equal(true);
      }
      return { work, rtlDir, emitted, vectorsDir, meta, streams };
    }

    it('chain top (MLP): checkers on s_axis, the framing stages, every node, skid buffer and width converter, and m_axis', async () => {
      const ir = randomHardwareIR(31, { engine: 'sign-add', actBits: 2, layers: 3 });
      const { work, rtlDir, emitted, vectorsDir, meta, streams } = await check(ir, randomFrames(32, ir, 40), /streaming accelerator, \d+ MVU node/);
      expect(streams).to.include.members(['s_axis', 'checked', 'framed', 'n0_out', 'n0_reg', 'n1_in', 'n1_out', 'n1_reg', 'n2_in', 'n2_out', 'n2_reg', 'm_axis']);

      // A skid buffer whose output data flips while it is stalled: every consumer takes the word
      // once ready is high, so the outputs stay right and only the checkers see it.
      const skid = path.join(rtlDir, 'qtsc_axis_skid.sv');
      const text = fs.readFileSync(skid, 'utf8');
      const broken = text.replace('    assign m_data_o = out_data_q;\n', '    assign m_data_o = m_ready_i ? out_data_q : ~out_data_q;\n');
      expect(broken).not.to.equal(text);
      fs.writeFileSync(skid, broken);
      const args = { rtlDir, sources: emitted.sources, top: emitted.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir: work };
      const off = await buildVerilatorSim({ ...args, assertions: false });
      expect((await runVerilatorSim({ binary: off.binary, rtlDir, vectorsDir, seed: 1, stallProbability: 0.3 })).passed, 'without the checkers').to.equal(true);
      const on = await buildVerilatorSim(args);
      const r = await outcome(runVerilatorSim({ binary: on.binary, rtlDir, vectorsDir, seed: 1, stallProbability: 0.3 }));
      expect(r.stopped?.message).to.match(new RegExp(`Assertion failed in TOP\\.${emitted.top}\\.sva_(framed|n\\d+_reg)\\.data_held`));
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('graph top (convolutions, a residual block: fork, skip FIFO, add): a checker on every stream', async () => {
      registerQtscLayers();
      const conv = (name: string) => new QtscConv2D({ name, filters: 2, kernelSize: 3, padding: 'same', valueSpace: 'binary', useBias: false });
      const act = (name: string) => new QtscQuantAct({ name, bits: 2, clip: 1 });
      const input = tf.input({ shape: [6, 6, 2], name: 'img' });
      const x = act('q0').apply(conv('c0').apply(input)) as tf.SymbolicTensor;
      const y = act('q2').apply(tf.layers.add({ name: 'sum' }).apply([act('q1').apply(conv('c1').apply(x)) as tf.SymbolicTensor, x])) as tf.SymbolicTensor;
      const out = new QtscDense({ name: 'logits', units: 3, valueSpace: 'binary' }).apply(tf.layers.flatten({ name: 'flat' }).apply(y)) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: out });
      for (const l of model.layers) {
        if (l instanceof QtscConv2D || l instanceof QtscDense) l.setWeights(l.getWeights().map((w, k) => (k === 0 ? tf.where(tf.greaterEqual(w, 0), 1, -1) : w)));
      }
      const dir = tmpDir('qtsc-sva-model-');
      await model.save(fileSaveHandler(dir));
      const { ir } = await compileModel({ model: dir });
      expect(ir.nodes.map((n) => n.op)).to.include.members(['fork', 'fifo', 'add']);
      const { work, streams } = await check(ir, randomFrames(33, ir, 12), /a graph of/);
      // Per tensor: producer output (_p), after the skid buffer (_r), after the width converter (_c).
      expect(streams.filter((s) => /^t\d+_\d+_[prc]$/.test(s)).length % 3).to.equal(0);
      expect(streams).to.include.members(['s_axis', 'checked', 'framed', 'out_p', 'out_r', 'm_axis']);
      fs.rmSync(work, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
});
