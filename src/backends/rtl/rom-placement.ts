/**
 * Where each ROM of a design lives, and the attribute that tells the
 * synthesis tools.
 *
 * A ROM with a registered read (weights, thresholds, logit offsets) has two
 * homes on a 7-series fabric: block RAM, or LUTs. A LUT ROM is what Vivado
 * calls a distributed ROM; Yosys 0.23 builds it as logic (it never puts a ROM
 * into LUTRAM: its xc7 LUTRAM types are pruned for ROMs, and
 * rom_style = "distributed" alone stops synth_xilinx with "no valid mapping
 * found"). So the placement 'distributed' is printed as
 *
 *   (* rom_style = "distributed", rom_block = "logic" *)
 *
 * Vivado reads rom_style; Yosys' memory_libmap reads rom_block before
 * rom_style, and "logic" is its word for the same thing. 'block' is
 * (* rom_style = "block" *), which both read.
 *
 * The automatic choice ('auto') compares the estimated cost of both homes
 * (src/backends/estimates/rom-cost.ts) in LUT-equivalents: a LUT is 1, a
 * flip-flop 1/2 (a 7-series slice has two per LUT), a RAMB18 190 (the LUTs
 * per RAMB18 of the xc7z020, the default Vivado part: 53,200 / 280; 7-series
 * parts range from about 150 to 235). The ROM goes to block RAM only when that
 * is cheaper. So a deep ROM (from about 512 words) is block RAM, and a shallow
 * wide one, which would use a small part of each block it splits into, is LUTs.
 *
 * Two kinds of ROM are not placed: one with no varying bit column (one word,
 * or all words equal) is a constant, and the binary-search tables of
 * qtsc_thresholds_bsearch are read asynchronously, which a block RAM cannot
 * do: both are logic whatever is asked, and carry no attribute.
 */
import type { Resources } from '../estimates/resources.js';
import { type RomColumns, blockRomCost, lutRomCost } from '../estimates/rom-cost.js';

/** What can be asked of a ROM: the cost rule, or a fixed home. */
export const romStyles = ['auto', 'block', 'distributed'] as const;
export type RomStyle = (typeof romStyles)[number];

/** Where a ROM ended up: block RAM, LUTs, a constant, or logic because it is read asynchronously. */
export type RomPlacement = 'block' | 'distributed' | 'constant' | 'async';

/** PlanOptions.romStyle: a style for every ROM, and per node name one that overrides it. */
export interface RomStyleChoice {
  all?: RomStyle;
  nodes?: Record<string, RomStyle>;
}

/** LUT-equivalents of one RAMB18 (see the file comment). */
export const LUTS_PER_RAMB18 = 190;

/** A cost in LUT-equivalents (see the file comment). */
export function lutEquivalents(r: Resources): number {
  return r.luts + r.ffs / 2 + 2 * r.brams * LUTS_PER_RAMB18;
}

/** The cost rule: block RAM when it is cheaper in LUT-equivalents than LUTs. */
export function autoRomPlacement(depth: number, columns: RomColumns): 'block' | 'distributed' {
  return lutEquivalents(blockRomCost(depth, columns)) < lutEquivalents(lutRomCost(depth, columns)) ? 'block' : 'distributed';
}

/** Where a ROM of this shape and these columns goes when `style` is asked for it. */
export function placeRom(depth: number, columns: RomColumns, style: RomStyle, read: 'sync' | 'async' = 'sync'): RomPlacement {
  if (depth <= 1 || columns.nonConstant === 0) return 'constant';
  if (read === 'async') return 'async';
  return style === 'auto' ? autoRomPlacement(depth, columns) : style;
}

/** The style asked for the ROMs of node `name`. */
export function nodeRomStyle(choice: RomStyleChoice | undefined, name: string): RomStyle {
  return choice?.nodes?.[name] ?? choice?.all ?? 'auto';
}

/** The synthesis attribute of a placement, or '' for none. */
export function romAttribute(p: RomPlacement): string {
  if (p === 'block') return '(* rom_style = "block" *)';
  if (p === 'distributed') return '(* rom_style = "distributed", rom_block = "logic" *)';
  return '';
}

/** A placement in words, for reports. */
export function describePlacement(p: RomPlacement): string {
  switch (p) {
    case 'block':
      return 'block RAM';
    case 'distributed':
      return 'LUTs (distributed)';
    case 'constant':
      return 'constant';
    case 'async':
      return 'logic (asynchronous read)';
  }
}
