// WebAssembly text of a convolution by Winograd's F(2×2, r×r) (stride 1, no dilation, r = 3 or
// 5; transforms from winograd-matrices.mjs): 2×2 outputs per tile of α×α inputs (α = r + 1),
// α² products of matrices over channels instead of 4·r² multiply-adds per output channel —
// 2.25× fewer for r = 3, 2.78× for r = 5.
//
// wfilter<r>(g, C, N, v): V_ξ = G·g·Gᵀ of the filter g[r][r][C][N] (N a multiple of 4), each of
//   the α² matrices V_ξ[C×N] written as `gemm`'s B panels (8 columns, k-major) at v + ξ·vs,
//   vs = 4·C·⌈N/8⌉·8 bytes.
// wblock<r>(x, H, W, C, pt, pl, tw, thw, t0, nt, N, v, u, m, s, zero, Ho, Wo, y): tiles
//   [t0, t0 + nt) of the output (tile t: image ⌊t/thw⌋, tile row and column of the rest in rows of
//   tw tiles, output pixels from (2·row, 2·col)); x is NHWC with C channels (a multiple of 4),
//   padded by pt above and pl to the left (inputs outside read C zeros at `zero`).
//   1. U_ξ = Bᵀ·d·B of each tile's inputs, 4 channels a vector, written straight into `gemm`'s A
//      panels (4 tiles, k-major: tile i, channel c at u + ξ·us + ⌊i/4⌋·16·C + c·16 + (i mod 4)·4,
//      one lane store each), us = 16·C·⌈nt/4⌉;
//   2. M_ξ[nt×N] = U_ξ·V_ξ by `gemm`, at m + ξ·ms, ms = 4·N·nt;
//   3. Y = Aᵀ·M·A per tile and 4 output channels, stored into y (NHWC, Ho×Wo, N channels) where
//      inside it.
// s is `gemm`'s tile scratch. All of u, m, s belong to the calling thread.
import { winogradMatrices } from './winograd-matrices.mjs';

const get = (n) => `(local.get $${n})`;
const set = (n, v) => `(local.set $${n} ${v})`;
const i32 = (v) => `(i32.const ${v})`;
const add = (a, b) => `(i32.add ${a} ${b})`;
const mul = (a, b) => `(i32.mul ${a} ${b})`;
const f32 = (c) => String(Math.fround(c));

/** Σ coef·term over the nonzero coefficients, as one v128 expression (terms are expressions). */
function lin(terms, relaxed) {
  const nz = terms.filter(([c]) => c !== 0);
  if (!nz.length) return '(v128.const i32x4 0 0 0 0)';
  const splat = (c) => `(v128.const f32x4 ${f32(c)} ${f32(c)} ${f32(c)} ${f32(c)})`;
  let [[c0, e0]] = nz;
  let acc = c0 === 1 ? e0 : c0 === -1 ? `(f32x4.neg ${e0})` : `(f32x4.mul ${e0} ${splat(c0)})`;
  for (const [c, e] of nz.slice(1)) {
    if (c === 1) acc = `(f32x4.add ${acc} ${e})`;
    else if (c === -1) acc = `(f32x4.sub ${acc} ${e})`;
    else acc = relaxed ? `(f32x4.relaxed_madd ${e} ${splat(c)} ${acc})` : `(f32x4.add ${acc} (f32x4.mul ${e} ${splat(c)}))`;
  }
  return acc;
}

// a filter-shaped loop: input channels ci, and within each, 4 output channels (byte offset cb) at a time
const filterLoops = [
  '    (block $cdone (loop $cloop',
  '      (br_if $cdone (i32.ge_s (local.get $ci) (local.get $C)))',
  `      ${set('cb', i32(0))}`,
  '      (block $ndone (loop $nloop',
  '        (br_if $ndone (i32.ge_s (local.get $cb) (local.get $nb)))',
];

const filterLoopEnds = [
  `        ${set('cb', add(get('cb'), i32(16)))}`,
  '        (br $nloop)))',
  `      ${set('ci', add(get('ci'), i32(1)))}`,
  '      (br $cloop)))',
];

