import { FblError } from '@feedback-lab/core';
import { UsageError } from './args';
import type { Specs } from './args';
import { bench } from './commands/bench';
import { ACCURACY_OPTIONS } from './commands/bench-accuracy';
import { EVAL_OPTIONS, evaluate } from './commands/eval';
import { EXPORT_OPTIONS, exportModel } from './commands/export';
import { PRESETS_OPTIONS, presets } from './commands/presets';
import { PROFILE_OPTIONS, profile } from './commands/profile';
import { REPRODUCE_OPTIONS, reproduce } from './commands/reproduce';
import { SWEEP_OPTIONS, sweep } from './commands/sweep';
import { TRAIN_OPTIONS, train } from './commands/train';
import { WORKER_OPTIONS, worker } from './commands/worker';
import { QUEUE_OPTIONS, queueCommand } from './commands/queue';
import { processIo, type Io } from './io';
import { DirInUseError } from './dir-lock';
import { describeFileSystemError, isFileSystemError } from './fs-errors';

/** Every command with its option specs; the CLI sweep test walks these (after `args`). */
export const COMMANDS: Record<string, { run: (argv: readonly string[], io: Io) => Promise<number>; options: Specs; args?: string[] }> = {
  train: { run: train, options: TRAIN_OPTIONS },
  eval: { run: evaluate, options: EVAL_OPTIONS },
  export: { run: exportModel, options: EXPORT_OPTIONS },
  presets: { run: presets, options: PRESETS_OPTIONS },
  profile: { run: profile, options: PROFILE_OPTIONS },
  bench: { run: bench, options: ACCURACY_OPTIONS, args: ['accuracy'] },
  reproduce: { run: reproduce, options: REPRODUCE_OPTIONS },
  sweep: { run: sweep, options: SWEEP_OPTIONS },
  worker: { run: worker, options: WORKER_OPTIONS },
  queue: { run: queueCommand, options: QUEUE_OPTIONS, args: ['status'] },
};

const USAGE = `usage: fbl <command> [options]

Commands:
  train     train a network with a learning rule (fbl train --help)
  eval      score a checkpoint on the test set (fbl eval --checkpoint DIR)
  export    write a checkpoint as a TensorFlow.js LayersModel (fbl export --checkpoint DIR --out DIR)
  presets   list the named models for --preset
  profile   one step's memory by phase, measured vs predicted (fbl profile --help)
  bench     benchmarks: speed, accuracy, memory-depth (fbl bench --help)
  reproduce the paper's comparison: every rule × model × seed, accuracy and memory (fbl reproduce --help)
  sweep     hyperparameter search over fbl train options × rules × models × seeds (fbl sweep --help)
  worker    train cells from a --queue of fbl reproduce/sweep, on any machine (fbl worker --help)
  queue     the queue's cells by state, per worker and run (fbl queue status --queue URL)
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
  const run = COMMANDS[command]?.run;
  try {
    if (!run) throw new UsageError(`unknown command "${command}" (expected ${Object.keys(COMMANDS).join(', ')})`);
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err.write(`fbl: ${err.message}\n`);
      return 2;
    }
    if (err instanceof DirInUseError) {
      io.err.write(`fbl: ${err.message}\n`);
      return 1;
    }
    if (err instanceof FblError) {
      io.err.write(`fbl: ${err.message}\n`);
      return err.code === 'INVALID_OPTION' || err.code === 'SHAPE_MISMATCH' ? 2 : 1;
    }
    // A file-system fault (a directory where a file should be, no permission, a full disk) is
    // the user's to fix, not a bug: one line, like every expected failure.
    if (isFileSystemError(err)) {
      io.err.write(`fbl: ${describeFileSystemError(err)}\n`);
      return 1;
    }
    throw err;
  }
}
