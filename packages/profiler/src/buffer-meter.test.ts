import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@feedback-lab/test-utils';
import { meterBuffers } from './buffer-meter';

describe.each(['wasm', 'cpu'] as const)('meterBuffers (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('counts a buffer once however many tensors share it, and drops it when the last one goes', () => {
    const meter = meterBuffers();
    try {
      const a = tf.zeros([100, 10]); // 4000 bytes
      const view = tf.reshape(a, [1000]); // shares a's buffer
      expect(meter.live()).toBe(4000);
      expect(tf.memory().numBytes).toBeGreaterThanOrEqual(8000); // the engine counts the view again
      a.dispose();
      expect(meter.live()).toBe(4000); // still held by the view
      const b = tf.neg(view);
      expect(meter.peak()).toBe(8000);
      tf.dispose([view, b]);
      expect(meter.live()).toBe(0);
    } finally {
      meter.stop();
    }
    const after = tf.zeros([10]);
    expect(meter.live()).toBe(0); // stopped: no longer metering
    after.dispose();
  });
});
