/**
 * External tools (Verilator, Yosys, make, g++): finding them and running them
 * as child processes with captured output and errors that say what was run,
 * where, and what it printed.
 *
 * Nothing here goes through a shell: arguments are passed as an array, so file
 * names with spaces or quotes are safe.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QtscError } from '../util/errors.js';

/** A tool could not be found, or ran and failed. */
export class ToolError extends QtscError {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Environment variables that override where a tool is found. */
const overrideVar: Record<string, string> = {
  verilator: 'QTSC_VERILATOR',
  yosys: 'QTSC_YOSYS',
};

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute path of an executable, or null. `QTSC_<NAME>` (for verilator and
 * yosys) overrides the PATH search; an override set to "none" hides the tool,
 * which tests use to exercise fallbacks.
 */
export function findTool(name: string): string | null {
  const envName = overrideVar[name];
  const override = envName ? process.env[envName] : undefined;
  if (override) {
    if (override === 'none') return null;
    return isExecutable(override) ? path.resolve(override) : null;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, name);
    if (isExecutable(full)) return full;
  }
  return null;
}

/** Like findTool, but throws a ToolError naming what to install. */
export function requireTool(name: string, hint?: string): string {
  const found = findTool(name);
  if (found) return found;
  const envName = overrideVar[name];
  throw new ToolError(
    `'${name}' was not found on PATH${envName ? ` (or via ${envName})` : ''}` + (hint ? `; ${hint}` : ''),
  );
}

export interface RunOptions {
  cwd: string;
  /** Kill the tool (and everything it started) after this many milliseconds. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Keep at most this many bytes of each stream (head and tail are kept). */
  maxOutputBytes?: number;
}

export interface RunResult {
  command: string;
  args: string[];
  cwd: string;
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Collects a stream, keeping the head and the tail when it grows past a limit. */
class Capture {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const half = Math.floor(this.limit / 2);
    if (this.headBytes < half) {
      const take = chunk.subarray(0, half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes > half && this.tail.length > 1) {
      const first = this.tail.shift()!;
      this.tailBytes -= first.length;
      this.dropped += first.length;
    }
  }
  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    return this.dropped > 0 ? `${head}\n... [${this.dropped} bytes of output dropped] ...\n${tail}` : head + tail;
  }
}

/** Quotes an argument for display (not for execution). */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(' ');
}

/**
 * Runs a tool and captures its output. Never rejects because of the exit code
 * (see runToolChecked); rejects only when the tool cannot be started.
 * The child gets its own process group so that a timeout also ends the
 * processes it started (make, g++), and only those.
 */
export function runTool(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const limit = opts.maxOutputBytes ?? 8 * 1024 * 1024;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(command, [...args], {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (e) {
      reject(new ToolError(`cannot start ${formatCommand(command, args)} in ${opts.cwd}: ${(e as Error).message}`));
      return;
    }
    const out = new Capture(limit);
    const err = new Capture(limit);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup('SIGTERM');
        setTimeout(() => killGroup('SIGKILL'), 2000).unref();
      }, opts.timeoutMs);
    }
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new ToolError(`cannot start ${formatCommand(command, args)} in ${opts.cwd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        command,
        args: [...args],
        cwd: opts.cwd,
        code,
        signal,
        timedOut,
        stdout: out.text(),
        stderr: err.text(),
        durationMs: Date.now() - started,
      });
    });
  });
}

/** The last `n` non-empty lines of a text. */
export function tailLines(text: string, n: number): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n).join('\n');
}

/** Explains a failed run: command, directory, exit status and the end of its output. */
export function describeFailure(what: string, r: RunResult, lines = 30): string {
  const status = r.timedOut
    ? `timed out after ${r.durationMs} ms`
    : r.code === null
      ? `was killed by ${r.signal}`
      : `exited with code ${r.code}`;
  const parts = [`${what} ${status}`, `  command: ${formatCommand(r.command, r.args)}`, `  cwd: ${r.cwd}`];
  const err = tailLines(r.stderr, lines);
  const out = tailLines(r.stdout, lines);
  if (err) parts.push(`  stderr (last lines):\n${indent(err)}`);
  if (out) parts.push(`  stdout (last lines):\n${indent(out)}`);
  return parts.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n');
}

/** Runs a tool and throws a ToolError unless it exits with code 0. */
export async function runToolChecked(what: string, command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const r = await runTool(command, args, opts);
  if (r.code !== 0 || r.timedOut) throw new ToolError(describeFailure(what, r));
  return r;
}

const versionCache = new Map<string, string>();

/** First line of `<tool> --version` (cached per executable). */
export async function toolVersion(executable: string, flag = '--version'): Promise<string> {
  const key = `${executable}\0${flag}`;
  const hit = versionCache.get(key);
  if (hit !== undefined) return hit;
  const r = await runToolChecked(`${path.basename(executable)} ${flag}`, executable, [flag], { cwd: process.cwd(), timeoutMs: 30_000 });
  const v = (r.stdout + r.stderr).split('\n')[0].trim();
  versionCache.set(key, v);
  return v;
}