export function winogradWat(r, { relaxed = false } = {}) {
  const { a, AT, G, BT } = winogradMatrices(r, 2);
  const A = [...Array(a).keys()];
  const R = [...Array(r).keys()];
  const l = [];
  const locals = (prefix, n1, n2, type) => [...Array(n1).keys()].flatMap((i) => [...Array(n2).keys()].map((j) => `(local $${prefix}${i}_${j} ${type})`)).join(' ');

  // ---- filter transform: V = G·g·Gᵀ, 4 output channels a vector
  l.push(
    `  (func (export "wfilter${r}") (param $g i32) (param $C i32) (param $N i32) (param $v i32)`,
    '    (local $ci i32) (local $cb i32) (local $nb i32) (local $gs i32) (local $vs i32) (local $src i32) (local $dst i32)',
    `    ${locals('g', r, r, 'v128')} ${locals('h', a, r, 'v128')}`,
    `    ${set('nb', '(i32.shl (local.get $N) (i32.const 2))')}`,
    `    ${set('gs', mul(get('C'), get('nb')))}`,
    `    ${set('vs', '(i32.shl (i32.mul (local.get $C) (i32.and (i32.add (local.get $N) (i32.const 7)) (i32.const -8))) (i32.const 2))')}`,
    ...filterLoops,
    `        ${set('src', add(add(get('g'), mul(get('ci'), get('nb'))), get('cb')))}`,
  );
  for (const i of R) for (const j of R) l.push(`        ${set(`g${i}_${j}`, `(v128.load ${add(get('src'), mul(i32(i * r + j), get('gs')))})`)}`);
  for (const j of A) for (const b of R) l.push(`        ${set(`h${j}_${b}`, lin(R.map((q) => [G[j][q], get(`g${q}_${b}`)]), relaxed))}`);
  l.push(`        ${set('dst', add(add(get('v'), '(i32.shl (i32.mul (i32.shr_u (local.get $cb) (i32.const 5)) (local.get $C)) (i32.const 5))'), add('(i32.shl (local.get $ci) (i32.const 5))', '(i32.and (local.get $cb) (i32.const 31))')))}`);
  for (const j of A) {
    for (const k of A) {
      l.push(`        (v128.store ${add(get('dst'), mul(i32(j * a + k), get('vs')))} ${lin(R.map((q) => [G[k][q], get(`h${j}_${q}`)]), relaxed)})`);
    }
  }
  l.push(...filterLoopEnds, '  )');

  // ---- one block of tiles: input transform, α² products, output transform
  const params = ['x', 'H', 'W', 'C', 'pt', 'pl', 'tw', 'thw', 't0', 'nt', 'N', 'v', 'u', 'm', 's', 'zero', 'Ho', 'Wo', 'y'];
  l.push(
    `  (func (export "wblock${r}") ${params.map((p) => `(param $${p} i32)`).join(' ')}`,
    ...blockLocals(a),
    `    ${set('us', '(i32.shl (i32.mul (local.get $C) (i32.shr_u (i32.add (local.get $nt) (i32.const 3)) (i32.const 2))) (i32.const 4))')}`,
    `    ${set('vs', '(i32.shl (i32.mul (local.get $C) (i32.and (i32.add (local.get $N) (i32.const 7)) (i32.const -8))) (i32.const 2))')}`,
    `    ${set('ms', mul('(i32.shl (local.get $N) (i32.const 2))', get('nt')))}`,
    // tile i, channel c at u + ξ·us + ⌊i/4⌋·16·C + c·16 + (i mod 4)·4: one lane store per channel
    ...inputTransform(a, BT, relaxed,
      add('(i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $C) (i32.const 4)))', '(i32.shl (i32.and (local.get $i) (i32.const 3)) (i32.const 2))'),
      '(i32.shl (local.get $cb) (i32.const 2))',
      (o, vec) => [0, 1, 2, 3].map((q) => `(v128.store32_lane offset=${16 * q} ${q} ${o} ${vec})`).join(' ')),
    '    ;; the products, one per point ξ of the tile transform',
    `    ${set('xi', i32(0))}`,
    '    (loop $xloop',
    `      (call $gemm ${get('nt')} ${get('N')} ${get('C')} ${add(get('u'), mul(get('xi'), get('us')))} (i32.shl (local.get $C) (i32.const 4))`,
    `        ${add(get('v'), mul(get('xi'), get('vs')))} ${add(get('m'), mul(get('xi'), get('ms')))} (i32.shl (local.get $N) (i32.const 2)) ${i32(4)} ${get('s')} ${i32(0)})`,
    `      ${set('xi', add(get('xi'), i32(1)))}`,
    `      (br_if $xloop (i32.lt_s (local.get $xi) ${i32(a * a)})))`,
    ...outputTransform(a, AT, relaxed),
    '  )',
  );

  // ---- the filter gradient: for a block of tiles, U_ξ = Bᵀ·d·B of x's tiles (as `gemm`'s A
  // panels of 4 channels, tiles k-major: ξ at u + ξ·4·C·nt, channel c of tile i at
  // u + ⌊c/4⌋·16·nt + i·16 + (c mod 4)·4) and ∂M_ξ = A·dy·Aᵀ of dy's 2×2 tiles (as B panels of 8
  // output channels: ξ at b + ξ·4·⌈N/8⌉·8·nt), then ∂V_ξ[C×N] += U_ξᵀ·∂M_ξ at acc + ξ·4·C·N.
  const gparams = ['x', 'H', 'W', 'C', 'pt', 'pl', 'tw', 'thw', 't0', 'nt', 'dy', 'Ho', 'Wo', 'N', 'u', 'b', 'acc', 's', 'zero'];
  l.push(
    `  (func (export "wgblock${r}") ${gparams.map((p) => `(param $${p} i32)`).join(' ')}`,
    ...blockLocals(a),
    `    ${set('us', mul('(i32.shl (local.get $C) (i32.const 2))', get('nt')))}`,
    `    ${set('vs', mul('(i32.shl (i32.and (i32.add (local.get $N) (i32.const 7)) (i32.const -8)) (i32.const 2))', get('nt')))}`,
    `    ${set('ms', '(i32.shl (i32.mul (local.get $C) (local.get $N)) (i32.const 2))')}`,
    ...inputTransform(a, BT, relaxed, '(i32.shl (local.get $i) (i32.const 4))', mul(get('cb'), get('nt')), (o, vec) => `(v128.store ${o} ${vec})`),
    ...dyTransform(a, AT, relaxed),
    `    ${set('xi', i32(0))}`,
    '    (loop $xloop',
    `      (call $gemm ${get('C')} ${get('N')} ${get('nt')} ${add(get('u'), mul(get('xi'), get('us')))} (i32.shl (local.get $nt) (i32.const 4))`,
    `        ${add(get('b'), mul(get('xi'), get('vs')))} ${add(get('acc'), mul(get('xi'), get('ms')))} (i32.shl (local.get $N) (i32.const 2)) ${i32(4)} ${get('s')} ${i32(1)})`,
    `      ${set('xi', add(get('xi'), i32(1)))}`,
    `      (br_if $xloop (i32.lt_s (local.get $xi) ${i32(a * a)})))`,
    '  )',
  );

  // ---- ∂g = Gᵀ·∂V·G, ∂V the sum of `parts` accumulators (part p at acc + p·ps, in order), into
  // dw[r][r][C][N], 4 output channels a vector
  l.push(
    `  (func (export "wgout${r}") (param $acc i32) (param $parts i32) (param $ps i32) (param $C i32) (param $N i32) (param $dw i32)`,
    '    (local $ci i32) (local $cb i32) (local $nb i32) (local $ms i32) (local $o i32) (local $p i32) (local $q i32)',
    `    ${locals('d', a, a, 'v128')} ${locals('h', r, a, 'v128')}`,
    `    ${set('nb', '(i32.shl (local.get $N) (i32.const 2))')}`,
    `    ${set('ms', mul(get('C'), get('nb')))}`,
    ...filterLoops,
    `        ${set('o', add(add(get('acc'), mul(get('ci'), get('nb'))), get('cb')))}`,
  );
  for (const i of A) for (const j of A) l.push(`        ${set(`d${i}_${j}`, `(v128.load ${add(get('o'), mul(i32(i * a + j), get('ms')))})`)}`);
  l.push(
    `        ${set('p', i32(1))}`,
    '        (block $pdone (loop $ploop',
    '          (br_if $pdone (i32.ge_s (local.get $p) (local.get $parts)))',
    `          ${set('q', add(get('o'), mul(get('p'), get('ps'))))}`,
  );
  for (const i of A) for (const j of A) l.push(`          ${set(`d${i}_${j}`, `(f32x4.add ${get(`d${i}_${j}`)} (v128.load ${add(get('q'), mul(i32(i * a + j), get('ms')))}))`)}`);
  l.push(
    `          ${set('p', add(get('p'), i32(1)))}`,
    '          (br $ploop)))',
  );
  for (const i of R) for (const j of A) l.push(`        ${set(`h${i}_${j}`, lin(A.map((q) => [G[q][i], get(`d${q}_${j}`)]), relaxed))}`);
  l.push(`        ${set('o', add(add(get('dw'), mul(get('ci'), get('nb'))), get('cb')))}`);
  for (const i of R) for (const j of R) l.push(`        (v128.store ${add(get('o'), mul(i32(i * r + j), get('ms')))} ${lin(A.map((q) => [G[q][j], get(`h${i}_${q}`)]), relaxed)})`);
  l.push(...filterLoopEnds, '  )');
  return l;
}

