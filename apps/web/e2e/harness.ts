import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { DIST, serveBuild } from './server';

/** Where the e2e tests write screenshots and downloads (`$FBL_E2E_OUT`, or apps/web/e2e-output). */
export const OUT = process.env.FBL_E2E_OUT ?? fileURLToPath(new URL('../e2e-output/', import.meta.url));

/** What every e2e file starts from: the production build served on localhost and a headless Chromium. */
export async function startHarness(): Promise<{ server: Awaited<ReturnType<typeof serveBuild>>; browser: Browser }> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`no build at ${DIST}; run "pnpm --filter @feedback-lab/web build" first`);
  mkdirSync(OUT, { recursive: true });
  const server = await serveBuild();
  return { server, browser: await launchChromium() };
}
