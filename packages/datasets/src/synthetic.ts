import { createRng, type Dataset } from '@feedback-lab/core';
import { arrayDataset } from './array-dataset';

export interface SyntheticOptions {
  numClasses?: number;
  /** Samples per class in the train split; the test split gets a quarter as many. */
  perClass?: number;
  noise?: number;
  seed?: number;
}

/**
 * Interleaved 2-D spirals, one arm per class: not linearly separable, small, deterministic.
 * Used by tests and the conformance suite.
 */
export function spirals(o: SyntheticOptions = {}): Dataset {
  const k = o.numClasses ?? 3;
  const make = (n: number, seed: number) => {
    const rng = createRng(seed);
    const features = new Float32Array(n * k * 2);
    const labels = new Uint8Array(n * k);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) {
        const r = (i + 0.5) / n;
        const t = (c * 2 * Math.PI) / k + 4 * r + rng.normal() * (o.noise ?? 0.15);
        const j = c * n + i;
        features[2 * j] = r * Math.sin(t);
        features[2 * j + 1] = r * Math.cos(t);
        labels[j] = c;
      }
    }
    return { features, labels };
  };
  const per = o.perClass ?? 200;
  const seed = o.seed ?? 0;
  return arrayDataset({ name: 'spirals', inputShape: [2], numClasses: k, train: make(per, seed), test: make(Math.ceil(per / 4), seed + 1) });
}

/** Gaussian blobs in `dim` dimensions, one per class; linearly separable for small noise. */
export function blobs(o: SyntheticOptions & { dim?: number } = {}): Dataset {
  const k = o.numClasses ?? 4;
  const dim = o.dim ?? 8;
  const centers = Array.from({ length: k }, (_, c) => {
    const rng = createRng((o.seed ?? 0) * 31 + c + 1000);
    return Array.from({ length: dim }, () => rng.normal() * 2);
  });
  const make = (n: number, seed: number) => {
    const rng = createRng(seed);
    const features = new Float32Array(n * k * dim);
    const labels = new Uint8Array(n * k);
    for (let i = 0; i < n * k; i++) {
      const c = i % k;
      labels[i] = c;
      for (let d = 0; d < dim; d++) features[i * dim + d] = centers[c]![d]! + rng.normal() * (o.noise ?? 0.5);
    }
    return { features, labels };
  };
  const per = o.perClass ?? 100;
  const seed = o.seed ?? 0;
  return arrayDataset({ name: 'blobs', inputShape: [dim], numClasses: k, train: make(per, seed), test: make(Math.ceil(per / 4), seed + 1) });
}
