/**
 * Exit codes and how a failure is shown. 0 success; 1 a user error (a bad
 * command line, model, data or option value, a missing tool, a simulation
 * mismatch): one line on stderr naming the file, layer and field, and for a
 * bad command line where to find the right one; 2 an internal error (a bug in
 * qtsc): its stack trace, since only that helps to fix it.
 */
import { QtscError } from '../util/errors.js';
import { UsageError } from './args.js';

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL_ERROR = 2;

/** Prints `e` for the user and returns the exit code. `usage` is the top-level usage text, shown for a bad top-level command line. */
export function reportFailure(e: unknown, usage: string, print: (...a: unknown[]) => void = console.error): number {
  if (e instanceof UsageError) {
    print(`error: ${e.message}\n${e.command === 'qtsc' ? usage : `run 'qtsc ${e.command} --help' for its options`}`);
    return EXIT_USER_ERROR;
  }
  if (e instanceof QtscError) {
    print(`error: ${e.message}`);
    return EXIT_USER_ERROR;
  }
  print('qtsc: internal error (a bug in qtsc; please report it with the command line):');
  print(e);
  return EXIT_INTERNAL_ERROR;
}
