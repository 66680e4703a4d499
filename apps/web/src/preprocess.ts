/** Side of the MNIST image and of the box its digits are scaled into (LeCun et al. 1998). */
const SIDE = 28;
const BOX = 20;

/**
 * Turns a drawing (one intensity per pixel, 0..1, row-major `width`×`height`) into a 784-vector
 * the way MNIST was made: crop to the ink, scale the longer side to 20 px with area averaging,
 * then place it in 28×28 with its centre of mass at the centre. Returns null when nothing is drawn.
 *
 * @example
 * const x = toMnist(gray, 280, 280); // Float32Array(784) or null
 */
export function toMnist(ink: ArrayLike<number>, width: number, height: number, threshold = 0.05): Float32Array | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > threshold) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const s = BOX / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * s));
  const th = Math.max(1, Math.round(h * s));
  const small = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) small[ty * tw + tx] = boxMean(ink, width, x0 + tx / s, y0 + ty / s, 1 / s, x1 + 1, y1 + 1);
  }
  let mass = 0, cx = 0, cy = 0;
  small.forEach((v, i) => {
    mass += v;
    cx += v * (i % tw);
    cy += v * Math.floor(i / tw);
  });
  // Shift so the centre of mass lands on the image centre, keeping the digit inside the frame.
  const ox = clamp(Math.round(SIDE / 2 - 0.5 - cx / mass), 0, SIDE - tw);
  const oy = clamp(Math.round(SIDE / 2 - 0.5 - cy / mass), 0, SIDE - th);
  const out = new Float32Array(SIDE * SIDE);
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) out[(oy + ty) * SIDE + ox + tx] = Math.min(1, small[ty * tw + tx]!);
  }
  return out;
}

/** Mean of `ink` over the square [sx, sx+size) × [sy, sy+size), with fractional edges. */
function boxMean(ink: ArrayLike<number>, width: number, sx: number, sy: number, size: number, xEnd: number, yEnd: number): number {
  let sum = 0, area = 0;
  for (let y = Math.floor(sy); y < Math.min(yEnd, Math.ceil(sy + size)); y++) {
    const fy = Math.min(y + 1, sy + size) - Math.max(y, sy);
    for (let x = Math.floor(sx); x < Math.min(xEnd, Math.ceil(sx + size)); x++) {
      const f = fy * (Math.min(x + 1, sx + size) - Math.max(x, sx));
      sum += f * ink[y * width + x]!;
      area += f;
    }
  }
  return area > 0 ? sum / area : 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
