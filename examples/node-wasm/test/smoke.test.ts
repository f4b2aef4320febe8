// Smoke runs of the seed recipe on wasm: 300 steps (3 epochs of 6400 images), not the full 5 epochs.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectTrains, parseRunLog } from '../src/testing.ts';

const dir = join(import.meta.dirname, '..');
const run = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the seed recipe on wasm in Node', () => {
  let hand: ReturnType<typeof parseRunLog>;

  it('the hand-written loop: the loss falls, the test accuracy passes 85%, no tensor leaks', () => {
    // One thread (the numbers are the same bits on any count, below): a run that competes for the cores stays quick.
    hand = parseRunLog(run('--quick', '--threads=1'));
    expect(hand.backend).toBe('wasm');
    expectTrains(hand); // a loss every 50 of 300 steps
    expect(hand.accuracy).toHaveLength(3);
    expect(hand.steps.every((s) => s.lr === 0.01)).toBe(true); // StepLR per epoch: 3 epochs < step_size 10
  });

  it('the Trainer call runs the same recipe: the same losses and accuracies', () => {
    const trainer = parseRunLog(run('--quick', '--loop=trainer', '--threads=1'));
    expect(trainer.backend).toBe('wasm');
    expect(trainer.steps.map((s) => s.loss)).toEqual(hand.steps.map((s) => s.loss));
    expect(trainer.accuracy).toEqual(hand.accuracy);
    expect(new Set(trainer.steps.map((s) => s.tensors)).size).toBe(1);
  });

  it('--scheduler-step batch steps StepLR after every optimizer step (gamma 0.1 every 10 steps), in both loops', () => {
    for (const loop of ['hand', 'trainer']) {
      const { steps } = parseRunLog(run('--quick', `--loop=${loop}`, '--scheduler-step=batch', '--steps=30', '--log-every=5', '--threads=1'));
      expect(steps.map((s) => [s.step, s.lr])).toEqual([
        [5, 1e-2],
        [10, 1e-3],
        [15, 1e-3],
        [20, 1e-4],
        [25, 1e-4],
        [30, 1e-5],
      ]);
      expect(steps.at(-1)!.loss).toBeLessThan(steps[0]!.loss);
    }
  });

  it("with the default threads (the cores, at most 8), the same losses as on one thread", () => {
    const out = run('--quick', '--steps=100');
    const threads = Math.min(8, availableParallelism());
    expect(out).toContain(`"threads":${threads},`);
    expect(parseRunLog(out).steps.map((s) => s.loss)).toEqual(hand.steps.slice(0, 2).map((s) => s.loss));
  });

  it('typechecks in strict mode', () => {
    execFileSync(process.execPath, [join(dir, '../../node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
  });
});
