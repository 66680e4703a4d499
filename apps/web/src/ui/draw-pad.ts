import { toMnist } from '../preprocess';
import { byId, h } from './dom';

/**
 * The digit pad: white ink on black like MNIST. After each stroke the drawing is converted to a
 * 784-vector and handed to `onDigit`; `showPrediction` renders the network's answer.
 */
export function setupDrawPad(onDigit: (pixels: Float32Array) => void) {
  const canvas = byId<HTMLCanvasElement>('pad');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    byId('prediction').textContent = '?';
    byId('probs').replaceChildren();
  };
  clear();
  let last: { x: number; y: number } | undefined;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 20;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  });
  const end = () => {
    if (!last) return;
    last = undefined;
    const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const ink = new Float32Array(canvas.width * canvas.height);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[i * 4]! / 255;
    const pixels = toMnist(ink, canvas.width, canvas.height);
    if (pixels) onDigit(pixels);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  byId('clear-pad').addEventListener('click', clear);

  return {
    showPrediction(probs: readonly number[]): void {
      const best = probs.indexOf(Math.max(...probs));
      byId('prediction').textContent = String(best);
      byId('probs').replaceChildren(...probs.map((p, d) =>
        h('div', { class: `bar${d === best ? ' best' : ''}` }, h('span', {}, String(d)),
          h('i', { style: `width:${(p * 100).toFixed(1)}%` }), h('span', {}, `${(p * 100).toFixed(0)}%`))));
    },
  };
}
