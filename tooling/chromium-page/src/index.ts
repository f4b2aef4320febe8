// Runs a test page script in Debian's headless Chromium: bundles it with esbuild, serves it (and
// tfjs-wasm's .wasm files) from 127.0.0.1, and returns what the page reports.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM_PATH = process.env.DESCENT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * --enable-unsafe-webgpu is what exposes WebGPU on Linux; the swiftshader
 * flags pin the adapter to SwiftShader, so results do not depend on a GPU
 * or its driver. The rest keep a headless root run quiet and offline.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface PageRun<R = unknown> {
  report: R;
  /** Wall-clock milliseconds of each phase. */
  timings: { bundle: number; launch: number; load: number; run: number };
  /** The page's console output, for diagnosis. */
  console: string[];
}

/** Bundles the page from the built packages (their dist), as an app would. */
async function bundlePage(entry: string): Promise<string> {
  // No externals and no shims: a package that imports a Node built-in or Dawn's
  // `webgpu` where a browser would load it fails here, as it would in an app.
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: dirname(entry),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  }).catch((err: Error) => {
    throw new Error(`esbuild could not bundle the test page for a browser (platform: 'browser'): ${err.message}`, { cause: err });
  });
  return result.outputFiles[0].text;
}

function wasmFiles(): Map<string, string> {
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const names = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  return new Map(names.map((name) => [name, join(dist, name)]));
}

const INDEX_HTML = '<!doctype html><meta charset="utf-8"><title>descent webgpu test</title><script type="module" src="/page.js"></script>\n';

/** Serves the page, its bundle and the .wasm files, under any directory the wasm loader looks in. */
async function serve(bundle: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const wasm = wasmFiles();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const wasmPath = wasm.get(basename(path));
    res.setHeader('cache-control', 'no-store');
    if (isolated) {
      // Cross-origin isolation: what a page needs for SharedArrayBuffer, so tfjs-wasm runs its threaded build.
      res.setHeader('cross-origin-opener-policy', 'same-origin');
      res.setHeader('cross-origin-embedder-policy', 'require-corp');
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(INDEX_HTML);
    } else if (path === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (wasmPath) {
      // application/wasm lets the page use WebAssembly.instantiateStreaming.
      res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(wasmPath));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/` };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface PageOptions {
  timeoutMs?: number;
  /** Serve the page cross-origin isolated (COOP + COEP headers). Default false. */
  isolated?: boolean;
  /** The page's global function to call. Default `descentBrowserTest`. */
  entry?: string;
  /** Absolute path of the page script to bundle. */
  page: string;
}

/** Runs the page in headless Chromium and returns its report; throws with the page's console on failure. */
export async function runPageInChromium<R = unknown>(options: PageOptions): Promise<PageRun<R>> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const entry = options.entry ?? 'descentBrowserTest';
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run bash scripts/provision.d/chromium.sh (or set DESCENT_CHROMIUM)`);
  }
  const t0 = performance.now();
  const bundle = await bundlePage(options.page);
  const t1 = performance.now();
  const { server, url } = await serve(bundle, options.isolated === true);
  const userDataDir = mkdtempSync(join(tmpdir(), 'descent-chromium-'));
  const consoleLines: string[] = [];
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30_000,
    });
    try {
      const t2 = performance.now();
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(timeoutMs);
      page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
      page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.stack ?? err.message}`));
      await page.goto(url, { waitUntil: 'load' });
      // A module that fails to load never defines the entry point: fail with its console.
      await page.waitForFunction((name) => name in globalThis, entry, { timeout: 15_000 });
      const t3 = performance.now();
      const report = await withDeadline(
        page.evaluate((name) => (globalThis as unknown as Record<string, () => Promise<R>>)[name](), entry),
        timeoutMs,
        'the page',
      );
      const t4 = performance.now();
      return { report, timings: { bundle: t1 - t0, launch: t2 - t1, load: t3 - t2, run: t4 - t3 }, console: consoleLines };
    } finally {
      await context.close();
    }
  } catch (err) {
    const log = consoleLines.length ? `\npage console:\n  ${consoleLines.join('\n  ')}` : '';
    throw new Error(`${(err as Error).message}${log}`, { cause: err });
  } finally {
    await closeServer(server);
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
