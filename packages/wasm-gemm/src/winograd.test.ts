import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { winogradFits, type ConvShape } from './gemm';
import { installWasmGemm, relaxedSimdSupported, uninstallWasmGemm, WINOGRAD_FILTER_GRAD, winogradFilterGradFits } from './index';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});
afterEach(() => uninstallWasmGemm());

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  pad: Pad;
}

// Winograd shapes: both filter sizes, odd outputs (part tiles), N not a multiple of 8, the
// fewest channels, many blocks of tiles (batch 8 of cifar-conv's second layer), asymmetric pads
const CASES: Case[] = [
  { x: [8, 16, 16, 32], f: [5, 5, 32, 64], pad: 'same' },
  { x: [3, 9, 7, 32], f: [5, 5, 32, 20], pad: 'same' },
  { x: [2, 12, 11, 8], f: [5, 5, 8, 12], pad: 'valid' },
  { x: [2, 10, 10, 16], f: [3, 3, 16, 8], pad: 'same' },
  { x: [1, 7, 5, 8], f: [3, 3, 8, 8], pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
  { x: [4, 5, 5, 12], f: [3, 3, 12, 36], pad: 'valid' },
];

const shapeOf = (c: Case): ConvShape => {
  const i = tf.backend_util.computeConv2DInfo(c.x, c.f, 1, 1, c.pad, undefined, false, 'channelsLast');
  return { batch: i.batchSize, inH: i.inHeight, inW: i.inWidth, inC: i.inChannels, kh: i.filterHeight, kw: i.filterWidth, outC: i.outChannels,
    outH: i.outHeight, outW: i.outWidth, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: i.padInfo.top, padLeft: i.padInfo.left };
};

/** Worst |a − b| ÷ max |b|. */
const relErr = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / (tf.max(tf.abs(b)).dataSync()[0]! + 1e-30));
/** Elements of a and b that differ in bits. */
const differing = (a: tf.Tensor, b: tf.Tensor) => {
  const [u, v] = [new Uint32Array(a.dataSync().buffer), new Uint32Array(b.dataSync().buffer)];
  return u.reduce((n, bits, i) => n + (bits === v[i] ? 0 : 1), 0);
};

/** ∂L/∂filter the way core computes it without Winograd: a convolution of x with dy, batch and channels swapped. */
function filterGradByConv(x: tf.Tensor4D, dy: tf.Tensor4D, s: ConvShape): tf.Tensor4D {
  return tf.tidy(() => {
    const bottom = s.kh - 1 + s.outH - s.inH - s.padTop;
    const right = s.kw - 1 + s.outW - s.inW - s.padLeft;
    const out = tf.conv2d(tf.transpose(x, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1,
      [[0, 0], [s.padTop, Math.max(0, bottom)], [s.padLeft, Math.max(0, right)], [0, 0]]);
    return tf.transpose(tf.slice(out, [0, 0, 0, 0], [s.inC, s.kh, s.kw, s.outC]), [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

const variants = relaxedSimdSupported() ? (['simd', 'relaxed'] as const) : (['simd'] as const);

describe('wasm-gemm Winograd F(2×2, r×r) convolutions', () => {
  it('takes stride-1, undilated 3×3 and 5×5 convolutions with channels in multiples of 4 (at least 8), nothing else', () => {
    const base = shapeOf(CASES[0]!);
    expect(CASES.every((c) => winogradFits(shapeOf(c)))).toBe(true);
    for (const bad of [{ strideH: 2 }, { dilationW: 2 }, { inC: 3 }, { inC: 4 }, { outC: 50 }, { kh: 3 }, { kh: 7, kw: 7 }, { kh: 1, kw: 1 }]) {
      expect(winogradFits({ ...base, ...bad })).toBe(false);
    }
  });

  it('forward: matches XNNPACK within 1e-5 relative and is another algorithm than the im2col product (both variants)', () => {
    const before = tf.memory().numTensors;
    const errs: [string, string, number][] = [];
    for (const variant of variants) {
      for (const c of CASES) {
        const x = tf.randomUniform(c.x, -1, 1, 'float32', 7) as tf.Tensor4D;
        const f = tf.randomUniform(c.f, -1, 1, 'float32', 8) as tf.Tensor4D;
        uninstallWasmGemm();
        const stock = tf.conv2d(x, f, 1, c.pad);
        installWasmGemm({ variant, winograd: false });
        const im2col = tf.conv2d(x, f, 1, c.pad);
        installWasmGemm({ variant });
        const ours = tf.conv2d(x, f, 1, c.pad);
        errs.push([variant, JSON.stringify(c), relErr(ours, stock)]);
        expect(differing(ours, im2col)).toBeGreaterThan(0);
        tf.dispose([x, f, stock, im2col, ours]);
      }
    }
    expect(errs.filter(([, , e]) => !(e < 1e-5))).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('filter gradient: matches the im2col route within 1e-5 relative (both variants)', () => {
    const before = tf.memory().numTensors;
    const errs: [string, string, number][] = [];
    for (const variant of variants) {
      installWasmGemm({ variant });
      for (const c of CASES) {
        const s = shapeOf(c);
        const x = tf.randomUniform(c.x, -1, 1, 'float32', 3) as tf.Tensor4D;
        const dy = tf.randomUniform([s.batch, s.outH, s.outW, s.outC], -1, 1, 'float32', 4) as tf.Tensor4D;
        const attrs = { filterShape: c.f, padTop: s.padTop, padLeft: s.padLeft };
        expect(winogradFilterGradFits(x.shape, dy.shape, attrs)).toBe(true);
        const ours = tf.engine().runKernel(WINOGRAD_FILTER_GRAD, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
        const ref = filterGradByConv(x, dy, s);
        expect(ours.shape).toEqual(c.f);
        errs.push([variant, JSON.stringify(c), relErr(ours, ref)]);
        tf.dispose([x, dy, ours, ref]);
      }
    }
    expect(errs.filter(([, , e]) => !(e < 1e-5))).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('filter gradient: offered only while installed with Winograd on, and refuses what does not fit in one line', () => {
    const attrs = { filterShape: [5, 5, 32, 64] as [number, number, number, number], padTop: 2, padLeft: 2 };
    const [xs, dys] = [[2, 8, 8, 32], [2, 8, 8, 64]];
    expect(winogradFilterGradFits(xs, dys, attrs)).toBe(false);
    installWasmGemm({ variant: 'simd', winograd: false });
    expect(winogradFilterGradFits(xs, dys, attrs)).toBe(false);
    installWasmGemm({ variant: 'simd' });
    expect(winogradFilterGradFits(xs, dys, attrs)).toBe(true);
    expect(winogradFilterGradFits([2, 8, 8, 32], [2, 8, 8, 60], attrs)).toBe(false); // dy's channels are not the filter's
    const x = tf.zeros([2, 8, 8, 3]);
    const dy = tf.zeros([2, 8, 8, 64]);
    expect(() => tf.engine().runKernel(WINOGRAD_FILTER_GRAD, { x, dy }, { ...attrs, filterShape: [5, 5, 3, 64] } as unknown as tf.NamedAttrMap))
      .toThrow(/^FblWinogradFilterGrad: no Winograd filter gradient for x \[2,8,8,3\], dy \[2,8,8,64\], filter \[5,5,3,64\] \(ask winogradFilterGradFits first\)$/);
    tf.dispose([x, dy]);
    uninstallWasmGemm();
    expect(tf.getKernel(WINOGRAD_FILTER_GRAD, 'wasm')).toBeUndefined();
  });
});
