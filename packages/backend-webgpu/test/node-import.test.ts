// The built package from plain Node, outside vitest: an ESM script that
// activates it through @descent/core, a CJS script, and an ESM script in a
// process whose only Vulkan driver does not exist.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { icdPath } from '../src/testing.js';

const pkgDir = join(import.meta.dirname, '..');

function node(args: string[], icd: string): { status: number | null; stdout: string; stderr: string } {
  for (const dist of [join(pkgDir, 'dist', 'index.js'), join(pkgDir, 'dist', 'index.cjs')]) {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`pnpm --filter @descent/backend-webgpu... build\` first`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: icd };
  delete env.VK_DRIVER_FILES;
  const r = spawnSync(process.execPath, args, { cwd: pkgDir, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The last stdout line, which the scripts print as JSON. */
function report(r: { status: number | null; stdout: string; stderr: string }): Record<string, unknown> {
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const ESM = `
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { webgpuAdapter } from '@descent/backend-webgpu';
const adapter = await useBackend(webgpuAdapter);
const c = tf.matMul(tf.ones([40, 30]), tf.fill([30, 20], 0.5), false, false);
const v = await c.data();
console.log(JSON.stringify({ same: adapter === webgpuAdapter, backend: tf.getBackend(), driver: adapter.capabilities.info.driver, f16: adapter.capabilities.float16, v: v[0], n: v.length }));
`;

const CJS = `
const tf = require('@tensorflow/tfjs-core');
const { webgpuAdapter, createWebGPUAdapter } = require('@descent/backend-webgpu');
webgpuAdapter.init().then(async () => {
  const c = tf.matMul(tf.ones([40, 30]), tf.fill([20, 30], 0.25), false, true);
  const v = await c.data();
  console.log(JSON.stringify({ factory: typeof createWebGPUAdapter, backend: tf.getBackend(), driver: webgpuAdapter.capabilities.info.driver, v: v[0], n: v.length }));
});
`;

describe('the built package in plain Node', () => {
  it('imports from an ESM script; useBackend activates it on lavapipe', () => {
    const r = report(node(['--input-type=module', '-e', ESM], icdPath('lavapipe')));
    expect(r).toEqual({ same: true, backend: 'webgpu', driver: 'lavapipe', f16: true, v: 15, n: 800 });
  });

  it('requires from a CJS script and runs on SwiftShader', () => {
    const r = report(node(['-e', CJS], icdPath('swiftshader')));
    expect(r).toEqual({ factory: 'function', backend: 'webgpu', driver: 'SwiftShader', v: 7.5, n: 800 });
  });

  it('fails in a child process whose VK_ICD_FILENAMES names a missing file, saying so', () => {
    const missing = '/nonexistent/descent-child/icd.json';
    const r = node(['--input-type=module', '-e', "import { webgpuAdapter } from '@descent/backend-webgpu'; await webgpuAdapter.init();"], missing);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('WebGPUUnavailableError: WebGPU: Dawn found no GPU adapter');
    expect(r.stderr).toContain(`VK_ICD_FILENAMES=${missing} selects the Vulkan driver: ${missing} does not exist`);
    expect(r.stderr).toMatch(/apt-get install mesa-vulkan-drivers\/bookworm-backports libvulkan1/);
  });
});
