/**
 * Estimated fmax from logic depth. Yosys' `ltp` gives the longest chain of
 * combinational mapped cells between registers, ports and RAM/DSP blocks
 * (src/drivers/yosys.ts); a path of L such levels is taken to need
 *
 *   period = fixedNs + L * levelNs
 *
 * fixedNs covers clock-to-out and setup of the registers at both ends,
 * levelNs one LUT plus the route to the next. These are first-order
 * assumptions, not timing closure: vendor datasheets put a LUT's own delay at
 * about 0.1 ns (Xilinx 7-series -1, DS181 "TILO"), 0.2-0.5 ns (Lattice ECP5 and
 * iCE40, DS1044/DS1040 "LUT4 propagation"), a few tenths of a ns (Gowin
 * LittleBee, Cyclone IV E LEs); a route between LUTs costs a multiple of that,
 * so the figures below are mostly routing, rounded. ltp counts every carry cell
 * of an adder as a level, which makes the figure pessimistic for wide adders
 * (carry chains are several times faster per level than LUT-to-LUT routes).
 * The iCE40 figure is compared with nextpnr-ice40's real fmax on the same
 * design in `npm run report` (and BENCHMARKS.md records both).
 */
import type { SynthTarget } from '../../drivers/yosys.js';

export interface LevelDelay {
  fixedNs: number;
  levelNs: number;
  /** The device family the figures are for. */
  family: string;
}

export const LEVEL_DELAYS: Record<Exclude<SynthTarget, 'generic'>, LevelDelay> = {
  xilinx: { fixedNs: 1.0, levelNs: 0.6, family: 'Xilinx 7-series (-1), LUT6' },
  ice40: { fixedNs: 2.0, levelNs: 1.6, family: 'Lattice iCE40 HX/UP, LUT4' },
  ecp5: { fixedNs: 1.5, levelNs: 0.9, family: 'Lattice ECP5 (-6), LUT4' },
  gowin: { fixedNs: 1.5, levelNs: 1.2, family: 'Gowin GW1N, LUT4' },
  intel: { fixedNs: 1.5, levelNs: 1.0, family: 'Intel Cyclone IV E (C8), LE' },
};

/** MHz, one decimal; null without a depth or for the generic target. */
export function fmaxFromDepth(target: SynthTarget, depth: number | null): number | null {
  if (depth === null || target === 'generic') return null;
  const d = LEVEL_DELAYS[target];
  return Math.round((1000 / (d.fixedNs + Math.max(1, depth) * d.levelNs)) * 10) / 10;
}
