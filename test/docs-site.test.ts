// The API reference (scripts/docs.mjs, `npm run docs`): TypeDoc builds it from every published package's entry
// points, it fails on an export without a doc comment or a broken {@link}, and the site renders in headless
// Chromium (Debian's, through @descent/chromium-page's path and flags) with no console error.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@descent/chromium-page';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocs, docEntryPoints } from '../scripts/docs.mjs';

const work = mkdtempSync(join(tmpdir(), 'descent-docs-'));
const site = join(work, 'api');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the API reference build', () => {
  it("documents every published package's entry points, each as a module named for its import", async () => {
    const entries = docEntryPoints();
    const names = entries.map((e) => e.name);
    for (const name of ['@descent/core', '@descent/core/testing', '@descent/optim', '@descent/lr-schedule/plot-png', '@descent/backend-webgpu (browser)', '@descent/trainer']) {
      expect(names).toContain(name);
    }
    const counts = await buildDocs({ out: site, log: () => {} });
    expect(counts.modules).toBe(entries.length);
    expect(counts.reflections).toBeGreaterThan(3000);
    console.log(`API reference: ${counts.modules} modules, ${counts.reflections} reflections, built in ${counts.seconds.toFixed(1)} s`);
    for (const page of ['index.html', 'modules/_descent_core.html', 'classes/_descent_optim.AdamW.html', 'functions/_descent_core.useBackend.html']) {
      expect(existsSync(join(site, page)), page).toBe(true);
    }
  });

  it('fails on an export or class member without a doc comment, and on a link to nothing', async () => {
    const dir = join(work, 'fixture');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@descent/docs-fixture', version: '0.0.0', type: 'module' }));
    writeFileSync(join(dir, 'README.md'), '# fixture\n');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, types: [] }, include: ['src'] }),
    );
    writeFileSync(
      join(dir, 'src', 'index.ts'),
      [
        '/** Has a comment. */',
        'export function documented(): number { return 1; }',
        'export function undocumentedFunction(): number { return 2; }',
        '/** A class with one undocumented method. */',
        'export class Box {',
        '  /** Has a comment. */',
        '  get(): number { return 1; }',
        '  undocumentedMethod(): void {}',
        '}',
        '/** Points at {@link NoSuchThing}. */',
        'export const linked = 1;',
        '',
      ].join('\n'),
    );
    const build = buildDocs({
      out: join(work, 'fixture-site'),
      entries: [{ name: '@descent/docs-fixture', file: join(dir, 'src', 'index.ts'), packageName: '@descent/docs-fixture' }],
      tsconfig: join(dir, 'tsconfig.json'),
      readme: join(dir, 'README.md'),
      log: () => {},
      quiet: true,
    });
    const error = await build.then(
      () => new Error('the build passed'),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/the API reference is incomplete/);
    expect(error.message).toMatch(/undocumentedFunction .*does not have any documentation/);
    expect(error.message).toMatch(/Box\.undocumentedMethod .*does not have any documentation/);
    expect(error.message).toMatch(/NoSuchThing/);
    expect(error.message).not.toMatch(/\bdocumented \(/);
    expect(existsSync(join(work, 'fixture-site'))).toBe(false);
  });
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** Serves the built site from 127.0.0.1, as a static host would. */
async function serveSite(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(site, path.endsWith('/') ? `${path}index.html` : path);
    // The browser asks for one; TypeDoc's site has none.
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!file.startsWith(site) || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe('the API reference in headless Chromium', () => {
  let browser: Browser;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    if (!existsSync(join(site, 'index.html'))) throw new Error('the site was not built (see the build test)');
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run bash scripts/provision.d/chromium.sh`);
    ({ server, url: base } = await serveSite());
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  /** Opens a page; resolves to its title, main heading, text and every console error, page error or failed request. */
  async function open(path: string) {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    await page.goto(base + path, { waitUntil: 'load' });
    // main.js builds the sidebar from navigation.js (it holds only 'Loading...' before).
    await page.waitForSelector('#tsd-nav-container a', { state: 'attached', timeout: 15_000 });
    const navLinks = await page.locator('#tsd-nav-container a').count();
    return { page, problems, title: await page.title(), h1: (await page.locator('h1').first().innerText()).trim(), text: await page.locator('.col-content').innerText(), navLinks };
  }

  it('renders the index: the readme and every module in the navigation', async () => {
    const { page, problems, title, text, navLinks } = await open('index.html');
    expect(problems).toEqual([]);
    expect(title).toBe('Descent');
    expect(text).toContain('Every exported symbol of every published Descent package');
    expect(navLinks).toBeGreaterThanOrEqual(docEntryPoints().length);
    const nav = await page.locator('#tsd-nav-container').innerText();
    for (const name of ['@descent/core', '@descent/optim', '@descent/trainer']) expect(nav).toContain(name);
    await page.close();
  });

  it("renders a class page, AdamW's, with its comment, constructor and methods", async () => {
    const { page, problems, h1, text } = await open('classes/_descent_optim.AdamW.html');
    expect(problems).toEqual([]);
    expect(h1).toBe('Class AdamW');
    expect(text).toContain('decoupled weight decay');
    for (const member of ['constructor', 'step', 'stateDict', 'loadStateDict', 'zeroGrad']) expect(text).toContain(member);
    await page.close();
  });

  it("renders a function page, useBackend's, with its comment and signature", async () => {
    const { page, problems, h1, text } = await open('functions/_descent_core.useBackend.html');
    expect(problems).toEqual([]);
    expect(h1).toBe('Function useBackend');
    expect(text).toContain('Activates an execution backend');
    expect(text).toContain('BackendAdapter');
    await page.close();
  });

  it('finds AdamW with the search box', async () => {
    const { page, problems } = await open('index.html');
    await page.locator('#tsd-search-trigger').click();
    await page.locator('#tsd-search-input').fill('AdamW');
    const hit = page.locator('#tsd-search-results a', { hasText: 'AdamW' }).first();
    await hit.waitFor({ timeout: 15_000 });
    expect(await hit.getAttribute('href')).toContain('classes/_descent_optim.AdamW.html');
    expect(problems).toEqual([]);
    await page.close();
  });
});
