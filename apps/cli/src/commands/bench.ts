import { UsageError } from '../args';
import type { Io } from '../io';
import { benchSpeed } from './bench-speed';

const SUITES: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = { speed: benchSpeed };

const USAGE = `usage: fbl bench <benchmark> [options]

Benchmarks:
  speed          step time, samples/s and GEMM efficiency of each rule vs stock tfjs-layers
`;

/** `fbl bench <benchmark>`: dispatches to one benchmark suite. */
export async function bench(argv: readonly string[], io: Io): Promise<number> {
  const [which, ...rest] = argv;
  if (!which || which === '--help' || which === '-h') {
    io.out(USAGE);
    return which ? 0 : 2;
  }
  const run = SUITES[which];
  if (!run) throw new UsageError(`unknown benchmark "${which}" (expected ${Object.keys(SUITES).join(', ')})`);
  return run(rest, io);
}
