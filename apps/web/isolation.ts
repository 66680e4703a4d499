import type { Plugin } from 'vite';

/**
 * The headers that make the page cross-origin isolated, which SharedArrayBuffer and so wasm
 * threads need. The dev server, `vite preview` and the e2e server send them; a static host must
 * too (README, "Hosting"). Every resource the app loads is same-origin, so `require-corp` blocks nothing.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** Emits `_headers` (Netlify's and Cloudflare Pages' format) sending them on every file. */
export function isolationHeadersFile(): Plugin {
  return {
    name: 'fbl-isolation-headers',
    apply: 'build',
    generateBundle() {
      const lines = Object.entries(ISOLATION_HEADERS).map(([k, v]) => `  ${k}: ${v}`);
      this.emitFile({ type: 'asset', fileName: '_headers', source: ['/*', ...lines, ''].join('\n') });
    },
  };
}
