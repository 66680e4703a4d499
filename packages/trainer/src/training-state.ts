import * as tf from '@tensorflow/tfjs-core';
import { FblError, blockVariables, type LearningRule, type Model, type RuleState } from '@feedback-lab/core';
import { disposeSnapshot, restoreOptimizer, snapshotOptimizer } from './optimizer-state';

/** A tensor as plain data, ready to be written to a file. */
export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Everything besides the position that a resumed run needs to continue bit for bit. */
export interface TrainingState {
  /**
   * Model variables (`param/<block>/<index>`: the block's params, then its non-trainable
   * statistics such as batch norm's running mean and variance), optimizer slots (`opt/…`), rule
   * tensors (`rule/…`).
   */
  arrays: NamedArray[];
  optimizer: { className: string; iterations: number; slots: string[]; extras: string[] };
  /** The JSON part of the rule's `getState()`; tensors are in `arrays` as `rule/<key>`. */
  rule: { name: string; state: Record<string, unknown> | null };
}

const toArray = (name: string, t: tf.Tensor): NamedArray => ({
  name, shape: [...t.shape], dtype: t.dtype === 'int32' ? 'int32' : 'float32',
  data: t.dtype === 'int32' ? Int32Array.from(t.dataSync() as Int32Array) : Float32Array.from(t.dataSync() as Float32Array),
});

/** Copies model weights, optimizer state and rule state out of the backend. */
export async function captureTrainingState(model: Model, opt: tf.Optimizer, rule: LearningRule): Promise<TrainingState> {
  const arrays: NamedArray[] = [];
  model.blocks.forEach((b, i) => blockVariables(b).forEach((p, j) => arrays.push(toArray(`param/${i}/${j}`, p))));
  const snap = await snapshotOptimizer(opt);
  try {
    snap.slots.forEach((s, k) => arrays.push(toArray(`opt/${k}`, s.tensor)));
    snap.extras.forEach((e) => arrays.push(toArray(`opt/${e.name}`, e.tensor)));
  } finally {
    disposeSnapshot(snap);
  }
  let json: Record<string, unknown> | null = null;
  const state = await rule.getState?.();
  if (state) {
    json = {};
    for (const [k, v] of Object.entries(state)) {
      if (v instanceof tf.Tensor) arrays.push(toArray(`rule/${k}`, v));
      else json[k] = v;
    }
  }
  return {
    arrays,
    optimizer: { className: opt.getClassName(), iterations: snap.iterations, slots: snap.slots.map((s) => s.name), extras: snap.extras.map((e) => e.name) },
    rule: { name: rule.name, state: json },
  };
}

/**
 * Writes a captured state back into a freshly built model, optimizer and rule of the same
 * configuration. Every mismatch (shape, count, optimizer or rule kind) is a CHECKPOINT error.
 */
export async function restoreTrainingState(model: Model, opt: tf.Optimizer, rule: LearningRule, s: TrainingState): Promise<void> {
  const byName = new Map(s.arrays.map((a) => [a.name, a]));
  const take = (name: string) => {
    const a = byName.get(name);
    if (!a) throw new FblError('CHECKPOINT', `checkpoint has no tensor ${name}`);
    return a;
  };
  if (s.rule.name !== rule.name) throw new FblError('CHECKPOINT', `checkpoint was trained with rule ${s.rule.name}, not ${rule.name}`);
  if (s.optimizer.className !== opt.getClassName()) {
    throw new FblError('CHECKPOINT', `checkpoint optimizer is ${s.optimizer.className}, not ${opt.getClassName()}`);
  }
  const params = model.blocks.flatMap((b, i) => blockVariables(b).map((p, j) => ({ p, a: take(`param/${i}/${j}`), label: `${b.name} param ${j}` })));
  const expected = params.length + s.optimizer.slots.length + s.optimizer.extras.length;
  const ruleTensors = s.arrays.filter((a) => a.name.startsWith('rule/')).length;
  if (s.arrays.length !== expected + ruleTensors) {
    throw new FblError('CHECKPOINT', `checkpoint holds ${s.arrays.length} tensors but this model, optimizer and rule need ${expected + ruleTensors}`);
  }
  for (const { p, a, label } of params) {
    if (a.shape.join() !== p.shape.join()) throw new FblError('CHECKPOINT', `${label} has shape [${a.shape}] in the checkpoint but [${p.shape}] in the model`);
  }
  const made: tf.Tensor[] = [];
  const tensor = (a: NamedArray) => {
    const t = tf.tensor(a.data, a.shape, a.dtype);
    made.push(t);
    return t;
  };
  try {
    for (const { p, a } of params) p.assign(tensor(a));
    await restoreOptimizer(opt, {
      iterations: s.optimizer.iterations,
      slots: s.optimizer.slots.map((name, k) => ({ name, tensor: tensor(take(`opt/${k}`)) })),
      extras: s.optimizer.extras.map((name) => ({ name, tensor: tensor(take(`opt/${name}`)) })),
    });
    if (s.rule.state) {
      const state: RuleState = { ...s.rule.state };
      for (const a of s.arrays) if (a.name.startsWith('rule/')) state[a.name.slice(5)] = tensor(a);
      if (!rule.setState) throw new FblError('CHECKPOINT', `rule ${rule.name} saved state but cannot restore it (no setState)`);
      await rule.setState(state);
    }
  } finally {
    tf.dispose(made);
  }
}
