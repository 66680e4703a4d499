import { activationWat } from './activation-wat.mjs';
import { poolWat } from './pool-wat.mjs';
import { winogradWat } from './winograd-wat.mjs';

/** Filter sizes with a Winograd F(2×2, r×r) convolution in the module. */
export const WINOGRAD_R = [3, 5];

// WebAssembly text of the f32 GEMM: C[M×N] = A[M×K]·B[K×N], one MR×8 register tile at a time.
//
// `gemm` reads both operands in k-major panels that `pack` makes: A in panels of MR rows (element
// (i, k) at a + ⌊i/MR⌋·aps + k·4·MR + (i mod MR)·4), B in panels of 8 columns (element (k, j) at
// b + ⌊j/8⌋·32·K + k·32 + (j mod 8)·4), both zero-padded. `gemmx` takes those steps as
// parameters: element (i, k) of A at a + ⌊i/MR⌋·aps + k·aks + (i mod MR)·ars, (k, j) of B at
// b + ⌊j/8⌋·8·bjs + k·bks + (j mod 8)·4, so it also reads a row-major matrix in place (A: rows
// of contiguous k, ars its row stride, aks 4; B: 8 contiguous columns, bks its row stride,
// bjs 4). Rows and columns past M and N are read all the same (a panel's MR rows, 8 columns)
// and dropped: in place, only whole panels. `gemm` is `gemmx` with the packed steps.
// C is written through byte strides (crs, ccs): whole tiles with two
// v128 stores per row when ccs is 4, edge and strided tiles through the 32·MR-byte scratch
// area `s`. With `acc` set the product is added to C instead of replacing it (a product split
// along k, as `packconv` blocks a convolution's).
export function kernelWat({ mr = 4, relaxed = false, shared = false } = {}) {
  const rows = [...Array(mr).keys()];
  const madd = (x, y, acc) =>
    relaxed ? `(f32x4.relaxed_madd ${x} ${y} ${acc})` : `(f32x4.add (f32x4.mul ${x} ${y}) ${acc})`;
  const get = (n) => `(local.get $${n})`;
  const set = (n, v) => `(local.set $${n} ${v})`;
  const acc = (r, h) => `acc${r}_${h}`;
  const min = (cap, n, i) => `(select (i32.const ${cap}) (i32.sub ${get(n)} ${get(i)}) (i32.ge_s (i32.sub ${get(n)} ${get(i)}) (i32.const ${cap})))`;
  const lines = [];
  const emit = (...l) => lines.push(...l);

  emit(
    '(module',
    `  (import "env" "memory" (memory 1 ${shared ? '65536 shared' : ''}))`,
    '  (func $gemm (export "gemm") (param $M i32) (param $N i32) (param $K i32) (param $a i32) (param $aps i32)',
    '    (param $b i32) (param $c i32) (param $crs i32) (param $ccs i32) (param $s i32) (param $acc i32)',
    `    (call $gemmx (local.get $M) (local.get $N) (local.get $K) (local.get $a) (local.get $aps) (local.get $b) (local.get $c)`,
    `      (local.get $crs) (local.get $ccs) (local.get $s) (local.get $acc) (i32.const 4) (i32.const ${4 * mr}) (i32.const 32) (i32.shl (local.get $K) (i32.const 2))))`,
    '  (func $gemmx (export "gemmx") (param $M i32) (param $N i32) (param $K i32) (param $a i32) (param $aps i32)',
    '    (param $b i32) (param $c i32) (param $crs i32) (param $ccs i32) (param $s i32) (param $acc i32)',
    '    (param $ars i32) (param $aks i32) (param $bks i32) (param $bjs i32)',
    '    (local $i i32) (local $j i32) (local $k i32) (local $pa i32) (local $pb i32) (local $mr i32) (local $nr i32)',
    `    ${rows.slice(1).map((r) => `(local $ro${r} i32)`).join(' ')}`,
    '    (local $cp i32) (local $r i32) (local $q i32) (local $row i32) (local $cq i32)',
    `    ${rows.map((r) => `(local $${acc(r, 0)} v128) (local $${acc(r, 1)} v128)`).join(' ')}`,
    '    (local $b0 v128) (local $b1 v128) (local $av v128)',
    '    (if (i32.eqz (local.get $K)) (then (return)))',
    ...rows.slice(1).map((r) => `    ${set(`ro${r}`, `(i32.mul (local.get $ars) (i32.const ${r}))`)}`),
    '    (block $jdone (loop $jloop',
    '      (br_if $jdone (i32.ge_s (local.get $j) (local.get $N)))',
    `      ${set('nr', min(8, 'N', 'j'))}`,
    `      ${set('i', '(i32.const 0)')}`,
    '      (block $idone (loop $iloop',
    '        (br_if $idone (i32.ge_s (local.get $i) (local.get $M)))',
    `        ${set('mr', min(mr, 'M', 'i'))}`,
    `        ${set('pa', `(i32.add (local.get $a) (i32.mul (i32.div_u (local.get $i) (i32.const ${mr})) (local.get $aps)))`)}`,
    `        ${set('pb', '(i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bjs)))')}`,
  );
  for (const r of rows) emit(`        ${set(acc(r, 0), '(v128.const i32x4 0 0 0 0)')} ${set(acc(r, 1), '(v128.const i32x4 0 0 0 0)')}`);
  // one k step: two B vectors, MR splatted A scalars, 2·MR multiply-adds (unrolling the loop
  // measured slower in V8, about half the speed at 2 and 4 steps a pass)
  emit(`        ${set('k', get('K'))}`, '        (loop $kloop');
  emit(`          ${set('b0', '(v128.load (local.get $pb))')} ${set('b1', '(v128.load offset=16 (local.get $pb))')}`);
  for (const r of rows) {
    emit(
      `          ${set('av', `(v128.load32_splat ${r ? `(i32.add (local.get $pa) (local.get $ro${r}))` : '(local.get $pa)'})`)}`,
      `          ${set(acc(r, 0), madd(get('av'), get('b0'), get(acc(r, 0))))}`,
      `          ${set(acc(r, 1), madd(get('av'), get('b1'), get(acc(r, 1))))}`,
    );
  }
  emit(
    `          ${set('pa', '(i32.add (local.get $pa) (local.get $aks))')}`,
    `          ${set('pb', '(i32.add (local.get $pb) (local.get $bks))')}`,
    `          ${set('k', '(i32.sub (local.get $k) (i32.const 1))')}`,
    '          (br_if $kloop (local.get $k)))',
    `        ${set('cp', '(i32.add (local.get $c) (i32.add (i32.mul (local.get $i) (local.get $crs)) (i32.mul (local.get $j) (local.get $ccs))))')}`,
    `        (if (i32.and (i32.and (i32.eq (local.get $mr) (i32.const ${mr})) (i32.eq (local.get $nr) (i32.const 8))) (i32.eq (local.get $ccs) (i32.const 4)))`,
    '          (then',
  );
  const cRow = (r) => (r === 0 ? get('cp') : `(i32.add (local.get $cp) (i32.mul (i32.const ${r}) (local.get $crs)))`);
  emit('            (if (local.get $acc) (then');
  for (const r of rows) {
    const at = cRow(r);
    emit(`              (v128.store ${at} (f32x4.add (v128.load ${at}) ${get(acc(r, 0))})) (v128.store offset=16 ${at} (f32x4.add (v128.load offset=16 ${at}) ${get(acc(r, 1))}))`);
  }
  emit('            ) (else');
  for (const r of rows) {
    const at = cRow(r);
    emit(`              (v128.store ${at} ${get(acc(r, 0))}) (v128.store offset=16 ${at} ${get(acc(r, 1))})`);
  }
  emit('            ))', '          )', '          (else');
  for (const r of rows) {
    emit(`            (v128.store offset=${32 * r} (local.get $s) ${get(acc(r, 0))}) (v128.store offset=${32 * r + 16} (local.get $s) ${get(acc(r, 1))})`);
  }
  emit(
    `            ${set('r', '(i32.const 0)')}`,
    '            (loop $rloop',
    `              ${set('row', '(i32.add (local.get $cp) (i32.mul (local.get $r) (local.get $crs)))')}`,
    `              ${set('q', '(i32.const 0)')}`,
    '              (loop $qloop',
    `                ${set('cq', '(i32.add (local.get $row) (i32.mul (local.get $q) (local.get $ccs)))')}`,
    '                (f32.store (local.get $cq) (f32.add',
    '                  (f32.load (i32.add (local.get $s) (i32.add (i32.shl (local.get $r) (i32.const 5)) (i32.shl (local.get $q) (i32.const 2)))))',
    '                  (select (f32.load (local.get $cq)) (f32.const 0) (local.get $acc))))',
    `                ${set('q', '(i32.add (local.get $q) (i32.const 1))')}`,
    '                (br_if $qloop (i32.lt_s (local.get $q) (local.get $nr))))',
    `              ${set('r', '(i32.add (local.get $r) (i32.const 1))')}`,
    '              (br_if $rloop (i32.lt_s (local.get $r) (local.get $mr))))',
    '          ))',
    `        ${set('i', `(i32.add (local.get $i) (i32.const ${mr}))`)}`,
    '        (br $iloop)))',
    `      ${set('j', '(i32.add (local.get $j) (i32.const 8))')}`,
    '      (br $jloop))))',
  );
  const tr = transpose4(['r0', 'r1', 'r2', 'r3'], ['t0', 't1', 't2', 't3']);
  // pack: X[k, j] at x + k·xks + j·xjs → k-major panels of w (4 or 8) columns at dst, zero past
  // N. Whole panels of a source with contiguous columns (xjs = 4) are copied a vector at a
  // time, of one with contiguous k (xks = 4) transposed 4×4 in registers; the rest, element by
  // element.
  emit(
    '  (func (export "pack") (param $K i32) (param $N i32) (param $w i32) (param $x i32) (param $xks i32) (param $xjs i32) (param $dst i32)',
    '    (local $j i32) (local $k i32) (local $q i32) (local $h i32) (local $src i32) (local $out i32) (local $panel i32)',
    '    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)',
    '    (block $jdone (loop $jloop',
    '      (br_if $jdone (i32.ge_s (local.get $j) (local.get $N)))',
    `      ${set('panel', '(i32.add (local.get $dst) (i32.mul (i32.mul (local.get $j) (local.get $K)) (i32.const 4)))')}`,
    `      ${set('k', '(i32.const 0)')}`,
    '      (if (i32.le_s (i32.add (local.get $j) (local.get $w)) (local.get $N)) (then',
    '        (if (i32.eq (local.get $xjs) (i32.const 4)) (then',
    '          (block $cdone (loop $cloop',
    '            (br_if $cdone (i32.ge_s (local.get $k) (local.get $K)))',
    `            ${set('src', '(i32.add (local.get $x) (i32.add (i32.mul (local.get $k) (local.get $xks)) (i32.shl (local.get $j) (i32.const 2))))')}`,
    `            ${set('out', '(i32.add (local.get $panel) (i32.shl (i32.mul (local.get $k) (local.get $w)) (i32.const 2)))')}`,
    '            (v128.store (local.get $out) (v128.load (local.get $src)))',
    '            (if (i32.eq (local.get $w) (i32.const 8)) (then (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $src)))))',
    `            ${set('k', '(i32.add (local.get $k) (i32.const 1))')}`,
    '            (br $cloop)))))',
    '        (if (i32.eq (local.get $xks) (i32.const 4)) (then',
    '          (block $tdone (loop $tloop',
    '            (br_if $tdone (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $K)))',
    `            ${set('h', '(i32.const 0)')}`,
    '            (loop $hloop',
    `              ${set('src', '(i32.add (local.get $x) (i32.add (i32.shl (local.get $k) (i32.const 2)) (i32.mul (i32.add (local.get $j) (local.get $h)) (local.get $xjs))))')}`,
    `              ${set('r0', '(v128.load (local.get $src))')}`,
    `              ${set('r1', '(v128.load (i32.add (local.get $src) (local.get $xjs)))')}`,
    `              ${set('r2', '(v128.load (i32.add (local.get $src) (i32.shl (local.get $xjs) (i32.const 1))))')}`,
    `              ${set('r3', '(v128.load (i32.add (local.get $src) (i32.mul (local.get $xjs) (i32.const 3))))')}`,
    `              ${tr.temps}`,
    `              ${set('out', '(i32.add (local.get $panel) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $w)) (local.get $h)) (i32.const 2)))')}`,
    ...tr.columns.map((col, q) => `              ${q ? `${set('out', '(i32.add (local.get $out) (i32.shl (local.get $w) (i32.const 2)))')} ` : ''}(v128.store (local.get $out) ${col})`),
    `              ${set('h', '(i32.add (local.get $h) (i32.const 4))')}`,
    '              (br_if $hloop (i32.lt_s (local.get $h) (local.get $w))))',
    `            ${set('k', '(i32.add (local.get $k) (i32.const 4))')}`,
    '            (br $tloop)))))))',
    '      ;; what is left of the panel (all of it when neither fast path applied), element by element',
    '      (block $kdone (loop $kloop',
    '        (br_if $kdone (i32.ge_s (local.get $k) (local.get $K)))',
    `        ${set('src', '(i32.add (local.get $x) (i32.add (i32.mul (local.get $k) (local.get $xks)) (i32.mul (local.get $j) (local.get $xjs))))')}`,
    `        ${set('out', '(i32.add (local.get $panel) (i32.shl (i32.mul (local.get $k) (local.get $w)) (i32.const 2)))')}`,
    `        ${set('q', '(i32.const 0)')}`,
    '        (loop $qloop',
    '          (f32.store (i32.add (local.get $out) (i32.shl (local.get $q) (i32.const 2)))',
    '            (select (f32.load (local.get $src)) (f32.const 0) (i32.lt_s (i32.add (local.get $j) (local.get $q)) (local.get $N))))',
    `          ${set('src', '(select (i32.add (local.get $src) (local.get $xjs)) (local.get $src) (i32.lt_s (i32.add (i32.add (local.get $j) (local.get $q)) (i32.const 1)) (local.get $N)))')}`,
    `          ${set('q', '(i32.add (local.get $q) (i32.const 1))')}`,
    '          (br_if $qloop (i32.lt_s (local.get $q) (local.get $w))))',
    `        ${set('k', '(i32.add (local.get $k) (i32.const 1))')}`,
    '        (br $kloop)))',
    `      ${set('j', '(i32.add (local.get $j) (local.get $w))')}`,
    '      (br $jloop))))',
  );
  emit(...packconvWat());
  for (const r of WINOGRAD_R) emit(...winogradWat(r, { relaxed }));
  emit(...poolWat());
  emit(...activationWat(madd));
  emit(')');
  return lines.join('\n') + '\n';
}

