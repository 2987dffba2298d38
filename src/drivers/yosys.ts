/**
 * Yosys driver: synthesises a design and reports what it costs and what it
 * contains. Uses `yosys` on PATH (or $QTSC_YOSYS), else the WebAssembly build
 * in @yowasp/yosys (same script; slower; cannot be timed out).
 *
 * The script runs in two phases on one design:
 *
 * 1. coarse:  read_verilog; hierarchy; proc; flatten; opt; wreduce; peepopt
 *    then `stat -width -json`. Here the word-level cells are still visible:
 *    $mul/$macc (multipliers; `opt` has already turned multiplications by a
 *    power of two into shifts, so these are real ones) and $dlatch/$adlatch/
 *    $dlatchsr (latches `proc` inferred from incomplete combinational
 *    assignments), each with its width.
 * 2. mapped:  synth_xilinx (xc7, out of context: no I/O pads, no clock buffer)
 *    | synth_ice40 | synth -lut 6 (generic), then `stat -json` and `ltp`
 *    (the longest chain of combinational mapped cells, see LTP_SELECTION).
 *
 * Counting (mapped netlist):
 *   xilinx   luts = LUT1..LUT6 + LUTs used as RAM/shift registers
 *            (RAM32M/RAM64M = 4, RAM*X1D = 2, RAM128X1D = 4, SRL = 1, ...);
 *            ffs = FDRE/FDSE/FDCE/FDPE; brams in RAMB36 units (RAMB18 = 0.5);
 *            dsps = DSP48E1/E2.
 *   ice40    luts = SB_LUT4; ffs = SB_DFF*; brams = SB_RAM40_4K; dsps = SB_MAC16.
 *   ecp5     luts = LUT4 + 2 per CCU2C (a carry cell is a slice's two LUT4s)
 *            + 4 per TRELLIS_DPR16X4; ffs = TRELLIS_FF; brams = DP16KD (18 Kb);
 *            dsps = MULT18X18D.
 *   gowin    luts = LUT1..LUT4 + ALU + 4 per RAM16S and RAM16SDP cells (MUX2_LUT cells are
 *            the slice's wide-function muxes: free); ffs = DFF*; brams = the
 *            18 Kb BSRAM primitives (SP, SPX9, SDP, SDPB, SDPX9, DP, DPX9, pROM*);
 *            dsps = MULT*.
 *   intel    (Cyclone IV E; memories as logic, see mappingCommand) luts =
 *            *_lcell_comb; ffs = dffeas.
 *   generic  luts = $lut (6-input); ffs = every $_*DFF*_ bit; brams = 0
 *            (generic synth maps memories to flip-flops); dsps = 0.
 * latches    = latch bits found in phase 1, or mapped latch cells
 *              (LDCE/LDPE/$_DLATCH*), whichever is larger.
 * multipliers = $mul/$macc cells in phase 1 plus DSP primitives instantiated
 *               by hand in the RTL.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QtscError } from '../util/errors.js';
import { FAMILY_TIMING, type Netlist, type TimingPath, longestPath } from '../backends/report/timing-path.js';
import { ToolError, describeFailure, findTool, runTool } from './tools.js';

export type SynthTarget = 'xilinx' | 'ice40' | 'ecp5' | 'gowin' | 'intel' | 'generic';

/** Every target synthesize() maps to. */
export const SYNTH_TARGETS: readonly SynthTarget[] = ['xilinx', 'ice40', 'ecp5', 'gowin', 'intel', 'generic'];

export interface SynthOptions {
  rtlDir: string;
  /** Verilog files relative to rtlDir, in compile order. */
  sources: readonly string[];
  top: string;
  target: SynthTarget;
  /** Receives synth.ys, yosys.log and the stat JSON files. */
  workDir: string;
  /** Top-level parameter overrides (hierarchy -chparam). */
  params?: Record<string, number | string>;
  /** Force the WebAssembly build even when yosys is on PATH. */
  forceWasm?: boolean;
  /**
   * Stop after phase 1: latches and multipliers are known, nothing is mapped
   * (luts/ffs/brams/dsps are 0, `mapped` is false). Much faster on large
   * designs; enough for the "no latches, no multipliers" checks.
   */
  coarseOnly?: boolean;
  /** Native yosys only. */
  timeoutMs?: number;
}

