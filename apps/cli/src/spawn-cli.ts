import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Starts the real `fbl` binary as a child process (for tests that kill it or read its stderr). */
export function spawnCli(args: readonly string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> } {
  const child = spawn(process.execPath, ['--conditions=@feedback-lab/source', '--import', 'tsx', join(CLI_ROOT, 'src/bin.ts'), ...args], {
    cwd: CLI_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => void (out += d));
  child.stderr!.on('data', (d) => void (err += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
  return { child, done };
}
