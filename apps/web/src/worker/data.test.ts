import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '@feedback-lab/datasets';
import { gunzip, loadDataset, type Fetch } from './data';

function fakeFetch(files: Record<string, Uint8Array>): { fetch: Fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: async (url) => {
      urls.push(url);
      const body = files[url.split('/').pop()!.replace(/\.gz$/, '')];
      return { ok: !!body, status: body ? 200 : 404, arrayBuffer: async () => new Uint8Array(gzipSync(body!)).buffer };
    },
  };
}

const images = (n: number) => encodeIdx([n, 28, 28], new Uint8Array(n * 784).fill(255));
const labels = (n: number) => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10));

describe('loadDataset', () => {
  it('fetches the four gzipped IDX files from <base>mnist/, inflates them and builds the dataset', async () => {
    const { fetch, urls } = fakeFetch({
      'train-images-idx3-ubyte': images(20), 'train-labels-idx1-ubyte': labels(20),
      't10k-images-idx3-ubyte': images(5), 't10k-labels-idx1-ubyte': labels(5),
    });
    const ds = await loadDataset('mnist', fetch);
    expect(urls.sort()).toEqual(['/mnist/t10k-images-idx3-ubyte.gz', '/mnist/t10k-labels-idx1-ubyte.gz', '/mnist/train-images-idx3-ubyte.gz', '/mnist/train-labels-idx1-ubyte.gz']);
    expect([ds.size('train'), ds.size('test'), ds.numClasses]).toEqual([20, 5, 10]);
  });

  it('fetches Fashion-MNIST from <base>fashion-mnist/ and names the dataset', async () => {
    const { fetch, urls } = fakeFetch({
      'train-images-idx3-ubyte': images(20), 'train-labels-idx1-ubyte': labels(20),
      't10k-images-idx3-ubyte': images(5), 't10k-labels-idx1-ubyte': labels(5),
    });
    const ds = await loadDataset('fashion-mnist', fetch);
    expect(urls.every((u) => u.startsWith('/fashion-mnist/'))).toBe(true);
    expect(ds.name).toBe('fashion-mnist');
  });

  it('names the missing file and the HTTP status', async () => {
    const { fetch } = fakeFetch({ 'train-images-idx3-ubyte': images(2) });
    await expect(loadDataset('mnist', fetch)).rejects.toThrow(/could not load train-labels-idx1-ubyte from \/mnist\/train-labels-idx1-ubyte\.gz: HTTP 404/);
  });

  it('inflates gzip and passes bytes that are not gzip through (already inflated in transit)', async () => {
    const raw = new Uint8Array(labels(7));
    expect(await gunzip(new Uint8Array(gzipSync(raw)))).toEqual(raw);
    expect(await gunzip(raw)).toBe(raw);
  });
});
