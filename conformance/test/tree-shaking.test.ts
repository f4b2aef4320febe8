// @descent/core registers gradients and tensor chained ops on import. A bundler
// that honours package.json's sideEffects must keep that code: bundle tiny apps
// with esbuild (tree shaking on), run them in Node, and check the registrations.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const out = mkdtempSync(join(here, '.tree-shaking-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const CHECK = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
await tf.setBackend('cpu');
const g = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]));
console.log(JSON.stringify({ grad: Array.from(g.dataSync()), flatten: typeof tf.ones([2, 2]).flatten === 'function' }));
`;

async function run(name: string, imports: string): Promise<{ grad: number[]; flatten: boolean }> {
  const entry = join(out, `${name}.mjs`);
  writeFileSync(entry, `${imports}\n${CHECK}`);
  const outfile = join(out, `${name}.bundle.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    treeShaking: true,
    nodePaths: [join(here, '..', 'node_modules')],
    // One tfjs-core for the app and Descent, resolved at run time as an app's would be.
    external: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'],
    logLevel: 'silent',
  });
  return JSON.parse(execFileSync('node', [outfile], { cwd: join(here, '..'), encoding: 'utf8' }).trim().split('\n').pop()!);
}

describe('bundlers keep @descent/core registrations', () => {
  it("a bare import '@descent/core' registers gradients and chained ops", async () => {
    expect(await run('bare', "import '@descent/core';")).toEqual({ grad: [2, 4], flatten: true });
  });

  it('a named import that uses neither still registers them', async () => {
    expect(await run('named', "import { Generator } from '@descent/core';\nnew Generator(1);")).toEqual({ grad: [2, 4], flatten: true });
  });
});
