// Smoke runs of the seed recipe on the Bun binary that the `bun` npm package installed.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectTrains, parseRunLog, type RunLog } from '@descent-examples/node-wasm/testing';

const dir = join(import.meta.dirname, '..');
const bun = join(dir, 'node_modules', '.bin', 'bun');
const run = (...args: string[]) => execFileSync(bun, ['src/main.ts', '--quick', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the seed recipe on Bun', () => {
  let hand: RunLog;

  it('is Bun, from node_modules', () => {
    expect(execFileSync(bun, ['--version'], { encoding: 'utf8' })).toMatch(/^1\.\d+\.\d+/);
    expect(execFileSync(bun, ['-e', 'console.log(typeof Bun.version)'], { encoding: 'utf8' }).trim()).toBe('string');
  });

  it('trains on wasm: the loss falls, the test accuracy passes 85%, no tensor leaks', () => {
    const out = run();
    expect(out).toMatch(/^backend: wasm /m);
    hand = parseRunLog(out);
    expectTrains(hand);
  });

  it("the Trainer call gives the hand-written loop's losses on Bun too", () => {
    const trainer = parseRunLog(run('--loop=trainer', '--steps=100'));
    expect(trainer.steps.map((s) => s.loss)).toEqual(hand.steps.slice(0, 2).map((s) => s.loss));
  });

  it('typechecks in strict mode', () => {
    execFileSync(process.execPath, [join(dir, '../../node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
  });
});
