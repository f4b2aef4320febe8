import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { kernelCases } from '../../optim/src/index.js';

/** The AdamStep fused op with `n`-element inputs made from JS arrays (no heap reuse), and AdamW-like attributes. */
export function adamCase(n: number) {
  const op = kernelCases().find((c) => c.op.name === 'AdamStep')!.op;
  const r = (seed: number, f: (x: number) => number) => tf.tensor1d(Float32Array.from({ length: n }, (_, i) => f(Math.sin(seed * 1e4 + i * 1.618))));
  const inputs = { param: r(1, (x) => x), grad: r(2, (x) => x), expAvg: r(3, (x) => 0.1 * x), expAvgSq: r(4, (x) => 0.01 * x * x) };
  const attrs = { maximize: false, weightDecay: 0.01, paramScale: 1, beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 0.001, eps: 1e-8, stepSize: 0.003, biasCorrection2Sqrt: 0.05 };
  return { op, inputs, attrs };
}

/** Checks the kernel's outputs against the composite fallback on the same inputs, element by element; disposes both. */
export async function expectMatchesFallback(c: ReturnType<typeof adamCase>, fast: Record<string, tf.Tensor>): Promise<void> {
  const ref = c.op.fallback(c.inputs, c.attrs);
  for (const name of c.op.outputs) {
    const a = await fast[name].data();
    const b = await ref[name].data();
    let bad = 0;
    for (let i = 0; i < b.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-6 + 1e-5 * Math.abs(b[i]))) bad++;
    expect(bad, name).toBe(0);
  }
  tf.dispose([...Object.values(fast), ...Object.values(ref)]);
}
