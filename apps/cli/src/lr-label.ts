/** A learning rate as logs and reports print it: `0.01`, or `0.01 ÷ (1 + step/300)` when it decays. */
export function lrLabel(lr: number, decaySteps?: number): string {
  return decaySteps === undefined ? String(lr) : `${lr} ÷ (1 + step/${decaySteps})`;
}
