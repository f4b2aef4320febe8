import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf } from '@descent/core';
import { expect } from 'vitest';

const OUTPUTS = ['param', 'expAvg', 'expAvgSq'] as const;
type Outputs = Record<(typeof OUTPUTS)[number], tf.Tensor>;

/**
 * The AdamStep wasm kernel, called by its tfjs kernel name (this package's tests
 * do not import @descent/optim, which defines the op), on `n`-element inputs made
 * from JS arrays (no heap reuse), with AdamW-like attributes.
 */
export function adamCase(n: number) {
  const values = (seed: number, f: (x: number) => number) => Float32Array.from({ length: n }, (_, i) => f(Math.sin(seed * 1e4 + i * 1.618)));
  const data = { param: values(1, (x) => x), grad: values(2, (x) => x), expAvg: values(3, (x) => 0.1 * x), expAvgSq: values(4, (x) => 0.01 * x * x) };
  const inputs = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, tf.tensor1d(v)])) as Record<keyof typeof data, tf.Tensor>;
  const attrs = { maximize: false, weightDecay: 0.01, paramScale: 1, beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 0.001, eps: 1e-8, stepSize: 0.003, biasCorrection2Sqrt: 0.05 };
  const run = (): Outputs => {
    const out = tf.engine().runKernel(kernelNameOf('AdamStep'), inputs, attrs) as tf.Tensor[];
    return { param: out[0], expAvg: out[1], expAvgSq: out[2] };
  };
  return { data, inputs, attrs, run };
}

/** Adam's step (KERNELS.md of @descent/optim) in float64 on the case's arrays: the reference. */
function adamReference({ data, attrs: a }: ReturnType<typeof adamCase>): Record<keyof Outputs, Float64Array> {
  const n = data.param.length;
  const out = { param: new Float64Array(n), expAvg: new Float64Array(n), expAvgSq: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const g = data.grad[i] + a.weightDecay * data.param[i];
    const m = a.beta1 * data.expAvg[i] + a.oneMinusBeta1 * g;
    const v = a.beta2 * data.expAvgSq[i] + a.oneMinusBeta2 * g * g;
    out.param[i] = data.param[i] * a.paramScale - (m * a.stepSize) / (Math.sqrt(v) / a.biasCorrection2Sqrt + a.eps);
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
  }
  return out;
}

/** Checks the kernel's outputs against the float64 reference, element by element; disposes them. */
export async function expectMatchesReference(c: ReturnType<typeof adamCase>, fast: Outputs): Promise<void> {
  const ref = adamReference(c);
  for (const name of OUTPUTS) {
    const a = await fast[name].data();
    const b = ref[name];
    let bad = 0;
    for (let i = 0; i < b.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-6 + 1e-5 * Math.abs(b[i]))) bad++;
    expect(bad, name).toBe(0);
  }
  tf.dispose(Object.values(fast));
}
