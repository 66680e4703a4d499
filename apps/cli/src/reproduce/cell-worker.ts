import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { checkpointPath } from '@feedback-lab/checkpoint/node';
import { wasmHeapBytes } from '@feedback-lab/profiler';
import { main } from '../main';
import type { Io } from '../io';
import { foreignCheckpoint } from './cell-checkpoint';
import { DIVERGED_LINE, cellLogPath } from './cell-log';
import { trainArgs } from './plan';
import { lastLine, type CellTask, type CommandTask, type TaskResult } from './tasks';

// A pool worker is a child process talking to its parent over IPC. If the parent dies without
// cleaning up (SIGKILL), stop too, rather than train on unsupervised and race a rerun that
// resumes the same cell.
if (process.send) process.once('disconnect', () => process.exit(130));

/**
 * The pool's task function. A cell is exactly an `fbl train --json` run with a checkpoint
 * directory (same options, guards, profiler and checkpoints as the CLI); every epoch line it
 * prints is appended to the cell's epochs.jsonl with the wasm heap size at that moment, so
 * results survive a kill and the report can be rebuilt from the files alone.
 */
export default async function runTask(task: CellTask | CommandTask): Promise<TaskResult> {
  let err = '';
  const errSink = { isTTY: false, write: (t: string) => void (err += t) };
  if (task.kind === 'command') {
    const code = await main(task.argv, { out: () => {}, err: errSink });
    return { code, err };
  }
  mkdirSync(task.dir, { recursive: true });
  const resume = existsSync(checkpointPath(task.dir));
  const append = (o: object) => appendFileSync(cellLogPath(task.dir), JSON.stringify({ ...o, cell: task.id, time: Date.now() }) + '\n');
  append({ event: 'start', resume, pid: process.pid, ...(task.worker ? { worker: task.worker } : {}) });
  // The epoch a resumed run picks up mid-way, whose line covers only the part after the resume.
  let partial: number | undefined;
  const io: Io = {
    out: (text) => {
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        const ev = JSON.parse(line) as { event?: string; epoch?: number; step?: number; batchInEpoch?: number };
        // Where a resumed run picks up: the checkpoint's epoch and step.
        if (ev.event === 'resume') {
          append({ event: 'resumed', epoch: ev.epoch, step: ev.step });
          if (ev.batchInEpoch) partial = ev.epoch;
        }
        if (ev.event === 'epoch') append({ ...ev, wasmHeapBytes: wasmHeapBytes(), ...(ev.epoch === partial ? { resumed: true } : {}) });
      }
    },
    err: errSink,
  };
  const config = task.dataDir && !task.config.dataDir ? { ...task.config, dataDir: task.dataDir } : task.config;
  // A queued cell resumed on another machine reads CIFAR-10 from this worker's --data-dir.
  const argv = resume ? ['train', '--resume', task.dir, '--epochs', String(task.epochs), ...(task.dataDir && config.dataset === 'cifar10' ? ['--data-dir', task.dataDir] : [])] : ['train', ...trainArgs(config, task.epochs), '--checkpoint-dir', task.dir];
  const foreign = resume ? await foreignCheckpoint(task.dir, task.config) : undefined;
  if (foreign) errSink.write(`fbl: ${foreign}\n`);
  const code = foreign ? 1 : await main([...argv, '--json', '--checkpoint-every', String(task.checkpointEvery), '--threads', String(task.threads)], io);
  // A divergence is the config's own result; any other failure (data, disk, another run's
  // checkpoint) may not happen again, and the next run retries it.
  if (code !== 0) append({ event: 'failed', code, error: lastLine(err), failure: DIVERGED_LINE.test(lastLine(err)) ? 'diverged' : 'error' });
  return { code, err };
}
