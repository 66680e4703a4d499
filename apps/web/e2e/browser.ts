import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; CI installs it with apt (no Playwright browser download). */
export const CHROMIUM = process.env.FBL_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for a closed network and a root user: without the background-networking flags Chromium
 * keeps trying to reach Google's hosts. WebGL still works through SwiftShader with --disable-gpu.
 * `webgpu` adds the SwiftShader Vulkan adapter (slow, for correctness only).
 */
export function launchFlags(o: { webgpu?: boolean } = {}): string[] {
  const base = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader',
  ];
  if (!o.webgpu) return base;
  return [...base.filter((f) => f !== '--disable-gpu'), '--enable-unsafe-webgpu', '--enable-features=Vulkan',
    '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
}

export function launchChromium(o: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set FBL_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: launchFlags(o) });
}
