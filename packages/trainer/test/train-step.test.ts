import * as tf from '@tensorflow/tfjs-core';
import { clipGradNorm, InvalidArgumentError } from '@descent/core';
import { GradScaler } from '@descent/amp';
import { crossEntropy } from '@descent/nn';
import { AdamW, SGD } from '@descent/optim';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientAccumulator, trainStep } from '../src/index.js';
import { blobs, cpu, loader, mlp, weightsOf } from './setup.js';

beforeAll(cpu);

async function batches(n: number, batchSize: number) {
  const out: Array<[tf.Tensor, tf.Tensor]> = [];
  for await (const [x, y] of loader(blobs(n), batchSize, true, 3)) out.push([tf.keep(x.clone()), tf.keep(y.clone())] as [tf.Tensor, tf.Tensor]);
  return out;
}

describe('trainStep', () => {
  it('equals a hand-written loop bit for bit (same seed)', async () => {
    const data = await batches(64, 8);
    const handModel = mlp(7);
    const handOpt = new AdamW(handModel.parameters(), { lr: 1e-2 });
    const handLosses: number[] = [];
    for (const [x, y] of data) {
      const { value, grads } = tf.variableGrads(() => crossEntropy(handModel.forward(x), y) as tf.Scalar, handModel.parameters());
      handOpt.step(grads);
      handLosses.push(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const model = mlp(7);
    const opt = new AdamW(model.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    for (const [x, y] of data) {
      const out = await trainStep({ model, optimizer: opt, x, y });
      expect(out).toMatchObject({ stepped: true, boundary: true, skipped: false, gradNorm: null });
      losses.push(out.loss.dataSync()[0]);
      out.loss.dispose();
    }
    expect(losses).toEqual(handLosses);
    const a = weightsOf(handModel.namedParameters());
    const b = weightsOf(model.namedParameters());
    for (const key of Object.keys(a)) expect(b[key], key).toEqual(a[key]);
    tf.dispose(data.flat());
  });

  it('gradient accumulation over k=2 micro-batches equals one batch twice as large', async () => {
    const big = await batches(32, 16);
    const small = await batches(32, 8); // same shuffle seed: the same samples, in halves
    const m1 = mlp(3);
    const o1 = new SGD(m1.parameters(), { lr: 0.1, momentum: 0.9 });
    for (const [x, y] of big) (await trainStep({ model: m1, optimizer: o1, x, y })).loss.dispose();
    const m2 = mlp(3);
    const o2 = new SGD(m2.parameters(), { lr: 0.1, momentum: 0.9 });
    const acc = new GradientAccumulator(2);
    const steps: boolean[] = [];
    for (const [x, y] of small) {
      const out = await trainStep({ model: m2, optimizer: o2, x, y, accumulation: acc });
      steps.push(out.stepped);
      out.loss.dispose();
    }
    expect(steps).toEqual([false, true, false, true]);
    const a = weightsOf(m1.namedParameters());
    const b = weightsOf(m2.namedParameters());
    for (const key of Object.keys(a)) {
      const diff = Math.max(...a[key].map((v, i) => Math.abs(v - b[key][i])));
      expect(diff, key).toBeLessThan(1e-6);
    }
    tf.dispose([...big.flat(), ...small.flat()]);
  });

  it('maxGradNorm clips the global norm as clipGradNorm does and reports the norm', async () => {
    const [[x, y]] = await batches(8, 8);
    const model = mlp(5);
    const ref = mlp(5);
    const seen: tf.NamedTensorMap[] = [];
    const opt = new SGD(model.parameters(), { lr: 0.5 });
    const out = await trainStep({
      model,
      optimizer: opt,
      x,
      y,
      maxGradNorm: 0.01,
      beforeOptimizerStep: (g) => void seen.push(Object.fromEntries(Object.entries(g).map(([k, t]) => [k, tf.keep(t.clone())]))),
    });
    const { grads } = tf.variableGrads(() => crossEntropy(ref.forward(x), y) as tf.Scalar, ref.parameters());
    const clipped = clipGradNorm(grads, 0.01);
    expect(out.gradNorm!.dataSync()[0]).toBe(clipped.totalNorm.dataSync()[0]);
    expect(out.gradNorm!.dataSync()[0]).toBeGreaterThan(0.01);
    // Same tensors by position (variable names differ between the two models).
    const mine = Object.values(seen[0]);
    const theirs = ref.parameters().map((p) => clipped.grads[p.name]);
    mine.forEach((g, i) => expect(g.dataSync()).toEqual(theirs[i].dataSync()));
    const norm = Math.sqrt(mine.reduce((s, g) => s + (g.dataSync() as Float32Array).reduce((a, v) => a + v * v, 0), 0));
    expect(norm).toBeCloseTo(0.01, 5);
    tf.dispose([x, y, out.loss, out.gradNorm!, ...Object.values(grads), ...Object.values(clipped.grads), clipped.totalNorm, ...mine]);
  });

  it('float16 autocast with a GradScaler skips the step on an inf loss and reports it', async () => {
    const [[x, y]] = await batches(8, 8);
    const model = mlp(2);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const scaler = new GradScaler({ initScale: 1024 });
    const before = weightsOf(model.namedParameters());
    const infLoss = (logits: tf.Tensor, t: tf.Tensor) => tf.mul(crossEntropy(logits, t), Infinity);
    const out = await trainStep({ model, optimizer: opt, x, y, amp: 'float16', scaler, loss: infLoss });
    expect(out).toMatchObject({ stepped: false, boundary: true, skipped: true });
    expect(out.loss.dataSync()[0]).toBe(Infinity);
    expect(weightsOf(model.namedParameters())).toEqual(before);
    expect(scaler.getScale()).toBe(512);
    const ok = await trainStep({ model, optimizer: opt, x, y, amp: 'float16', scaler });
    expect(ok.stepped).toBe(true);
    // The returned loss is unscaled.
    expect(ok.loss.dataSync()[0]).toBeLessThan(10);
    tf.dispose([x, y, out.loss, ok.loss]);
  });

  it('bfloat16 autocast trains without a scaler, on bf16-rounded matmuls', async () => {
    const [[x, y]] = await batches(8, 8);
    const a = mlp(6);
    const b = mlp(6);
    const la = await trainStep({ model: a, optimizer: new SGD(a.parameters(), { lr: 0.1 }), x, y, amp: 'bfloat16' });
    const lb = await trainStep({ model: b, optimizer: new SGD(b.parameters(), { lr: 0.1 }), x, y });
    expect(la.stepped).toBe(true);
    const [va, vb] = [la.loss.dataSync()[0], lb.loss.dataSync()[0]];
    expect(va).not.toBe(vb);
    expect(Math.abs(va - vb)).toBeLessThan(0.05);
    tf.dispose([x, y, la.loss, lb.loss]);
  });

  it('float16 without a scaler is an InvalidArgumentError naming scaler', async () => {
    const model = mlp(1);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    await expect(trainStep({ model, optimizer: opt, x: tf.zeros([2, 4]), y: tf.tensor1d([0, 1], 'int32'), amp: 'float16' })).rejects.toThrow(InvalidArgumentError);
    await expect(trainStep({ model, optimizer: opt, x: tf.zeros([2, 4]), y: tf.tensor1d([0, 1], 'int32'), amp: 'fp16' as never })).rejects.toThrow(/Invalid amp: "fp16"/);
  });

  it('disposes everything it makes', async () => {
    const [[x, y]] = await batches(8, 8);
    const model = mlp(4);
    const opt = new AdamW(model.parameters());
    const scaler = new GradScaler();
    const acc = new GradientAccumulator(2);
    const run = async () => {
      const out = await trainStep({ model, optimizer: opt, x, y, amp: 'float16', scaler, accumulation: acc, maxGradNorm: 1 });
      out.loss.dispose();
      out.gradNorm?.dispose();
    };
    await run();
    await run();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) await run();
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([x, y]);
  });
});
