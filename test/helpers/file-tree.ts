/**
 * A directory tree as data, for tests that compare whole output trees: every
 * entry below `dir` by relative path, files as base64 of their bytes, links
 * as '-> target' (not followed), directories as 'dir'.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function bytesTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) (out[rel] = 'dir', walk(p));
      else out[rel] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}
