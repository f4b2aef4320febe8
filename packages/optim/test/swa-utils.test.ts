// SWALR and updateBn against torch 1.13's swa_utils (tools/gen_optim2_fixtures.py).
// updateBn runs here on a structural stand-in for a model with BatchNorm1d layers
// (optim depends on no model library); conformance/test/ runs it on @descent/nn's
// BatchNorm2d on every backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { SequentialLR, StepLR } from '@descent/lr-schedule';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import type { TorchFixtureArray as Host, TorchUpdateBnCase as UpdateBnCase } from '../src/testing.js';
import { cpu, variable } from './setup.js';

beforeAll(cpu);

interface SwalrCase {
  name: string;
  lrs: number[];
  swaLr: number | number[];
  annealEpochs: number;
  annealStrategy: 'cos' | 'linear';
  lrPerEpoch: number[][];
}
const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'optim2.json'), 'utf8')) as { torch: string; swalr: SwalrCase[]; updateBn: UpdateBnCase[] };

function sgd(lrs: number[]) {
  return new optim.SGD(
    lrs.map((lr, i) => ({ params: [variable([0, 0], [2], `swalr${i}`)], lr })),
    { lr: lrs[0] },
  );
}

describe(`SWALR: torch ${fixtures.torch}'s learning rates`, () => {
  for (const c of fixtures.swalr) {
    it(`${c.name} (${c.annealStrategy}, ${c.annealEpochs} annealing epochs)`, () => {
      const opt = sgd(c.lrs);
      const sched = new optim.SWALR(opt, { swaLr: c.swaLr, annealEpochs: c.annealEpochs, annealStrategy: c.annealStrategy });
      const got = [opt.paramGroups.map((g) => g.lr)];
      for (let e = 1; e < c.lrPerEpoch.length; e++) {
        opt.step({});
        sched.step();
        got.push(sched.getLastLr());
      }
      got.forEach((lrs, e) => lrs.forEach((lr, i) => expect(lr).toBeCloseTo(c.lrPerEpoch[e][i], 14)));
      expect(opt.paramGroups.map((g) => (g as unknown as { swaLr: number }).swaLr)).toEqual(Array.isArray(c.swaLr) ? c.swaLr : c.lrs.map(() => c.swaLr));
      opt.dispose();
    });
  }

  it("bad options: torch's words", () => {
    const opt = sgd([0.1, 0.2]);
    expect(() => new optim.SWALR(opt, { swaLr: [0.1] })).toThrow('swa_lr must have the same length as optimizer.param_groups: swa_lr has 1, optimizer.param_groups has 2');
    expect(() => new optim.SWALR(opt, { swaLr: 0.1, annealStrategy: 'exp' as never })).toThrow(`anneal_strategy must be one of 'cos' or 'linear', instead got "exp"`);
    expect(() => new optim.SWALR(opt, { swaLr: 0.1, annealEpochs: -1 })).toThrow('anneal_epochs must be equal or greater than 0, got -1');
    expect(() => new optim.SWALR(opt, { swaLr: NaN })).toThrow(InvalidArgumentError);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
    opt.dispose();
  });

  it('takes over from another scheduler in SequentialLR, and resumes from its state dict', () => {
    const opt = sgd([0.1]);
    const seq = new SequentialLR(opt, { schedulers: [new StepLR(opt, { stepSize: 2, gamma: 0.5 }), new optim.SWALR(opt, { swaLr: 0.01, annealEpochs: 3 })], milestones: [4] });
    const lrs: number[] = [];
    for (let e = 0; e < 9; e++) {
      opt.step({});
      seq.step();
      lrs.push(opt.paramGroups[0].lr);
    }
    expect(lrs.slice(0, 3)).toEqual([0.1, 0.05, 0.05]);
    expect(lrs.at(-1)).toBeCloseTo(0.01, 15);
    const saved = new optim.SWALR(opt, { swaLr: 0.02, annealEpochs: 4, annealStrategy: 'linear' }).stateDict();
    const restored = new optim.SWALR(opt, { swaLr: 0.02 });
    restored.loadStateDict(saved);
    expect([restored.annealEpochs, restored.annealStrategy]).toEqual([4, 'linear']);
    opt.dispose();
  });
});

// ---------- updateBn on a structural model ----------

/** torch's BatchNorm1d on [N, C], as @descent/nn's: batch statistics in train mode (unbiased variance for the running one). */
class StandInBatchNorm {
  training = true;
  momentum: number | null;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  numBatchesTracked = 0;
  constructor(
    readonly weight: tf.Variable | null,
    readonly bias: tf.Variable | null,
    mean: Host,
    variance: Host,
    momentum: number,
  ) {
    this.runningMean = tf.variable(tf.tensor(mean.values, mean.shape), false);
    this.runningVar = tf.variable(tf.tensor(variance.values, variance.shape), false);
    this.momentum = momentum;
  }
  resetRunningStats(): void {
    tf.tidy(() => {
      this.runningMean.assign(tf.zerosLike(this.runningMean));
      this.runningVar.assign(tf.onesLike(this.runningVar));
    });
    this.numBatchesTracked = 0;
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training) return tf.batchNorm(x, this.runningMean, this.runningVar, this.bias ?? undefined, this.weight ?? undefined, 1e-5);
    const { mean, variance } = tf.moments(x, 0);
    this.numBatchesTracked++;
    const factor = this.momentum ?? 1 / this.numBatchesTracked;
    const n = x.shape[0];
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - factor), tf.mul(mean, factor)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - factor), tf.mul(tf.mul(variance, n / (n - 1)), factor)));
    return tf.batchNorm(x, mean, variance, this.bias ?? undefined, this.weight ?? undefined, 1e-5);
  }
}

