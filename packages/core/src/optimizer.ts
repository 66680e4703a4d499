import * as tf from '@tensorflow/tfjs-core';
import { FblError } from './errors';
import { canFuseMomentum, fusedMomentum, IN_PLACE_MIN_ELEMENTS } from './momentum-kernel';

export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];

/** An optimizer's settings: plain JSON, written into checkpoints. */
export interface OptimizerOptions {
  name: OptimizerName;
  lr: number;
  /** Momentum coefficient for `momentum` (default 0.9). */
  momentum?: number;
  /** Adam's moment decays (default 0.9, 0.999) and ε (default: the backend's, 1e-7 in float32). */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * Inverse-time decay: a variable's k-th update uses lr / (1 + k / decaySteps), so the rate
   * halves after `decaySteps` steps and the sum of all steps grows only as the logarithm of
   * their number (undefined: a constant rate). Counted per variable, so block-by-block
   * schedules (MEM-DFA, DRTP) decay exactly as one-pass ones.
   */
  decaySteps?: number;
}

/**
 * One variable's optimizer state: slot tensors (`momentum`; Adam's `m`, `v`) and numbers
 * (Adam's running β powers `beta1Power`, `beta2Power`; with `decaySteps`, `updates`, the
 * updates applied so far).
 */
export type SlotState = Record<string, tf.Tensor | number>;

/** Everything an optimizer keeps: its settings and, per variable name, its slots. */
export interface OptimizerState {
  options: OptimizerOptions;
  slots: Record<string, SlotState>;
}

/**
 * An optimizer whose state is keyed by variable name, so any subset of the variables can be
 * updated at any time (MEM-DFA applies block by block) and the state can be copied, restored
 * and saved as a whole. Its updates are tfjs's `tf.train.sgd/momentum/adam`, bit for bit.
 */
export interface Optimizer {
  /** The settings, with defaults filled in. */
  readonly options: Readonly<OptimizerOptions>;
  /** Updates each named variable by its gradient (the gradients stay the caller's). */
  apply(grads: tf.NamedTensorMap): void;
  /** A copy of the whole state (tensors kept, the caller's to dispose: `disposeOptimizerState`). */
  save(): OptimizerState;
  /** Replaces the state with a copy of `s` (whose tensors stay the caller's). */
  load(s: OptimizerState): void;
  /** The live slot tensors, for memory accounting. */
  tensors(): tf.Tensor[];
  dispose(): void;
}

/**
 * An optimizer by name, with its settings checked.
 *
 * @example
 * const opt = createOptimizer({ name: 'adam', lr: 1e-3 });
 * opt.apply(grads);
 */
export function createOptimizer(o: OptimizerOptions): Optimizer {
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new FblError('INVALID_OPTION', `learning rate must be a positive number, got ${o.lr}`);
  if (!OPTIMIZERS.includes(o.name)) throw new FblError('INVALID_OPTION', `unknown optimizer "${String(o.name)}" (expected ${OPTIMIZERS.join(', ')})`);
  if (o.decaySteps !== undefined && !(o.decaySteps > 0 && Number.isFinite(o.decaySteps))) {
    throw new FblError('INVALID_OPTION', `lr decay steps must be a positive number, got ${o.decaySteps}`);
  }
  const decay = o.decaySteps !== undefined ? { decaySteps: o.decaySteps } : {};
  const options: OptimizerOptions = o.name === 'momentum' ? { name: o.name, lr: o.lr, momentum: o.momentum ?? 0.9, ...decay }
    : o.name === 'adam' ? { name: o.name, lr: o.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, epsilon: o.epsilon ?? tf.backend().epsilon(), ...decay }
    : { name: o.name, lr: o.lr, ...decay };
  let slots: Record<string, SlotState> = {};
  // Constants as tfjs keeps them from construction on: SGD and momentum multiply by a kept
  // scalar −lr, momentum by a kept scalar m.
  const constants = options.name === 'adam' ? [] : [tf.keep(tf.scalar(-options.lr)), ...(options.name === 'momentum' ? [tf.keep(tf.scalar(options.momentum!))] : [])];
  const zeros = (v: tf.Tensor) => tf.tidy(() => tf.variable(tf.zerosLike(v), false));
  const update = UPDATES[options.name];
  const disposeSlots = () => tf.dispose(Object.values(slots).flatMap(tensorsOf));
  return {
    options,
    apply(grads) {
      for (const [name, g] of Object.entries(grads)) {
        const v = tf.engine().registeredVariables[name];
        if (!v) throw new FblError('INVALID_OPTION', `optimizer: no variable named ${name}`);
        const slot = (slots[name] ??= {});
        if (options.decaySteps === undefined) {
          update(v, g, slot, options, constants, zeros);
          continue;
        }
        // The decayed rate as the same kinds of constants, for this update only.
        const k = (slot.updates as number | undefined) ?? 0;
        const lr = options.lr / (1 + k / options.decaySteps);
        const now = options.name === 'adam' ? [] : [tf.scalar(-lr), ...constants.slice(1)];
        update(v, g, slot, { ...options, lr }, now, zeros);
        if (now[0]) now[0].dispose();
        slot.updates = k + 1;
      }
    },
    save: () => ({ options: { ...options }, slots: mapSlots(slots, (t) => tf.keep(t.clone())) }),
    load(s) {
      if (s.options.name !== options.name) throw new FblError('CHECKPOINT', `optimizer state is ${s.options.name}'s, not ${options.name}'s`);
      const next = mapSlots(s.slots, (t) => tf.variable(t, false));
      disposeSlots();
      slots = next;
    },
    tensors: () => Object.values(slots).flatMap(tensorsOf),
    dispose() {
      disposeSlots();
      slots = {};
      tf.dispose(constants.splice(0));
    },
  };
}

