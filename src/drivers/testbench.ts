/**
 * A self-checking SystemVerilog testbench (sim/iverilog/qtsc_tb_unit.sv and
 * its kin: they drive the unit, check every word and print one result line)
 * compiled and run under either simulator, so a unit is checked alone in
 * both: Icarus (`iverilog -g2012`, `vvp`) or Verilator (`--binary --timing`,
 * its own main; builds cached like the co-simulation binaries, see
 * verilator.ts).
 *
 * Compile-time parameters of the testbench's top module go in `params`
 * (`-P<top>.<name>=` / `-G<name>=`), macros in `defines`, run-time values in
 * `plusargs`. Under Verilator, registers that reset does not cover start at
 * random values (`+verilator+rand+reset+2`, seeded), where Icarus starts them
 * at x: either way a dependence on them shows up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QtscError } from '../util/errors.js';
import { ToolError, describeFailure, requireTool, runTool } from './tools.js';
import { cachedVerilatorBuild } from './verilator.js';

export type Simulator = 'iverilog' | 'verilator';

export const simulators: readonly Simulator[] = ['iverilog', 'verilator'];

export interface TestbenchOptions {
  simulator: Simulator;
  /** Top module of the testbench. */
  top: string;
  /** Verilog files, the testbench among them; absolute or relative to cwd. */
  sources: readonly string[];
  /** Directories searched by `include. */
  includeDirs?: readonly string[];
  defines?: Readonly<Record<string, string>>;
  params?: Readonly<Record<string, number>>;
  plusargs?: Readonly<Record<string, string | number>>;
  /** Where the simulation runs (the files the testbench and the unit read). */
  cwd: string;
  /** Receives the Icarus build; the Verilator build when caching is off. */
  workDir: string;
  /** Verilator build cache (verilator.ts); null: none. */
  cacheDir?: string | null;
  /** Seeds Verilator's random initial values (at least 1). */
  seed?: number;
  timeoutMs?: number;
}

export interface TestbenchRun {
  stdout: string;
  /** Everything printed, for messages. */
  log: string;
  /** Verilator: the binary came from the cache. */
  cached: boolean;
}

/** What a unit testbench prints as `NAME key=value ...`, as numbers (null when the line is missing). */
export function resultLine(stdout: string, name: string): Record<string, number> | null {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) return null;
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/(\w+)=(-?\d+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

function plusargList(p: TestbenchOptions['plusargs']): string[] {
  return Object.entries(p ?? {}).map(([k, v]) => `+${k}=${v}`);
}

const VERILATOR_FLAGS: readonly string[] = ['--binary', '--timing', '-j', '2', '-O3', '--x-assign', 'unique', '--x-initial', 'unique', '--assert', '-Wno-fatal', '-fno-const-bit-op-tree'];

export async function runTestbench(o: TestbenchOptions): Promise<TestbenchRun> {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(o.top)) throw new QtscError(`testbench: '${o.top}' is not a Verilog module name`);
  const sources = o.sources.map((s) => path.resolve(o.cwd, s));
  for (const s of sources) if (!fs.existsSync(s)) throw new QtscError(`testbench: Verilog source '${s}' not found`);
  const defines = Object.entries(o.defines ?? {}).map(([k, v]) => `-D${k}=${v}`);
  const incs = (o.includeDirs ?? []).map((d) => `-I${path.resolve(o.cwd, d)}`);
  const timeoutMs = o.timeoutMs ?? 10 * 60_000;
  fs.mkdirSync(o.workDir, { recursive: true });
  if (o.simulator === 'iverilog') {
    const vvp = path.join(path.resolve(o.workDir), `${o.top}.vvp`);
    const params = Object.entries(o.params ?? {}).map(([k, v]) => `-P${o.top}.${k}=${v}`);
    const comp = await runTool(requireTool('iverilog'), ['-g2012', '-o', vvp, '-s', o.top, ...incs, ...defines, ...params, ...sources], { cwd: o.cwd, timeoutMs });
    if (comp.code !== 0 || comp.timedOut) throw new ToolError(describeFailure(`Icarus build of '${o.top}'`, comp));
    // A port connected to a signal of another width is a testbench or wrapper bug.
    if (/warning: Port .* expects/i.test(comp.stdout + comp.stderr)) throw new ToolError(`Icarus build of '${o.top}': ${comp.stdout}${comp.stderr}`);
    const r = await runTool(requireTool('vvp'), ['-n', vvp, ...plusargList(o.plusargs)], { cwd: o.cwd, timeoutMs });
    if (r.timedOut) throw new ToolError(describeFailure(`Icarus run of '${o.top}'`, r));
    return { stdout: r.stdout, log: r.stdout + r.stderr, cached: false };
  }
  const params = Object.entries(o.params ?? {}).map(([k, v]) => `-G${k}=${v}`);
  const flags = [...VERILATOR_FLAGS, ...incs, ...defines, ...params];
  const key: Array<[string, string | Buffer]> = [['flags', JSON.stringify(flags)], ['top', o.top]];
  for (const s of sources) key.push(['source-name', path.basename(s)], ['source', fs.readFileSync(s)]);
  for (const dir of o.includeDirs ?? []) {
    const abs = path.resolve(o.cwd, dir);
    for (const f of fs.readdirSync(abs).filter((n) => /\.(vh|svh)$/.test(n)).sort()) key.push(['include-name', f], ['include', fs.readFileSync(path.join(abs, f))]);
  }
  const build = await cachedVerilatorBuild({
    what: `Verilator build of '${o.top}'`,
    key,
    cwd: o.cwd,
    workDir: o.workDir,
    cacheDir: o.cacheDir,
    timeoutMs,
    manifest: { top: o.top, sources: sources.map((s) => path.basename(s)), flags },
    args: () => [...flags, '--top-module', o.top, ...sources],
  });
  const r = await runTool(build.binary, [...plusargList(o.plusargs), '+verilator+rand+reset+2', `+verilator+seed+${Math.max(1, Math.floor(o.seed ?? 1))}`], { cwd: o.cwd, timeoutMs });
  if (r.timedOut) throw new ToolError(describeFailure(`Verilator run of '${o.top}'`, r));
  return { stdout: r.stdout, log: r.stdout + r.stderr, cached: build.cached };
}
