// Native half precision under autocast where the adapter offers shader-f16:
// @descent/amp then runs autocast's matmuls as f16 WGSL kernels (f32
// accumulation, the result rounded to the f16 grid). Checked against the
// emulation on cpu (the same rounding of inputs and outputs around a float32
// matmul): equal up to summation order, so nearly all values bit for bit.
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@descent/core';
import { autocast } from '@descent/amp';
import { on, randn } from './parity.mjs';

export async function nativeF16(gpu, adapter, timeMs, { quick }) {
  if (!adapter.capabilities.float16) return { offered: false, pass: true, note: 'the adapter does not offer shader-f16: autocast emulates half precision' };
  const rng = new Generator(4);
  const [m, k, n] = quick ? [128, 256, 128] : [512, 1024, 512];
  const a = randn(rng, m * k);
  const b = randn(rng, k * n);
  const half = () => autocast(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])), { dtype: 'float16' });
  const [[ref], [got]] = [await on('cpu', half), await on(gpu, half)];
  let equal = 0;
  let maxAbs = 0;
  let maxMag = 0;
  for (let i = 0; i < ref.length; i++) {
    if (Object.is(ref[i], got[i])) equal++;
    maxAbs = Math.max(maxAbs, Math.abs(ref[i] - got[i]));
    maxMag = Math.max(maxMag, Math.abs(ref[i]));
  }
  // Speed on the device, native half against float32.
  await tf.setBackend(gpu);
  const [ta, tb] = [tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])];
  const wait = async (make) => {
    const c = tf.tidy(() => tf.slice(make(), [0, 0], [1, 1]));
    await c.data();
    c.dispose();
  };
  const f16ms = await timeMs(() => wait(() => autocast(() => tf.matMul(ta, tb), { dtype: 'float16' })), { warmup: 2, runs: 10, blocks: 2 });
  const f32ms = await timeMs(() => wait(() => tf.matMul(ta, tb)), { warmup: 2, runs: 10, blocks: 2 });
  tf.dispose([ta, tb]);
  const equalFraction = equal / ref.length;
  // A value may round the other way only where its f32 sum sits at an f16 midpoint: one f16 ulp at most.
  const relToMax = maxAbs / maxMag;
  return { offered: true, shape: `${m}×${k} · ${k}×${n}`, equalFraction, maxAbsDiff: maxAbs, relToMax, f16ms, f32ms, pass: equalFraction > 0.99 && relToMax < 2 ** -10 };
}