const blockLocals = (a) => [
  '    (local $i i32) (local $t i32) (local $n i32) (local $th i32) (local $tc i32) (local $ih i32) (local $iw i32) (local $base i32)',
  '    (local $cb i32) (local $cn i32) (local $nb i32) (local $rowb i32) (local $out i32) (local $o i32) (local $us i32) (local $vs i32) (local $ms i32) (local $xi i32)',
  `    ${grid('p', a, a, 'i32')} ${grid('d', a, a, 'v128')} ${grid('e', a, a, 'v128')} ${grid('z', 2, a, 'v128')}`,
];
const grid = (prefix, n1, n2, type) => [...Array(n1).keys()].flatMap((i) => [...Array(n2).keys()].map((j) => `(local $${prefix}${i}_${j} ${type})`)).join(' ');

// tile i = t − t0 → t, image n, tile row th and column tc
const tileCoords = [
  `${set('t', add(get('t0'), get('i')))}`,
  `${set('n', '(i32.div_u (local.get $t) (local.get $thw))')}`,
  `${set('th', '(i32.sub (local.get $t) (i32.mul (local.get $n) (local.get $thw)))')}`,
  `${set('tc', '(i32.rem_u (local.get $th) (local.get $tw))')}`,
  `${set('th', '(i32.div_u (local.get $th) (local.get $tw))')}`,
];

