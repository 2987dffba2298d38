/**
 * All-or-nothing output directories. Work is written into a staging folder
 * inside the output directory; only when everything succeeded do its entries
 * replace the previous ones. A failed run removes its staging folder, and the
 * output directory itself when this run created it, so no half-written
 * output is ever left behind, and nothing is written outside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function withOutputDir<T>(outDir: string, work: (staging: string) => Promise<T>): Promise<T> {
  const out = path.resolve(outDir);
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new Error(`${out}: exists and is not a directory`);
  const created = !fs.existsSync(out);
  fs.mkdirSync(out, { recursive: true });
  const staging = fs.mkdtempSync(path.join(out, '.staging-'));
  try {
    const result = await work(staging);
    for (const entry of fs.readdirSync(staging)) {
      const dst = path.join(out, entry);
      fs.rmSync(dst, { recursive: true, force: true });
      fs.renameSync(path.join(staging, entry), dst);
    }
    fs.rmSync(staging, { recursive: true, force: true });
    return result;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (created) fs.rmSync(out, { recursive: true, force: true });
    throw e;
  }
}
