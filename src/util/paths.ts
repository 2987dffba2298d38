import * as path from 'node:path';
import { QtscError } from './errors.js';

/**
 * Resolves `rel` against `base` and refuses any result outside `base`
 * (absolute paths, `..` segments), so nothing a user hands us can make qtsc
 * read or write outside the directory it was given.
 */
export function resolveInside(base: string, rel: string, what: string): string {
  const root = path.resolve(base);
  if (path.isAbsolute(rel)) throw new QtscError(`${what} '${rel}' is absolute; it must stay inside ${root}`);
  const full = path.resolve(root, rel);
  const back = path.relative(root, full);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) {
    throw new QtscError(`${what} '${rel}' leaves ${root}`);
  }
  return full;
}
