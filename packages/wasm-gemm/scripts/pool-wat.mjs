// WebAssembly text of max pooling's gradient (NHWC): each output's gradient goes to the first
// cell of its window (row-major) equal to the pooled maximum y, as TensorFlow's MaxPoolGrad does;
// a window whose maximum is NaN passes none. Four channels a vector: per window cell a compare
// with y, masked by the lanes already placed, adds dy's lanes there; the last C mod 4 channels
// one at a time. dx must be zeros on entry (windows may overlap, so cells add up).
//
// maxpoolgrad(x, y, dy, dx, n, h, w, c, ho, wo, sh, sw, fh, fw, top, left)
const get = (n) => `(local.get $${n})`;
const set = (n, v) => `(local.set $${n} ${v})`;
const add = (a, b) => `(i32.add ${a} ${b})`;
const mul = (a, b) => `(i32.mul ${a} ${b})`;
const max0 = (v) => `(select ${v} (i32.const 0) (i32.gt_s ${v} (i32.const 0)))`;
const minOf = (v, cap) => `(select ${v} ${cap} (i32.lt_s ${v} ${cap}))`;

export function poolWat() {
  const params = ['x', 'y', 'dy', 'dx', 'n', 'h', 'w', 'c', 'ho', 'wo', 'sh', 'sw', 'fh', 'fw', 'top', 'left'];
  // cell (r, col) of image b, channel byte offset cb
  const cell = (cb) => add(mul(add(mul(add(mul(get('b'), get('h')), get('r')), get('w')), get('col')), get('cn')), cb);
  return [
    `  (func (export "maxpoolgrad") ${params.map((p) => `(param $${p} i32)`).join(' ')}`,
    '    (local $b i32) (local $i i32) (local $j i32) (local $r i32) (local $col i32) (local $r0 i32) (local $r1 i32) (local $c0 i32) (local $c1 i32)',
    '    (local $cn i32) (local $cb i32) (local $out i32) (local $k i32) (local $m v128) (local $g v128) (local $found v128) (local $eq v128) (local $ms f32)',
    `    ${set('cn', '(i32.shl (local.get $c) (i32.const 2))')}`,
    '    (block $bdone (loop $bloop',
    '      (br_if $bdone (i32.ge_s (local.get $b) (local.get $n)))',
    `      ${set('i', '(i32.const 0)')}`,
    '      (block $idone (loop $iloop',
    '        (br_if $idone (i32.ge_s (local.get $i) (local.get $ho)))',
    `        ${set('r0', max0(`(i32.sub ${mul(get('i'), get('sh'))} ${get('top')})`))}`,
    `        ${set('r1', minOf(add(`(i32.sub ${mul(get('i'), get('sh'))} ${get('top')})`, get('fh')), get('h')))}`,
    `        ${set('j', '(i32.const 0)')}`,
    '        (block $jdone (loop $jloop',
    '          (br_if $jdone (i32.ge_s (local.get $j) (local.get $wo)))',
    `          ${set('c0', max0(`(i32.sub ${mul(get('j'), get('sw'))} ${get('left')})`))}`,
    `          ${set('c1', minOf(add(`(i32.sub ${mul(get('j'), get('sw'))} ${get('left')})`, get('fw')), get('w')))}`,
    `          ${set('out', mul(add(mul(add(mul(get('b'), get('ho')), get('i')), get('wo')), get('j')), get('cn')))}`,
    `          ${set('cb', '(i32.const 0)')}`,
    '          ;; four channels a vector',
    '          (block $vdone (loop $vloop',
    '            (br_if $vdone (i32.gt_s (i32.add (local.get $cb) (i32.const 16)) (local.get $cn)))',
    `            ${set('m', `(v128.load ${add(get('y'), add(get('out'), get('cb')))})`)}`,
    `            ${set('g', `(v128.load ${add(get('dy'), add(get('out'), get('cb')))})`)}`,
    `            ${set('found', '(v128.const i32x4 0 0 0 0)')}`,
    `            ${set('r', get('r0'))}`,
    '            (block $rdone (loop $rloop',
    '              (br_if $rdone (i32.ge_s (local.get $r) (local.get $r1)))',
    `              ${set('col', get('c0'))}`,
    '              (block $cdone (loop $cloop',
    '                (br_if $cdone (i32.ge_s (local.get $col) (local.get $c1)))',
    `                ${set('k', cell(get('cb')))}`,
    `                ${set('eq', `(v128.andnot (f32x4.eq (v128.load ${add(get('x'), get('k'))}) (local.get $m)) (local.get $found))`)}`,
    `                (v128.store ${add(get('dx'), get('k'))} (f32x4.add (v128.load ${add(get('dx'), get('k'))}) (v128.and (local.get $g) (local.get $eq))))`,
    `                ${set('found', '(v128.or (local.get $found) (local.get $eq))')}`,
    `                ${set('col', '(i32.add (local.get $col) (i32.const 1))')}`,
    '                (br $cloop)))',
    `              ${set('r', '(i32.add (local.get $r) (i32.const 1))')}`,
    '              (br $rloop)))',
    `            ${set('cb', '(i32.add (local.get $cb) (i32.const 16))')}`,
    '            (br $vloop)))',
    '          ;; the last c mod 4 channels',
    '          (block $sdone (loop $sloop',
    '            (br_if $sdone (i32.ge_s (local.get $cb) (local.get $cn)))',
    `            ${set('ms', `(f32.load ${add(get('y'), add(get('out'), get('cb')))})`)}`,
    `            ${set('r', get('r0'))}`,
    '            (block $srdone (loop $srloop',
    '              (br_if $srdone (i32.ge_s (local.get $r) (local.get $r1)))',
    `              ${set('col', get('c0'))}`,
    '              (block $scdone (loop $scloop',
    '                (br_if $scdone (i32.ge_s (local.get $col) (local.get $c1)))',
    `                ${set('k', cell(get('cb')))}`,
    `                (if (f32.eq (f32.load ${add(get('x'), get('k'))}) (local.get $ms)) (then`,
    `                  (f32.store ${add(get('dx'), get('k'))} (f32.add (f32.load ${add(get('dx'), get('k'))}) (f32.load ${add(get('dy'), add(get('out'), get('cb')))})))`,
    '                  (br $srdone)))',
    `                ${set('col', '(i32.add (local.get $col) (i32.const 1))')}`,
    '                (br $scloop)))',
    `              ${set('r', '(i32.add (local.get $r) (i32.const 1))')}`,
    '              (br $srloop)))',
    `            ${set('cb', '(i32.add (local.get $cb) (i32.const 4))')}`,
    '            (br $sloop)))',
    `          ${set('j', '(i32.add (local.get $j) (i32.const 1))')}`,
    '          (br $jloop)))',
    `        ${set('i', '(i32.add (local.get $i) (i32.const 1))')}`,
    '        (br $iloop)))',
    `      ${set('b', '(i32.add (local.get $b) (i32.const 1))')}`,
    '      (br $bloop)))',
    '  )',
  ];
}
