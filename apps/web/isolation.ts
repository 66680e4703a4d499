/**
 * The headers that make the page cross-origin isolated, which SharedArrayBuffer and so wasm
 * threads need. The dev server, `vite preview` and the e2e server send them; a static host must
 * too (README, "Hosting"). Every resource the app loads is same-origin, so `require-corp` blocks nothing.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;
