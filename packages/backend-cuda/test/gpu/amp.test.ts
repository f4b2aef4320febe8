// amp's kernels bit for bit against their fallbacks on the GPU (special values
// included), and a GradScaler loop: the same losses as on cpu, an overflow
// skipped, no leak.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, manualSeed } from '@descent/core';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { ampRoundHalf, ampUnscale, autocast, GradScaler } from '@descent/amp';
import { crossEntropy, Linear } from '@descent/nn';
import { Adam } from '@descent/optim';
import { beforeAll, describe, expect, it } from 'vitest';
import { startCuda } from './start.js';

beforeAll(startCuda);

const SPECIAL = [0, -0, 1, -1, 65504, 65519.996, 65520, -65520, 6.1e-5, 5.96e-8, 2.98e-8, 1e-40, -1e-40, 3.4e38, Infinity, -Infinity, NaN, 1.00048828125, 1.0009765625];

function values(rng: Generator, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = i < SPECIAL.length ? SPECIAL[i]! : rng.normal() * 2 ** (rng.randint(40) - 20);
  return v;
}

describe('amp kernels on tensorflow (GPU), bit for bit', () => {
  for (const bfloat16 of [false, true]) {
    it(`AmpRoundHalf (${bfloat16 ? 'bfloat16' : 'float16'})`, async () => {
      await assertKernelMatchesFallback(ampRoundHalf, { backend: 'tensorflow', rtol: 0, atol: 0, generate: (rng) => ({ inputs: { x: tf.tensor1d(values(rng, 4096)) }, attrs: { bfloat16 } }) });
      // NaN payloads too: the harness compares NaN as NaN.
      const x = tf.tensor1d(Float32Array.from([NaN, -NaN]));
      const fast = new Uint32Array((await ampRoundHalf({ x }, { bfloat16 }).y.data<'float32'>()).buffer);
      const ref = new Uint32Array((await ampRoundHalf.fallback({ x }, { bfloat16 }).y.data<'float32'>()).buffer);
      expect([...fast]).toEqual([...ref]);
    });
  }

  it('AmpUnscale', async () => {
    await assertKernelMatchesFallback(ampUnscale, {
      backend: 'tensorflow',
      rtol: 0,
      atol: 0,
      generate: (rng, run) => {
        const v = values(rng, 2048);
        if (run % 2 === 0) v.forEach((x, i) => (v[i] = Number.isFinite(x) ? x : 1));
        return { inputs: { grad: tf.tensor2d(v, [32, 64]) }, attrs: { invScale: Math.fround(1 / 2 ** (rng.randint(24))) } };
      },
    });
  });
});

/** Ten steps of a float16 GradScaler loop on one backend, an inf gradient injected at step 4. */
async function scalerLoop(backend: string) {
  await tf.setBackend(backend);
  manualSeed(0);
  const model = new Linear(32, 4);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scaler = new GradScaler();
  const rng = new Generator(1);
  const x = tf.tensor2d(values(rng, 64 * 32).map((v) => (Number.isFinite(v) ? Math.tanh(v) : 0)), [64, 32]);
  const y = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => i % 4), 'int32');
  const losses: number[] = [];
  const stepped: boolean[] = [];
  const scales: number[] = [];
  const before = tf.memory().numTensors;
  for (let step = 0; step < 10; step++) {
    let loss!: tf.Scalar;
    const { grads } = tf.variableGrads(() => {
      loss = tf.keep(autocast(() => crossEntropy(model.forward(x), y) as tf.Scalar, { dtype: 'float16' }));
      return scaler.scale(loss) as tf.Scalar;
    }, model.parameters());
    if (step === 4) {
      const name = Object.keys(grads)[0]!;
      grads[name]!.dispose();
      grads[name] = tf.fill(model.parameters()[0]!.shape, Infinity);
    }
    stepped.push(await scaler.step(optimizer, grads));
    scaler.update();
    scales.push(scaler.getScale());
    losses.push((await loss.data())[0]!);
    tf.dispose([loss, ...Object.values(grads)]);
  }
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, y]);
  optimizer.dispose?.();
  return { losses, stepped, scales, leaked };
}

describe('a GradScaler loop on tensorflow (GPU)', () => {
  it('skips the overflowing step, halves the scale, and follows cpu', async () => {
    const gpu = await scalerLoop('tensorflow');
    const cpu = await scalerLoop('cpu');
    await tf.setBackend('tensorflow');
    expect(gpu.stepped).toEqual([true, true, true, true, false, true, true, true, true, true]);
    expect(gpu.scales).toEqual(cpu.scales);
    expect(gpu.scales[4]).toBe(gpu.scales[3]! / 2);
    gpu.losses.forEach((l, i) => expect(l).toBeCloseTo(cpu.losses[i]!, 4));
    expect(gpu.losses.at(-1)!).toBeLessThan(gpu.losses[0]!);
    expect(gpu.leaked).toBe(0);
  });
});
