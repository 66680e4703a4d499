import type { TaskResult } from '../reproduce/tasks';

/** A cell that trains nothing, for `fbl bench dispatch`: what the pool costs per cell on its own. */
export default function noop(): Promise<TaskResult> {
  return Promise.resolve({ code: 0, err: '' });
}
