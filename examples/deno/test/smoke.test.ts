// Smoke runs of the seed recipe on the Deno 2 binary that the `deno` npm package installed: wasm, then WebGPU.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { icdPath } from '@descent/backend-webgpu/testing';
import { expectTrains, parseRunLog, type RunLog } from '@descent-examples/node-wasm/testing';

const dir = join(import.meta.dirname, '..');
const deno = join(dir, 'node_modules', '.bin', 'deno');
const run = (...args: string[]) =>
  execFileSync(deno, ['run', '--allow-all', 'src/main.ts', '--quick', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VK_ICD_FILENAMES: icdPath('lavapipe'), VK_DRIVER_FILES: undefined, NO_COLOR: '1' },
  });

describe('the seed recipe on Deno', () => {
  let wasm: RunLog;

  it('is Deno 2, from node_modules', () => {
    expect(execFileSync(deno, ['--version'], { encoding: 'utf8' })).toMatch(/^deno 2\.\d+\.\d+ /);
  });

  it('trains on wasm (one thread): the loss falls, the test accuracy passes 85%, no tensor leaks', () => {
    const out = run();
    expect(out).toMatch(/^backend: wasm .*"threads":1/m);
    wasm = parseRunLog(out);
    expectTrains(wasm);
  });

  it('the Trainer call gives the hand-written loop\'s losses on Deno too', () => {
    const trainer = parseRunLog(run('--loop=trainer', '--steps=100'));
    expect(trainer.steps.map((s) => s.loss)).toEqual(wasm.steps.slice(0, 2).map((s) => s.loss));
  });

  it("trains on Deno's own WebGPU (lavapipe): the adapter finds that f16 does not round there and emulates it, as on wasm", () => {
    const out = run('--backend=webgpu', '--steps=200');
    expect(out).toMatch(/^backend: webgpu .*"driver":"lavapipe"/m);
    expect(out).toContain('note: native f16 off: the device offers shader-f16 but does not round to f16');
    const { steps } = parseRunLog(out);
    expect(steps.map((s) => s.step)).toEqual([50, 100, 150, 200]);
    steps.forEach((s, i) => expect(s.loss).toBeCloseTo(wasm.steps[i]!.loss, 2));
  });

  it('typechecks in strict mode', () => {
    execFileSync(process.execPath, [join(dir, '../../node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
  });
});