/** The fixture's Linear(3, 4) → BatchNorm1d(4) → ReLU → Linear(4, 2) → BatchNorm1d(2, momentum 0.3, affine false). */
function standInModel(w: Record<string, Host>) {
  const v = (key: string, transpose = false) => {
    const t = tf.tensor(w[key].values, w[key].shape);
    return tf.variable(transpose ? tf.transpose(t) : t);
  };
  const fc0 = { weight: v('0.weight', true), bias: v('0.bias') };
  const fc3 = { weight: v('3.weight', true), bias: v('3.bias') };
  const bn1 = new StandInBatchNorm(v('1.weight'), v('1.bias'), w['1.running_mean'], w['1.running_var'], 0.1);
  const bn4 = new StandInBatchNorm(null, null, w['4.running_mean'], w['4.running_var'], 0.3);
  bn1.numBatchesTracked = bn4.numBatchesTracked = 7;
  return {
    training: true,
    bn: { '1': bn1, '4': bn4 },
    modules() {
      return [this, fc0, bn1, fc3, bn4];
    },
    train(mode = true) {
      this.training = mode;
      bn1.training = bn4.training = mode;
    },
    forward(x: tf.Tensor) {
      const h = tf.relu(bn1.forward(tf.add(tf.matMul(x as tf.Tensor2D, fc0.weight as tf.Tensor2D), fc0.bias)));
      return bn4.forward(tf.add(tf.matMul(h as tf.Tensor2D, fc3.weight as tf.Tensor2D), fc3.bias));
    },
  };
}

const close = (got: ArrayLike<number>, want: number[]) => want.forEach((x, i) => expect(Math.abs(got[i] - x)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(x)));

describe(`updateBn: torch ${fixtures.torch}'s update_bn`, () => {
  const c = fixtures.updateBn.find((x) => x.name === 'update_bn_bn1d')!;

  it(`${c.name}: running statistics, restored momenta and mode, the eval output`, async () => {
    const model = standInModel(c.weights);
    model.train(c.training);
    const batches = c.batches.map((b, i) => {
      const x = tf.tensor(b.values, b.shape);
      return c.tupleBatches[i] ? [x, tf.zeros([b.shape[0]])] : x;
    });
    const before = tf.memory().numTensors;
    await optim.updateBn(batches, model);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.training).toBe(c.training);
    for (const [key, want] of Object.entries(c.stats)) {
      const bn = model.bn[key as '1' | '4'];
      close(await bn.runningMean.data(), want.runningMean);
      close(await bn.runningVar.data(), want.runningVar);
      expect(bn.numBatchesTracked).toBe(want.numBatchesTracked);
      expect(bn.momentum).toBe(want.momentum);
    }
    const out = tf.tidy(() => model.forward(tf.tensor(c.probe.values, c.probe.shape)));
    close(await out.data(), c.probeOutput.values);
    tf.dispose([out, ...batches.flat()]);
  });

  it('an async loader, and options.input / options.forward', async () => {
    const model = standInModel(c.weights);
    async function* loader() {
      for (const b of c.batches) yield { image: tf.tensor(b.values, b.shape) };
    }
    const seen: tf.Tensor[] = [];
    await optim.updateBn(loader(), model, { input: (b) => (seen.push(b.image), b.image), forward: (x) => model.forward(x) });
    close(await model.bn['4'].runningMean.data(), c.stats['4'].runningMean);
    expect(seen.length).toBe(c.batches.length);
    tf.dispose(seen);
  });

  it('restores the momenta and the mode when a batch throws; a model without batch norms is left alone', async () => {
    const model = standInModel(c.weights);
    const bad = [tf.tensor(c.batches[0].values, c.batches[0].shape), 'oops'];
    await expect(optim.updateBn(bad as never, model)).rejects.toThrow('updateBn: a batch must be a tensor or an array whose first element is one');
    expect([model.bn['1'].momentum, model.bn['4'].momentum, model.training]).toEqual([0.1, 0.3, true]);
    let calls = 0;
    const plain = { training: false, modules: () => [], train: () => calls++, forward: (x: tf.Tensor) => x };
    await optim.updateBn([bad[0] as tf.Tensor], plain);
    expect(calls).toBe(0);
    await expect(optim.updateBn([], {} as never)).rejects.toThrow(InvalidArgumentError);
    tf.dispose(bad[0] as tf.Tensor);
  });
});
