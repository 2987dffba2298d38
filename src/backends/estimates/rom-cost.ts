/**
 * What a ROM with a registered read costs in each place it can live, on a
 * Xilinx 7-series fabric as Yosys 0.23 `synth_xilinx` maps it (measured on
 * random and real ROM images, bench/primitives.ts and test/backends/rtl/rom-placement.test.ts):
 *
 *   block RAM  the block RAM shape that needs the fewest RAMB18 units (a RAMB36 is
 *              two): RAMB18 16Kx1 .. 1Kx18, 512x36; RAMB36 32Kx1 .. 1Kx36, 512x72
 *              (simple dual-port, the widest modes), ceil(depth/D) * ceil(width/W)
 *              blocks. Only the columns that vary take width: Yosys drops constant
 *              columns first, but keeps identical ones. A shallow, wide ROM splits
 *              into ceil(width/36) RAMB18 of which it fills depth/512 each: 32 words
 *              x 448 bits take 13 RAMB18 at 6% use.
 *   LUTs       one LUT6 per 64 words per distinct varying column (Yosys merges
 *              identical columns and folds constant ones; a column of a 2-word ROM
 *              is the address bit or its inverse, no LUT), about 25% more beyond
 *              256 words (the slice's MUXF7/MUXF8 trees run out), plus the read
 *              register: one FF per distinct column.
 *
 * A ROM with no varying column is a constant and costs nothing either way.
 */
import type { Resources } from './resources.js';

/** Bit columns of a ROM image that are not constant, and how many of those differ from each other. */
export interface RomColumns {
  nonConstant: number;
  distinct: number;
}

// RAMB18 shapes (depth, width) and RAMB36 shapes, as 7-series block RAMs offer them.
const RAMB18_SHAPES: Array<[number, number]> = [
  [16384, 1], [8192, 2], [4096, 4], [2048, 9], [1024, 18], [512, 36],
];
const RAMB36_SHAPES: Array<[number, number]> = [
  [32768, 1], [16384, 2], [8192, 4], [4096, 9], [2048, 18], [1024, 36], [512, 72],
];

/** Bits of one RAMB18. */
export const RAMB18_BITS = 18432;

/** Block RAM need of a depth x width memory, in RAMB18 units (fewest over all shapes). */
export function bramUnits(depth: number, width: number): number {
  let best = Infinity;
  for (const [d, w] of RAMB18_SHAPES) best = Math.min(best, Math.ceil(depth / d) * Math.ceil(width / w));
  for (const [d, w] of RAMB36_SHAPES) best = Math.min(best, 2 * Math.ceil(depth / d) * Math.ceil(width / w));
  return best;
}

/** LUT6s of one bit column of a `depth`-word ROM built as logic. */
export function lutsPerRomColumn(depth: number): number {
  return depth <= 2 ? 0 : Math.ceil(depth / 64) * (depth > 256 ? 1.25 : 1);
}

/** Bit columns of a ROM image (words as bigints, `width` bits each) that are not constant, and how many of those are distinct. */
export function romColumnStats(words: readonly bigint[], width: number): RomColumns {
  return columnStats(
    words.map((w) => w.toString(2)),
    width,
  );
}

/** romColumnStats of an image of hex words (as the RTL plan keeps them). */
export function hexRomColumnStats(words: readonly string[], width: number): RomColumns {
  return columnStats(
    words.map((w) => BigInt('0x' + w).toString(2)),
    width,
  );
}

function columnStats(binary: readonly string[], width: number): RomColumns {
  if (binary.length <= 1) return { nonConstant: 0, distinct: 0 };
  const seen = new Set<string>();
  let nonConstant = 0;
  // Each word as a binary string once (bit b at width-1-b): shifting a wide
  // BigInt per bit would cost O(width) per bit read.
  const rows = binary.map((w) => w.padStart(width, '0'));
  const bits = new Array<string>(rows.length);
  for (let b = 0; b < width; b++) {
    let ones = 0;
    for (let i = 0; i < rows.length; i++) {
      const bit = rows[i][rows[i].length - 1 - b];
      bits[i] = bit;
      if (bit === '1') ones++;
    }
    if (ones === 0 || ones === rows.length) continue;
    nonConstant++;
    seen.add(bits.join(''));
  }
  return { nonConstant, distinct: seen.size };
}

const ZERO: Resources = { luts: 0, ffs: 0, brams: 0, dsps: 0 };

/** A `depth`-word ROM with these columns in block RAM (brams in RAMB36 units). */
export function blockRomCost(depth: number, columns: RomColumns): Resources {
  if (depth <= 1 || columns.nonConstant === 0) return { ...ZERO };
  return { luts: 0, ffs: 0, brams: bramUnits(depth, columns.nonConstant) / 2, dsps: 0 };
}

/** The same ROM in LUTs, with its read register. */
export function lutRomCost(depth: number, columns: RomColumns): Resources {
  if (depth <= 1 || columns.nonConstant === 0) return { ...ZERO };
  return { luts: Math.round(columns.distinct * lutsPerRomColumn(depth)), ffs: columns.distinct, brams: 0, dsps: 0 };
}
