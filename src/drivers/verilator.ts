/**
 * Verilator driver: lint, build a co-simulation binary from the generated C++
 * testbench (sim/verilator/tb.cpp.hbs), and run it against golden vectors.
 *
 * Every tool runs with cwd = rtlDir, because the RTL reads its ROMs with
 * `$readmemh("<bare name>")` at time 0. Those mem files are read when the
 * simulation starts, not when it is built, so they are not part of the build
 * cache key: two designs that differ only in their weights share one binary.
 *
 * Build cache: `<cacheDir>/<sha256>` (default `<repo>/.cache/verilator` in a
 * source checkout, `~/.cache/qtsc/verilator` for an installed package, or
 * $QTSC_VERILATOR_CACHE) holding the binary, the generated testbench, the
 * build log and a manifest. The key covers the Verilator version, the flags,
 * the generated testbench (hence the port widths), the top name, the source
 * names in compile order and their contents, every include file
 * (.vh/.svh) in rtlDir, and the stream checker (hw/qtsc_axis_assert.sv) when
 * assertions are compiled in (the default). A build is made in a private
 * temporary directory and renamed into place, so parallel test processes never
 * see a half-built entry.
 * Least recently used entries beyond $QTSC_VERILATOR_CACHE_ENTRIES (300) are removed.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { QtscError } from '../util/errors.js';
import { ToolError, describeFailure, requireTool, runTool, toolVersion } from './tools.js';
import { isSourceCheckout, packageRoot } from '../util/package-root.js';
import { streamCheckerFile } from '../backends/rtl/templates.js';

export const tbTemplatePath = path.join(packageRoot, 'sim', 'verilator', 'tb.cpp.hbs');

const installHint = 'install Verilator 5 (e.g. apt-get install verilator) or set QTSC_VERILATOR';

function verilatorPath(): string {
  return requireTool('verilator', installHint);
}

function checkSources(rtlDir: string, sources: readonly string[]): void {
  if (sources.length === 0) throw new QtscError('no Verilog sources given');
  for (const s of sources) {
    const full = path.resolve(rtlDir, s);
    if (!fs.existsSync(full)) throw new QtscError(`Verilog source '${s}' not found in ${rtlDir}`);
  }
}

// ----------------------------------------------------------------- lint ----

export interface LintResult {
  ok: boolean;
  /** One entry per `%Warning-...` message (its first line). */
  warnings: string[];
  /** One entry per `%Error...` message (its first line). */
  errors: string[];
  /** Everything Verilator printed. */
  log: string;
}

/**
 * `verilator --lint-only -Wall`: ok means no errors and no warnings. `defines`: macros to
 * define (-D), e.g. QTSC_ASSERTIONS with the stream checker among the sources.
 */
export async function lintVerilator(rtlDir: string, sources: readonly string[], top: string, defines: readonly string[] = []): Promise<LintResult> {
  checkSources(rtlDir, sources);
  const exe = verilatorPath();
  const args = ['--lint-only', '-Wall', '-Wno-fatal', ...defines.map((d) => `-D${d}`), '--top-module', top, ...sources];
  const r = await runTool(exe, args, { cwd: rtlDir, timeoutMs: 10 * 60_000 });
  const log = r.stderr + r.stdout;
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const line of log.split('\n')) {
    if (line.startsWith('%Warning')) warnings.push(line.trim());
    else if (line.startsWith('%Error')) errors.push(line.trim());
  }
  if ((r.code !== 0 || r.timedOut) && errors.length === 0) errors.push(describeFailure('verilator --lint-only', r));
  return { ok: r.code === 0 && !r.timedOut && warnings.length === 0 && errors.length === 0, warnings, errors, log };
}

// ---------------------------------------------------------------- build ----

export interface BuildOptions {
  rtlDir: string;
  /** Verilog files relative to rtlDir, in compile order. */
  sources: readonly string[];
  top: string;
  inputWordBits: number;
  outputWordBits: number;
  /** Scratch directory; also holds the build when caching is off. */
  workDir: string;
  /**
   * Where built binaries are kept, keyed by content hash; null turns the
   * cache off (the build goes to workDir/verilator). Default: $QTSC_VERILATOR_CACHE
   * or <repo>/.cache/verilator.
   */
  cacheDir?: string | null;
  /** Extra Verilator arguments (part of the cache key). */
  extraArgs?: readonly string[];
  /** Build with --trace (VCD); off by default. */
  trace?: boolean;
  /**
   * Compile the stream checkers in (default true): defines QTSC_ASSERTIONS, under which
   * both tops instantiate hw/qtsc_axis_assert.sv on every stream, and adds that file to
   * the sources. A broken valid/ready rule then stops the run (SimulationError naming the stream).
   */
  assertions?: boolean;
  timeoutMs?: number;
}

