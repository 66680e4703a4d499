import { fileURLToPath } from 'node:url';
import { preview, type PreviewServer } from 'vite';
import { ISOLATION_HEADERS } from '../isolation';

/**
 * Serves the production build (dist/, or `$FBL_WEB_DIST`) on a free localhost port with `vite
 * preview`, with the cross-origin isolation headers unless `isolated` is false (a host that
 * cannot send them).
 */
/** The build the e2e tests serve: `vite build --outDir <dir>` and `FBL_WEB_DIST=<dir>` to test a build of your own. */
export const DIST = process.env.FBL_WEB_DIST ?? fileURLToPath(new URL('../dist', import.meta.url));

export async function serveBuild(o: { isolated?: boolean } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server: PreviewServer = await preview({
    root, logLevel: 'warn', configFile: false, build: { outDir: DIST },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, headers: o.isolated === false ? {} : ISOLATION_HEADERS },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}
