import * as fs from 'node:fs';
import * as path from 'node:path';
import { QtscError } from './errors.js';

/** Whether `p` is `root` itself or lies below it (both absolute and normalized). */
export function isWithin(root: string, p: string): boolean {
  const back = path.relative(root, p);
  return back === '' || (!back.startsWith('..') && !path.isAbsolute(back));
}

/** A name for messages: control characters escaped, very long names cut. */
export function showName(name: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const s = name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > max ? `${s.slice(0, max)}... (${name.length} characters)` : s;
}

/**
 * Resolves `rel` against `base` and refuses any result outside `base`
 * (absolute paths, `..` segments), so nothing a user hands us can make qtsc
 * read or write outside the directory it was given. When the result exists,
 * the refusal also holds after resolving symbolic links: a link inside
 * `base` to a file elsewhere is refused too.
 */
export function resolveInside(base: string, rel: string, what: string): string {
  const root = path.resolve(base);
  if (rel.includes('\0')) throw new QtscError(`${what} '${showName(rel)}' contains a NUL character`);
  if (path.isAbsolute(rel)) throw new QtscError(`${what} '${showName(rel)}' is absolute; it must stay inside ${root}`);
  const full = path.resolve(root, rel);
  if (full === root || !isWithin(root, full)) throw new QtscError(`${what} '${showName(rel)}' leaves ${root}`);
  if (fs.existsSync(full)) {
    const realRoot = fs.realpathSync(root);
    const real = fs.realpathSync(full);
    if (real === realRoot || !isWithin(realRoot, real)) {
      throw new QtscError(`${what} '${showName(rel)}' is a symbolic link to ${real}, outside ${realRoot}`);
    }
  }
  return full;
}

/**
 * Checks that `file` (after resolving links) is a regular file of at most
 * `maxBytes` bytes and returns its size: a directory, FIFO or device (which
 * would hang or never end) or a huge file is refused before anything is read.
 * `what` starts the message (normally the file itself).
 */
export function checkRegularFile(file: string, what: string, maxBytes: number): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new QtscError(`${what}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isFile()) throw new QtscError(`${what}: not a regular file (${st.isDirectory() ? 'a directory' : 'a FIFO, socket or device'})`);
  if (st.size > maxBytes) throw new QtscError(`${what}: ${st.size} bytes is more than the ${maxBytes} qtsc reads from such a file`);
  return st.size;
}

/** Reads `file` after checkRegularFile. */
export function readRegularFile(file: string, what: string, maxBytes: number): Buffer {
  checkRegularFile(file, what, maxBytes);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new QtscError(`${what}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