export interface BuildResult {
  binary: string;
  /** True when the binary came from the cache. */
  cached: boolean;
  hash: string;
  /** Directory holding the binary, tb.cpp, build.log, manifest.json. */
  dir: string;
  buildMs: number;
}

/**
 * Verilator flags. -O3: Verilator's own optimisations (no C++ compile cost).
 * C++: the generated model's hot code (OPT_FAST) and the runtime library
 * (OPT_GLOBAL) at -O1; the rest (OPT_SLOW: construction, initial blocks) keeps
 * Verilator's default. Measured on the 2-layer sign-add bench design (bench/
 * designs.ts), 20,000 frames, 1.3M cycles, loaded machine: -Os (Verilator's
 * default) 31.4 s build / 1.84 s run; -O1 30.2 s / 1.47 s; -O2 43.3 s /
 * 1.52 s; -O0 24.7 s / 11.4 s. -O1 is as fast to run as -O2 and builds like
 * -Os; -O0 saves little build time and costs 7x in simulation.
 * X handling: every X assignment and every uninitialised register gets a
 * random value (seeded per run by the testbench), so state that reset does not
 * cover shows up as mismatches instead of silently being 0.
 */
const BASE_FLAGS: readonly string[] = [
  '--cc',
  '--exe',
  '--build',
  '-j',
  '2',
  '-O3',
  '--x-assign',
  'unique',
  '--x-initial',
  'unique',
  '--assert',
  '-Wno-fatal',
  '--prefix',
  'Vdut',
  // Verilator 5.006's const-bit-op-tree optimisation miscompiles some XOR trees of
  // negated bits (drops an inversion; verilator#4059, #5186), which compressor-tree
  // engines produce. Correctness first: the pass is off.
  '-fno-const-bit-op-tree',
  '-MAKEFLAGS',
  'OPT_FAST=-O1',
  '-MAKEFLAGS',
  'OPT_GLOBAL=-O1',
];

/**
 * A source checkout keeps its cache in .cache/ beside the sources; an installed
 * package may sit in a read-only directory, so it uses the user's cache
 * ($XDG_CACHE_HOME or ~/.cache).
 */
export function defaultCacheDir(): string {
  if (process.env.QTSC_VERILATOR_CACHE) return process.env.QTSC_VERILATOR_CACHE;
  if (isSourceCheckout) return path.join(packageRoot, '.cache', 'verilator');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'qtsc', 'verilator');
}

/** The testbench C++ for given port widths. */
export function renderTestbench(top: string, inputWordBits: number, outputWordBits: number): string {
  for (const [name, v] of [
    ['inputWordBits', inputWordBits],
    ['outputWordBits', outputWordBits],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new QtscError(`testbench: ${name} must be a positive integer, got ${v}`);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(top)) throw new QtscError(`testbench: '${top}' is not a Verilog module name`);
  const template = Handlebars.compile(fs.readFileSync(tbTemplatePath, 'utf8'), {
    strict: true,
    knownHelpersOnly: true,
    noEscape: true,
  });
  return template({ top, inputWordBits, outputWordBits });
}

function includeFiles(rtlDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(vh|svh)$/.test(e.name)) out.push(path.relative(rtlDir, full));
    }
  };
  walk(rtlDir);
  return out.sort();
}

export async function buildVerilatorSim(o: BuildOptions): Promise<BuildResult> {
  checkSources(o.rtlDir, o.sources);
  const tb = renderTestbench(o.top, o.inputWordBits, o.outputWordBits);
  const assertions = o.assertions ?? true;
  const flags = [...BASE_FLAGS, ...(assertions ? ['-DQTSC_ASSERTIONS'] : []), ...(o.trace ? ['--trace'] : []), ...(o.extraArgs ?? [])];
  const key: Array<[string, string | Buffer]> = [['flags', JSON.stringify(flags)], ['top', o.top], ['tb', tb]];
  // The checker comes from the package (hw/), not from rtlDir: keyed by its contents, not its path.
  if (assertions) key.push(['stream-checker', fs.readFileSync(streamCheckerFile)]);
  for (const s of o.sources) key.push(['source-name', s], ['source', fs.readFileSync(path.resolve(o.rtlDir, s))]);
  for (const inc of includeFiles(o.rtlDir)) key.push(['include-name', inc], ['include', fs.readFileSync(path.join(o.rtlDir, inc))]);
  return cachedVerilatorBuild({
    what: `Verilator build of '${o.top}'`,
    key,
    cwd: o.rtlDir,
    workDir: o.workDir,
    cacheDir: o.cacheDir,
    timeoutMs: o.timeoutMs,
    manifest: { top: o.top, sources: o.sources, inputWordBits: o.inputWordBits, outputWordBits: o.outputWordBits, flags, assertions },
    args: (buildDir) => {
      const tbPath = path.join(buildDir, 'tb.cpp');
      fs.writeFileSync(tbPath, tb);
      return [...flags, '--top-module', o.top, ...(assertions ? [streamCheckerFile] : []), ...o.sources, tbPath];
    },
  });
}

