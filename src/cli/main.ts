#!/usr/bin/env node
/**
 * qtsc command line: `qtsc <command> [options]`. Errors a user can fix are
 * printed as one line naming the file, layer and field, with exit code 1;
 * anything else is a bug and keeps its stack trace.
 */
import { QtscError } from '../util/errors.js';

const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  'gen-hw': async () => (await import('./gen-hw.js')).genHwCommand,
  sim: async () => (await import('./sim.js')).simCommand,
  train: async () => (await import('./train.js')).trainCommand,
  quantize: async () => (await import('./quantize.js')).quantizeCommand,
  report: async () => (await import('./report.js')).reportCommand,
};

const USAGE = `usage: qtsc <command> [options]   (npm run <command> -- [options])
commands: ${Object.keys(COMMANDS).join(', ')}; each takes --help`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) {
    console.error(`qtsc: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof QtscError) {
      console.error(`error: ${e.message}`);
      process.exit(1);
    }
    console.error(e);
    process.exit(70);
  },
);
