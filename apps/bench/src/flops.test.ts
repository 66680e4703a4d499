import { describe, expect, it } from 'vitest';
import { layerProducts, trainingFlops } from './flops';

describe('trainingFlops', () => {
  const arch = [784, 800, 800, 10];
  // per-layer forward FLOPs at batch 64: 2·64·in·out
  const [l1, l2, l3] = [2 * 64 * 784 * 800, 2 * 64 * 800 * 800, 2 * 64 * 800 * 10];
  const fwd = l1 + l2 + l3;

  it('counts BP as forward + ∂W everywhere + ∂x below the first layer', () => {
    expect(trainingFlops('bp', arch, 64)).toBe(2 * fwd + l2 + l3);
    expect(trainingFlops('fa', arch, 64)).toBe(trainingFlops('bp', arch, 64));
    expect(trainingFlops('sign-symmetry', arch, 64)).toBe(trainingFlops('bp', arch, 64));
  });

  it('counts DFA without ∂x but with the B_i·e projections, MEM-DFA with one more forward', () => {
    const proj = 2 * 64 * 10 * (800 + 800);
    expect(trainingFlops('dfa', arch, 64)).toBe(2 * fwd + proj);
    expect(trainingFlops('mem-dfa', arch, 64)).toBe(3 * fwd + proj);
    expect(trainingFlops('drtp', arch, 64)).toBe(trainingFlops('dfa', arch, 64));
    // the FLOP floors of the step-time ratios on this network
    expect(trainingFlops('dfa', arch, 64)! / trainingFlops('bp', arch, 64)!).toBeCloseTo(0.802, 3);
    expect(trainingFlops('mem-dfa', arch, 64)! / trainingFlops('bp', arch, 64)!).toBeCloseTo(1.201, 3);
  });

  it('returns undefined for rules it has no model of', () => {
    expect(trainingFlops('hebbian', arch, 64)).toBeUndefined();
  });

  it('lists every product shape a layer runs, without ∂x for the first layer', () => {
    expect(layerProducts([784, 800, 10], 64)).toEqual([
      [64, 784, 800], [784, 64, 800],
      [64, 800, 10], [800, 64, 10], [64, 10, 800],
    ]);
  });
});
