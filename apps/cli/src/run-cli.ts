import { main } from './main';
import type { Io } from './io';

/** Runs the CLI in-process with captured output; for tests. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: { isTTY: false, write: (t: string) => void (err += t) } };
  const code = await main(argv, io);
  return { code, out, err };
}