type Update = (
  v: tf.Variable, g: tf.Tensor, s: SlotState, o: OptimizerOptions,
  consts: readonly tf.Tensor[], zeros: (v: tf.Tensor) => tf.Variable,
) => void;

// Each is tfjs 4.22's applyGradients for one variable, op for op, so the float32 results agree.
const UPDATES: Record<OptimizerName, Update> = {
  sgd: (v, g, _s, _o, [c]) => {
    tf.tidy(() => v.assign(tf.add(tf.mul(c!, g), v)));
  },
  momentum: (v, g, s, o, [c, m], zeros) => {
    const acc = (s.momentum ??= zeros(v)) as tf.Variable;
    if (canFuseMomentum(v, g, acc) && g.size === v.size) {
      // the same four float32 roundings in one pass over the wasm heap (momentum-kernel.ts)
      tf.tidy(() => {
        // acc and v are given up: a large weight's are written in place where nothing else
        // shares their data (IN_PLACE_MIN_ELEMENTS)
        const [next, value] = fusedMomentum(acc, g, v, o.momentum!, o.lr, v.size >= IN_PLACE_MIN_ELEMENTS);
        acc.assign(next);
        v.assign(value);
      });
      return;
    }
    tf.tidy(() => {
      const next = tf.add(tf.mul(m!, acc), g);
      acc.assign(next);
      v.assign(tf.add(tf.mul(c!, next), v));
    });
  },
  adam: (v, g, s, o, _consts, zeros) => {
    const b1 = o.beta1!;
    const b2 = o.beta2!;
    const m = (s.m ??= zeros(v)) as tf.Variable;
    const sv = (s.v ??= zeros(v)) as tf.Variable;
    // tfjs keeps β^t as a float32 scalar multiplied by β each step; a float32 product is the
    // double product rounded once (24 + 24 bits fit in 53), so Math.fround gives the same bits.
    const p1 = (s.beta1Power as number | undefined) ?? Math.fround(b1);
    const p2 = (s.beta2Power as number | undefined) ?? Math.fround(b2);
    tf.tidy(() => {
      const m1 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
      const v1 = tf.add(tf.mul(sv, b2), tf.mul(tf.square(g), 1 - b2));
      const mHat = tf.div(m1, tf.sub(1, p1));
      const vHat = tf.div(v1, tf.sub(1, p2));
      m.assign(m1);
      sv.assign(v1);
      v.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), o.epsilon!)), -o.lr), v));
    });
    s.beta1Power = Math.fround(p1 * Math.fround(b1));
    s.beta2Power = Math.fround(p2 * Math.fround(b2));
  },
};

function tensorsOf(s: SlotState): tf.Tensor[] {
  return Object.values(s).filter((x): x is tf.Tensor => x instanceof tf.Tensor);
}

function mapSlots(slots: Record<string, SlotState>, f: (t: tf.Tensor) => tf.Tensor): Record<string, SlotState> {
  const out: Record<string, SlotState> = {};
  for (const [name, s] of Object.entries(slots)) {
    out[name] = Object.fromEntries(Object.entries(s).map(([k, x]) => [k, x instanceof tf.Tensor ? f(x) : x]));
  }
  return out;
}

/** Disposes the tensors of a state returned by `save`. */
export function disposeOptimizerState(s: OptimizerState): void {
  tf.dispose(Object.values(s.slots).flatMap(tensorsOf));
}

/**
 * A state as JSON plus named tensors, for files: variable names (which differ between runs)
 * are replaced by `key(name)`, e.g. the parameter's position in the model; `fromRecord` undoes
 * it with the inverse map.
 */
export function optimizerStateToRecord(
  s: OptimizerState, key: (name: string) => string,
): { json: { options: OptimizerOptions; numbers: Record<string, Record<string, number>> }; tensors: Record<string, tf.Tensor> } {
  const numbers: Record<string, Record<string, number>> = {};
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, slot] of Object.entries(s.slots)) {
    const k = key(name);
    numbers[k] = {};
    for (const [field, x] of Object.entries(slot)) {
      if (x instanceof tf.Tensor) tensors[`${k}/${field}`] = x;
      else numbers[k][field] = x;
    }
  }
  return { json: { options: s.options, numbers }, tensors };
}

/** The inverse of `optimizerStateToRecord` (tensors are shared, not copied). */
export function optimizerStateFromRecord(
  json: { options: OptimizerOptions; numbers: Record<string, Record<string, number>> },
  tensors: Record<string, tf.Tensor>, name: (key: string) => string,
): OptimizerState {
  const slots: Record<string, SlotState> = {};
  for (const [k, nums] of Object.entries(json.numbers)) slots[name(k)] = { ...nums };
  for (const [path, t] of Object.entries(tensors)) {
    const cut = path.lastIndexOf('/');
    const slot = slots[name(path.slice(0, cut))];
    if (!slot) throw new FblError('CHECKPOINT', `optimizer tensor ${path} belongs to no saved variable`);
    slot[path.slice(cut + 1)] = t;
  }
  return { options: json.options, slots };
}
