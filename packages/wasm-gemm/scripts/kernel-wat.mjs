// WebAssembly text of the f32 GEMM: C[M×N] = A[M×K]·B[K×N], one MR×8 register tile at a time.
//
// A is read through byte strides (ars, acs), one splatted scalar per row and k, so any layout of
// A works (row-major, or transposed in place). B is read in panels of 8 columns: element (k, j)
// at b + k·bks + ⌊j/8⌋·bps + (j mod 8)·4. A row-major B with N a multiple of 8 is its own panel
// layout (bks = row bytes, bps = 32); anything else goes through `pack` first (bks = 32,
// bps = 32·K). C is written through byte strides (crs, ccs): whole tiles with two v128 stores
// per row when ccs is 4, edge and strided tiles through the 32·MR-byte scratch area `s`.
export function kernelWat({ mr = 4, relaxed = false, shared = false } = {}) {
  const rows = [...Array(mr).keys()];
  const madd = (x, y, acc) =>
    relaxed ? `(f32x4.relaxed_madd ${x} ${y} ${acc})` : `(f32x4.add (f32x4.mul ${x} ${y}) ${acc})`;
  const get = (n) => `(local.get $${n})`;
  const set = (n, v) => `(local.set $${n} ${v})`;
  const acc = (r, h) => `acc${r}_${h}`;
  const lines = [];
  const emit = (...l) => lines.push(...l);

  emit(
    '(module',
    `  (import "env" "memory" (memory 1 ${shared ? '65536 shared' : ''}))`,
    '  (func (export "gemm") (param $M i32) (param $N i32) (param $K i32)',
    '    (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $bks i32) (param $bps i32)',
    '    (param $c i32) (param $crs i32) (param $ccs i32) (param $s i32)',
    '    (local $i i32) (local $j i32) (local $k i32) (local $pb i32) (local $mr i32) (local $nr i32)',
    '    (local $cp i32) (local $r i32) (local $q i32) (local $row i32)',
    `    ${rows.map((r) => `(local $a${r} i32)`).join(' ')}`,
    `    ${rows.map((r) => `(local $${acc(r, 0)} v128) (local $${acc(r, 1)} v128)`).join(' ')}`,
    '    (local $b0 v128) (local $b1 v128) (local $av v128)',
    '    (if (i32.eqz (local.get $K)) (then (return)))',
    '    (block $jdone (loop $jloop',
    '      (br_if $jdone (i32.ge_s (local.get $j) (local.get $N)))',
    `      ${set('nr', '(select (i32.const 8) (i32.sub (local.get $N) (local.get $j)) (i32.ge_s (i32.sub (local.get $N) (local.get $j)) (i32.const 8)))')}`,
    `      ${set('i', '(i32.const 0)')}`,
    '      (block $idone (loop $iloop',
    '        (br_if $idone (i32.ge_s (local.get $i) (local.get $M)))',
    `        ${set('mr', `(select (i32.const ${mr}) (i32.sub (local.get $M) (local.get $i)) (i32.ge_s (i32.sub (local.get $M) (local.get $i)) (i32.const ${mr})))`)}`,
    `        ${set('a0', '(i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ars)))')}`,
  );
  // rows past M re-read row 0 (valid memory); their results go to scratch and are dropped
  for (const r of rows.slice(1)) {
    emit(`        ${set(`a${r}`, `(select (i32.add (local.get $a0) (i32.mul (i32.const ${r}) (local.get $ars))) (local.get $a0) (i32.lt_s (i32.const ${r}) (local.get $mr)))`)}`);
  }
  emit(`        ${set('pb', '(i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (local.get $bps)))')}`);
  for (const r of rows) emit(`        ${set(acc(r, 0), '(v128.const i32x4 0 0 0 0)')} ${set(acc(r, 1), '(v128.const i32x4 0 0 0 0)')}`);
  emit(`        ${set('k', get('K'))}`, '        (loop $kloop');
  emit(`          ${set('b0', '(v128.load (local.get $pb))')} ${set('b1', '(v128.load offset=16 (local.get $pb))')}`);
  for (const r of rows) {
    emit(
      `          ${set('av', `(v128.load32_splat ${get(`a${r}`)})`)}`,
      `          ${set(acc(r, 0), madd(get('av'), get('b0'), get(acc(r, 0))))}`,
      `          ${set(acc(r, 1), madd(get('av'), get('b1'), get(acc(r, 1))))}`,
      `          ${set(`a${r}`, `(i32.add ${get(`a${r}`)} (local.get $acs))`)}`,
    );
  }
  emit(
    `          ${set('pb', '(i32.add (local.get $pb) (local.get $bks))')}`,
    `          ${set('k', '(i32.sub (local.get $k) (i32.const 1))')}`,
    '          (br_if $kloop (local.get $k)))',
    `        ${set('cp', '(i32.add (local.get $c) (i32.add (i32.mul (local.get $i) (local.get $crs)) (i32.mul (local.get $j) (local.get $ccs))))')}`,
    `        (if (i32.and (i32.and (i32.eq (local.get $mr) (i32.const ${mr})) (i32.eq (local.get $nr) (i32.const 8))) (i32.eq (local.get $ccs) (i32.const 4)))`,
    '          (then',
  );
  for (const r of rows) {
    const at = r === 0 ? get('cp') : `(i32.add (local.get $cp) (i32.mul (i32.const ${r}) (local.get $crs)))`;
    emit(`            (v128.store ${at} ${get(acc(r, 0))}) (v128.store offset=16 ${at} ${get(acc(r, 1))})`);
  }
  emit('          )', '          (else');
  for (const r of rows) {
    emit(`            (v128.store offset=${32 * r} (local.get $s) ${get(acc(r, 0))}) (v128.store offset=${32 * r + 16} (local.get $s) ${get(acc(r, 1))})`);
  }
  emit(
    `            ${set('r', '(i32.const 0)')}`,
    '            (loop $rloop',
    `              ${set('row', '(i32.add (local.get $cp) (i32.mul (local.get $r) (local.get $crs)))')}`,
    `              ${set('q', '(i32.const 0)')}`,
    '              (loop $qloop',
    '                (f32.store (i32.add (local.get $row) (i32.mul (local.get $q) (local.get $ccs)))',
    '                  (f32.load (i32.add (local.get $s) (i32.add (i32.shl (local.get $r) (i32.const 5)) (i32.shl (local.get $q) (i32.const 2))))))',
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
  // pack: B[k, j] at b + k·brs + j·bcs → panels of 8 columns (zero past N) at dst
  emit(
    '  (func (export "pack") (param $K i32) (param $N i32) (param $b i32) (param $brs i32) (param $bcs i32) (param $dst i32)',
    '    (local $j i32) (local $k i32) (local $q i32) (local $src i32)',
    '    (block $jdone (loop $jloop',
    '      (br_if $jdone (i32.ge_s (local.get $j) (local.get $N)))',
    `      ${set('k', '(i32.const 0)')}`,
    '      (block $kdone (loop $kloop',
    '        (br_if $kdone (i32.ge_s (local.get $k) (local.get $K)))',
    `        ${set('src', '(i32.add (local.get $b) (i32.add (i32.mul (local.get $k) (local.get $brs)) (i32.mul (local.get $j) (local.get $bcs))))')}`,
    `        ${set('q', '(i32.const 0)')}`,
    '        (loop $qloop',
    '          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $q) (i32.const 2)))',
    '            (select (f32.load (local.get $src)) (f32.const 0) (i32.lt_s (i32.add (local.get $j) (local.get $q)) (local.get $N))))',
    `          ${set('src', '(select (i32.add (local.get $src) (local.get $bcs)) (local.get $src) (i32.lt_s (i32.add (i32.add (local.get $j) (local.get $q)) (i32.const 1)) (local.get $N)))')}`,
    `          ${set('q', '(i32.add (local.get $q) (i32.const 1))')}`,
    '          (br_if $qloop (i32.lt_s (local.get $q) (i32.const 8))))',
    `        ${set('dst', '(i32.add (local.get $dst) (i32.const 32))')}`,
    `        ${set('k', '(i32.add (local.get $k) (i32.const 1))')}`,
    '        (br $kloop)))',
    `      ${set('j', '(i32.add (local.get $j) (i32.const 8))')}`,
    '      (br $jloop))))',
    ')',
  );
  return lines.join('\n') + '\n';
}
