/**
 * Command-line parsing: node's parseArgs for the shape, zod for the values,
 * so every option a user hands in is checked and a bad one is named.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { QtscError } from '../util/errors.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

export function parseOptions<S extends z.ZodType>(command: string, argv: string[], spec: OptionSpec, schema: S): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new QtscError(`${command}: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (m) => '-' + m.toLowerCase())}` : 'options';
    throw new QtscError(`${command}: ${flag}: ${issue.message}`);
  }
  return parsed.data;
}

/** A positive integer given as a string on the command line. */
export const intArg = (min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

/** A finite number given as a string. */
export const numberArg = () =>
  z.string().transform(Number).pipe(z.number().finite());
