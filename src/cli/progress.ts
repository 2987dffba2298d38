/**
 * Where a command's progress goes. Results go to stdout and errors to stderr,
 * so `qtsc ... > file` or a pipe gets only results. Progress goes to stderr
 * too, and only when someone is watching: stderr is a terminal. QTSC_PROGRESS
 * overrides that (1: always, for the log of a long run; 0: never), and
 * --quiet turns progress off whatever the rest says.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export function progressWanted(quiet: boolean | undefined, stream: ProgressStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (quiet) return false;
  if (env.QTSC_PROGRESS === '1') return true;
  if (env.QTSC_PROGRESS === '0') return false;
  return Boolean(stream.isTTY);
}

/** `command: message` lines on stderr when progress is wanted, else nothing. */
export function progressLog(command: string, quiet: boolean | undefined, stream: ProgressStream = process.stderr, env: NodeJS.ProcessEnv = process.env): (message: string) => void {
  if (!progressWanted(quiet, stream, env)) return () => {};
  return (message) => void stream.write(`${command}: ${message}\n`);
}
