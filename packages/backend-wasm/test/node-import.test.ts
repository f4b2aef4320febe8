import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// Inside the package's node_modules, so the scripts resolve its dependencies as an app would.
const work = join(root, 'node_modules', '.cache', 'descent-node-import-test');

const body = `
  const adapter = await useBackend(wasmAdapter);
  const y = tf.matMul(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.tensor2d([1, 1, 1, 0, 0, 0], [2, 3]), false, true);
  console.log(JSON.stringify({ backend: tf.getBackend(), info: adapter.capabilities.info, y: Array.from(await y.data()) }));
`;

function run(file: string): { backend: string; info: Record<string, unknown>; y: number[] } {
  // The timeout also catches a worker thread that would keep Node alive after the script ends.
  const out = execFileSync(process.execPath, [file], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const expected = { backend: 'wasm', y: [6, 0, 15, 0] };

describe('the built package in plain Node', () => {
  beforeAll(() => {
    if (!existsSync(join(dist, 'index.js'))) throw new Error(`build @descent/backend-wasm first: ${dist} is missing`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('imports from an ESM script and finds the .wasm files without setWasmPaths', () => {
    const file = join(work, 'app.mjs');
    writeFileSync(
      file,
      `import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { wasmAdapter } from ${JSON.stringify(join(dist, 'index.js'))};
${body}`,
    );
    const result = run(file);
    expect(result).toMatchObject(expected);
    const threads = Math.min(8, os.availableParallelism());
    expect(result.info).toMatchObject({ simd: true, fastMatMul: true, threads, optimThreads: threads });
    expect(String(result.info.wasmFolder)).toMatch(/tfjs-backend-wasm[\\/]dist[\\/]$/);
  });

  it('requires from a CJS script', () => {
    const file = join(work, 'app.cjs');
    writeFileSync(
      file,
      `const tf = require('@tensorflow/tfjs-core');
const { useBackend } = require('@descent/core');
const { wasmAdapter } = require(${JSON.stringify(join(dist, 'index.cjs'))});
(async () => {${body}})();`,
    );
    expect(run(file)).toMatchObject(expected);
  });

  it("works through useBackend('wasm') in an app that installed both packages", () => {
    // The app's node_modules, as npm or pnpm would link them.
    const app = join(work, 'app');
    const scope = join(app, 'node_modules', '@descent');
    mkdirSync(scope, { recursive: true });
    symlinkSync(root, join(scope, 'backend-wasm'), 'dir');
    symlinkSync(realpathSync(join(root, 'node_modules', '@descent', 'core')), join(scope, 'core'), 'dir');
    const file = join(app, 'main.mjs');
    writeFileSync(
      file,
      `import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { wasmAdapter } from '@descent/backend-wasm';
const adapter = await useBackend('wasm');
if (adapter !== wasmAdapter) throw new Error('useBackend loaded a second copy of the adapter');
${body.replace('const adapter = await useBackend(wasmAdapter);', '')}`,
    );
    expect(run(file)).toMatchObject(expected);
  });

  it('still finds the .wasm files once the app is bundled', async () => {
    const { build } = await import('esbuild');
    const source = join(work, 'bundled-src.mjs');
    const appSource = (activate: string) => `import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { wasmAdapter } from ${JSON.stringify(join(dist, 'index.js'))};
import '@tensorflow/tfjs-backend-wasm';
${activate}`;
    const bundle = async (name: string, activate: string) => {
      writeFileSync(source, appSource(activate));
      const outfile = join(work, 'out', name);
      await build({ entryPoints: [source], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'silent', absWorkingDir: work });
      return outfile;
    };
    // The bundle lives in out/: tfjs's default looks for the .wasm files there, and they are not there.
    const stock = await bundle('stock.cjs', `(async () => { console.log(JSON.stringify({ ok: await tf.setBackend('wasm') })); })();`);
    const stockRun = spawnSync(process.execPath, [stock], { cwd: work, encoding: 'utf8' });
    expect(stockRun.stdout).toContain('"ok":false');
    const ours = await bundle('descent.cjs', `(async () => {${body}})();`);
    expect(run(ours)).toMatchObject(expected);
  });
});
