/**
 * OUT/flow/<top>.h: the stream formats for software on a host or a soft
 * core, as constants and three inline functions, C99 with <stdint.h> only.
 * The layout is the one src/golden/stream-format.ts defines (and
 * docs/arithmetic.md describes): element i of a frame sits in input word
 * i / SIMD at bits (i % SIMD) * B; the output word holds the argmax index in
 * its low bits, then each class's logit in two's complement. A word is held
 * in memory as bytes, least significant first (AXI-Stream byte lanes, and
 * what a DMA moves on a little-endian host).
 */
import type { FlowDesign } from './design.js';
import { generatedHeader } from '../rtl/templates.js';
import { QtscError } from '../../util/errors.js';

export function cHeader(d: FlowDesign): string {
  const f = d.format;
  // The header reads a logit into an int32_t.
  if (f.logitBits > 32) throw new QtscError(`C header: logits of ${d.top} are ${f.logitBits} bits wide; the header supports at most 32`);
  const P = `${d.top.toUpperCase()}_`;
  const p = `${d.top}_`;
  const guard = `${P}H`;
  const def = (name: string, value: string | number, what: string) => `#define ${P}${name} ${typeof value === 'number' ? `${value}u` : value} /* ${what} */`;
  return `/* ${generatedHeader.replace(/^\/\/ ?/, '')} */
/* ${d.top}: stream formats of the accelerator (docs/flows.md). A word is an array of
 * bytes, least significant byte first (AXI-Stream byte lanes).
 * Framing: send each frame's last input word with tlast. A frame with tlast early
 * (short: completed with zero words) or late (long: the surplus is dropped) still
 * yields one output word, not meaningful, and sets the top's frame_err output
 * until reset; the frames after it are processed normally. */
#ifndef ${guard}
#define ${guard}

#include <stdint.h>

#define ${P}NAME "${d.top}" /* the top-level module */
${def('INPUT_ELEMENTS', d.inputElements, 'element codes per input frame')}
${def('INPUT_ELEMENT_BITS', f.inputElementBits, 'bits per element: an unsigned code')}
${def('INPUT_ELEMENTS_PER_WORD', f.inputSimd, 'element i sits in word i / this, at bit (i % this) * INPUT_ELEMENT_BITS')}
${def('INPUT_WORD_BITS', f.inputWordBits, 's_axis_tdata width, whole bytes')}
${def('INPUT_DATA_BITS', f.inputDataBits, 'bits of an input word that hold elements; the rest is padding, ignored')}
${def('INPUT_WORD_BYTES', f.inputWordBits / 8, 'bytes one input word takes in memory')}
${def('INPUT_WORDS_PER_FRAME', f.inputWordsPerFrame, 's_axis transfers per frame; tlast on the last')}
${def('OUTPUT_WORD_BITS', f.outputWordBits, 'm_axis_tdata width, whole bytes; one word per frame, tlast always 1')}
${def('OUTPUT_DATA_BITS', f.outputDataBits, 'bits of the output word that hold index and logits; the rest is zero')}
${def('OUTPUT_WORD_BYTES', f.outputWordBits / 8, 'bytes one output word takes in memory')}
${def('CLASSES', f.classes, 'logits per output word')}
${def('INDEX_BITS', f.indexBits, 'argmax index: bits [INDEX_BITS-1:0] of the output word')}
${def('LOGIT_BITS', f.logitBits, 'logit c: two\'s complement at bit INDEX_BITS + c * LOGIT_BITS')}
${def('CYCLES_PER_FRAME', d.cyclesPerFrame, 'steady-state clock cycles between frames (analytic)')}
${def('LATENCY_CYCLES', d.latencyCycles, 'cycles from a frame\'s first input word taken to its result word taken, without stalls')}

/* Bit \`bit\` of a little-endian byte array. */
static inline unsigned ${p}bit(const uint8_t *bytes, uint32_t bit) {
  return (bytes[bit / 8u] >> (bit % 8u)) & 1u;
}

/* Packs one frame of element codes into INPUT_WORDS_PER_FRAME words of INPUT_WORD_BYTES
 * bytes each, word after word; bits of a code above INPUT_ELEMENT_BITS are dropped. */
static inline void ${p}pack_frame(const uint32_t codes[${P}INPUT_ELEMENTS],
                                  uint8_t words[${P}INPUT_WORDS_PER_FRAME * ${P}INPUT_WORD_BYTES]) {
  uint32_t i, b;
  for (i = 0; i < ${P}INPUT_WORDS_PER_FRAME * ${P}INPUT_WORD_BYTES; i++) words[i] = 0;
  for (i = 0; i < ${P}INPUT_ELEMENTS; i++) {
    uint8_t *word = words + (i / ${P}INPUT_ELEMENTS_PER_WORD) * ${P}INPUT_WORD_BYTES;
    uint32_t pos = (i % ${P}INPUT_ELEMENTS_PER_WORD) * ${P}INPUT_ELEMENT_BITS;
    for (b = 0; b < ${P}INPUT_ELEMENT_BITS; b++)
      if ((codes[i] >> b) & 1u) word[(pos + b) / 8u] |= (uint8_t)(1u << ((pos + b) % 8u));
  }
}

/* The argmax index of an output word. */
static inline uint32_t ${p}argmax(const uint8_t word[${P}OUTPUT_WORD_BYTES]) {
  uint32_t v = 0, b;
  for (b = 0; b < ${P}INDEX_BITS; b++) v |= (uint32_t)${p}bit(word, b) << b;
  return v;
}

/* Logit \`c\` (0 <= c < CLASSES) of an output word. */
static inline int32_t ${p}logit(const uint8_t word[${P}OUTPUT_WORD_BYTES], uint32_t c) {
  uint32_t pos = ${P}INDEX_BITS + c * ${P}LOGIT_BITS, b;
  uint64_t v = 0;
  for (b = 0; b < ${P}LOGIT_BITS; b++) v |= (uint64_t)${p}bit(word, pos + b) << b;
  if ((v >> (${P}LOGIT_BITS - 1u)) & 1u) v -= (uint64_t)1 << ${P}LOGIT_BITS;
  return (int32_t)(int64_t)v;
}

#endif /* ${guard} */
`;
}
