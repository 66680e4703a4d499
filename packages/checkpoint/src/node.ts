import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointContent } from './format';
import { readFileBounded, writeFileAtomic, type AtomicFs } from './atomic';

export { writeFileAtomic, readFileBounded, type AtomicFs } from './atomic';
export { writeLayersModel } from './export-node';

/** The checkpoint file inside a checkpoint directory. */
export const CHECKPOINT_FILE = 'checkpoint.fblc';
/** A wasm32 heap cannot hold more than 4 GiB, so no real checkpoint is near this. */
export const MAX_CHECKPOINT_BYTES = 2 ** 31;

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/**
 * Writes `content` to `dir/checkpoint.fblc` atomically; returns the path.
 *
 * @example
 * await saveCheckpoint('runs/a', { meta: { position }, arrays });
 */
export async function saveCheckpoint(dir: string, content: CheckpointContent, fs?: AtomicFs): Promise<string> {
  const path = checkpointPath(dir);
  writeFileAtomic(path, await encodeCheckpoint(content), fs);
  return path;
}

/** Reads and verifies `dir/checkpoint.fblc`; every problem is an FblError (code CHECKPOINT). */
export async function loadCheckpoint(dir: string, maxBytes = MAX_CHECKPOINT_BYTES): Promise<CheckpointContent> {
  const path = checkpointPath(dir);
  return decodeCheckpoint(readFileBounded(path, maxBytes), path);
}
