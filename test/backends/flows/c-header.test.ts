import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FlowCase, type FlowCaseOptions, makeFlowCase } from './flow-design.js';
import { writeVectors } from '../../../src/golden/vectors.js';
import { tmpDir } from '../../helpers/make-model.js';
import { Rng } from '../../../src/util/random.js';

/** Packs frames of codes read from stdin, or decodes output words, using only the header. */
const program = (top: string) => `#include <stdio.h>
#include <string.h>
#include "${top}.h"

static void print_hex(const uint8_t *bytes, unsigned bits) {
  /* as packHex: ceil(bits / 4) digits, most significant first */
  int d;
  for (d = (int)((bits + 3u) / 4u) - 1; d >= 0; d--) printf("%x", (bytes[d / 2] >> (4 * (d % 2))) & 0xf);
  printf("\\n");
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "pack") == 0) {
    static uint32_t codes[${top.toUpperCase()}_INPUT_ELEMENTS];
    static uint8_t words[${top.toUpperCase()}_INPUT_WORDS_PER_FRAME * ${top.toUpperCase()}_INPUT_WORD_BYTES];
    for (;;) {
      uint32_t i, w;
      for (i = 0; i < ${top.toUpperCase()}_INPUT_ELEMENTS; i++) if (scanf("%u", &codes[i]) != 1) return i == 0 ? 0 : 1;
      ${top}_pack_frame(codes, words);
      for (w = 0; w < ${top.toUpperCase()}_INPUT_WORDS_PER_FRAME; w++) print_hex(words + w * ${top.toUpperCase()}_INPUT_WORD_BYTES, ${top.toUpperCase()}_INPUT_WORD_BITS);
    }
  }
  if (argc == 2 && strcmp(argv[1], "decode") == 0) {
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
      uint8_t word[${top.toUpperCase()}_OUTPUT_WORD_BYTES] = {0};
      size_t n = strcspn(line, "\\n"), k;
      uint32_t c;
      for (k = 0; k < n; k++) {
        char ch = line[n - 1 - k];
        unsigned v = (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
        word[k / 2] |= (uint8_t)(v << (4 * (k % 2)));
      }
      printf("%u", (unsigned)${top}_argmax(word));
      for (c = 0; c < ${top.toUpperCase()}_CLASSES; c++) printf(" %d", (int)${top}_logit(word, c));
      printf("\\n");
    }
    return 0;
  }
  fprintf(stderr, "usage: %s pack|decode\\n", argv[0]);
  return 2;
}
`;

function run(exe: string, mode: string, input: string): string {
  const r = spawnSync(exe, [mode], { input, encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout;
}

async function checkHeader(o: FlowCaseOptions, frames: number, seed: number): Promise<FlowCase> {
  const c = await makeFlowCase({ flows: [], ...o });
  const top = c.design.top;
  const work = tmpDir('qtsc-cheader-');
  fs.writeFileSync(path.join(work, 'main.c'), program(top));
  const exe = path.join(work, 'main');
  const cc = spawnSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', c.flowDir, '-o', exe, path.join(work, 'main.c')], { encoding: 'utf8' });
  expect(cc.status, cc.stderr).to.equal(0);
  const rng = new Rng(seed);
  const bits = c.design.format.inputElementBits;
  const codes = Array.from({ length: frames }, () => Array.from({ length: c.design.inputElements }, () => rng.int(0, 2 ** bits - 1)));
  const vectors = path.join(work, 'vectors');
  const { results } = writeVectors(c.compiled.ir, codes, vectors);
  // Input packing: byte for byte the golden input.hex.
  expect(run(exe, 'pack', codes.map((f) => f.join(' ')).join('\n') + '\n')).to.equal(fs.readFileSync(path.join(vectors, 'input.hex'), 'utf8'));
  // Output layout: the golden output words decode to the golden argmax and logits.
  const decoded = run(exe, 'decode', fs.readFileSync(path.join(vectors, 'expected.hex'), 'utf8'));
  expect(decoded).to.equal(results.map((r) => [r.argmax, ...r.logits].join(' ')).join('\n') + '\n');
  expect(results.some((r) => r.logits.some((l) => l < 0)), 'negative logits exercise the sign extension').to.equal(true);
  return c;
}

describe('flows: C header of the stream formats', () => {
  it('a C program using only the header packs frames exactly as stream-format.ts (4-bit inputs, 8 per word) and reads the output words', async () => {
    const c = await checkHeader({}, 20, 1);
    expect(c.design.format.inputSimd).to.be.greaterThan(1);
  });

  it('the same with 3-bit inputs across byte boundaries, 2-bit hidden activations and pow2 weights', async () => {
    const c = await checkHeader({ model: { sizes: [24, 10, 6], valueSpace: 'pow2-3', act: { kind: 'quant', bits: 2 } }, inputBits: 3, targetCycles: 8, top: 'net_a' }, 20, 2);
    expect(c.design.format.inputDataBits % 8).to.not.equal(0);
    expect(c.design.format.inputWordBits % 8).to.equal(0);
  });

  it('states the name, frame geometry, cycles per frame and latency of the design', async () => {
    const c = await makeFlowCase({ flows: [] });
    const h = fs.readFileSync(path.join(c.flowDir, 'qtsc_top.h'), 'utf8');
    const f = c.design.format;
    expect(h).to.contain('#define QTSC_TOP_NAME "qtsc_top"');
    expect(h).to.match(new RegExp(`#define QTSC_TOP_INPUT_ELEMENTS 16u`));
    expect(h).to.contain(`#define QTSC_TOP_INPUT_WORDS_PER_FRAME ${f.inputWordsPerFrame}u`);
    expect(h).to.contain(`#define QTSC_TOP_CYCLES_PER_FRAME 16u`);
    expect(h).to.contain(`#define QTSC_TOP_LATENCY_CYCLES ${c.design.latencyCycles}u`);
    expect(c.design.latencyCycles).to.be.greaterThan(c.design.cyclesPerFrame);
  });
});