// the tile loop over [t0, t0 + nt) of an output-shaped tensor (Ho×Wo, N channels): tile i's
// coordinates, its top-left pixel (ih, iw) and that pixel's address `base` in `tensor`
const outputTiles = (tensor) => [
  `    ${set('nb', '(i32.shl (local.get $N) (i32.const 2))')}`,
  `    ${set('i', i32(0))}`,
  '    (block $odone (loop $oloop',
  '      (br_if $odone (i32.ge_s (local.get $i) (local.get $nt)))',
  ...tileCoords.map((s) => `      ${s}`),
  `      ${set('ih', '(i32.shl (local.get $th) (i32.const 1))')}`,
  `      ${set('iw', '(i32.shl (local.get $tc) (i32.const 1))')}`,
  `      ${set('base', add(get(tensor), mul(add(mul(add(mul(get('n'), get('Ho')), get('ih')), get('Wo')), get('iw')), get('nb'))))}`,
];
// the ends of a loop over 4 channels at a time (`inner`, its byte offset cb) inside the tile loop (`outer`)
const loopEnds = (inner, outer) => [
  `        ${set('cb', add(get('cb'), i32(16)))}`,
  `        (br $${inner}loop)))`,
  `      ${set('i', add(get('i'), i32(1)))}`,
  `      (br $${outer}loop)))`,
];

