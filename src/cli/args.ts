/**
 * Command-line parsing: node's parseArgs for the shape, zod for the values,
 * so every option a user hands in is checked and a bad one is named. --help
 * is not an option of any command: main answers it before a command runs.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { QtscError } from '../util/errors.js';

/**
 * A command line qtsc cannot parse: an unknown command or option, a missing
 * or malformed value. A user error like any QtscError (exit code 1); main
 * adds where to find the right options.
 */
export class UsageError extends QtscError {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`${command}: ${message}`);
    this.name = 'UsageError';
  }
}

/** Whether the command line asks for help: --help or -h anywhere before a `--` that ends the options. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** parseArgs' option shapes; `multiple`: the option may be given more than once (an array of its values). */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export function parseOptions<S extends z.ZodType>(command: string, argv: string[], spec: OptionSpec, schema: S): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(command, (e as Error).message);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (m) => '-' + m.toLowerCase())}` : 'options';
    throw new UsageError(command, `${flag}: ${issue.message}`);
  }
  return parsed.data;
}

/** A positive integer given as a string on the command line. */
export const intArg = (min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

/** A finite number given as a string. */
export const numberArg = () =>
  z.string().transform(Number).pipe(z.number().finite());
