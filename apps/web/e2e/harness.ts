import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
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

export interface Harness {
  server: Awaited<ReturnType<typeof serveBuild>>;
  browser: Browser;
  /** Page errors and crashes of every page `open` made. */
  pageErrors: string[];
  /** The app at `url` (the harness's server by default) + `query`, once its worker is ready. */
  open(query?: string, o?: { url?: string; height?: number }): Promise<Page>;
}

/** Starts the harness before the file's tests and closes it after them (call inside `describe`). */
export function useHarness(): Harness {
  const h = {
    pageErrors: [] as string[],
    async open(query = '', o: { url?: string; height?: number } = {}): Promise<Page> {
      const page = await h.browser.newPage({ viewport: { width: 1400, height: o.height ?? 1150 } });
      page.on('pageerror', (e) => h.pageErrors.push(e.message));
      page.on('crash', () => h.pageErrors.push('page crashed'));
      await page.goto((o.url ?? h.server.url) + query);
      await page.waitForSelector('[data-testid=status][data-ready=true]', { timeout: 60_000 });
      return page;
    },
  } as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness());
  });
  afterAll(async () => {
    await h.browser?.close();
    await h.server?.close();
  });
  return h;
}
