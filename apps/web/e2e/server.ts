import { fileURLToPath } from 'node:url';
import { preview, type PreviewServer } from 'vite';

/** Serves the production build (dist/) on a free localhost port with `vite preview`. */
export async function serveBuild(): Promise<{ url: string; close(): Promise<void> }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server: PreviewServer = await preview({
    root, logLevel: 'warn', configFile: false,
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}
