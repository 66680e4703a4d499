import { UsageError } from '../args';
import { benchAccuracy } from './bench-accuracy';
import { benchDispatch } from './bench-dispatch';
import { benchFits } from './bench-fits';
import { benchMemoryDepth } from './bench-memory-depth';
import { benchMemoryFit } from './bench-memory-fit';
import { benchSpeed } from './bench-speed';
import type { Io } from '../io';

const BENCHMARKS: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = {
  speed: benchSpeed, accuracy: benchAccuracy, 'memory-depth': benchMemoryDepth, 'memory-fit': benchMemoryFit, fits: benchFits, dispatch: benchDispatch,
};

const USAGE = `usage: fbl bench <benchmark> [options]

Benchmarks:
  speed          step time, samples/s and GEMM efficiency of each rule vs stock tfjs-layers
  accuracy       test accuracy of each rule on a model and dataset, over seeds
  memory-depth   peak transient memory and step time of each rule as the MLP gets deeper
  memory-fit     each rule's memory formula against profiled steps, and refitted coefficients
  fits           the largest batch each rule fits under the wasm32 heap on long-fc/long-conv by depth
  dispatch       per-cell cost of the local pool and of the --queue (needs a Redis)
`;

/** `fbl bench <benchmark>`. */
export async function bench(argv: readonly string[], io: Io): Promise<number> {
  const [which, ...rest] = argv;
  if (!which || which === '--help' || which === '-h') {
    io.out(USAGE);
    return which ? 0 : 2;
  }
  const run = BENCHMARKS[which];
  if (!run) throw new UsageError(`unknown benchmark "${which}" (expected ${Object.keys(BENCHMARKS).join(', ')})`);
  return run(rest, io);
}
