// Shapes of the convolutions and poolings this package runs, and which convolutions take
// Winograd's F(2×2, r×r) (scripts/winograd-wat.mjs).

/**
 * A 2-D convolution's shape (NHWC input, filter [kh, kw, inC, outC], output [batch, outH, outW,
 * outC]), as tfjs's `computeConv2DInfo` gives it.
 */
export interface ConvShape {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kh: number;
  kw: number;
  outC: number;
  outH: number;
  outW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

/** A 2-D pooling's shape (NHWC), as tfjs's `computePool2DInfo` gives it. */
export interface PoolShape {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
  strideH: number;
  strideW: number;
  filterH: number;
  filterW: number;
  padTop: number;
  padLeft: number;
}

/** Filter sizes with a Winograd F(2×2, r×r) kernel (scripts/winograd-wat.mjs). */
export const WINOGRAD_SIZES: readonly number[] = [3, 5];
/** Channels (in and out) from which a Winograd convolution pays (scripts/bench-conv.ts). */
export const WINOGRAD_MIN_CHANNELS = 8;

/**
 * Whether `convolve` runs `g` by Winograd's F(2×2, r×r): stride 1, no dilation, a square filter
 * of a size in WINOGRAD_SIZES, channels multiples of 4 and at least WINOGRAD_MIN_CHANNELS.
 */
export function winogradFits(g: ConvShape): boolean {
  return g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1 && g.kh === g.kw && WINOGRAD_SIZES.includes(g.kh)
    && g.inC % 4 === 0 && g.outC % 4 === 0 && g.inC >= WINOGRAD_MIN_CHANNELS && g.outC >= WINOGRAD_MIN_CHANNELS;
}

/** A Winograd convolution's sizes: filter r, tile α = r + 1, channels, output tiles per row, per image and in all. */
export const tiles = (g: ConvShape) => {
  const tw = Math.ceil(g.outW / 2);
  const thw = Math.ceil(g.outH / 2) * tw;
  return { r: g.kh, a: g.kh + 1, C: g.inC, N: g.outC, tw, thw, T: g.batch * thw };
};
