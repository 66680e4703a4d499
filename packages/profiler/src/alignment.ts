import * as tf from '@tensorflow/tfjs-core';
import { peekUpdates, type Batch, type LearningRule, type Loss, type Model } from '@feedback-lab/core';

/** Rules that expose the weights carrying their error backwards (FA does). */
export interface FeedbackInspectable {
  feedbackWeights(model: Model, index: number): readonly tf.Tensor[] | undefined;
}

export interface AlignmentReport {
  blocks: string[];
  /** Per block: angle in degrees between the rule's update and the BP gradient (same weights). */
  updateAngles: number[];
  /**
   * Per block: ‖rule's update‖ / ‖BP gradient‖ on the same weights. At initialisation it says
   * how big a step the rule takes at each block relative to backprop for the same learning rate
   * (the feedback scale's effect), which is what decides whether a random-feedback rule diverges.
   */
  updateRatios: number[];
  /**
   * Per block: angle in degrees between its forward weights W and the feedback B that carries
   * the error back through it (FA's W_{i+1}ᵀ vs B_{i+1}); null where the rule has none.
   */
  feedbackAngles: (number | null)[];
}

/**
 * Measures how well a rule's updates align with backprop on one batch, without changing the
 * model: the rule's updates are collected instead of applied (`peekUpdates`), and BP's gradient comes from tfjs autodiff at the same weights. Run it on
 * demand (every N steps), never inside the training step. Alignment is what makes random
 * feedback learn (Lillicrap et al. 2016; Nøkland 2016 report the same angles).
 *
 * @example
 * const { updateAngles } = measureAlignment(model, rule, probeBatch, softmaxCrossEntropy);
 */
export function measureAlignment(model: Model, rule: LearningRule, batch: Batch, loss: Loss): AlignmentReport {
  const { grads: captured, loss: ruleLoss } = peekUpdates(rule, model, batch, { loss, step: -1 });
  ruleLoss.dispose();
  const params = model.blocks.flatMap((b) => b.params);
  const { value, grads } = tf.variableGrads(() => loss.value(model.forward(batch.x), batch.y), params);
  const inspect = (rule as Partial<FeedbackInspectable>).feedbackWeights?.bind(rule);
  // a parameter the rule left untouched counts as a zero update
  for (const p of params) captured[p.name] ??= tf.zerosLike(p);
  const report: AlignmentReport = {
    blocks: model.blocks.map((b) => b.name),
    updateAngles: model.blocks.map((b) => angle(b.params.map((p) => captured[p.name]!), b.params.map((p) => grads[p.name]!))),
    updateRatios: model.blocks.map((b) => norm(b.params.map((p) => captured[p.name]!)) / norm(b.params.map((p) => grads[p.name]!))),
    feedbackAngles: model.blocks.map((b, i) => {
      let result: number | null = null;
      // in a tidy: a rule that regenerates its feedback hands out fresh tensors
      tf.tidy(() => {
        const fb = inspect?.(model, i);
        const pairs = (fb ? b.params.map((p, j) => [p, fb[j]!] as const) : []).filter(([p, f]) => p.rank >= 2 && f !== p);
        if (pairs.length) result = angle(pairs.map(([p]) => p), pairs.map(([, f]) => f));
      });
      return result;
    }),
  };
  tf.dispose([value, ...Object.values(grads), ...Object.values(captured)]);
  return report;
}

/** Euclidean norm of a list of tensors, flattened and concatenated. */
function norm(ts: readonly tf.Tensor[]): number {
  return tf.tidy(() => Math.sqrt(tf.addN(ts.map((x) => tf.sum(tf.square(x)))).dataSync()[0]!));
}

/** Angle in degrees between two lists of tensors, each flattened and concatenated. */
export function angle(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): number {
  return tf.tidy(() => {
    const dot = tf.addN(a.map((x, i) => tf.sum(tf.mul(x, b[i]!)))).dataSync()[0]!;
    const na = Math.sqrt(tf.addN(a.map((x) => tf.sum(tf.square(x)))).dataSync()[0]!);
    const nb = Math.sqrt(tf.addN(b.map((x) => tf.sum(tf.square(x)))).dataSync()[0]!);
    if (na === 0 || nb === 0) return 90;
    return (Math.acos(Math.max(-1, Math.min(1, dot / (na * nb)))) * 180) / Math.PI;
  });
}
