import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the Quick start job trains on the default backend and its loss falls', () => {
  const out = execFileSync('node', ['train.mjs', '--epochs=1', '--samples=3200'], {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out).toMatch(/^backend: wasm /m);
  const losses = [...out.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
  expect(losses.length).toBeGreaterThanOrEqual(1);
  // Untrained, the cross-entropy of 10 classes is ln(10) = 2.30.
  expect(losses.at(-1)!).toBeLessThan(1.2);
  const acc = Number(/test accuracy (\d+\.\d)%/.exec(out)![1]);
  expect(acc).toBeGreaterThan(75);
  expect(out).toMatch(/tensors alive at the end: 8$/m);
});
