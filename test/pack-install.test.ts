// The packages as a user gets them: every tarball `pnpm pack` wrote (pack.setup.ts) installed with plain
// npm into a fresh project outside the repository (no workspace links, tfjs and the rest from the npm
// registry through a kept cache), then trained on from ESM, CJS, a script outside the project, a browser
// bundle in headless Chromium and the `descent` command. A second project holds only core and optim.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runInChromium } from './pack-install/chromium.ts';
import { tarballs, type Packed } from './pack.setup.ts';

const here = import.meta.dirname;
const repo = join(here, '..');
// npm's cache outlives the temporary projects, so later runs install from disk.
const NPM_CACHE = join(repo, 'node_modules', '.cache', 'descent-pack-install-npm');
const work = mkdtempSync(join(tmpdir(), 'descent-pack-install-'));
const app = join(work, 'app');
const coreOnly = join(work, 'core-and-optim');
const outside = join(work, 'outside');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a user's shell: pnpm's NODE_PATH (which require() follows into the workspace's
 * packages), npm_* settings and the workspace's node_modules/.bin on PATH are left out.
 */
const cleanEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(NODE_PATH|NODE_OPTIONS|npm_|PNPM_|VITEST|INIT_CWD)/i.test(key))),
  PATH: (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules')).join(':'),
  npm_config_cache: NPM_CACHE,
  npm_config_update_notifier: 'false',
};

