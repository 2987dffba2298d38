#!/usr/bin/env node
/**
 * qtsc command line: `qtsc <command> [options]`. Exit codes and error
 * output: failure.ts. Results go to stdout, errors and progress to stderr
 * (progress only on a terminal: progress.ts).
 */
import { packageVersion } from '../util/package-root.js';
import { UsageError, wantsHelp } from './args.js';
import { EXIT_OK, reportFailure } from './failure.js';

interface Command {
  usage: string;
  run(argv: string[]): Promise<number>;
}

// Loaded on demand: train and quantize load tfjs, which gen-hw does not need.
const COMMANDS: Record<string, () => Promise<Command>> = {
  'gen-hw': async () => {
    const m = await import('./gen-hw.js');
    return { usage: m.GEN_HW_USAGE, run: m.genHwCommand };
  },
  sim: async () => {
    const m = await import('./sim.js');
    return { usage: m.SIM_USAGE, run: m.simCommand };
  },
  train: async () => {
    const m = await import('./train.js');
    return { usage: m.TRAIN_USAGE, run: m.trainCommand };
  },
  quantize: async () => {
    const m = await import('./quantize.js');
    return { usage: m.QUANTIZE_USAGE, run: m.quantizeCommand };
  },
};

const USAGE = `usage: qtsc <command> [options]      (in a source checkout: npm run <command> -- [options])
commands: ${Object.keys(COMMANDS).join(', ')}; \`qtsc <command> --help\` lists each one's options
  --version   print qtsc's version
exit codes: 0 success, 1 user error (command line, model, data, tools, simulation mismatch), 2 internal error`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    console.log(USAGE);
    return EXIT_OK;
  }
  if (command === '--version' || command === '-V') {
    console.log(packageVersion);
    return EXIT_OK;
  }
  if (command === undefined) throw new UsageError('qtsc', 'no command given');
  const load = COMMANDS[command];
  if (!load) throw new UsageError('qtsc', `unknown command '${command}'`);
  const cmd = await load();
  if (wantsHelp(rest)) {
    console.log(cmd.usage);
    return EXIT_OK;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => process.exit(reportFailure(e, USAGE)),
);
