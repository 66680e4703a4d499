import type { Executor, ExecutorOptions } from '../reproduce/executor';

// Placeholder while the queue is written: replaced by the BullMQ producer.
export function queueExecutor(_o: ExecutorOptions & { queue: string }): Promise<Executor> {
  return Promise.reject(new Error('the queue executor is not written yet'));
}
