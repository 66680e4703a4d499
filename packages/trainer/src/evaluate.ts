import * as tf from '@tensorflow/tfjs-core';
import { predict, type Dataset, type Loss, type Model, type Split } from '@feedback-lab/core';

export interface EvalResult {
  loss: number;
  accuracy: number;
  samples: number;
}

/**
 * Mean loss and accuracy of `model` on a split (first `limit` samples), batch by batch, in
 * inference mode (batch-norm blocks use their running statistics).
 */
export async function evaluateModel(
  model: Model, dataset: Dataset, loss: Loss,
  o: { split: Split; batchSize?: number; limit?: number },
): Promise<EvalResult> {
  let total = 0;
  let correct = 0;
  let lossSum = 0;
  for await (const batch of dataset.batches({ split: o.split, batchSize: o.batchSize ?? 500, limit: o.limit })) {
    const [l, pred] = tf.tidy(() => {
      const logits = predict(model, batch.x);
      return [loss.value(logits, batch.y).dataSync()[0]!, tf.argMax(logits, -1).dataSync()] as const;
    });
    for (let i = 0; i < batch.size; i++) if (pred[i] === batch.labels[i]) correct++;
    lossSum += l * batch.size;
    total += batch.size;
    tf.dispose([batch.x, batch.y]);
  }
  return { loss: total ? lossSum / total : NaN, accuracy: total ? correct / total : NaN, samples: total };
}
