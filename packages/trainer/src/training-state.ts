import * as tf from '@tensorflow/tfjs-core';
import {
  FblError, blockVariables, disposeOptimizerState, optimizerStateFromRecord, optimizerStateToRecord,
  type LearningRule, type Model, type Optimizer, type OptimizerOptions, type RuleState,
} from '@feedback-lab/core';

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
   * statistics such as batch norm's running mean and variance), the rule's own trainable
   * variables (`rulevar/<index>`, see `LearningRule.variables`), optimizer slots (`opt/…`), rule
   * tensors (`rule/…`).
   */
  arrays: NamedArray[];
  /**
   * The optimizer's settings and its per-variable numbers (Adam's β powers), by `<block>/<index>`
   * (or `rulevar/<index>` for the rule's variables).
   */
  optimizer: { options: OptimizerOptions; numbers: Record<string, Record<string, number>> };
  /** The JSON part of the rule's `getState()`; tensors are in `arrays` as `rule/<key>`. */
  rule: { name: string; state: Record<string, unknown> | null };
}

const toArray = (name: string, t: tf.Tensor): NamedArray => ({
  name, shape: [...t.shape], dtype: t.dtype === 'int32' ? 'int32' : 'float32',
  data: t.dtype === 'int32' ? Int32Array.from(t.dataSync() as Int32Array) : Float32Array.from(t.dataSync() as Float32Array),
});

/** Copies model weights, optimizer state and rule state out of the backend. */
export async function captureTrainingState(model: Model, opt: Optimizer, rule: LearningRule): Promise<TrainingState> {
  const arrays: NamedArray[] = [];
  model.blocks.forEach((b, i) => blockVariables(b).forEach((p, j) => arrays.push(toArray(`param/${i}/${j}`, p))));
  const ruleVars = rule.variables?.(model) ?? [];
  ruleVars.forEach((v, i) => arrays.push(toArray(`rulevar/${i}`, v)));
  // Variable names differ between runs; the state is keyed by the parameter's position.
  const position = new Map(trainables(model, ruleVars).map(([key, p]) => [p.name, key]));
  const snap = opt.save();
  let optimizer: TrainingState['optimizer'];
  try {
    const { json, tensors } = optimizerStateToRecord(snap, (name) => {
      const at = position.get(name);
      if (!at) throw new FblError('CHECKPOINT', `optimizer holds state for variable ${name}, which is neither in the model nor the rule's`);
      return at;
    });
    for (const [k, t] of Object.entries(tensors)) arrays.push(toArray(`opt/${k}`, t));
    optimizer = json;
  } finally {
    disposeOptimizerState(snap);
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
    optimizer,
    rule: { name: rule.name, state: json },
  };
}

/**
 * Writes a captured state back into a freshly built model, optimizer and rule of the same
 * configuration. Every mismatch (shape, count, optimizer or rule kind) is a CHECKPOINT error.
 */
export async function restoreTrainingState(model: Model, opt: Optimizer, rule: LearningRule, s: TrainingState): Promise<void> {
  const byName = new Map(s.arrays.map((a) => [a.name, a]));
  const take = (name: string) => {
    const a = byName.get(name);
    if (!a) throw new FblError('CHECKPOINT', `checkpoint has no tensor ${name}`);
    return a;
  };
  if (s.rule.name !== rule.name) throw new FblError('CHECKPOINT', `checkpoint was trained with rule ${s.rule.name}, not ${rule.name}`);
  if (s.optimizer.options.name !== opt.options.name) {
    throw new FblError('CHECKPOINT', `checkpoint optimizer is ${s.optimizer.options.name}, not ${opt.options.name}`);
  }
  const params = model.blocks.flatMap((b, i) => blockVariables(b).map((p, j) => ({ p, a: take(`param/${i}/${j}`), label: `${b.name} param ${j}` })));
  const ruleVars = rule.variables?.(model) ?? [];
  const ruleVarArrays = s.arrays.filter((a) => a.name.startsWith('rulevar/'));
  if (ruleVarArrays.length !== ruleVars.length) {
    throw new FblError('CHECKPOINT', `checkpoint holds ${ruleVarArrays.length} variables of rule ${rule.name} but it has ${ruleVars.length}`);
  }
  params.push(...ruleVars.map((p, i) => ({ p, a: take(`rulevar/${i}`), label: `rule ${rule.name} variable ${i}` })));
  // params come first in blockVariables, so `<block>/<index>` names the same parameter
  const byPosition = new Map(trainables(model, ruleVars));
  const optArrays = s.arrays.filter((a) => a.name.startsWith('opt/'));
  const ruleTensors = s.arrays.filter((a) => a.name.startsWith('rule/')).length;
  if (s.arrays.length !== params.length + optArrays.length + ruleTensors) {
    throw new FblError('CHECKPOINT', `checkpoint holds ${s.arrays.length - optArrays.length - ruleTensors - ruleVars.length} parameters but this model has ${params.length - ruleVars.length}`);
  }
  for (const { p, a, label } of params) {
    if (a.shape.join() !== p.shape.join()) throw new FblError('CHECKPOINT', `${label} has shape [${a.shape}] in the checkpoint but [${p.shape}] in the model`);
  }
  const variable = (key: string) => {
    const p = byPosition.get(key);
    if (!p) throw new FblError('CHECKPOINT', `checkpoint has optimizer state for parameter ${key}, which this model lacks`);
    return p;
  };
  for (const a of optArrays) {
    const p = variable(a.name.slice(4, a.name.lastIndexOf('/')));
    if (a.shape.join() !== p.shape.join()) throw new FblError('CHECKPOINT', `optimizer slot ${a.name} has shape [${a.shape}] but its parameter [${p.shape}]`);
  }
  const made: tf.Tensor[] = [];
  const tensor = (a: NamedArray) => {
    const t = tf.tensor(a.data, a.shape, a.dtype);
    made.push(t);
    return t;
  };
  try {
    for (const { p, a } of params) p.assign(tensor(a));
    const slots = Object.fromEntries(optArrays.map((a) => [a.name.slice(4), tensor(a)]));
    opt.load(optimizerStateFromRecord(s.optimizer, slots, (key) => variable(key).name));
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

/** Every variable the optimizer may hold state for, keyed by position: `<block>/<index>`, `rulevar/<index>`. */
function trainables(model: Model, ruleVars: readonly tf.Variable[]): [string, tf.Variable][] {
  return [
    ...model.blocks.flatMap((b, i) => b.params.map((p, j): [string, tf.Variable] => [`${i}/${j}`, p])),
    ...ruleVars.map((v, i): [string, tf.Variable] => [`rulevar/${i}`, v]),
  ];
}