// U_ξ = Bᵀ·d·B for tiles [t0, t0 + nt) of x, 4 channels (cb: their byte offset in a pixel) a
// vector; point ξ of tile i goes to u + ξ·us + tileOff(i) + chanOff(cb) through store(addr, vec)
function inputTransform(a, BT, relaxed, tileOff, chanOff, store) {
  const A = [...Array(a).keys()];
  const l = [
    `    ${set('cn', '(i32.shl (local.get $C) (i32.const 2))')}`,
    `    ${set('rowb', mul(get('W'), get('cn')))}`,
    `    ${set('i', i32(0))}`,
    '    (block $idone (loop $iloop',
    '      (br_if $idone (i32.ge_s (local.get $i) (local.get $nt)))',
    ...tileCoords.map((s) => `      ${s}`),
    `      ${set('ih', '(i32.sub (i32.shl (local.get $th) (i32.const 1)) (local.get $pt))')}`,
    `      ${set('iw', '(i32.sub (i32.shl (local.get $tc) (i32.const 1)) (local.get $pl))')}`,
    `      ${set('base', add(get('x'), mul(add(mul(add(mul(get('n'), get('H')), get('ih')), get('W')), get('iw')), get('cn'))))}`,
  ];
  // each input of the tile: its pixel's channels, or the zeros where it falls outside x
  for (const i of A) {
    for (const j of A) {
      l.push(`      ${set(`p${i}_${j}`, `(select ${add(get('base'), add(mul(i32(i), get('rowb')), mul(i32(j), get('cn'))))} ${get('zero')} (i32.and (i32.lt_u ${add(get('ih'), i32(i))} ${get('H')}) (i32.lt_u ${add(get('iw'), i32(j))} ${get('W')})))`)}`);
    }
  }
  l.push(
    `      ${set('out', add(get('u'), tileOff))}`,
    `      ${set('cb', i32(0))}`,
    '      (block $cdone (loop $cloop',
    '        (br_if $cdone (i32.ge_s (local.get $cb) (local.get $cn)))',
  );
  for (const i of A) for (const j of A) l.push(`        ${set(`d${i}_${j}`, `(v128.load ${add(get(`p${i}_${j}`), get('cb'))})`)}`);
  for (const i of A) for (const j of A) l.push(`        ${set(`e${i}_${j}`, lin(A.map((q) => [BT[i][q], get(`d${q}_${j}`)]), relaxed))}`);
  l.push(`        ${set('o', add(get('out'), chanOff))}`);
  for (const i of A) {
    for (const j of A) {
      l.push(`        ${set('d0_0', lin(A.map((q) => [BT[j][q], get(`e${i}_${q}`)]), relaxed))}`, `        ${store(get('o'), get('d0_0'))}`);
      l.push(`        ${set('o', add(get('o'), get('us')))}`);
    }
  }
  l.push(...loopEnds('c', 'i'));
  return l;
}

