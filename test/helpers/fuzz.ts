/**
 * Run counts of the fuzz tests. `npm test` runs a moderate number of cases;
 * QTSC_FUZZ_RUNS=N runs N cases of every standard property (default 200) and
 * scales the costlier ones (end-to-end gen-hw runs) by the same factor.
 * QTSC_FUZZ_SEED=S replays a reported failure (fast-check prints the seed).
 */
import fc from 'fast-check';
import { QtscError } from '../../src/util/errors.js';

export const STANDARD_RUNS = 200;

/** Cases for a property whose default is `base` runs. */
export function fuzzRuns(base = STANDARD_RUNS): number {
  const env = process.env.QTSC_FUZZ_RUNS;
  if (env === undefined || env === '') return base;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`QTSC_FUZZ_RUNS=${env}: expected a positive integer`);
  return Math.max(1, Math.round((base * n) / STANDARD_RUNS));
}

/** fast-check parameters: the run count, and the seed when QTSC_FUZZ_SEED is set. */
export function fuzzParams(base = STANDARD_RUNS): fc.Parameters<unknown> {
  const seed = process.env.QTSC_FUZZ_SEED;
  return { numRuns: fuzzRuns(base), ...(seed ? { seed: Number(seed) } : {}) };
}

/** Runs f: true when it returned, false when it threw a QtscError; any other exception is rethrown with what caused it. */
export function qtscOrOk(f: () => unknown, what: () => string): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof QtscError) return false;
    throw new Error(`not a QtscError: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}\nfor: ${what()}`);
  }
}

/** The async form of qtscOrOk. */
export async function qtscOrOkAsync(f: () => Promise<unknown>, what: () => string): Promise<boolean> {
  try {
    await f();
    return true;
  } catch (e) {
    if (e instanceof QtscError) return false;
    throw new Error(`not a QtscError: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}\nfor: ${what()}`);
  }
}

/** Strings a layer may be named to hurt: path separators, '..', NUL, prototype keys, unicode, very long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('..', '../..', '.', '/', 'a/b', '../../etc/passwd', '/etc/passwd', '..\\..\\x', 'C:\\x', '\u0000', 'a\u0000b', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '层😀', 'e\u0301', '\u202e', '\n', ' ', '', 'x'.repeat(5000), 'dense0'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
