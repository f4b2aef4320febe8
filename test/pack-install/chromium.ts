// Runs a bundled page in Debian's headless Chromium (scripts/provision.d/chromium.sh installs it; nothing
// is downloaded): serves the bundle and tfjs-wasm's .wasm files from 127.0.0.1, calls the page's entry
// function and returns its result with the page's console errors.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.DESCENT_CHROMIUM ?? '/usr/bin/chromium';

export interface PageResult<R> {
  result: R;
  /** console.error lines and uncaught errors. */
  errors: string[];
}

export async function runInChromium<R>(bundle: string, wasmDir: string, entry: string, timeoutMs = 60_000): Promise<PageResult<R>> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run bash scripts/provision.d/chromium.sh (or set DESCENT_CHROMIUM)`);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const wasm = join(wasmDir, basename(path));
    if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
    else if (path === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (path.endsWith('.wasm') && existsSync(wasm)) res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(wasm));
    else if (path === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404).end(`not found: ${path}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
    timeout: 30_000,
  });
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(timeoutMs);
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    page.on('pageerror', (err) => errors.push(err.stack ?? err.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction((name) => name in globalThis, entry, { timeout: 15_000 }).catch((err: Error) => {
      throw new Error(`the page never defined ${entry}: ${err.message}\n${errors.join('\n')}`);
    });
    const result = await page.evaluate((name) => (globalThis as unknown as Record<string, () => Promise<R>>)[name](), entry);
    return { result, errors };
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
