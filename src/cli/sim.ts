/**
 * `qtsc sim`: co-simulate what gen-hw wrote. Golden-model vectors go through
 * the RTL twice: once with seeded random stalls on both handshakes (every bit
 * compared), once without (steady-state cycles per frame). Writes
 * OUT/sim/result.json and prints a one-line verdict; exit 1 on any mismatch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { readHardwareIR } from '../ir/hardware-ir-schema.js';
import { actBits, inputElem, inputLength } from '../ir/hardware-ir.js';
import { writeVectors } from '../golden/vectors.js';
import { framesFromSource } from '../golden/input-frames.js';
import { nodeCycles } from '../ir/node-cycles.js';
import { buildVerilatorSim, runVerilatorSim } from '../drivers/verilator.js';
import { runIverilog } from '../drivers/iverilog.js';
import { QtscError } from '../util/errors.js';
import { checkRegularFile, readRegularFile, resolveInside, showName } from '../util/paths.js';
import { withOutputDir } from '../util/output-dir.js';
import { intArg, numberArg, parseOptions } from './args.js';
import { ReportSchema } from '../backends/report/report-schema.js';

export const SIM_USAGE = `usage: qtsc sim [--out DIR] [--vectors N] [--data SOURCE] [--seed N] [--stall P]
         [--simulator verilator|iverilog] [--quiet]
  --out DIR       what gen-hw wrote (default: build)
  --vectors N     frames to simulate (default 100)
  --data SOURCE   random | mnist | fashion-mnist | an IDX or CSV file or a directory of them
                  (test split: the t10k/*test*.csv file, or the last 20% of a single file)
                  (default random)
  --seed N        seed for random data and stalls (default 1)
  --stall P       probability of a stall per cycle on s_axis_tvalid and m_axis_tready (default 0.2)
  --simulator S   verilator (default) or iverilog`;

const spec = {
  out: { type: 'string' },
  vectors: { type: 'string' },
  data: { type: 'string' },
  seed: { type: 'string' },
  stall: { type: 'string' },
  simulator: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

const schema = z.object({
  out: z.string().default('build'),
  vectors: intArg(1, 1_000_000).default(100),
  data: z.string().default('random'),
  seed: intArg(0, 2 ** 31).default(1),
  stall: numberArg().pipe(z.number().min(0).max(0.95)).default(0.2),
  simulator: z.enum(['verilator', 'iverilog']).default('verilator'),
  quiet: z.boolean().optional(),
});

export interface SimSummary {
  simulator: string;
  data: string;
  vectors: number;
  mismatches: number;
  firstMismatch?: unknown;
  stallProbability: number;
  seed: number;
  cyclesPerFrame: number | null;
  expectedCyclesPerFrame: number;
  cyclesWithin5Percent: boolean | null;
  /** Cycles from the first input word taken to the first result word, no stalls (Verilator), and what gen-hw estimated (report.json; null without it). */
  latencyCycles: number | null;
  expectedLatencyCycles: number | null;
  /** Fraction of labelled frames whose argmax equals the label (hardware = golden when mismatches is 0). */
  accuracy?: number;
  passed: boolean;
}

