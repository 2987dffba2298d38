/**
 * Icarus Verilog driver: the second simulator. Compiles the generated design
 * with the testbench sim/iverilog/qtsc_tb.sv (`iverilog -g2012`) and runs it
 * (`vvp`) against golden vectors (src/golden/vectors.ts), with random stalls
 * on s_axis_tvalid and m_axis_tready, comparing every bit of every output word.
 *
 * Both tools run with cwd = rtlDir: the design reads its ROMs with
 * $readmemh("<bare name>").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmittedRtl } from '../backends/rtl/emit.js';
import { QtscError } from '../util/errors.js';
import { ToolError, describeFailure, requireTool, runTool } from './tools.js';
import { packageRoot } from '../util/package-root.js';

export const iverilogTestbench = path.join(packageRoot, 'sim', 'iverilog', 'qtsc_tb.sv');

const installHint = 'install Icarus Verilog 11 or later (e.g. apt-get install iverilog)';

export interface IverilogOptions {
  rtlDir: string;
  emitted: EmittedRtl;
  /** Holds input.hex, expected.hex and meta.json. */
  vectorsDir: string;
  /** Receives the compiled simulation and logs. */
  workDir: string;
  /** Seeds the stall pattern. */
  seed: number;
  /** Probability in [0, 1) of a gap before each input word and, each cycle, of m_axis_tready low. */
  stallProbability: number;
  /** Cycles without an output word before the run is declared hung (default 100,000). */
  watchdogCycles?: number;
  /** Kill the simulator after this many milliseconds (default 10 minutes). */
  timeoutMs?: number;
}

export interface IverilogMismatch {
  frame: number;
  expected: string;
  actual: string;
  /** data | tlast | protocol | extra | watchdog | frame_err */
  kind: string;
}

export interface IverilogResult {
  /** Output words received. */
  frames: number;
  /** Problems found: wrong words, missing tlast, protocol breaks, extra words, and a watchdog stop. */
  mismatches: number;
  firstMismatch?: IverilogMismatch;
  /** Clock edges from reset release to the last accepted output word. */
  cycles: number;
  /** Clock edges from reset release to the first output word (latency of frame 0). */
  firstOutputCycle: number;
  /**
   * (cycles - firstOutputCycle) / (frames - 1): the steady-state cycles per frame
   * when stallProbability is 0; null with fewer than 2 frames.
   */
  cyclesPerFrame: number | null;
  /** The watchdog stopped the run before every frame came out. */
  watchdog: boolean;
  log: string;
}

interface Meta {
  frames: number;
  inputWordBits: number;
  inputWordsPerFrame: number;
  outputWordBits: number;
}

