/**
 * All-or-nothing output directories. Work is written into a staging folder
 * inside the output directory; only when everything succeeded do its entries
 * replace the previous ones. A failed run removes its staging folder, and the
 * directories this run created if nothing else has come to live in them, so
 * no half-written output is ever left behind, and nothing is written outside
 * it: an entry of the output directory that is a symbolic link (say
 * `OUT/rtl -> /elsewhere`) is replaced by the new entry, never written
 * through, and with `within` the output directory itself must resolve inside
 * that directory (`OUT/sim` of a gen-hw output).
 *
 * Concurrent runs on one output directory (two shells, a build system running
 * jobs in parallel) each stage on their own; the replacement itself is done
 * under a lock file (OUT/.qtsc-lock), so the directory always ends as one
 * whole run wrote it. The previous entries are moved aside rather than
 * deleted until every new one is in place, and moved back if any rename fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QtscError } from './errors.js';
import { isWithin } from './paths.js';

export interface OutputDirOptions {
  /** A directory the output directory must lie in after resolving links. */
  within?: string;
}

export const LOCK_NAME = '.qtsc-lock';
/** How long a run waits for another one's replacement (which takes milliseconds) before giving up. */
const LOCK_WAIT_MS = 60_000;

export async function withOutputDir<T>(outDir: string, work: (staging: string) => Promise<T>, opts: OutputDirOptions = {}): Promise<T> {
  const out = path.resolve(outDir);
  const link = fs.lstatSync(out, { throwIfNoEntry: false });
  if (link?.isSymbolicLink() && !fs.existsSync(out)) throw new QtscError(`${out}: a symbolic link to ${fs.readlinkSync(out)}, which does not exist`);
  if (link && !fs.statSync(out).isDirectory()) throw new QtscError(`${out}: exists and is not a directory`);
  if (opts.within !== undefined && link) {
    const root = fs.realpathSync(opts.within);
    const real = fs.realpathSync(out);
    if (!isWithin(root, real)) throw new QtscError(`${out}: a symbolic link to ${real}, outside ${root}; remove it`);
  }
  const { staging, created } = makeStaging(out);
  try {
    const result = await work(staging);
    await commit(staging, out);
    fs.rmSync(staging, { recursive: true, force: true });
    return result;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (created !== undefined) removeEmptyDirs(out, created);
    throw e;
  }
}

/** Creates the output directory (returning the first directory created, if any) and a staging folder in it. */
function makeStaging(out: string): { staging: string; created: string | undefined } {
  // A failing concurrent run may remove the directory (if it created it and it
  // looked empty) between our mkdir and mkdtemp: then create it again.
  for (let attempt = 0; ; attempt++) {
    let created: string | undefined;
    try {
      created = fs.mkdirSync(out, { recursive: true });
    } catch (e) {
      throw new QtscError(`${out}: cannot create the output directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      return { staging: fs.mkdtempSync(path.join(out, '.staging-')), created };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) {
        throw new QtscError(`${out}: cannot write in the output directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  }
}

/** Removes `out` and its parents up to `created` as long as they are empty (another run may be using them). */
function removeEmptyDirs(out: string, created: string): void {
  for (let dir = out; isWithin(created, dir); dir = path.dirname(dir)) {
    try {
      fs.rmdirSync(dir);
    } catch {
      return;
    }
  }
}

/** Replaces the entries of `out` by those of `staging`, under the lock; on a failure the previous entries are put back. */
async function commit(staging: string, out: string): Promise<void> {
  const release = await lock(out);
  try {
    const aside = fs.mkdtempSync(path.join(out, '.replaced-'));
    const movedAside: string[] = [];
    const placed: string[] = [];
    try {
      for (const entry of fs.readdirSync(staging)) {
        const dst = path.join(out, entry);
        // rename moves a link itself, never what it points to
        if (fs.lstatSync(dst, { throwIfNoEntry: false })) {
          fs.renameSync(dst, path.join(aside, entry));
          movedAside.push(entry);
        }
        fs.renameSync(path.join(staging, entry), dst);
        placed.push(entry);
      }
    } catch (e) {
      for (const entry of placed) fs.rmSync(path.join(out, entry), { recursive: true, force: true });
      for (const entry of movedAside) fs.renameSync(path.join(aside, entry), path.join(out, entry));
      fs.rmSync(aside, { recursive: true, force: true });
      throw e;
    }
    fs.rmSync(aside, { recursive: true, force: true });
  } finally {
    release();
  }
}

interface LockOwner {
  pid: number;
  host: string;
}

/** Takes OUT/.qtsc-lock, waiting for another run to release it; a lock left by a process that no longer runs is taken over. */
async function lock(out: string): Promise<() => void> {
  const file = path.join(out, LOCK_NAME);
  const me: LockOwner = { pid: process.pid, host: os.hostname() };
  const started = Date.now();
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new QtscError(`${file}: cannot create the lock file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const owner = readOwner(file);
    if (owner !== null && owner.host === me.host && !isRunning(owner.pid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new QtscError(`${file}: another qtsc run${owner ? ` (process ${owner.pid} on ${owner.host})` : ''} has held this lock for more than ${LOCK_WAIT_MS / 1000} s; if none is running, remove the file`);
    }
    await sleep(10 + Math.random() * 20);
  }
}

/** The lock's owner, or null while the owner is still writing the file (or it vanished). */
function readOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host } : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
