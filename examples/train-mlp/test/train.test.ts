import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the Quick start job trains on the default backend, its loss falls, and no tensor leaks', () => {
  const out = execFileSync('node', ['train.mjs', '--epochs=2', '--samples=6400'], {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out).toMatch(/^backend: wasm /m);
  const losses = [...out.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
  expect(losses.length).toBe(2);
  // Untrained, the cross-entropy of 10 classes is ln(10) = 2.30.
  expect(losses[0]).toBeLessThan(1.2);
  expect(losses[1]).toBeLessThan(losses[0]);
  const acc = [...out.matchAll(/test accuracy (\d+\.\d+)%/g)].map((m) => Number(m[1]));
  expect(acc.at(-1)!).toBeGreaterThan(85);
  const [, afterFirst, atEnd] = /tensors alive: (\d+) after epoch 1, (\d+) at the end/.exec(out)!;
  expect(Number(atEnd)).toBe(Number(afterFirst));
});
