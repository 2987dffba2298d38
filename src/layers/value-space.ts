/**
 * Value spaces: the finite sets of values a searched weight may take.
 *
 * A value space is named ('binary', 'pow2-2', 'pow2-3', ...) or given as an
 * explicit list of numbers. `resolveValueSpace` turns either into the sorted
 * list of candidate values; everything downstream (training, freezing, the
 * compiler's weight codes) works on that list.
 */
import { z } from 'zod';

/** The named value spaces, each sorted ascending. */
export const VALUE_SPACES = {
  /** {-1, +1}: XNOR/popcount or add/subtract in hardware. */
  binary: [-1, 1],
  /** {±1, ±1/2}: two-bit powers of two. */
  'pow2-2': [-1, -0.5, 0.5, 1],
  /** {±1, ±1/2, ±1/4, ±1/8}: three-bit powers of two. */
  'pow2-3': [-1, -0.5, -0.25, -0.125, 0.125, 0.25, 0.5, 1],
} as const satisfies Record<string, readonly number[]>;

export type ValueSpaceName = keyof typeof VALUE_SPACES;

export const VALUE_SPACE_NAMES = Object.keys(VALUE_SPACES) as ValueSpaceName[];

/** A value space as written in a model config or on the command line. */
export const ValueSpaceSchema = z.union([
  z.enum(VALUE_SPACE_NAMES as [ValueSpaceName, ...ValueSpaceName[]]),
  z
    .array(z.number().finite())
    .min(1, 'a value space needs at least one value')
    .refine((vs) => new Set(vs).size === vs.length, 'value space values must be distinct'),
]);

export type ValueSpace = z.infer<typeof ValueSpaceSchema>;

/**
 * The candidate values of a value space, sorted ascending (a fresh array).
 * Throws an Error naming the problem for an unknown name or an invalid list.
 */
export function resolveValueSpace(s: ValueSpace | string | readonly number[]): number[] {
  const parsed = ValueSpaceSchema.safeParse(s);
  if (!parsed.success) {
    if (typeof s === 'string') {
      throw new Error(`unknown value space '${s}' (known: ${VALUE_SPACE_NAMES.join(', ')}, or a list of numbers)`);
    }
    throw new Error(`invalid value space ${JSON.stringify(s)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const v = parsed.data;
  const values = typeof v === 'string' ? [...VALUE_SPACES[v]] : [...v];
  // -0 and +0 would be "distinct" for no one; normalise.
  return values.map((x) => (Object.is(x, -0) ? 0 : x)).sort((a, b) => a - b);
}

/**
 * Parses a value space given on a command line: a known name, or numbers
 * separated by commas ("-1,-0.5,0.5,1").
 */
export function parseValueSpaceArg(arg: string): ValueSpace {
  const name = arg.trim();
  if ((VALUE_SPACE_NAMES as string[]).includes(name)) return name as ValueSpaceName;
  const parts = name.replace(/^\[|\]$/g, '').split(',').map((t) => t.trim());
  const nums = parts.map(Number);
  if (parts.length === 0 || parts.some((t) => t === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new Error(`unknown value space '${arg}' (known: ${VALUE_SPACE_NAMES.join(', ')}, or numbers separated by commas)`);
  }
  const parsed = ValueSpaceSchema.safeParse(nums);
  if (!parsed.success) throw new Error(`invalid value space '${arg}': ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Index of the candidate nearest to x (ties go to the larger value). */
export function nearestIndex(values: readonly number[], x: number): number {
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < values.length; i++) {
    const d = Math.abs(values[i] - x);
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  }
  return best;
}
