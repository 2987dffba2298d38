/**
 * A separate process writing an output directory with withOutputDir, for the
 * tests of concurrent runs on one directory (test/util/output-dir.test.ts).
 *
 *   output-dir-writer.ts OUT TAG ROUNDS [fail-after-ms]
 *
 * Each round writes a.txt, b/c.txt and d.txt, all holding `TAG:round`, with
 * pauses between them so that other writers' rounds interleave. With
 * fail-after-ms the single round waits that long and then fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withOutputDir } from '../../src/util/output-dir.js';

const [out, tag, rounds, failAfter] = process.argv.slice(2);
for (let r = 0; r < Number(rounds); r++) {
  await withOutputDir(out, async (staging) => {
    const text = `${tag}:${r}`;
    fs.writeFileSync(path.join(staging, 'a.txt'), text);
    await sleep(Math.random() * 5);
    fs.mkdirSync(path.join(staging, 'b'));
    fs.writeFileSync(path.join(staging, 'b', 'c.txt'), text);
    await sleep(Math.random() * 5);
    fs.writeFileSync(path.join(staging, 'd.txt'), text);
    if (failAfter !== undefined) {
      await sleep(Number(failAfter));
      throw new Error(`${tag} fails on purpose`);
    }
  }).catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