export interface SynthResult {
  /** Mapped cells by type. */
  cells: Record<string, number>;
  /** Word-level cells before technology mapping, by type with width (e.g. "$mul_16"). */
  coarseCells: Record<string, number>;
  luts: number;
  ffs: number;
  brams: number;
  dsps: number;
  latches: number;
  multipliers: number;
  /** Longest chain of combinational mapped cells (LUTs, carry blocks, muxes) between registers, ports and RAM/DSP blocks (ltp), when Yosys reported it. */
  logicDepth: number | null;
  /** The longest path by the per-family delay model (timing-path.ts), for the families it knows. */
  timing: TimingPath | null;
  target: SynthTarget;
  /** False when coarseOnly stopped before technology mapping. */
  mapped: boolean;
  /** 'native' (yosys on PATH) or 'wasm' (@yowasp/yosys), with the version line. */
  engine: string;
  durationMs: number;
  log: string;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_$]*$/;

function mappingCommand(target: SynthTarget, top: string): string {
  switch (target) {
    case 'xilinx':
      return `synth_xilinx -flatten -noiopad -noclkbuf -top ${top}`;
    case 'ice40':
      return `synth_ice40 -top ${top}`;
    case 'ecp5':
      return `synth_ecp5 -top ${top}`;
    case 'gowin':
      return `synth_gowin -noiopads -top ${top}`;
    case 'intel':
      // Yosys 0.23's M9K mapping rejects initialised memories (ROMs): memories become logic.
      return `synth_intel -family cycloneive -nobram -top ${top}`;
    case 'generic':
      return `synth -flatten -top ${top} -lut 6`;
  }
}

/**
 * What `ltp` walks: all cells but the sequential and block primitives (ltp
 * -noff only knows Yosys' own flip-flop types), so the figure is the longest
 * chain of LUTs and carry blocks between registers, ports and RAM/DSP blocks.
 */
const LTP_SELECTION: Record<SynthTarget, string> = {
  xilinx: ' * t:FD* %d t:LD* %d t:RAM* %d t:DSP48* %d t:SRL* %d',
  ice40: ' * t:SB_DFF* %d t:SB_RAM* %d t:SB_MAC16 %d',
  ecp5: ' * t:TRELLIS_FF %d t:DP16KD %d t:MULT18X18D %d t:TRELLIS_DPR16X4 %d',
  gowin: ' * t:DFF* %d t:SP* %d t:SDP* %d t:DP* %d t:pROM* %d t:MULT* %d t:RAM16* %d',
  intel: ' * t:dffeas %d',
  generic: '',
};