// packconv: rows [m0, m0 + mc) of a convolution's implicit im2col matrix, taps [t0, t1), as
// the k-major panels of 4 rows that `gemm` reads (mc a multiple of 4; rows past M are zero).
// Row m is output pixel (n, oi, oj) of an NHWC input x[N, H, W, C]; column k = (t − t0)·C + c
// is tap t = a·KW + b, channel c: x[n, oi·sh − pt + a·dh, oj·sw − pl + b·dw, c], zero outside
// the image (read from `zero`, C zero floats). A tap's C channels are contiguous in x, so each
// 4 channels of the 4 rows are one 4×4 register transpose (the last C mod 4, lane by lane).
function packconvWat() {
  const rows = [0, 1, 2, 3];
  const tr = transpose4(rows.map((r) => `v${r}`), ['t0v', 't1v', 't2v', 't3v']);
  const get = (n) => `(local.get $${n})`;
  const set = (n, v) => `(local.set $${n} ${v})`;
  const add = (x, y) => `(i32.add ${x} ${y})`;
  const mul = (x, y) => `(i32.mul ${x} ${y})`;
  const params = ['x', 'H', 'W', 'C', 'KW', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl', 'Ho', 'Wo', 'M', 'm0', 'mc', 't0', 't1', 'dst', 'zero'];
  const l = [
    `  (func (export "packconv") ${params.map((p) => `(param $${p} i32)`).join(' ')}`,
    '    (local $p i32) (local $t i32) (local $a i32) (local $b i32) (local $c i32) (local $out i32) (local $m i32) (local $n i32) (local $rem i32) (local $hwo i32) (local $cb i32)',
    `    ${rows.map((r) => `(local $ih${r} i32) (local $iw${r} i32) (local $base${r} i32) (local $s${r} i32) (local $v${r} v128)`).join(' ')}`,
    '    (local $t0v v128) (local $t1v v128) (local $t2v v128) (local $t3v v128)',
    `    ${set('hwo', mul(get('Ho'), get('Wo')))}`,
    `    ${set('cb', '(i32.shl (local.get $C) (i32.const 2))')}`,
    `    ${set('out', get('dst'))}`,
    '    (block $pdone (loop $ploop',
    '      (br_if $pdone (i32.ge_s (local.get $p) (local.get $mc)))',
  ];
  for (const r of rows) {
    l.push(
      `      ${set('m', add(add(get('m0'), get('p')), `(i32.const ${r})`))}`,
      '      (if (i32.lt_s (local.get $m) (local.get $M)) (then',
      `        ${set('n', '(i32.div_u (local.get $m) (local.get $hwo))')}`,
      `        ${set('rem', '(i32.sub (local.get $m) (i32.mul (local.get $n) (local.get $hwo)))')}`,
      `        ${set(`ih${r}`, `(i32.sub ${mul('(i32.div_u (local.get $rem) (local.get $Wo))', get('sh'))} ${get('pt')})`)}`,
      `        ${set(`iw${r}`, `(i32.sub ${mul('(i32.rem_u (local.get $rem) (local.get $Wo))', get('sw'))} ${get('pl')})`)}`,
      `        ${set(`base${r}`, add(get('x'), `(i32.shl ${mul(add(mul(add(mul(get('n'), get('H')), get(`ih${r}`)), get('W')), get(`iw${r}`)), get('C'))} (i32.const 2))`))})`,
      `        (else ${set(`ih${r}`, '(i32.const -1)')} ${set(`iw${r}`, '(i32.const -1)')}))`,
    );
  }
  l.push(
    `      ${set('t', get('t0'))}`,
    '      (block $tdone (loop $tloop',
    '        (br_if $tdone (i32.ge_s (local.get $t) (local.get $t1)))',
    `        ${set('a', mul('(i32.div_u (local.get $t) (local.get $KW))', get('dh')))}`,
    `        ${set('b', mul('(i32.rem_u (local.get $t) (local.get $KW))', get('dw')))}`,
  );
  // a row's source for this tap, or the zero floats when the tap falls outside the image
  // (unsigned compares catch negative coordinates; rows past M carry −1)
  for (const r of rows) {
    l.push(
      `        ${set(`s${r}`, `(select ${add(get(`base${r}`), `(i32.shl ${mul(add(mul(get('a'), get('W')), get('b')), get('C'))} (i32.const 2))`)} ${get('zero')}`
        + ` (i32.and (i32.lt_u ${add(get(`ih${r}`), get('a'))} ${get('H')}) (i32.lt_u ${add(get(`iw${r}`), get('b'))} ${get('W')})))`)}`,
    );
  }
  l.push(
    `        ${set('c', '(i32.const 0)')}`,
    '        (block $vdone (loop $vloop',
    '          (br_if $vdone (i32.gt_u (i32.add (local.get $c) (i32.const 16)) (local.get $cb)))',
    ...rows.map((r) => `            ${set(`v${r}`, `(v128.load (i32.add (local.get $s${r}) (local.get $c)))`)}`),
    `            ${tr.temps}`,
    ...tr.columns.map((col, q) => `            (v128.store offset=${16 * q} (local.get $out) ${col})`),
    `            ${set('out', '(i32.add (local.get $out) (i32.const 64))')}`,
    `            ${set('c', '(i32.add (local.get $c) (i32.const 16))')}`,
    '            (br $vloop)))',
    '        ;; the last C mod 4 channels, a lane at a time',
    '        (block $edone (loop $eloop',
    '          (br_if $edone (i32.ge_u (local.get $c) (local.get $cb)))',
    `            (v128.store (local.get $out) ${rows.reduce((v, r) => `(f32x4.replace_lane ${r} ${v} (f32.load (i32.add (local.get $s${r}) (local.get $c))))`, '(v128.const i32x4 0 0 0 0)')})`,
    `            ${set('out', '(i32.add (local.get $out) (i32.const 16))')}`,
    `            ${set('c', '(i32.add (local.get $c) (i32.const 4))')}`,
    '            (br $eloop)))',
    `        ${set('t', '(i32.add (local.get $t) (i32.const 1))')}`,
    '        (br $tloop)))',
    `      ${set('p', '(i32.add (local.get $p) (i32.const 4))')}`,
    '      (br $ploop)))',
    '  )',
  );
  return l;
}

const shuffle = (x, y, lanes) => `(i8x16.shuffle ${lanes.flatMap((l) => [0, 1, 2, 3].map((b) => 4 * l + b)).join(' ')} ${x} ${y})`;

// A 4×4 transpose in registers: rows r[0..3] (locals) in; the settings of the temporaries t[0..3]
// and the four columns (each lane q of column c is row q's lane c) out.
function transpose4(r, t) {
  const get = (n) => `(local.get $${n})`;
  const set = (n, v) => `(local.set $${n} ${v})`;
  return {
    temps: [
      set(t[0], shuffle(get(r[0]), get(r[1]), [0, 4, 1, 5])), set(t[1], shuffle(get(r[0]), get(r[1]), [2, 6, 3, 7])),
      set(t[2], shuffle(get(r[2]), get(r[3]), [0, 4, 1, 5])), set(t[3], shuffle(get(r[2]), get(r[3]), [2, 6, 3, 7])),
    ].join(' '),
    columns: [
      shuffle(get(t[0]), get(t[2]), [0, 1, 4, 5]), shuffle(get(t[0]), get(t[2]), [2, 3, 6, 7]),
      shuffle(get(t[1]), get(t[3]), [0, 1, 4, 5]), shuffle(get(t[1]), get(t[3]), [2, 3, 6, 7]),
    ],
  };
}
