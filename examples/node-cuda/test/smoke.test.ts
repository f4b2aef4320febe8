// This machine has no GPU and cannot install libtensorflow (its installer downloads it from
// outside the package registries), so the smoke test runs the example as a user without
// @tensorflow/tfjs-node-gpu does: it must stop before training, with the install command.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '..');
function run(...args: string[]) {
  // pnpm's shims put the whole virtual store on NODE_PATH; an app has no such path.
  const env = { ...process.env, NODE_PATH: undefined };
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--quick', ...args], { cwd: dir, encoding: 'utf8', env });
}

describe('the seed recipe on CUDA, without tfjs-node-gpu installed', () => {
  it('stops with exit code 1 and says what to install, with the exact versions', () => {
    const r = run();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(/^backend:/m);
    expect(r.stderr).toMatch(/^node-cuda: package-missing: @descent\/backend-cuda runs on @tensorflow\/tfjs-node-gpu 4\.22\.0, which was not found/m);
    expect(r.stderr).toContain(`looked from ${join(dir, 'noop.js')}`);
    expect(r.stderr).toContain('Install it: `npm install @tensorflow/tfjs-node-gpu@4.22.0` (libtensorflow 2.9.1 for CUDA 11.2 and cuDNN 8.1, linux-x64)');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--tfjs-node asks for the CPU build instead', () => {
    const r = run('--tfjs-node');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('@descent/backend-cuda runs on @tensorflow/tfjs-node 4.22.0, which was not found');
    expect(r.stderr).toContain('`npm install @tensorflow/tfjs-node@4.22.0`');
  });
});
