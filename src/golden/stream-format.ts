/**
 * How frames travel on the accelerator's AXI-Stream ports (docs/arithmetic.md):
 *
 * - input: one frame is inputLength elements sent as inputLength/SIMD words of
 *   the first node; element i sits in word floor(i/SIMD) at bits
 *   [(i mod SIMD)*B +: B], B the input element width.
 * - output: one word per frame: the argmax index in bits [IW-1:0]
 *   (IW = max(1, clog2(classes))), then logit c in two's complement at
 *   [IW + c*LW +: LW].
 * - both words are padded to a whole number of bytes (AXI-Stream TDATA): the
 *   bits above the payload are zero on output and ignored on input.
 */
import { type HardwareIR, type MvuNode, actBits, clog2, inputElem, inputLength, outputNode } from '../ir/hardware-ir.js';

export interface StreamFormat {
  /** s_axis_tdata width: inputDataBits rounded up to whole bytes. */
  inputWordBits: number;
  /** Bits of an input word that carry elements (SIMD * element bits). */
  inputDataBits: number;
  inputWordsPerFrame: number;
  inputElementBits: number;
  inputSimd: number;
  /** m_axis_tdata width: outputDataBits rounded up to whole bytes. */
  outputWordBits: number;
  /** Bits of the output word that carry the index and the logits. */
  outputDataBits: number;
  classes: number;
  indexBits: number;
  logitBits: number;
}

/** The MVU whose logits the accelerator emits. */
export function lastNode(ir: HardwareIR): MvuNode {
  return outputNode(ir);
}

export function streamFormat(ir: HardwareIR): StreamFormat {
  const first = ir.nodes[0];
  const last = lastNode(ir);
  if (last.output.kind !== 'logits') throw new Error(`last node '${last.name}' must end in a logit stage`);
  const inputElementBits = actBits(inputElem(ir));
  const indexBits = Math.max(1, clog2(last.mh));
  const inputDataBits = first.simd * inputElementBits;
  const outputDataBits = indexBits + last.mh * last.output.logitWidth;
  return {
    inputWordBits: byteMultiple(inputDataBits),
    inputDataBits,
    inputWordsPerFrame: inputLength(ir) / first.simd,
    inputElementBits,
    inputSimd: first.simd,
    outputWordBits: byteMultiple(outputDataBits),
    outputDataBits,
    classes: last.mh,
    indexBits,
    logitBits: last.output.logitWidth,
  };
}

/** Bits rounded up to a whole number of bytes (an AXI-Stream TDATA width). */
export function byteMultiple(bits: number): number {
  return Math.ceil(bits / 8) * 8;
}

/** Packs fields (value, width) LSB first into a hex string of ceil(total/4) digits. */
export function packHex(fields: Array<[number | bigint, number]>): string {
  let v = 0n;
  let pos = 0n;
  for (const [value, width] of fields) {
    const mask = (1n << BigInt(width)) - 1n;
    v |= (BigInt(value) & mask) << pos;
    pos += BigInt(width);
  }
  const digits = Math.max(1, Math.ceil(Number(pos) / 4));
  return v.toString(16).padStart(digits, '0');
}

/** The input words of one frame, as hex strings. */
export function inputWords(fmt: StreamFormat, codes: ArrayLike<number>): string[] {
  const words: string[] = [];
  for (let w = 0; w < fmt.inputWordsPerFrame; w++) {
    const fields: Array<[number, number]> = [];
    for (let s = 0; s < fmt.inputSimd; s++) fields.push([codes[w * fmt.inputSimd + s], fmt.inputElementBits]);
    fields.push([0, fmt.inputWordBits - fmt.inputDataBits]);
    words.push(packHex(fields));
  }
  return words;
}

/** The output word of one frame, as a hex string. */
export function outputWord(fmt: StreamFormat, logits: number[], index: number): string {
  return packHex([[index, fmt.indexBits], ...logits.map((l): [number, number] => [l, fmt.logitBits]), [0, fmt.outputWordBits - fmt.outputDataBits]]);
}

/** Decodes an output word back into argmax and logits (for reports and tests). */
export function decodeOutputWord(fmt: StreamFormat, hex: string): { argmax: number; logits: number[] } {
  const v = BigInt('0x' + hex);
  const field = (pos: number, width: number) => (v >> BigInt(pos)) & ((1n << BigInt(width)) - 1n);
  const argmax = Number(field(0, fmt.indexBits));
  const logits: number[] = [];
  for (let c = 0; c < fmt.classes; c++) {
    const raw = field(fmt.indexBits + c * fmt.logitBits, fmt.logitBits);
    const signed = raw >= 1n << BigInt(fmt.logitBits - 1) ? raw - (1n << BigInt(fmt.logitBits)) : raw;
    logits.push(Number(signed));
  }
  return { argmax, logits };
}
