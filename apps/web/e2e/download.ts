import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Download } from 'playwright-core';
import { useBackend } from '@feedback-lab/test-utils';

/**
 * Saves the app's downloads (model.json, weights.bin) and serves them over http, so stock
 * `tf.loadLayersModel` resolves weights.bin from model.json as it would online; `use` gets the
 * loaded model (on the cpu backend), and the files, server and model are gone afterwards.
 */
export async function withDownloadedModel<T>(downloads: readonly Download[], use: (model: tfl.LayersModel) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fbl-web-download-'));
  const server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(dir, decodeURIComponent(req.url!.slice(1)))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  try {
    for (const d of downloads) await d.saveAs(join(dir, d.suggestedFilename()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await useBackend('cpu');
    const model = await tfl.loadLayersModel(`http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`);
    try {
      return await use(model);
    } finally {
      model.dispose();
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** max |got − want| / max(1, max |want|): logits compared relative to their size. */
export function relativeDiff(got: readonly number[], want: readonly number[]): number {
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]!))) / Math.max(1, ...want.map(Math.abs));
}
