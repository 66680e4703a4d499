import { FblError } from '@feedback-lab/core';
import { UsageError } from './args';
import { bench } from './commands/bench';
import { presets } from './commands/presets';
import { profile } from './commands/profile';
import { train } from './commands/train';
import { processIo, type Io } from './io';

const COMMANDS: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = { train, profile, presets, bench };

const USAGE = `usage: fbl <command> [options]

Commands:
  train     train a network with a learning rule (fbl train --help)
  profile   one step's memory by phase, measured vs predicted (fbl profile --help)
  presets   list the named models for --preset
  bench     benchmarks: accuracy, memory-depth (fbl bench --help)
`;

/**
 * Runs the CLI and returns the exit code. Expected failures (bad options, missing or corrupt
 * files, divergence) print one line to stderr: exit code 2 for usage errors, 1 otherwise.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}" (expected ${Object.keys(COMMANDS).join(', ')})`);
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err.write(`fbl: ${err.message}\n`);
      return 2;
    }
    if (err instanceof FblError) {
      io.err.write(`fbl: ${err.message}\n`);
      return err.code === 'INVALID_OPTION' || err.code === 'SHAPE_MISMATCH' ? 2 : 1;
    }
    throw err;
  }
}
