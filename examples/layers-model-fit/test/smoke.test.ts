// A smoke run of model.fit: 300 steps (3 epochs of 3200 images, batch 32), not the full 3 epochs of 60000.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { getCosineScheduleWithWarmup } from '@descent/lr-schedule';
import { parseRunLog } from '@descent-examples/node-wasm/testing';

const dir = join(import.meta.dirname, '..');

it('model.fit with AdamW and a cosine-with-warmup callback: the loss falls, the lr follows the schedule batch by batch, no tensor leaks', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--quick', '--threads=1'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const { backend, steps, accuracy } = parseRunLog(out);
  expect(backend).toBe('wasm');
  expect(steps.map((s) => s.step)).toEqual([50, 100, 150, 200, 250, 300]);
  const losses = steps.map((s) => s.loss);
  expect(losses.at(-1)!).toBeLessThan(0.6);
  expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
  expect(accuracy).toHaveLength(3);
  expect(accuracy.at(-1)!).toBeGreaterThan(0.75);

  // The lr each log line shows is the optimizer's after the callback stepped the scheduler that many times.
  const reference = { paramGroups: [{ lr: 1e-3 }] };
  const schedule = getCosineScheduleWithWarmup(reference, { numWarmupSteps: 30, numTrainingSteps: 300 });
  const expected: number[] = [];
  for (let k = 1; k <= 300; k++) {
    schedule.step();
    if (k % 50 === 0) expected.push(reference.paramGroups[0]!.lr);
  }
  steps.forEach((s, i) => expect(s.lr).toBeCloseTo(expected[i]!, 5)); // printed with 3 significant digits
  expect(steps.at(-1)!.lr).toBe(0);

  // Mid-epoch lines and epoch-end lines each hold one count (tfjs-layers keeps a couple more at an epoch's end).
  expect(new Set(steps.filter((s) => s.step % 100 === 50).map((s) => s.tensors)).size).toBe(1);
  expect(new Set(steps.filter((s) => s.step % 100 === 0).map((s) => s.tensors)).size).toBe(1);
});

it('typechecks in strict mode', () => {
  execFileSync(process.execPath, [join(dir, '../../node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
});
