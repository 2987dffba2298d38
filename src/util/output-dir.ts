/**
 * All-or-nothing output directories. Work is written into a staging folder
 * inside the output directory; only when everything succeeded do its entries
 * replace the previous ones. A failed run removes its staging folder, and the
 * directories this run created, so no half-written output is ever left
 * behind, and nothing is written outside it: an entry of the output directory
 * that is a symbolic link (say `OUT/rtl -> /elsewhere`) is replaced by the
 * new entry, never written through, and with `within` the output directory
 * itself must resolve inside that directory (`OUT/sim` of a gen-hw output).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QtscError } from './errors.js';
import { isWithin } from './paths.js';

export interface OutputDirOptions {
  /** A directory the output directory must lie in after resolving links. */
  within?: string;
}

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
  let created: string | undefined;
  try {
    created = fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new QtscError(`${out}: cannot create the output directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const staging = fs.mkdtempSync(path.join(out, '.staging-'));
  try {
    const result = await work(staging);
    for (const entry of fs.readdirSync(staging)) {
      const dst = path.join(out, entry);
      // rm removes a link itself, not what it points to.
      fs.rmSync(dst, { recursive: true, force: true });
      fs.renameSync(path.join(staging, entry), dst);
    }
    fs.rmSync(staging, { recursive: true, force: true });
    return result;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (created !== undefined) fs.rmSync(created, { recursive: true, force: true });
    throw e;
  }
}