function run(cmd: string, args: string[], cwd: string, timeoutMs = 150_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The `RESULT {...}` line a script printed; throws with its output when it failed. */
function result<T>(r: Run, what: string): T {
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.code !== 0 || !line) throw new Error(`${what} exited ${r.code}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

/** steps.mjs as CommonJS: the same code for require(). */
function commonJS(source: string): string {
  const names = [...source.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]);
  return `${source.replace(/^export (async )?function/gm, '$1function')}\nmodule.exports = { ${names.join(', ')} };\n`;
}

async function npmInstall(dir: string, specs: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `descent-pack-install-${dir.split('/').pop()}`, private: true }, null, 2)}\n`);
  const r = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], dir, 300_000);
  if (r.code !== 0) throw new Error(`npm install in ${dir} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  const steps = readFileSync(join(here, 'pack-install', 'steps.mjs'), 'utf8');
  for (const file of readdirSync(join(here, 'pack-install')).filter((f) => /\.(mjs|cjs)$/.test(f))) cpSync(join(here, 'pack-install', file), join(dir, file));
  writeFileSync(join(dir, 'steps.cjs'), commonJS(steps));
}

interface TrainReport {
  adapter: string;
  backend: string;
  steps: number;
  warmup: number;
  lr: number;
  losses: number[];
  lrs: number[];
  scales: number[];
  tensors: number[];
}

/** transformers' get_cosine_schedule_with_warmup: the lr each step ran with. */
function cosineWithWarmup(step: number, { steps, warmup, lr }: TrainReport): number {
  if (step < warmup) return (lr * step) / Math.max(1, warmup);
  return lr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((step - warmup) / Math.max(1, steps - warmup)))));
}

function expectTrained(r: TrainReport): void {
  expect([r.adapter, r.backend]).toEqual(['wasm', 'wasm']);
  expect(r.losses).toHaveLength(r.steps);
  expect(r.losses.every(Number.isFinite)).toBe(true);
  expect(r.losses.at(-1)!).toBeLessThan(r.losses[0] * 0.5);
  r.lrs.forEach((lr, step) => expect(lr).toBeCloseTo(cosineWithWarmup(step, r), 12));
  // No overflow in this problem: the scale stays at torch's initial 2^16.
  expect(r.scales).toEqual(r.scales.map(() => 2 ** 16));
  // No tensor leaks: the count is flat from the first step (the optimizer's state is made then).
  expect(new Set(r.tensors).size).toBe(1);
}

/** `names` and every Descent package they depend on or peer-depend on (not optionally), transitively. */
function required(names: string[], all: Packed[]): string[] {
  const out = new Set<string>();
  const visit = (name: string) => {
    const p = all.find((q) => q.name === name);
    if (!p || out.has(name)) return;
    out.add(name);
    const optional = p.manifest.peerDependenciesMeta ?? {};
    const deps = [...Object.keys(p.manifest.dependencies ?? {}), ...Object.keys(p.manifest.peerDependencies ?? {}).filter((d) => !optional[d]?.optional)];
    deps.forEach(visit);
  };
  names.forEach(visit);
  return [...out];
}

const packed = inject('packed');
let installed: Promise<Packed[]> | undefined;
beforeAll(() => {
  installed = (async () => {
    const all = tarballs(packed);
    const pick = (name: string) => all.find((p) => p.name === name)!.tarball;
    mkdirSync(outside, { recursive: true });
    await npmInstall(app, all.map((p) => p.tarball));
    // What `npm install @descent/core @descent/optim` would bring: they and the Descent packages they require.
    await npmInstall(coreOnly, required(['@descent/core', '@descent/optim'], all).map(pick));
    return all;
  })();
  // A failed install fails each test with its message; the hook itself only waits.
  return installed.then(
    () => undefined,
    () => undefined,
  );
}, 600_000);

describe('the packed tarballs installed with plain npm', () => {
  it('install into a fresh project: real folders, one tfjs-core, every peer satisfied', async () => {
    const all = await installed!;
    for (const p of all) {
      const dir = join(app, 'node_modules', p.name);
      expect(lstatSync(dir).isSymbolicLink(), `${p.name} is a link`).toBe(false);
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version).toBe(p.version);
    }
    const copies = (root: string): string[] =>
      readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(join('@tensorflow', 'tfjs-core', 'package.json')));
    expect(copies(join(app, 'node_modules'))).toEqual([join('@tensorflow', 'tfjs-core', 'package.json')]);
    // npm ls exits 1 on a missing or invalid (peer) dependency.
    const ls = await run('npm', ['ls', '--all', '--omit=optional'], app);
    expect(ls.code, ls.stdout + ls.stderr).toBe(0);
  });

  let esm: TrainReport;
  it('ESM: AdamW, cosine with warmup and a GradScaler train on wasm, picked by name', async () => {
    await installed;
    esm = result<TrainReport>(await run('node', ['run-esm.mjs'], app), 'run-esm.mjs');
    expectTrained(esm);
  });

  it('CJS: the same steps through require(), with the same numbers', async () => {
    await installed;
    const cjs = result<TrainReport>(await run('node', ['run-cjs.cjs'], app), 'run-cjs.cjs');
    expectTrained(cjs);
    expect(cjs.losses).toEqual(esm.losses);
  });

  it("a script outside the project imports the project's packages and picks wasm by name", async () => {
    await installed;
    const script = join(outside, 'run-outside.mjs');
    cpSync(join(here, 'pack-install', 'run-outside.mjs'), script);
    cpSync(join(here, 'pack-install', 'steps.mjs'), join(outside, 'steps.mjs'));
    const r = result<TrainReport>(await run('node', ['--experimental-import-meta-resolve', script, app], outside), 'run-outside.mjs');
    expectTrained(r);
    expect(r.losses).toEqual(esm.losses);
  });

  it('bundled for the browser with esbuild, the same code trains on wasm in headless Chromium', async () => {
    await installed;
    const bundle = await build({
      entryPoints: [join(app, 'page.mjs')],
      absWorkingDir: app,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
    expect(bundle.warnings.map((w) => w.text)).toEqual([]);
    const page = await runInChromium<TrainReport>(
      bundle.outputFiles[0].text,
      join(app, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
      'descentPackInstall',
    );
    expect(page.errors).toEqual([]);
    expectTrained(page.result);
    // tfjs-wasm's browser build (SIMD, one thread on a page that is not cross-origin isolated) against Node's.
    page.result.losses.forEach((loss, i) => expect(Math.abs(loss - esm.losses[i])).toBeLessThanOrEqual(1e-5 * Math.abs(esm.losses[i])));
  });

  it('runs the Trainer: npx descent train mnist --epochs 1 --samples 2000', async () => {
    await installed;
    // --no: never fetch a package named `descent` from the registry; the installed bin or nothing.
    const r = await run('npx', ['--no', 'descent', 'train', 'mnist', '--epochs', '1', '--samples', '2000'], app);
    expect(r.code, r.stdout.slice(-3000) + r.stderr.slice(-3000)).toBe(0);
    const summary = /test accuracy ([\d.]+)% \(test loss ([\d.]+)\) on 10000 mnist test images after 1 epoch \((\d+) steps, [\d.]+ s on (\w+)\)/.exec(r.stdout);
    expect(summary, r.stdout.slice(-2000)).not.toBeNull();
    const [, accuracy, , steps, backend] = summary!;
    expect(backend).toBe('wasm');
    expect(Number(steps)).toBe(Math.ceil(2000 / 64));
    expect(Number(accuracy)).toBeGreaterThan(80);
    const runDir = /run directory: (\S+)/.exec(r.stdout)![1];
    for (const file of ['model.safetensors', 'metrics.jsonl', 'config.json']) expect(existsSync(join(app, runDir, file)), file).toBe(true);
  });
});

describe('only @descent/core and @descent/optim installed (and the Descent packages they require), no backend', () => {
  for (const script of ['fallback.mjs', 'fallback.cjs']) {
    it(`${script}: useBackend() prints the cpu-fallback notice, then AdamW trains on cpu`, async () => {
      await installed;
      expect(readdirSync(join(coreOnly, 'node_modules', '@descent')).filter((d) => d.startsWith('backend-'))).toEqual([]);
      const r = await run('node', [script], coreOnly);
      const report = result<{ adapter: string; backend: string; losses: number[] }>(r, script);
      expect(r.stderr).toMatch(/the wasm backend could not start .*@descent\/backend-wasm.*falling back to the cpu backend/);
      expect([report.adapter, report.backend]).toEqual(['cpu', 'cpu']);
      expect(report.losses.at(-1)!).toBeLessThan(report.losses[0] * 0.5);
    });
  }
});

describe('bundlers keep what an import registers (sideEffects)', () => {
  type Registrations = { kernels: string[]; gradients: string[]; tensorMethods: string[]; backends: string[] };

  /** Every entry point the tarballs export for `import`, with the Descent packages its package depends on. */
  function entries(all: Packed[]): { entry: string; deps: string[] }[] {
    return all.flatMap((p) => {
      const deps = Object.keys({ ...p.manifest.dependencies, ...p.manifest.peerDependencies }).filter((d) => all.some((q) => q.name === d));
      return Object.entries((p.manifest.exports ?? {}) as Record<string, unknown>)
        .filter(([key, value]) => key !== './package.json' && typeof value === 'object' && value !== null && 'import' in value)
        .map(([key]) => ({ entry: p.name + key.slice(1), deps }));
    });
  }

  it("a bare import of every entry point, bundled by esbuild, keeps what the package's own files register", async () => {
    const all = await installed!;
    const mismatches: string[] = [];
    const dir = join(app, 'bundles');
    mkdirSync(dir, { recursive: true });
    const check = async ({ entry, deps }: { entry: string; deps: string[] }, i: number) => {
      // Tree shaking on, the Descent packages bundled; anything else stays external, as the app's own.
      const out = await build({
        stdin: { contents: `import '${entry}';\n`, resolveDir: app, sourcefile: 'app.mjs' },
        outfile: join(dir, `${i}.mjs`),
        bundle: true,
        format: 'esm',
        platform: 'node',
        treeShaking: true,
        logLevel: 'silent',
        plugins: [{ name: 'external', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@descent/') ? undefined : { path: a.path, external: true })) }],
      });
      // What the package itself registers: its import's, after its Descent dependencies registered theirs.
      const [direct, bundled] = await Promise.all([
        run('node', ['registrations.mjs', entry, ...deps], app).then((r) => result<Registrations>(r, `import ${entry}`)),
        run('node', ['registrations.mjs', `./bundles/${i}.mjs`, ...deps], app).then((r) => result<Registrations>(r, `bundled ${entry}`)),
      ]);
      const own = Object.values(direct).some((names) => names.length > 0);
      // esbuild warns where it drops a bare import of a file marked side-effect free: fine unless that file registers.
      if (own) mismatches.push(...out.warnings.map((w) => `${entry}: esbuild: ${w.text}`));
      for (const key of Object.keys(direct) as (keyof Registrations)[]) {
        const lost = direct[key].filter((name) => !bundled[key].includes(name));
        if (lost.length) mismatches.push(`${entry}: the bundle drops ${lost.length} ${key} (${lost.slice(0, 3).join(', ')}${lost.length > 3 ? ', …' : ''})`);
      }
      if (entry === '@descent/core') {
        // What a bare `import '@descent/core'` is for: tfjs-core's gradients and chained ops.
        expect(bundled.gradients.length).toBeGreaterThan(100);
        expect(bundled.tensorMethods).toContain('flatten');
      }
    };
    // Two entries at a time (four Node processes).
    const queue = entries(all).map((e, i) => [e, i] as const);
    await Promise.all([0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await check(...next);
    }));
    mismatches.sort();
    expect(mismatches).toEqual([]);
  });
});
