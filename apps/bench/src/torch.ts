import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FblError, type ModelSpec } from '@feedback-lab/core';
import type { OptimizerName } from '@feedback-lab/trainer';

/** The PyTorch reference script (BP steps of a ModelSpec, timed in Python). */
export const TORCH_SCRIPT = fileURLToPath(new URL('../reference/torch_speed.py', import.meta.url));
/** Debian's interpreter, where `apt-get install python3-torch` puts torch. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** What one block of steps of a contender living outside this process reports. */
export interface BlockResult {
  /** Wall ms of each step, timed where the step runs. */
  stepMs: number[];
  /** Process CPU ms (all threads) of each step. */
  cpuMs: number[];
  loss: number;
}

/**
 * A contender that runs in its own process and is asked for several steps at a time: the speed
 * bench alternates its blocks with blocks of its own contenders.
 */
export interface BlockRunner {
  readonly name: string;
  /** Describes the engine, e.g. "torch 1.13.0 cpu, 2 threads, OMP_WAIT_POLICY=PASSIVE" (threading variables set). */
  readonly backend: string;
  run(steps: number): Promise<BlockResult>;
  close(): Promise<void>;
}

export interface TorchOptions {
  /** Python with torch (default {@link DEFAULT_PYTHON}). */
  python?: string;
  spec: ModelSpec;
  batchSize: number;
  threads: number;
  optimizer: OptimizerName;
  lr: number;
  seed: number;
}

const FIX = 'apt-get install python3-torch, or pass --python PATH';

/**
 * Starts the PyTorch reference (`reference/torch_speed.py --serve`) on the same net, batch,
 * optimizer and thread count, and resolves once torch has built the net. A missing interpreter
 * or torch rejects with a one-line BACKEND error naming the fix.
 *
 * @example
 * const torch = await torchRunner({ spec: presetSpec('cifar-conv'), batchSize: 64, threads: 2,
 *   optimizer: 'momentum', lr: 0.01, seed: 1 });
 * const { stepMs } = await torch.run(5);
 * await torch.close();
 */
export async function torchRunner(o: TorchOptions): Promise<BlockRunner> {
  const python = o.python ?? DEFAULT_PYTHON;
  const args = [TORCH_SCRIPT, '--serve', '--spec', JSON.stringify(o.spec), '--batch-size', String(o.batchSize),
    '--threads', String(o.threads), '--optimizer', o.optimizer, '--lr', String(o.lr), '--seed', String(o.seed)];
  // OpenMP workers that spin while they wait collapse torch's multi-thread rate when the cores are
  // shared (2 threads on a loaded 2-core machine: 78–210 ms per 784-800-800-10 step, 13 ms with
  // PASSIVE, 11.6 on one thread), which would flatter us. The user's own setting wins.
  // torch.set_num_threads does not bound Debian's OpenBLAS, which keeps a pthread pool of its own
  // (one thread per core): "1 thread" measured 2 cores of CPU time until these were set.
  // glibc's malloc hands torch's large activation buffers back to the kernel after each step and
  // maps them again in the next, so every step pays page faults: cifar-conv at batch 64, one
  // thread, took 71–163 ms a step from run to run (Zen 5 EPYC) and 62–63 ms in every run with
  // these two settings, which keep those buffers in the heap. The reference runs at its best.
  const threads = String(o.threads);
  const env = {
    ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
    OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? threads, OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? threads,
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? String(32 * 1024 * 1024),
    MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? String(4 * 1024 ** 3),
  };
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stdin.on('error', () => undefined); // a dead child is reported by its exit
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    const fail = (why: string) => {
      failure ??= new FblError('BACKEND', `--torch: ${python} cannot run the PyTorch reference (${why}): ${FIX}`);
      reject(failure);
    };
    child.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
    child.on('exit', (code, signal) => fail(lastLine(stderr) || `exit ${code ?? signal}`));
  });
  failed.catch(() => undefined); // read where a reply is awaited
  const reply = async (): Promise<Record<string, unknown>> => {
    const r = await Promise.race([lines.next(), failed]);
    if (r.done) return failed;
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    }
  };
  let ready: Record<string, unknown>;
  try {
    ready = await reply();
  } catch (e) {
    await close();
    throw e;
  }
  return {
    name: 'torch',
    backend: `torch ${String(ready.torch)} cpu, ${String(ready.threads)} thread${ready.threads === 1 ? '' : 's'}` +
      Object.entries((ready.env ?? {}) as Record<string, string>).map(([k, v]) => `, ${k}=${v}`).join(''),
    async run(steps) {
      child.stdin.write(`${steps}\n`);
      const r = await reply();
      return { stepMs: r.stepMs as number[], cpuMs: r.cpuMs as number[], loss: r.loss as number };
    },
    close,
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
