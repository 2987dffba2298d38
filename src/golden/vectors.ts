/**
 * Test vectors for co-simulation, written by the golden model:
 *   input.hex     one input word per line, frames back to back
 *   expected.hex  one output word per frame
 *   meta.json     {frames, inputWordBits, inputWordsPerFrame, outputWordBits}
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HardwareIR } from '../ir/hardware-ir.js';
import { runGolden, type GoldenResult } from './execute.js';
import { inputWords, outputWord, streamFormat } from './stream-format.js';

export interface VectorMeta {
  frames: number;
  inputWordBits: number;
  inputWordsPerFrame: number;
  outputWordBits: number;
}

export function writeVectors(ir: HardwareIR, frames: ArrayLike<number>[], dir: string): { meta: VectorMeta; results: GoldenResult[] } {
  const fmt = streamFormat(ir);
  const inLines: string[] = [];
  const outLines: string[] = [];
  const results: GoldenResult[] = [];
  for (const frame of frames) {
    const r = runGolden(ir, frame);
    results.push(r);
    inLines.push(...inputWords(fmt, frame));
    outLines.push(outputWord(fmt, r.logits, r.argmax));
  }
  const meta: VectorMeta = {
    frames: frames.length,
    inputWordBits: fmt.inputWordBits,
    inputWordsPerFrame: fmt.inputWordsPerFrame,
    outputWordBits: fmt.outputWordBits,
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'input.hex'), inLines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'expected.hex'), outLines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { meta, results };
}
