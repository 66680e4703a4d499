// WebAssembly text of tanh and its gradient, four lanes at a time over n ≥ 4 floats; when n is
// not a multiple of 4 the last vector is the last four elements (it overlaps the one before:
// outputs never alias inputs here). The caller handles n < 4.
//
// tanh(x) = x·P(x²)/Q(x²) on x clamped to ±7.90531, the minimax rational fit of Eigen's
// `generic_fast_tanh_float` (Eigen 3.4, MathFunctionsImpl.h; its coefficients below), and x
// itself where |x| < 0.0004. Measured against float64 tanh on 2·10⁶ points in [−12, 12]: at most
// 3.4e-7 off (≈ 6 ulp of 1), and exact relative to x near 0, where 2σ(2x) − 1 is up to 0.7 % off.
// tanhgrad: dx = dy·(1 − y·y), each step rounded to float32 as tfjs's Square, Sub and Multiply.
// relugrad: dx = dy·step(y), step(y) 1 where y > 0, NaN where y is, else 0 (tfjs's Step, Multiply).
// sign: y = 1 where x > 0, −1 where x < 0 (subnormals too), NaN where x is, else 0.
//
// tanh(x, y, n); sign(x, y, n); tanhgrad(dy, y, dx, n); relugrad(dy, y, dx, n). `madd(x, y, acc)` is x·y + acc (fused where relaxed).
export function activationWat(madd) {
  const v = (x) => `(v128.const f32x4 ${x} ${x} ${x} ${x})`;
  const ALPHA = ['4.89352455891786e-03', '6.37261928875436e-04', '1.48572235717979e-05', '5.12229709037114e-08',
    '-8.60467152213735e-11', '2.00018790482477e-13', '-2.76076847742355e-16'];
  const BETA = ['4.89352518554385e-03', '2.26843463243900e-03', '1.18534705686654e-04', '1.19825839466702e-06'];
  // Horner in x²: c[last]·x² + c[last−1], then ·x² + each lower coefficient
  const horner = (c) => c.slice(0, -1).reduceRight((acc, k) => madd('(local.get $x2)', acc, v(k)), v(c[c.length - 1]));
  const loop = (body) => [
    '    (if (i32.lt_u (local.get $n) (i32.const 4)) (then (return)))',
    '    (local.set $end (i32.shl (local.get $n) (i32.const 2)))',
    '    (block $done (loop $vloop',
    `      ${body}`,
    '      (local.set $i (i32.add (local.get $i) (i32.const 16)))',
    '      (br_if $done (i32.eq (local.get $i) (local.get $end)))',
    '      ;; a partial last vector: step back so it ends at the last element',
    '      (if (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)) (then (local.set $i (i32.sub (local.get $end) (i32.const 16)))))',
    '      (br $vloop)))',
  ];
  return [
    '  (func (export "tanh") (param $x i32) (param $y i32) (param $n i32)',
    '    (local $i i32) (local $end i32) (local $v v128) (local $c v128) (local $x2 v128)',
    ...loop([
      '(local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))',
      `(local.set $c (f32x4.max (f32x4.min (local.get $v) ${v('7.90531110763549805')}) ${v('-7.90531110763549805')}))`,
      '(local.set $x2 (f32x4.mul (local.get $c) (local.get $c)))',
      '(v128.store (i32.add (local.get $y) (local.get $i)) (v128.bitselect (local.get $v)',
      `  (f32x4.div (f32x4.mul (local.get $c) ${horner(ALPHA)}) ${horner(BETA)})`,
      `  (f32x4.lt (f32x4.abs (local.get $v)) ${v('0.0004')})))`,
    ].join('\n      ')),
    '  )',
    '  (func (export "sign") (param $x i32) (param $y i32) (param $n i32)',
    '    (local $i i32) (local $end i32) (local $v v128)',
    ...loop([
      '(local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))',
      '(v128.store (i32.add (local.get $y) (local.get $i)) (v128.bitselect (local.get $v)',
      `  (f32x4.sub (v128.and (f32x4.gt (local.get $v) ${v('0')}) ${v('1')}) (v128.and (f32x4.lt (local.get $v) ${v('0')}) ${v('1')}))`,
      '  (f32x4.ne (local.get $v) (local.get $v))))',
    ].join('\n      ')),
    '  )',
    '  (func (export "tanhgrad") (param $dy i32) (param $y i32) (param $dx i32) (param $n i32)',
    '    (local $i i32) (local $end i32) (local $v v128)',
    ...loop([
      '(local.set $v (v128.load (i32.add (local.get $y) (local.get $i))))',
      '(v128.store (i32.add (local.get $dx) (local.get $i)) (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))',
      `  (f32x4.sub ${v('1')} (f32x4.mul (local.get $v) (local.get $v)))))`,
    ].join('\n      ')),
    '  )',
    '  (func (export "relugrad") (param $dy i32) (param $y i32) (param $dx i32) (param $n i32)',
    '    (local $i i32) (local $end i32) (local $v v128)',
    ...loop([
      '(local.set $v (v128.load (i32.add (local.get $y) (local.get $i))))',
      '(v128.store (i32.add (local.get $dx) (local.get $i)) (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))',
      `  (v128.bitselect (local.get $v) (v128.bitselect ${v('1')} ${v('0')} (f32x4.gt (local.get $v) ${v('0')})) (f32x4.ne (local.get $v) (local.get $v)))))`,
    ].join('\n      ')),
    '  )',
  ];
}
