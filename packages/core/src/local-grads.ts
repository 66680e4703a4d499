import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors';
import { passGrad, sharingSaves } from './tape-memory';
import type { Block } from './types';

/**
 * A scalar 0 whose gradient with respect to `h` is `signal`: summing `inject(h_i, s_i)` over
 * blocks gives one objective whose backward pass seeds each block's output with its own
 * signal (DFA). It replaces Σ⟨h_i, s_i⟩, whose Mul and Sum kernels, their gradients and the
 * tape's copies of h_i and s_i cost ~5 elementwise passes per block for the same result.
 * The caller keeps `signal` alive until the gradients are computed (the tape does not save it).
 *
 * Its gradient is `signal` itself (an alias, not a product with the incoming gradient), so
 * differentiate it, or a plain sum of such scalars, as the objective with the default seed 1
 * (`tf.variableGrads(() => ...)`, `tf.grads`): a scaled objective (2·inject(h, s)) does not scale
 * the gradient. A product would put one more activation-sized tensor per block alive at DFA's
 * peak (its backward pass meets every inject node first), and checking the seed would read a
 * tensor synchronously, a stall on GPU backends.
 */
export function inject(h: tf.Tensor, signal: tf.Tensor): tf.Scalar;
/**
 * Every output seeded with its own signal in one op: the same gradients as summing
 * `inject(h_i, s_i)`, without an op per output and their sum (DFA seeds all its blocks so).
 */
export function inject(hs: readonly tf.Tensor[], signals: readonly tf.Tensor[]): tf.Scalar;
export function inject(h: tf.Tensor | readonly tf.Tensor[], signal: tf.Tensor | readonly tf.Tensor[]): tf.Scalar {
  const hs = Array.isArray(h) ? h : [h as tf.Tensor];
  const signals = Array.isArray(signal) ? signal : [signal as tf.Tensor];
  check(hs.length === signals.length, `inject: ${hs.length} outputs but ${signals.length} signals (give one signal per output)`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    return {
      value: tf.scalar(0),
      gradFunc: () => sharingSaves(() => signals.map((s) => passGrad(s.clone()))),
    };
  });
  return op(...hs) as tf.Scalar;
}

/**
 * Gradients of `params` for `dy` arriving at the output of `f` (a vector-Jacobian product),
 * keyed by variable name, plus `f`'s output. `dy` seeds the backward pass directly
 * (`engine().gradients`, what `tf.grad` does with an explicit dy) rather than differentiating
 * the scalar ⟨f(), dy⟩: the same numbers without the Mul and Sum kernels, their gradients and
 * the tape's copies. Parameters `f` does not reach get no entry. The caller owns both results.
 */
export function paramGrads(
  f: () => tf.Tensor, params: readonly tf.Variable[], dy: tf.Tensor,
): { grads: tf.NamedTensorMap; value: tf.Tensor } {
  const { value, grads } = tf.engine().gradients(f, params as tf.Variable[], dy, true);
  return { grads: byName(params, grads), value };
}

/**
 * The local update of a block: the gradient of its parameters when `signal` arrives at its
 * output and is backpropagated through the block only (activation, pooling), at `input` with
 * the block's current weights. Returns the gradients keyed by variable name plus the block's
 * output, computed with the pre-update weights, for the next block (dispose it if unused).
 *
 * `signal` is a tensor known before the forward pass (DFA's B_i·e, DRTP's B_i·y*, FA's
 * upstream gradient), or a function of the block's output (DRTP's last block: the true error
 * e = ∂L/∂logits); no gradient flows back through that function.
 *
 * @example
 * const { grads, output } = localGrads(model.blocks[0], batch.x, signal);
 */
export function localGrads(
  block: Block, input: tf.Tensor, signal: tf.Tensor | ((output: tf.Tensor) => tf.Tensor),
): { grads: tf.NamedTensorMap; output: tf.Tensor } {
  const params = block.params as tf.Variable[];
  if (signal instanceof tf.Tensor) {
    const { grads, value } = paramGrads(() => block.forward(input), params, signal);
    return { grads, output: value };
  }
  // The signal needs the output, so it is computed on the tape and injected: its gradient
  // reaches the block's output as exactly `signal` (times the scalar seed 1), and the ops that
  // computed it do not lead to the injected scalar, so nothing flows back through them.
  let output: tf.Tensor | undefined;
  let s: tf.Tensor | undefined;
  const { value, grads } = tf.engine().gradients(() => {
    output = tf.keep(block.forward(input));
    s = tf.keep(signal(output));
    return inject(output, s);
  }, params, undefined, true);
  tf.dispose([value, s!]);
  return { grads: byName(params, grads), output: output! };
}

function byName(params: readonly tf.Variable[], grads: readonly (tf.Tensor | undefined)[]): tf.NamedTensorMap {
  const named: tf.NamedTensorMap = {};
  params.forEach((p, i) => {
    if (grads[i]) named[p.name] = grads[i]!;
  });
  return named;
}