export interface CachedBuildOptions {
  /** Names the build in errors. */
  what: string;
  /** Everything the binary depends on besides the Verilator version, as labelled parts of the cache key. */
  key: ReadonlyArray<readonly [string, string | Buffer]>;
  /** Where Verilator runs (relative sources resolve here). */
  cwd: string;
  workDir: string;
  cacheDir?: string | null;
  timeoutMs?: number;
  /** Written to manifest.json beside the binary, with the version, hash and time. */
  manifest: Record<string, unknown>;
  /** Verilator's arguments but -Mdir and -o, given the private build directory (to write generated files into). */
  args: (buildDir: string) => string[];
}

/**
 * Builds a Verilator binary once per content hash (the module comment: cache
 * layout, private build directory renamed into place, LRU pruning).
 */
export async function cachedVerilatorBuild(o: CachedBuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const exe = verilatorPath();
  const version = await toolVersion(exe);
  const h = createHash('sha256');
  const feed = (label: string, data: string | Buffer) => {
    h.update(`${label}\0${Buffer.byteLength(data)}\0`);
    h.update(data);
  };
  feed('verilator', version);
  for (const [label, data] of o.key) feed(label, data);
  const hash = h.digest('hex').slice(0, 32);

  const cacheDir = o.cacheDir === undefined ? defaultCacheDir() : o.cacheDir;
  const finalDir = cacheDir === null ? path.join(path.resolve(o.workDir), 'verilator') : path.join(path.resolve(cacheDir), hash);
  const binaryName = 'sim';
  if (cacheDir !== null) {
    const bin = path.join(finalDir, binaryName);
    if (fs.existsSync(path.join(finalDir, 'manifest.json')) && fs.existsSync(bin)) {
      touch(path.join(finalDir, 'manifest.json'));
      return { binary: bin, cached: true, hash, dir: finalDir, buildMs: Date.now() - started };
    }
  }

  fs.mkdirSync(path.dirname(finalDir), { recursive: true });
  const buildDir =
    cacheDir === null ? finalDir : path.join(path.dirname(finalDir), `.${hash}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.mkdirSync(buildDir, { recursive: true });
  const objDir = path.join(buildDir, 'obj_dir');
  const args = [...o.args(buildDir), '-Mdir', objDir, '-o', binaryName];
  const r = await runTool(exe, args, { cwd: o.cwd, timeoutMs: o.timeoutMs ?? 30 * 60_000 });
  fs.writeFileSync(path.join(buildDir, 'build.log'), `$ verilator ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  const built = path.join(objDir, binaryName);
  if (r.code !== 0 || r.timedOut || !fs.existsSync(built)) {
    const msg = describeFailure(o.what, r, 40);
    if (cacheDir !== null) fs.rmSync(buildDir, { recursive: true, force: true });
    throw new ToolError(msg);
  }
  fs.renameSync(built, path.join(buildDir, binaryName));
  fs.rmSync(objDir, { recursive: true, force: true });
  fs.writeFileSync(path.join(buildDir, 'manifest.json'), JSON.stringify({ ...o.manifest, verilator: version, hash, builtAt: new Date().toISOString() }, null, 2) + '\n');
  if (cacheDir !== null) {
    try {
      fs.renameSync(buildDir, finalDir);
    } catch (e) {
      // Another process finished the same build first: use its entry.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      fs.rmSync(buildDir, { recursive: true, force: true });
    }
  }
  if (cacheDir !== null) pruneCache(path.resolve(cacheDir), finalDir);
  return { binary: path.join(finalDir, binaryName), cached: false, hash, dir: finalDir, buildMs: Date.now() - started };
}

function touch(file: string): void {
  const now = new Date();
  try {
    fs.utimesSync(file, now, now);
  } catch {
    /* another process pruned it: harmless */
  }
}

/**
 * Keeps the cache at most $QTSC_VERILATOR_CACHE_ENTRIES (default 300) entries,
 * dropping the least recently used (manifest mtime, refreshed on every hit).
 * Stale temporary build directories older than a day go too.
 */
function pruneCache(cacheDir: string, keep: string): void {
  const limit = Number(process.env.QTSC_VERILATOR_CACHE_ENTRIES ?? 300);
  const entries: Array<{ dir: string; mtime: number }> = [];
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const e of fs.readdirSync(cacheDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = path.join(cacheDir, e.name);
    try {
      if (e.name.startsWith('.')) {
        if (fs.statSync(dir).mtimeMs < dayAgo) fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      entries.push({ dir, mtime: fs.statSync(path.join(dir, 'manifest.json')).mtimeMs });
    } catch {
      /* half-removed by another process */
    }
  }
  if (!(entries.length > limit)) return;
  entries.sort((a, b) => a.mtime - b.mtime);
  for (const e of entries.slice(0, entries.length - limit)) {
    if (e.dir !== keep) fs.rmSync(e.dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ run ----

const metaSchema = z.object({
  frames: z.number().int().nonnegative(),
  inputWordBits: z.number().int().positive(),
  inputWordsPerFrame: z.number().int().positive(),
  outputWordBits: z.number().int().positive(),
});

const resultSchema = z.object({
  status: z.string(),
  message: z.string(),
  frames: z.number(),
  framesReceived: z.number(),
  inputWordsSent: z.number(),
  mismatches: z.number(),
  tlastErrors: z.number(),
  protocolViolations: z.number(),
  extraOutputs: z.number(),
  firstMismatch: z
    .object({ frame: z.number(), kind: z.enum(['data', 'tlast']), expected: z.string(), actual: z.string(), cycle: z.number() })
    .nullable(),
  firstProtocolViolation: z.string().nullable(),
  cycles: z.number(),
  firstInputCycle: z.number(),
  firstOutputCycle: z.number(),
  lastOutputCycle: z.number(),
  frameError: z.boolean(),
  frameErrorCycle: z.number(),
  inputWordBits: z.number(),
  outputWordBits: z.number(),
});

export interface RunOptions {
  binary: string;
  rtlDir: string;
  /** Holds input.hex, expected.hex, meta.json (src/golden/vectors.ts). */
  vectorsDir: string;
  seed: number;
  /** Probability, each cycle, of a gap on s_axis_tvalid and (independently) of m_axis_tready low. */
  stallProbability: number;
  /** Cycles without an output word before the run is declared hung (default 1,000,000). */
  watchdogCycles?: number;
  /** Hard limit on cycles (default none). */
  maxCycles?: number;
  /** Cycles to keep running after the last frame, to catch extra output words (default 256). */
  drainCycles?: number;
  /** Randomise uninitialised state (default true); false sets it to 0. */
  randomInit?: boolean;
  /**
   * A file of one 0/1 line per word of input.hex: s_axis_tlast of that word. Default: 1 on the
   * last word of every frame. Its 1s delimit meta.frames frames, which may then have the wrong
   * length (to test the top's resynchronisation and frame_err).
   */
  inputLast?: string;
  timeoutMs?: number;
}

export interface SimMismatch {
  frame: number;
  kind: 'data' | 'tlast';
  expected: string;
  actual: string;
  cycle: number;
}

export interface SimResult {
  frames: number;
  /** Frames whose output word differs from expected.hex in any bit, or lacks tlast. */
  mismatches: number;
  firstMismatch?: SimMismatch;
  tlastErrors: number;
  /** Output words changed/dropped while waiting for tready (AXI-Stream rule). */
  protocolViolations: number;
  firstProtocolViolation?: string;
  /** Output words after the last expected frame. */
  extraOutputs: number;
  /** Cycles from reset release until the last output word was accepted. */
  cyclesTotal: number;
  /** (last output cycle - first output cycle) / (frames - 1); null with fewer than 2 frames. Steady state only when stallProbability = 0. */
  cyclesPerFrame: number | null;
  /**
   * Cycles from the first accepted input word to the first output word taken. Without
   * stalls this is frame 0's latency through the empty pipeline (one output word per
   * frame; later frames only queue behind it), the figure src/backends/estimates/latency.ts
   * estimates.
   */
  latencyCycles: number | null;
  stallProbability: number;
  seed: number;
  /** The top raised frame_err (a frame whose tlast was not on its last word). */
  frameError: boolean;
  /** Cycle frame_err was first seen high; null if never. */
  frameErrorCycle: number | null;
  /** True when every frame matched, no protocol rule was broken and frame_err stayed low. */
  passed: boolean;
  log: string;
}

/** The simulation stopped without finishing (watchdog, cycle limit, $finish, or $error/$fatal/$stop: a failed assertion). */
export class SimulationError extends QtscError {
  constructor(
    message: string,
    readonly partial?: z.infer<typeof resultSchema>,
  ) {
    super(message);
    this.name = 'SimulationError';
  }
}

/**
 * What the design printed as it stopped the run: Verilator's `%Error` lines
 * ("[time] %Error: file:line: Assertion failed in TOP.<top>.sva_<stream>.<rule>: ..."),
 * without its "Verilog $stop" echo; the first ten.
 */
function designErrors(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('%Error') && !l.endsWith('Verilog $stop'))
    .map((l) => l.trim())
    .slice(0, 10);
}

export async function runVerilatorSim(o: RunOptions): Promise<SimResult> {
  const metaPath = path.join(o.vectorsDir, 'meta.json');
  if (!fs.existsSync(metaPath)) throw new QtscError(`no meta.json in ${o.vectorsDir}`);
  const parsed = metaSchema.safeParse(JSON.parse(fs.readFileSync(metaPath, 'utf8')));
  if (!parsed.success) throw new QtscError(`${metaPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const meta = parsed.data;
  if (!(o.stallProbability >= 0 && o.stallProbability < 1)) throw new QtscError(`stallProbability must be in [0, 1), got ${o.stallProbability}`);
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new QtscError(`seed must be a non-negative integer, got ${o.seed}`);
  const args = [
    '--input',
    path.resolve(o.vectorsDir, 'input.hex'),
    '--expected',
    path.resolve(o.vectorsDir, 'expected.hex'),
    '--frames',
    String(meta.frames),
    '--words-per-frame',
    String(meta.inputWordsPerFrame),
    '--seed',
    String(o.seed),
    '--stall',
    String(o.stallProbability),
    '--watchdog',
    String(o.watchdogCycles ?? 1_000_000),
    '--drain',
    String(o.drainCycles ?? 256),
    '--rand-reset',
    o.randomInit === false ? '0' : '2',
  ];
  if (o.maxCycles !== undefined) args.push('--max-cycles', String(o.maxCycles));
  if (o.inputLast !== undefined) args.push('--last', path.resolve(o.inputLast));
  const r = await runTool(o.binary, args, { cwd: o.rtlDir, timeoutMs: o.timeoutMs ?? 60 * 60_000 });
  const log = r.stdout + r.stderr;
  const line = r.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('QTSC_RESULT '));
  if (!line || r.timedOut) throw new ToolError(describeFailure('simulation', r));
  const raw = JSON.parse(line.slice('QTSC_RESULT '.length)) as { status?: unknown; message?: unknown };
  if (raw.status === 'error') throw new QtscError(`simulation: ${String(raw.message)}`);
  const res = resultSchema.parse(raw);
  if (res.inputWordBits !== meta.inputWordBits || res.outputWordBits !== meta.outputWordBits) {
    throw new QtscError(
      `simulation binary has ${res.inputWordBits}/${res.outputWordBits}-bit input/output words; ${metaPath} says ${meta.inputWordBits}/${meta.outputWordBits}`,
    );
  }
  if (res.status !== 'ok') {
    const why = res.status === 'stop' ? designErrors(r.stdout) : [];
    throw new SimulationError(`simulation of ${o.binary}: ${res.message}${why.length > 0 ? `:\n  ${why.join('\n  ')}` : ''}`, res);
  }
  const frames = meta.frames;
  return {
    frames,
    mismatches: res.mismatches,
    ...(res.firstMismatch ? { firstMismatch: res.firstMismatch } : {}),
    tlastErrors: res.tlastErrors,
    protocolViolations: res.protocolViolations,
    ...(res.firstProtocolViolation ? { firstProtocolViolation: res.firstProtocolViolation } : {}),
    extraOutputs: res.extraOutputs,
    cyclesTotal: res.lastOutputCycle >= 0 ? res.lastOutputCycle + 1 : 0,
    cyclesPerFrame: frames >= 2 ? (res.lastOutputCycle - res.firstOutputCycle) / (frames - 1) : null,
    latencyCycles: res.firstOutputCycle >= 0 && res.firstInputCycle >= 0 ? res.firstOutputCycle - res.firstInputCycle : null,
    stallProbability: o.stallProbability,
    seed: o.seed,
    frameError: res.frameError,
    frameErrorCycle: res.frameErrorCycle >= 0 ? res.frameErrorCycle : null,
    passed: res.mismatches === 0 && res.tlastErrors === 0 && res.protocolViolations === 0 && res.extraOutputs === 0 && res.framesReceived === frames && !res.frameError,
    log,
  };
}