export async function simulate(o: z.infer<typeof schema>): Promise<SimSummary> {
  const out = path.resolve(o.out);
  const ir = readHardwareIR(path.join(out, 'ir.json'));
  const rtlDir = path.join(out, 'rtl');
  const filelist = path.join(rtlDir, 'filelist.f');
  if (!fs.existsSync(filelist)) throw new QtscError(`${filelist}: missing (run gen-hw first)`);
  const sources = readFilelist(filelist, rtlDir);
  const inputBits = actBits(inputElem(ir));
  const data = await framesFromSource(o.data, { count: o.vectors, inputLength: inputLength(ir), inputShape: ir.tensors[ir.input.tensor].shape, input: { bits: inputBits, scale: ir.input.scale }, seed: o.seed });
  const expectedCyclesPerFrame = Math.max(...ir.nodes.map((n) => nodeCycles(ir, n)));
  return withOutputDir(path.join(out, 'sim'), async (staging) => {
    const vectorsDir = path.join(staging, 'vectors');
    const { meta, results } = writeVectors(ir, data.frames, vectorsDir);
    const workDir = path.join(staging, 'work');
    fs.mkdirSync(workDir, { recursive: true });
    let mismatches: number;
    let firstMismatch: unknown;
    let cyclesPerFrame: number | null;
    let latencyCycles: number | null = null;
    if (o.simulator === 'verilator') {
      const build = await buildVerilatorSim({ rtlDir, sources, top: ir.top, inputWordBits: meta.inputWordBits, outputWordBits: meta.outputWordBits, workDir });
      // A frame of a deep network is in flight for about the sum of its nodes' cycles: wait that long, several times over, before calling it a hang.
      const watchdogCycles = Math.max(1_000_000, 4 * ir.nodes.reduce((s, n) => s + nodeCycles(ir, n), 0));
      const stalled = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: o.seed, stallProbability: o.stall, watchdogCycles });
      const steady = await runVerilatorSim({ binary: build.binary, rtlDir, vectorsDir, seed: o.seed, stallProbability: 0, watchdogCycles });
      mismatches = stalled.mismatches + stalled.protocolViolations + stalled.extraOutputs + steady.mismatches + steady.extraOutputs;
      firstMismatch = stalled.firstMismatch ?? steady.firstMismatch ?? stalled.firstProtocolViolation;
      cyclesPerFrame = steady.cyclesPerFrame;
      latencyCycles = steady.latencyCycles;
    } else {
      const emitted = { top: ir.top, sources, memFiles: [] as string[], simSources: [] as string[] };
      const stalled = await runIverilog({ rtlDir, emitted, vectorsDir, workDir, seed: o.seed, stallProbability: o.stall });
      const steady = await runIverilog({ rtlDir, emitted, vectorsDir, workDir, seed: o.seed, stallProbability: 0 });
      mismatches = stalled.mismatches + steady.mismatches;
      firstMismatch = stalled.firstMismatch ?? steady.firstMismatch;
      cyclesPerFrame = null; // steady-state cycles are measured by the Verilator run
    }
    const summary: SimSummary = {
      simulator: o.simulator,
      data: o.data,
      vectors: data.frames.length,
      mismatches,
      firstMismatch,
      stallProbability: o.stall,
      seed: o.seed,
      cyclesPerFrame,
      expectedCyclesPerFrame,
      cyclesWithin5Percent: cyclesPerFrame === null ? null : Math.abs(cyclesPerFrame - expectedCyclesPerFrame) <= 0.05 * expectedCyclesPerFrame,
      latencyCycles,
      expectedLatencyCycles: reportedLatency(out),
      passed: mismatches === 0,
    };
    if (data.labels && mismatches === 0) summary.accuracy = results.filter((r, i) => r.argmax === data.labels![i]).length / results.length;
    fs.writeFileSync(path.join(staging, 'result.json'), JSON.stringify(summary, null, 2) + '\n');
    fs.rmSync(workDir, { recursive: true, force: true });
    return summary;
  }, { within: out });
}

/** The latency gen-hw estimated for the RTL in `out` (its report.json), or null when there is no readable report. */
function reportedLatency(out: string): number | null {
  try {
    const parsed = ReportSchema.pick({ latencyCycles: true }).safeParse(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')));
    return parsed.success ? parsed.data.latencyCycles : null;
  } catch {
    return null;
  }
}

export async function simCommand(argv: string[]): Promise<number> {
  const o = parseOptions('sim', argv, spec, schema);
  const s = await simulate(o);
  const cycles = s.cyclesPerFrame === null ? '' : `; ${s.cyclesPerFrame.toFixed(1)} cycles/frame measured vs ${s.expectedCyclesPerFrame} expected`;
  const latency = s.latencyCycles === null ? '' : `; latency ${s.latencyCycles} cycles${s.expectedLatencyCycles === null ? '' : ` vs ${s.expectedLatencyCycles} estimated`}`;
  const acc = s.accuracy === undefined ? '' : `; accuracy ${(100 * s.accuracy).toFixed(2)}% on ${s.data}`;
  console.log(`sim: ${s.passed ? 'PASS' : 'FAIL'}: ${s.vectors} vectors, ${s.mismatches} mismatches (${s.simulator}, stall ${s.stallProbability}, seed ${s.seed})${cycles}${latency}${acc}`);
  return s.passed ? 0 : 1;
}

/**
 * The sources gen-hw listed, each a plain file name inside rtl/ (after
 * resolving links) and a regular file: a filelist edited to name anything
 * else is refused before a simulator reads it.
 */
export function readFilelist(filelist: string, rtlDir: string): string[] {
  const lines = readRegularFile(filelist, filelist, 1 << 20).toString('utf8').split('\n');
  const sources: string[] = [];
  lines.forEach((raw, i) => {
    const name = raw.trim();
    if (!name) return;
    const where = `${filelist}: line ${i + 1}`;
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\.s?v$/.test(name)) throw new QtscError(`${where}: '${showName(name)}' is not a Verilog file name in rtl/ (gen-hw writes plain names like qtsc_mvu.sv)`);
    checkRegularFile(resolveInside(rtlDir, name, where), where, 64 << 20);
    sources.push(name);
  });
  if (sources.length === 0) throw new QtscError(`${filelist}: lists no sources`);
  return sources;
}
