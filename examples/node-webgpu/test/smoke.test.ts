// Smoke runs of the seed recipe on WebGPU (Dawn on Mesa's lavapipe, which offers shader-f16): 300 steps.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { icdPath } from '@descent/backend-webgpu/testing';
import { expectTrains, parseRunLog, type RunLog } from '@descent-examples/node-wasm/testing';

const dir = join(import.meta.dirname, '..');
const run = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--quick', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VK_ICD_FILENAMES: icdPath('lavapipe'), VK_DRIVER_FILES: undefined },
  });

describe('the seed recipe on WebGPU in Node', () => {
  let webgpu: RunLog;

  it('runs on lavapipe with native f16 (shader-f16), the loss falls, no tensor leaks', () => {
    const out = run();
    expect(out).toMatch(/^backend: webgpu \(float16 native; .*"driver":"lavapipe"/m);
    webgpu = parseRunLog(out);
    expectTrains(webgpu);
  });

  it('the Trainer call trains the same on WebGPU (its first epoch)', () => {
    const trainer = parseRunLog(run('--loop=trainer', '--steps=100'));
    expect(trainer.backend).toBe('webgpu');
    expect(trainer.steps.map((s) => s.step)).toEqual([50, 100]);
    trainer.steps.forEach((s, i) => expect(s.loss).toBeCloseTo(webgpu.steps[i]!.loss, 2));
    expect(trainer.accuracy[0]!).toBeCloseTo(webgpu.accuracy[0]!, 2);
  });

  it('gives the wasm run\'s losses up to summation order (native f16 rounds as the emulation does)', () => {
    const wasm = parseRunLog(run('--backend=wasm', '--threads=1'));
    expect(wasm.backend).toBe('wasm');
    wasm.steps.forEach((s, i) => expect(webgpu.steps[i]!.loss).toBeCloseTo(s.loss, 2));
    wasm.accuracy.forEach((a, i) => expect(webgpu.accuracy[i]!).toBeCloseTo(a, 2));
  });

  it('typechecks in strict mode', () => {
    execFileSync(process.execPath, [join(dir, '../../node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
  });
});
