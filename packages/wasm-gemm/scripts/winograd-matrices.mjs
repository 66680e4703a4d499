// The transforms of Winograd's minimal filtering algorithm F(m, r) (Lavin & Gray 2016, "Fast
// Algorithms for Convolutional Neural Networks"): a correlation of m outputs with an r-tap filter
// over α = m + r − 1 inputs is y = Aᵀ[(G·g) ⊙ (Bᵀ·d)], with α multiplications instead of m·r;
// in 2-D Y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A, α² instead of m²·r².
//
// Aᵀ and G come from the interpolation points p (finite ones, then ∞) as in Toom–Cook:
// Aᵀ[i][j] = p_j^i, G[j][k] = p_j^k / Π_{l≠j}(p_j − p_l); the ∞ point's column of Aᵀ and row
// of G pick the highest coefficient. Bᵀ is then the unique solution of
// Σ_j Aᵀ[i][j]·G[j][k]·Bᵀ[j][s] = [s = i + k] (the algorithm computes the correlation), found
// here by least squares on those m·r equations per column and checked to be exact.
const POINTS = { 3: [0, 1, -1], 5: [0, 1, -1, 2, -2] };

export function winogradMatrices(r, m = 2) {
  const p = POINTS[r];
  if (!p || p.length !== m + r - 2) throw new Error(`no points for F(${m}, ${r})`);
  const a = m + r - 1;
  const AT = [...Array(m)].map((_, i) => [...p.map((x) => x ** i), i === m - 1 ? 1 : 0]);
  const G = [
    ...p.map((x, j) => {
      const f = p.reduce((acc, y, l) => (l === j ? acc : acc * (x - y)), 1);
      return [...Array(r)].map((_, k) => x ** k / f);
    }),
    [...Array(r)].map((_, k) => (k === r - 1 ? 1 : 0)),
  ];
  const BT = [...Array(a)].map(() => Array(a).fill(0));
  for (let s = 0; s < a; s++) {
    // rows: (i, k); unknowns: Bᵀ[j][s]
    const rows = [];
    const rhs = [];
    for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) { rows.push([...Array(a)].map((_, j) => AT[i][j] * G[j][k])); rhs.push(s === i + k ? 1 : 0); }
    const x = leastSquares(rows, rhs);
    const resid = Math.max(...rows.map((row, q) => Math.abs(row.reduce((acc, v, j) => acc + v * x[j], 0) - rhs[q])));
    if (resid > 1e-9) throw new Error(`F(${m}, ${r}): no exact Bᵀ (residual ${resid})`);
    x.forEach((v, j) => (BT[j][s] = Math.abs(v - Math.round(v)) < 1e-9 ? Math.round(v) : v));
  }
  return { m, r, a, AT, G, BT };
}

function leastSquares(rows, rhs) {
  const n = rows[0].length;
  // normal equations (RᵀR) x = Rᵀb, Gauss–Jordan with partial pivoting
  const M = [...Array(n)].map((_, i) => [
    ...[...Array(n)].map((_, j) => rows.reduce((acc, row) => acc + row[i] * row[j], 0)),
    rows.reduce((acc, row, q) => acc + row[i] * rhs[q], 0),
  ]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(M[i][c]) > Math.abs(M[piv][c])) piv = i;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let i = 0; i < n; i++) {
      if (i === c) continue;
      const f = M[i][c] / M[c][c];
      for (let j = c; j <= n; j++) M[i][j] -= f * M[c][j];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}