function checkToken(s: string, what: string): void {
  if (/[\s;"#]/.test(s)) throw new QtscError(`yosys: ${what} '${s}' contains whitespace, quotes, ';' or '#', which a Yosys script cannot carry`);
}

/** The Yosys script; `out(name)` gives the path an output file is written to. */
export function synthScript(o: Pick<SynthOptions, 'sources' | 'top' | 'target' | 'params' | 'coarseOnly'>, out: (name: string) => string): string {
  if (!NAME_RE.test(o.top)) throw new QtscError(`yosys: '${o.top}' is not a Verilog module name`);
  for (const s of o.sources) checkToken(s, 'source');
  const chparams = Object.entries(o.params ?? {}).map(([k, v]) => {
    if (!NAME_RE.test(k)) throw new QtscError(`yosys: parameter name '${k}' is not a Verilog identifier`);
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new QtscError(`yosys: parameter ${k} = ${v} is not an integer`);
      return ` -chparam ${k} ${v}`;
    }
    checkToken(v, `parameter ${k} value`);
    return ` -chparam ${k} ${v}`;
  });
  return [
    `read_verilog -sv ${o.sources.join(' ')}`,
    `hierarchy -check -top ${o.top}${chparams.join('')}`,
    'proc',
    'flatten',
    'opt',
    'wreduce',
    'peepopt',
    'opt_clean',
    `tee -q -o ${out('coarse.json')} stat -width -json`,
    ...(o.coarseOnly
      ? []
      : [
          mappingCommand(o.target, o.top),
          `tee -q -o ${out('mapped.json')} stat -json`,
          `ltp -noff${LTP_SELECTION[o.target]}`,
          // the mapped netlist, for the weighted path model (src/backends/report/timing-path.ts); ltp above deleted nothing
          ...(FAMILY_TIMING[o.target] ? [`write_json ${out('netlist.json')}`] : []),
        ]),
    '',
  ].join('\n');
}

interface StatJson {
  modules?: Record<string, { num_cells_by_type?: Record<string, number> }>;
  design?: { num_cells_by_type?: Record<string, number> };
}

/**
 * Parses `stat -json` output. Yosys 0.23 prints the module hierarchy, unquoted,
 * into the JSON of a design that still has submodules; those lines are dropped.
 */
export function parseStat(text: string): StatJson {
  try {
    return JSON.parse(text) as StatJson;
  } catch {
    const kept = text.split('\n').filter((l) => !/^\s+[^\s"{}[\],]/.test(l));
    try {
      return JSON.parse(kept.join('\n')) as StatJson;
    } catch (e) {
      throw new ToolError(`cannot read Yosys statistics: ${(e as Error).message}`);
    }
  }
}

/** Cell counts of the design (flattened: the top module, else the design total). */
export function cellsOf(stat: StatJson): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (byType: Record<string, number>) => {
    for (const [k, v] of Object.entries(byType)) {
      // Newer Yosys keeps $scopeinfo cells after flatten: names, not hardware.
      if (k !== '$scopeinfo') out[k] = (out[k] ?? 0) + v;
    }
  };
  if (stat.design?.num_cells_by_type) add(stat.design.num_cells_by_type);
  else for (const m of Object.values(stat.modules ?? {})) add(m.num_cells_by_type ?? {});
  return out;
}

/** Splits "$mul_16" into ["$mul", 16]; cells without a width annotation count 1 bit. */
function splitWidth(type: string): [string, number] {
  const m = /^(\$[A-Za-z0-9_]*?)_(\d+)$/.exec(type);
  return m && !type.startsWith('$_') ? [m[1], Number(m[2])] : [type, 1];
}

const XILINX_LUTS: Record<string, number> = {
  LUT1: 1, LUT2: 1, LUT3: 1, LUT4: 1, LUT5: 1, LUT6: 1, LUT6_2: 1,
  SRL16E: 1, SRLC16E: 1, SRLC32E: 1,
  RAM32X1S: 1, RAM32X1D: 2, RAM32M: 4, RAM32M16: 8,
  RAM64X1S: 1, RAM64X1D: 2, RAM64M: 4, RAM64M8: 8,
  RAM128X1S: 2, RAM128X1D: 4, RAM256X1S: 4, RAM256X1D: 8, RAM512X1S: 8,
};
const XILINX_FFS = new Set(['FDRE', 'FDSE', 'FDCE', 'FDPE']);
const XILINX_BRAMS: Record<string, number> = { RAMB18E1: 0.5, RAMB36E1: 1, RAMB18E2: 0.5, RAMB36E2: 1 };
const DSP_PRIMITIVES = new Set(['DSP48E1', 'DSP48E2', 'DSP48A1', 'SB_MAC16', 'MULT18X18D', '$__MUL16X16', '$__MUL18X18', '$__MUL25X18']);
const MULT_CELLS = new Set(['$mul', '$macc', '$macc_v2']);
const LATCH_CELLS = new Set(['$dlatch', '$adlatch', '$dlatchsr']);
const MAPPED_LATCH_RE = /^(LDCE|LDPE|\$_DLATCH_.*|\$_DLATCHSR_.*|\$_SR_.*)$/;

export interface Counts {
  luts: number;
  ffs: number;
  brams: number;
  dsps: number;
  latches: number;
  multipliers: number;
}

export function countResources(target: SynthTarget, coarse: Record<string, number>, mapped: Record<string, number>): Counts {
  let luts = 0;
  let ffs = 0;
  let brams = 0;
  let dsps = 0;
  let mappedLatches = 0;
  for (const [type, n] of Object.entries(mapped)) {
    if (MAPPED_LATCH_RE.test(type)) mappedLatches += n;
    if (DSP_PRIMITIVES.has(type)) dsps += n;
    switch (target) {
      case 'xilinx':
        if (type in XILINX_LUTS) luts += XILINX_LUTS[type] * n;
        else if (XILINX_FFS.has(type)) ffs += n;
        else if (type in XILINX_BRAMS) brams += XILINX_BRAMS[type] * n;
        break;
      case 'ice40':
        if (type === 'SB_LUT4') luts += n;
        else if (/^SB_DFF/.test(type)) ffs += n;
        else if (/^SB_RAM40_4K/.test(type)) brams += n;
        break;
      case 'ecp5':
        if (type === 'LUT4') luts += n;
        else if (type === 'CCU2C') luts += 2 * n;
        else if (type === 'TRELLIS_DPR16X4') luts += 4 * n;
        else if (type === 'TRELLIS_FF') ffs += n;
        else if (type === 'DP16KD') brams += n;
        break;
      case 'gowin':
        if (/^LUT[1-4]$/.test(type) || type === 'ALU') luts += n;
        else if (/^RAM16S/.test(type)) luts += 4 * n;
        else if (/^DFF/.test(type)) ffs += n;
        else if (/^(SPX?9?|SDPB?X?9?|DPX?9?|pROMX?9?)$/.test(type)) brams += n;
        else if (/^MULT/.test(type)) dsps += n;
        break;
      case 'intel':
        if (/_lcell_comb$/.test(type)) luts += n;
        else if (type === 'dffeas') ffs += n;
        break;
      case 'generic':
        if (type === '$lut') luts += n;
        else if (/^\$_(S?DFF|DFFE|SDFFE|SDFFCE|DFFSR|DFFSRE|ALDFF|ALDFFE)_/.test(type)) ffs += n;
        break;
    }
  }
  let coarseLatches = 0;
  let multipliers = 0;
  for (const [type, n] of Object.entries(coarse)) {
    const [base, width] = splitWidth(type);
    if (LATCH_CELLS.has(base)) coarseLatches += n * width;
    else if (/^\$_DLATCH/.test(type)) coarseLatches += n;
    if (MULT_CELLS.has(base) || DSP_PRIMITIVES.has(base)) multipliers += n;
  }
  return { luts, ffs, brams, dsps, latches: Math.max(coarseLatches, mappedLatches), multipliers };
}

/** The length `ltp` reports (cells on the longest combinational path), or null when the log has none. */
export function parseLogicDepth(log: string): number | null {
  const m = /Longest topological path in \S+ \(length=(\d+)\)/.exec(log);
  return m ? Number(m[1]) : null;
}

function firstError(log: string): string | null {
  const line = log.split('\n').find((l) => /(^|: )ERROR:/.test(l.trim()));
  return line ? line.trim() : null;
}

/** Regular files under dir, as paths relative to it. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out;
}

type Tree = { [name: string]: Tree | string | Uint8Array };

function putFile(tree: Tree, rel: string, data: Uint8Array): void {
  const parts = rel.split(path.sep);
  let node = tree;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (next === undefined || typeof next === 'string' || next instanceof Uint8Array) node[p] = {};
    node = node[p] as Tree;
  }
  node[parts[parts.length - 1]] = data;
}

function treeText(v: Tree | string | Uint8Array | undefined): string | null {
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return null;
}

let wasmVersion: string | null = null;

async function runWasm(o: SynthOptions): Promise<{ log: string; coarse: string; mapped: string; netlist: string | null }> {
  const mod = await import('@yowasp/yosys');
  wasmVersion = mod.version;
  const tree: Tree = {};
  for (const rel of listFiles(o.rtlDir)) putFile(tree, rel, fs.readFileSync(path.join(o.rtlDir, rel)));
  const outName = (n: string) => `__qtsc_${n}`;
  const script = synthScript(o, outName);
  fs.writeFileSync(path.join(o.workDir, 'synth.ys'), script);
  tree[outName('synth.ys')] = script;
  let console = '';
  const sink = (bytes: Uint8Array | null) => {
    if (bytes) console += Buffer.from(bytes).toString('utf8');
  };
  let files: Tree;
  try {
    files = ((await mod.runYosys(['-q', '-l', outName('yosys.log'), '-s', outName('synth.ys')], tree, { stdout: sink, stderr: sink })) ??
      {}) as Tree;
  } catch (e) {
    const exit = e as { code?: number; files?: Tree };
    const log = treeText(exit.files?.[outName('yosys.log')]) ?? console;
    fs.writeFileSync(path.join(o.workDir, 'yosys.log'), log);
    const err = firstError(log) ?? firstError(console) ?? (e as Error).message;
    throw new ToolError(`yosys (wasm) failed on '${o.top}' (${o.target}): ${err}\n  log: ${path.join(o.workDir, 'yosys.log')}`);
  }
  const log = treeText(files[outName('yosys.log')]) ?? console;
  const coarse = treeText(files[outName('coarse.json')]);
  const mapped = o.coarseOnly ? '{}' : treeText(files[outName('mapped.json')]);
  if (coarse === null || mapped === null) throw new ToolError(`yosys (wasm) wrote no statistics for '${o.top}'\n${console}`);
  return { log, coarse, mapped, netlist: treeText(files[outName('netlist.json')]) };
}

async function runNative(exe: string, o: SynthOptions): Promise<{ log: string; coarse: string; mapped: string; netlist: string | null; version: string }> {
  const work = path.resolve(o.workDir);
  checkToken(work, 'work directory');
  const out = (n: string) => path.join(work, n);
  const script = synthScript(o, out);
  fs.writeFileSync(out('synth.ys'), script);
  for (const n of ['coarse.json', 'mapped.json', 'netlist.json']) fs.rmSync(out(n), { force: true });
  const r = await runTool(exe, ['-q', '-l', out('yosys.log'), '-s', out('synth.ys')], { cwd: o.rtlDir, timeoutMs: o.timeoutMs ?? 60 * 60_000 });
  const log = fs.existsSync(out('yosys.log')) ? fs.readFileSync(out('yosys.log'), 'utf8') : r.stdout + r.stderr;
  if (r.code !== 0 || r.timedOut) {
    const err = firstError(log) ?? firstError(r.stderr + r.stdout);
    throw new ToolError(
      (err ? `yosys failed on '${o.top}' (${o.target}): ${err}\n` : '') + describeFailure('yosys', r) + `\n  log: ${out('yosys.log')}`,
    );
  }
  const version = /^Yosys \S+/m.exec(log)?.[0] ?? 'Yosys';
  const mapped = o.coarseOnly ? '{}' : fs.readFileSync(out('mapped.json'), 'utf8');
  const netlist = fs.existsSync(out('netlist.json')) ? fs.readFileSync(out('netlist.json'), 'utf8') : null;
  return { log, coarse: fs.readFileSync(out('coarse.json'), 'utf8'), mapped, netlist, version };
}

export async function synthesize(o: SynthOptions): Promise<SynthResult> {
  const started = Date.now();
  if (o.sources.length === 0) throw new QtscError('yosys: no Verilog sources given');
  for (const s of o.sources) {
    if (!fs.existsSync(path.resolve(o.rtlDir, s))) throw new QtscError(`Verilog source '${s}' not found in ${o.rtlDir}`);
  }
  fs.mkdirSync(o.workDir, { recursive: true });
  const exe = o.forceWasm ? null : findTool('yosys');
  let run: { log: string; coarse: string; mapped: string; netlist: string | null };
  let engine: string;
  if (exe) {
    const r = await runNative(exe, o);
    run = r;
    engine = `native ${r.version}`;
  } else {
    run = await runWasm(o);
    fs.writeFileSync(path.join(o.workDir, 'yosys.log'), run.log);
    fs.writeFileSync(path.join(o.workDir, 'coarse.json'), run.coarse);
    fs.writeFileSync(path.join(o.workDir, 'mapped.json'), run.mapped);
    engine = `wasm Yosys ${wasmVersion ?? '?'}`;
  }
  const coarseCells = cellsOf(parseStat(run.coarse));
  const cells = cellsOf(parseStat(run.mapped));
  let timing: TimingPath | null = null;
  if (run.netlist !== null) {
    try {
      timing = longestPath(JSON.parse(run.netlist) as Netlist, o.top, o.target);
    } catch (e) {
      throw new ToolError(`cannot read Yosys' netlist of '${o.top}': ${(e as Error).message}`);
    }
  }
  return {
    cells,
    coarseCells,
    ...countResources(o.target, coarseCells, cells),
    logicDepth: o.coarseOnly ? null : parseLogicDepth(run.log),
    timing,
    target: o.target,
    mapped: !o.coarseOnly,
    engine,
    durationMs: Date.now() - started,
    log: run.log,
  };
}
