import { fileURLToPath } from 'node:url';
import { preview, type PreviewServer } from 'vite';
import { ISOLATION_HEADERS } from '../isolation';

/**
 * Serves the production build (dist/) on a free localhost port with `vite preview`, with the
 * cross-origin isolation headers unless `isolated` is false (a host that cannot send them).
 */
export async function serveBuild(o: { isolated?: boolean } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server: PreviewServer = await preview({
    root, logLevel: 'warn', configFile: false,
    preview: { host: '127.0.0.1', port: 0, strictPort: false, headers: o.isolated === false ? {} : ISOLATION_HEADERS },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}