// Y = Aᵀ·M·A for tiles [t0, t0 + nt): M_ξ of tile i, 4 output channels at m + ξ·ms + i·4·N + cb;
// the 2×2 outputs stored into y where inside Ho×Wo
function outputTransform(a, AT, relaxed) {
  const A = [...Array(a).keys()];
  const l = [
    ...outputTiles('y'),
    `      ${set('out', add(get('m'), mul(get('i'), get('nb'))))}`,
    `      ${set('cb', i32(0))}`,
    '      (block $ndone (loop $nloop',
    '        (br_if $ndone (i32.ge_s (local.get $cb) (local.get $nb)))',
    `        ${set('o', add(get('out'), get('cb')))}`,
  ];
  for (const i of A) for (const j of A) l.push(`        ${set(`d${i}_${j}`, `(v128.load ${add(get('o'), mul(i32(i * a + j), get('ms')))})`)}`);
  for (const i of [0, 1]) for (const j of A) l.push(`        ${set(`z${i}_${j}`, lin(A.map((q) => [AT[i][q], get(`d${q}_${j}`)]), relaxed))}`);
  const yv = (i, j) => lin(A.map((q) => [AT[j][q], get(`z${i}_${q}`)]), relaxed);
  const right = '(i32.lt_s (i32.add (local.get $iw) (i32.const 1)) (local.get $Wo))';
  const below = '(i32.lt_s (i32.add (local.get $ih) (i32.const 1)) (local.get $Ho))';
  l.push(
    `        ${set('o', add(get('base'), get('cb')))}`,
    `        (v128.store ${get('o')} ${yv(0, 0)})`,
    `        (if ${right} (then (v128.store ${add(get('o'), get('nb'))} ${yv(0, 1)})))`,
    `        (if ${below} (then`,
    `          ${set('o', add(get('o'), mul(get('Wo'), get('nb'))))}`,
    `          (v128.store ${get('o')} ${yv(1, 0)})`,
    `          (if ${right} (then (v128.store ${add(get('o'), get('nb'))} ${yv(1, 1)})))))`,
    ...loopEnds('n', 'o'),
  );
  return l;
}

// ∂M_ξ = A·dy·Aᵀ of dy's 2×2 tiles (zeros past Ho×Wo), 4 output channels a vector, as `gemm`'s B
// panels: tile i (the k index), channel co at b + ξ·vs + ⌊co/8⌋·32·nt + i·32 + (co mod 8)·4
function dyTransform(a, AT, relaxed) {
  const A = [...Array(a).keys()];
  // a load only where the pixel is inside dy (past its end may be past the memory's)
  const cond = (c, load) => `(if (result v128) ${c} (then ${load}) (else (v128.const i32x4 0 0 0 0)))`;
  const l = [
    ...outputTiles('dy'),
    `      ${set('rowb', mul(get('Wo'), get('nb')))}`,
    `      ${set('p0_0', '(i32.lt_s (i32.add (local.get $iw) (i32.const 1)) (local.get $Wo))')}`,
    `      ${set('p0_1', '(i32.lt_s (i32.add (local.get $ih) (i32.const 1)) (local.get $Ho))')}`,
    `      ${set('out', add(get('b'), '(i32.shl (local.get $i) (i32.const 5))'))}`,
    `      ${set('cb', i32(0))}`,
    '      (block $ndone (loop $nloop',
    '        (br_if $ndone (i32.ge_s (local.get $cb) (local.get $nb)))',
    `        ${set('o', add(get('base'), get('cb')))}`,
    `        ${set('d0_0', `(v128.load ${get('o')})`)}`,
    `        ${set('d0_1', cond(get('p0_0'), `(v128.load ${add(get('o'), get('nb'))})`))}`,
    `        ${set('d1_0', cond(get('p0_1'), `(v128.load ${add(get('o'), get('rowb'))})`))}`,
    `        ${set('d1_1', cond(`(i32.and ${get('p0_0')} ${get('p0_1')})`, `(v128.load ${add(get('o'), add(get('rowb'), get('nb')))})`))}`,
  ];
  // rows: ∂M = Aᵀᵀ·dy·Aᵀ, so z[u][l] = Σ_v dy[u][v]·Aᵀ[v][l], then ∂M[j][l] = Σ_u Aᵀ[u][j]·z[u][l]
  for (const u of [0, 1]) for (const j of A) l.push(`        ${set(`z${u}_${j}`, lin([0, 1].map((v) => [AT[v][j], get(`d${u}_${v}`)]), relaxed))}`);
  l.push(`        ${set('o', add(add(get('out'), '(i32.mul (i32.shr_u (local.get $cb) (i32.const 5)) (i32.shl (local.get $nt) (i32.const 5)))'), '(i32.and (local.get $cb) (i32.const 31))'))}`);
  for (const j of A) {
    for (const k of A) {
      l.push(`        (v128.store ${get('o')} ${lin([0, 1].map((u) => [AT[u][j], get(`z${u}_${k}`)]), relaxed)})`, `        ${set('o', add(get('o'), get('vs')))}`);
    }
  }
  l.push(...loopEnds('n', 'o'));
  return l;
}
