/**
 * A real Chromium for report tests and the report benchmark, driven by playwright-core: launched
 * headless with a fresh profile and nothing that reaches out by itself (no background networking,
 * component updates, sync or QUIC), and every request a page makes that is not a file: URL is
 * aborted and recorded, so a test can assert that a page tried nothing. Console errors and
 * uncaught exceptions are recorded too.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../core/json-schema.js';
import { findChromium } from './browser-binary.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OfflineBrowser {
  context: BrowserContext;
  /** Opens a file with the network off; errors and attempted requests are collected per page. */
  open(file: string, viewport?: { width: number; height: number }): Promise<OpenedPage>;
  close(): Promise<void>;
}

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Every non-file: request the page tried (all aborted). */
  requests: string[];
}

export async function launchOffline(
  executable = process.env.TIDEMARK_CHROMIUM ?? findChromium(),
): Promise<OfflineBrowser> {
  if (!executable) throw new Error('no Chromium: apt-get install chromium, or set TIDEMARK_CHROMIUM');
  // A fresh profile per launch (playwright passes it as --user-data-dir).
  const profile = mkdtempSync(join(tmpdir(), 'tidemark-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async open(file, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href);
      return { page, errors, requests };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Where tests leave screenshots: TIDEMARK_TEST_OUTPUT, else test-output/ in the checkout (kept
 * after the run, unlike the suites' temp folders; ignored by git).
 */
export function testOutputDir(sub: string): string {
  const dir = join(process.env.TIDEMARK_TEST_OUTPUT ?? join(packageRoot(), 'test-output'), sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}
