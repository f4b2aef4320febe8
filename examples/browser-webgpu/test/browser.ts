// The app built by Vite and served by `vite preview` on 127.0.0.1, and Debian's
// headless Chromium driving it through playwright-core (no browser download).
// Every console error, page error, failed request and HTTP error of every page
// is collected for the test to fail on.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@descent/chromium-page';

export const APP_ROOT = join(import.meta.dirname, '..');
// Debian's Chromium and the flags that pin WebGPU to SwiftShader: the same as the repository's other browser suites.
export { CHROMIUM_ARGS, CHROMIUM_PATH };

export interface App {
  url: string;
  buildMs: number;
  close(): Promise<void>;
}

/** `vite build` of the app into a temporary folder, then `vite preview` of it on a free loopback port. */
export async function buildAndServe(): Promise<App> {
  const outDir = mkdtempSync(join(tmpdir(), 'descent-browser-webgpu-'));
  const t0 = performance.now();
  await build({ root: APP_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const buildMs = performance.now() - t0;
  let server: PreviewServer;
  try {
    server = await preview({ root: APP_ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false } });
  } catch (err) {
    rmSync(outDir, { recursive: true, force: true });
    throw err;
  }
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview reported no local URL');
  return {
    url,
    buildMs,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  /** Console errors, page errors, failed requests and HTTP errors, as `[page] message`. */
  problems: string[];
  /** Every console line, for diagnosis. */
  console: string[];
  newPage(name: string, init?: () => void): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Session> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run bash scripts/provision.d/chromium.sh (or set DESCENT_CHROMIUM)`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
  // One context: its IndexedDB outlives a page reload, as a browser profile's does.
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const problems: string[] = [];
  const lines: string[] = [];
  return {
    browser,
    context,
    problems,
    console: lines,
    async newPage(name, init) {
      const page = await context.newPage();
      if (init) await page.addInitScript(init);
      page.on('console', (msg) => {
        lines.push(`[${name}] [${msg.type()}] ${msg.text()}`);
        if (msg.type() === 'error') problems.push(`[${name}] console.error: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`[${name}] page error: ${err.stack ?? err.message}`));
      page.on('requestfailed', (req) => problems.push(`[${name}] request failed: ${req.url()} (${req.failure()?.errorText ?? '?'})`));
      page.on('response', (res) => {
        if (res.status() >= 400) problems.push(`[${name}] HTTP ${res.status()}: ${res.url()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      await browser.close();
    },
  };
}
