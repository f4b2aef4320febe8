// End-to-end: an MLP on real MNIST in emulated float16/bfloat16, with and without GradScaler.
//
// The loss is multiplied by LOSS_WEIGHT = 2^-18 and the learning rate by 2^18, which
// leaves float32 training bit-for-bit unchanged (powers of two) but puts the
// gradients at ~1e-8, the magnitude deep networks produce and the reason loss scaling
// exists: below float16's smallest subnormal (6e-8), most of them flush to zero.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradScaler, autocast, type HalfDtype } from '../src/index.js';
import { TestSgd, cpu } from './setup.js';
import { mlpForward, mlpParams, mnistBatches } from './mnist.js';

const LOSS_WEIGHT = 2 ** -18;
const LR = 0.05 / LOSS_WEIGHT;
const EPOCHS = 3;

type Mode = 'float32' | 'float16' | 'float16+scaler' | 'bfloat16';
interface Run {
  finalLoss: number;
  zeroGradShare: number;
  skipped: number;
}

let batches: ReturnType<typeof mnistBatches>;
const runs = new Map<Mode, Run>();

function evalLoss(p: Record<string, tf.Variable>, prefix: string): number {
  // Float32 evaluation over the training set, the same for every mode.
  return tf.tidy(() => {
    let sum = 0;
    for (const { x, y } of batches) sum += tf.losses.softmaxCrossEntropy(y, mlpForward(p, x, prefix)).dataSync()[0];
    return sum / batches.length;
  });
}

function train(mode: Mode): Run {
  const prefix = mode.replace(/\W/g, '_');
  const p = mlpParams(0, 64, prefix);
  const opt = new TestSgd(p, LR);
  const scaler = new GradScaler({ enabled: mode === 'float16+scaler' });
  const dtype: HalfDtype = mode === 'bfloat16' ? 'bfloat16' : 'float16';
  let zeros = 0;
  let total = 0;
  let skipped = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (const { x, y } of batches) {
      const lossFn = () => scaler.scale(tf.mul(tf.losses.softmaxCrossEntropy(y, mlpForward(p, x, prefix)), LOSS_WEIGHT)) as tf.Scalar;
      const { value, grads } = autocast(() => tf.variableGrads(lossFn), { dtype, enabled: mode !== 'float32' });
      const unscaled = scaler.unscale(opt, grads);
      for (const [name, g] of Object.entries(unscaled)) {
        if (!name.endsWith('_w')) continue;
        const v = g.dataSync();
        total += v.length;
        for (let i = 0; i < v.length; i++) if (v[i] === 0) zeros++;
      }
      if (!scaler.stepSync(opt, unscaled)) skipped++;
      scaler.update();
      tf.dispose([value, ...Object.values(grads), ...(unscaled === grads ? [] : Object.values(unscaled))]);
    }
  }
  const run = { finalLoss: evalLoss(p, prefix), zeroGradShare: zeros / total, skipped };
  tf.dispose(Object.values(p));
  return run;
}

beforeAll(async () => {
  await cpu();
  batches = mnistBatches(2048, 64);
});
afterAll(() => {
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  console.log(
    [...runs].map(([m, r]) => `${m}: final loss ${r.finalLoss.toFixed(6)}, zero weight grads ${(100 * r.zeroGradShare).toFixed(1)}%, skipped ${r.skipped}`).join('\n'),
  );
});

describe('MLP on MNIST (2048 samples, 3 epochs, batch 64)', () => {
  it('float32 reference trains', () => {
    const r = train('float32');
    runs.set('float32', r);
    expect(r.finalLoss).toBeLessThan(0.6);
    expect(r.zeroGradShare).toBeLessThan(0.01);
  });

  it('float16 without scaling: gradients underflow and training stalls', () => {
    const r = train('float16');
    runs.set('float16', r);
    const ref = runs.get('float32')!;
    expect(r.zeroGradShare).toBeGreaterThan(0.3);
    expect(r.finalLoss).toBeGreaterThan(ref.finalLoss * 1.5);
  });

  it('float16 with GradScaler: final loss within 3% of float32', () => {
    const r = train('float16+scaler');
    runs.set('float16+scaler', r);
    const ref = runs.get('float32')!;
    expect(r.zeroGradShare).toBeLessThan(0.01);
    expect(Math.abs(r.finalLoss - ref.finalLoss) / ref.finalLoss).toBeLessThan(0.03);
  });

  it('bfloat16 needs no scaler: final loss within 3% of float32', () => {
    const r = train('bfloat16');
    runs.set('bfloat16', r);
    const ref = runs.get('float32')!;
    expect(r.zeroGradShare).toBeLessThan(0.01);
    expect(Math.abs(r.finalLoss - ref.finalLoss) / ref.finalLoss).toBeLessThan(0.03);
  });
});
