import * as tf from '@tensorflow/tfjs-core';
import { FblError, type RuleState } from '@feedback-lab/core';

/** Adam's running β powers: `setWeights` would recompute them with `pow`, not bit for bit. */
const EXTRAS = ['accBeta1', 'accBeta2'] as const;
type Extras = Partial<Record<(typeof EXTRAS)[number], tf.Variable>>;

interface BlockMeta {
  index: number;
  iterations: number;
  slots: number;
  extras: string[];
}

/** The per-block optimizer copies' state, as rule-state tensors and JSON. */
export async function saveCopies(copies: ReadonlyMap<number, tf.Optimizer>, parent: tf.Optimizer | undefined): Promise<RuleState> {
  const out: RuleState = {};
  const blocks: BlockMeta[] = [];
  for (const [index, c] of [...copies].sort((a, b) => a[0] - b[0])) {
    const [iter, ...slots] = await c.getWeights();
    const iterations = iter ? (await iter.tensor.data())[0]! : 0;
    iter?.tensor.dispose();
    slots.forEach((s, k) => (out[`block${index}/slot${k}`] = s.tensor));
    const extras = EXTRAS.filter((f) => (c as unknown as Extras)[f]);
    extras.forEach((f) => (out[`block${index}/${f}`] = (c as unknown as Extras)[f]));
    blocks.push({ index, iterations, slots: slots.length, extras });
  }
  out.blockOptimizers = parent ? { className: parent.getClassName(), config: parent.getConfig(), blocks } : null;
  return out;
}

/** Rebuilds per-block optimizer copies from `saveCopies` output; every bad field is an FblError. */
export async function restoreCopies(state: RuleState): Promise<Map<number, tf.Optimizer>> {
  const out = new Map<number, tf.Optimizer>();
  const meta = state.blockOptimizers as { className?: unknown; config?: unknown; blocks?: unknown } | null | undefined;
  if (meta == null) return out;
  const fail = (msg: string): never => {
    throw new FblError('CHECKPOINT', `mem-dfa state: ${msg}`);
  };
  const entry = typeof meta.className === 'string' ? tf.serialization.SerializationMap.getMap().classNameMap[meta.className] : undefined;
  if (!entry) return fail(`unknown optimizer class ${JSON.stringify(meta.className)}`);
  if (typeof meta.config !== 'object' || meta.config === null) fail('optimizer config must be an object');
  if (!Array.isArray(meta.blocks)) return fail('blocks must be an array');
  const [cls, fromConfig] = entry;
  for (const b of meta.blocks as BlockMeta[]) {
    if (!Number.isInteger(b?.index) || !Number.isInteger(b.iterations) || !Number.isInteger(b.slots) || !Array.isArray(b.extras)) fail('bad block entry');
    const tensor = (key: string) => (state[key] instanceof tf.Tensor ? (state[key] as tf.Tensor) : fail(`missing tensor ${key}`));
    const slots = Array.from({ length: b.slots }, (_, k) => ({ name: `block${b.index}/slot${k}`, tensor: tensor(`block${b.index}/slot${k}`) }));
    const copy = fromConfig(cls, meta.config as tf.serialization.ConfigDict) as tf.Optimizer;
    out.set(b.index, copy);
    const it = tf.scalar(b.iterations, 'int32');
    try {
      await copy.setWeights([{ name: 'iter', tensor: it }, ...slots]);
    } finally {
      it.dispose();
    }
    for (const f of b.extras) {
      const v = (copy as unknown as Extras)[f as (typeof EXTRAS)[number]];
      if (!v) fail(`optimizer ${meta.className as string} has no ${f}`);
      v!.assign(tensor(`block${b.index}/${f}`));
    }
  }
  return out;
}
