import * as tf from '@tensorflow/tfjs-core';

interface EngineInternals {
  trackTensor(a: tf.Tensor, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
  state: { tensorInfo: WeakMap<object, { bytes: number }>; activeProfile?: { kernels: unknown[] } };
}

/** Live bytes of distinct data buffers, relative to when metering started, after some kernel. */
export interface BufferSample {
  /** Kernels recorded by `tf.profile` so far (0 outside profiling). */
  kernel: number;
  bytes: number;
}

export interface BufferMeter {
  /** Highest live buffer bytes since start, relative to the start (≥ 0). */
  peak(): number;
  /** Buffer bytes now, relative to the start. */
  live(): number;
  /** Every change, in order. */
  readonly samples: readonly BufferSample[];
  stop(): void;
}

/**
 * Meters the engine's data buffers rather than its tensors. `tf.memory().numBytes` adds up
 * tensors, so a clone, a reshape or a tensor the tape saved counts again although it shares its
 * source's buffer; here a buffer counts once, from the tensor that creates it to the removal of
 * its last reference: the tensor bytes the backend really holds (the wasm heap adds XNNPACK's
 * caches and fragmentation on top). Patches two engine methods until `stop()`.
 */
export function meterBuffers(): BufferMeter {
  const engine = tf.engine() as unknown as EngineInternals;
  const { trackTensor, removeDataId } = engine;
  let live = 0;
  let peak = 0;
  const samples: BufferSample[] = [];
  const note = () => {
    peak = Math.max(peak, live);
    samples.push({ kernel: engine.state.activeProfile?.kernels.length ?? 0, bytes: live });
  };
  engine.trackTensor = function (this: EngineInternals, a, backend) {
    const fresh = !this.state.tensorInfo.has(a.dataId);
    trackTensor.call(this, a, backend);
    if (fresh) {
      live += this.state.tensorInfo.get(a.dataId)?.bytes ?? 0;
      note();
    }
  };
  engine.removeDataId = function (this: EngineInternals, dataId, backend) {
    const bytes = this.state.tensorInfo.get(dataId)?.bytes ?? 0;
    const had = this.state.tensorInfo.has(dataId);
    removeDataId.call(this, dataId, backend);
    if (had && !this.state.tensorInfo.has(dataId)) {
      live -= bytes;
      note();
    }
  };
  return {
    peak: () => peak,
    live: () => live,
    samples,
    stop: () => {
      engine.trackTensor = trackTensor;
      engine.removeDataId = removeDataId;
    },
  };
}