function readMeta(vectorsDir: string): Meta {
  const file = path.join(vectorsDir, 'meta.json');
  if (!fs.existsSync(file)) throw new QtscError(`no meta.json in ${vectorsDir}`);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const meta = {} as Record<keyof Meta, number>;
  for (const k of ['frames', 'inputWordBits', 'inputWordsPerFrame', 'outputWordBits'] as const) {
    const v = raw[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new QtscError(`${file}: ${k} must be a positive integer`);
    meta[k] = v;
  }
  return meta;
}

/** Lines of iverilog output that mean the testbench and design do not fit together. */
function fatalCompileWarnings(text: string): string[] {
  return text.split('\n').filter((l) => /warning: Port .* expects \d+ bits, got \d+/i.test(l) || /Unable to bind|Unknown module/i.test(l));
}

export async function runIverilog(opts: IverilogOptions): Promise<IverilogResult> {
  const { rtlDir, emitted, vectorsDir, workDir } = opts;
  if (!(opts.stallProbability >= 0 && opts.stallProbability < 1)) {
    throw new QtscError(`stallProbability must be in [0, 1), got ${opts.stallProbability}`);
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new QtscError(`seed must be a non-negative integer, got ${opts.seed}`);
  const watchdog = opts.watchdogCycles ?? 100_000;
  if (!Number.isInteger(watchdog) || watchdog < 1) throw new QtscError(`watchdogCycles must be a positive integer, got ${watchdog}`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(emitted.top)) throw new QtscError(`'${emitted.top}' is not a Verilog module name`);
  for (const s of emitted.sources) {
    if (!fs.existsSync(path.resolve(rtlDir, s))) throw new QtscError(`Verilog source '${s}' not found in ${rtlDir}`);
  }
  const meta = readMeta(vectorsDir);
  const iverilog = requireTool('iverilog', installHint);
  const vvp = requireTool('vvp', installHint);
  fs.mkdirSync(workDir, { recursive: true });
  const vvpFile = path.resolve(workDir, 'qtsc_tb.vvp');
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;

  const compileArgs = [
    '-g2012',
    '-o',
    vvpFile,
    '-s',
    'qtsc_tb',
    // the testbench's include files sit beside it
    `-I${path.dirname(iverilogTestbench)}`,
    `-DQTSC_DUT=${emitted.top}`,
    `-Pqtsc_tb.InW=${meta.inputWordBits}`,
    `-Pqtsc_tb.OutW=${meta.outputWordBits}`,
    `-Pqtsc_tb.Frames=${meta.frames}`,
    `-Pqtsc_tb.WordsPerFrame=${meta.inputWordsPerFrame}`,
    iverilogTestbench,
    ...emitted.sources,
  ];
  const c = await runTool(iverilog, compileArgs, { cwd: rtlDir, timeoutMs });
  fs.writeFileSync(path.join(workDir, 'iverilog.log'), c.stdout + c.stderr);
  if (c.code !== 0 || c.timedOut) throw new ToolError(describeFailure('iverilog', c));
  const bad = fatalCompileWarnings(c.stdout + c.stderr);
  if (bad.length > 0) {
    throw new QtscError(`iverilog: the testbench does not fit design '${emitted.top}' (do meta.json and the RTL come from the same IR?):\n  ${bad.join('\n  ')}`);
  }

  const stall = Math.min(65535, Math.round(opts.stallProbability * 65536));
  const runArgs = [
    '-n',
    vvpFile,
    `+input=${path.resolve(vectorsDir, 'input.hex')}`,
    `+expected=${path.resolve(vectorsDir, 'expected.hex')}`,
    `+seed=${opts.seed}`,
    `+stall=${stall}`,
    `+watchdog=${watchdog}`,
    '+drain=64',
  ];
  const r = await runTool(vvp, runArgs, { cwd: rtlDir, timeoutMs });
  const log = r.stdout + r.stderr;
  fs.writeFileSync(path.join(workDir, 'vvp.log'), log);
  const resultLine = r.stdout.split('\n').find((l) => l.startsWith('QTSC_RESULT '));
  if (r.timedOut || !resultLine) throw new ToolError(describeFailure('vvp', r));
  const field = (line: string, key: string): string => {
    const m = new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(line);
    if (!m) throw new ToolError(`vvp: no ${key}= in '${line}'`);
    return m[1];
  };
  const result: IverilogResult = {
    frames: Number(field(resultLine, 'frames')),
    mismatches: Number(field(resultLine, 'mismatches')),
    cycles: Number(field(resultLine, 'cycles')),
    firstOutputCycle: Number(field(resultLine, 'first')),
    cyclesPerFrame: null,
    watchdog: field(resultLine, 'watchdog') === '1',
    log,
  };
  const mm = r.stdout.split('\n').find((l) => l.startsWith('QTSC_MISMATCH '));
  if (mm) {
    result.firstMismatch = {
      kind: field(mm, 'kind'),
      frame: Number(field(mm, 'frame')),
      expected: field(mm, 'expected'),
      actual: field(mm, 'actual'),
    };
  }
  if (result.frames >= 2) result.cyclesPerFrame = (result.cycles - result.firstOutputCycle) / (result.frames - 1);
  // Frames that never came out count as mismatches too.
  if (result.frames < meta.frames) result.mismatches += meta.frames - result.frames - (result.watchdog ? 1 : 0);
  return result;
}
