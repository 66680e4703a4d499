import { FblError, outSize, size, type ModelSpec } from '@feedback-lab/core';

/** Trainable parameters a spec would create, computed from shapes alone (nothing allocated). */
export function specParams(spec: ModelSpec): number {
  let shape = [...spec.input];
  let params = 0;
  for (const l of spec.layers) {
    if (l.type === 'dense') {
      params += size(shape) * l.units + l.units;
      shape = [l.units];
    } else {
      const [h = 1, w = 1, c = 1] = shape;
      const s = l.stride ?? 1;
      const pad = l.padding ?? 'valid';
      let oh = outSize(h, l.kernel, s, pad);
      let ow = outSize(w, l.kernel, s, pad);
      if (l.pool) {
        const ps = l.pool.stride ?? l.pool.size;
        oh = outSize(oh, l.pool.size, ps, l.pool.padding ?? 'valid');
        ow = outSize(ow, l.pool.size, ps, l.pool.padding ?? 'valid');
      }
      params += l.kernel * l.kernel * c * l.filters + l.filters;
      shape = [Math.max(oh, 0), Math.max(ow, 0), l.filters];
    }
  }
  return params;
}

/** float32 copies of the parameters alive during training: weights, gradients, optimizer slots. */
const COPIES: Record<string, number> = { sgd: 2, momentum: 3, adam: 4 };

/**
 * Refuses a model whose parameters alone would not fit under `limitBytes`, before a single
 * weight is allocated: a hostile or mistyped spec (`units: 1e9`) must not start a
 * multi-gigabyte allocation that hangs or corrupts the wasm heap.
 */
export function checkModelFits(spec: ModelSpec, optimizer: string, limitBytes: number): void {
  const params = specParams(spec);
  const bytes = params * 4 * (COPIES[optimizer] ?? 4);
  if (!(bytes <= limitBytes)) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    throw new FblError('MEMORY_BUDGET', `the model has ${params.toExponential(3)} parameters: with ${optimizer} that is about ${mib(bytes)} before any activation, over the ${mib(limitBytes)} limit (--heap-limit-mb)`);
  }
}
