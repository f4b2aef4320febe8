import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import { cpu, values, variable } from './setup.js';

beforeAll(cpu);

describe('validation, worded like torch', () => {
  const p = () => [variable([1, 2], [2])];
  const cases: Array<[string, () => unknown, string]> = [
    ['lr', () => new optim.Adam(p(), { lr: -0.1 }), 'Invalid learning rate: -0.1'],
    ['beta 1', () => new optim.AdamW(p(), { betas: [0.9, 1.5] }), 'Invalid beta parameter at index 1: 1.5'],
    ['beta 0', () => new optim.NAdam(p(), { betas: [-0.1, 0.9] }), 'Invalid beta parameter at index 0: -0.1'],
    ['eps', () => new optim.RAdam(p(), { eps: -1 }), 'Invalid epsilon value: -1'],
    ['weight decay', () => new optim.SGD(p(), { lr: 0.1, weightDecay: -0.5 }), 'Invalid weight_decay value: -0.5'],
    ['momentum', () => new optim.SGD(p(), { lr: 0.1, momentum: -1 }), 'Invalid momentum value: -1'],
    ['nesterov', () => new optim.SGD(p(), { lr: 0.1, nesterov: true }), 'Nesterov momentum requires a momentum and zero dampening'],
    ['rho', () => new optim.Adadelta(p(), { rho: 1.5 }), 'Invalid rho value: 1.5'],
    ['lr decay', () => new optim.Adagrad(p(), { lrDecay: -1 }), 'Invalid lr_decay value: -1'],
    ['initial accumulator', () => new optim.Adagrad(p(), { initialAccumulatorValue: -1 }), 'Invalid initial_accumulator_value value: -1'],
    ['alpha', () => new optim.RMSprop(p(), { alpha: -1 }), 'Invalid alpha value: -1'],
    ['momentum decay', () => new optim.NAdam(p(), { momentumDecay: -1 }), 'Invalid momentum_decay value: -1'],
    ['Lion lr', () => new optim.Lion(p(), { lr: 0 }), 'Invalid learning rate: 0'],
    ['SGD needs lr', () => new optim.SGD(p()), "parameter group didn't specify a value of required optimization parameter lr"],
    ['empty', () => new optim.Adam([]), 'optimizer got an empty parameter list'],
    ['group lr', () => new optim.Adam([{ params: p(), lr: -2 }]), 'Invalid learning rate: -2'],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      expect(make).toThrow(InvalidArgumentError);
      expect(make).toThrow(message);
    });
  }

  it('a parameter in two groups', () => {
    const v = variable([1], [1]);
    expect(() => new optim.Adam([{ params: [v] }, { params: [v] }])).toThrow('some parameters appear in more than one parameter group');
  });
});

describe('param groups and steps', () => {
  it("torch's defaults", () => {
    const v = [variable([1], [1])];
    expect(new optim.Adam(v).defaults).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(new optim.AdamW(v).defaults.weightDecay).toBe(1e-2);
    expect(new optim.Lamb(v).defaults).toMatchObject({ lr: 1e-3, eps: 1e-6, weightDecay: 0.01, maxGradNorm: 1, trustClip: false, alwaysAdapt: false, biasCorrection: true, gradAveraging: true });
    expect(new optim.RMSprop(v).defaults).toMatchObject({ lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false });
    expect(new optim.Adagrad(v).defaults).toMatchObject({ lr: 1e-2, lrDecay: 0, eps: 1e-10, initialAccumulatorValue: 0 });
    expect(new optim.Adadelta(v).defaults).toMatchObject({ lr: 1, rho: 0.9, eps: 1e-6 });
    expect(new optim.Adamax(v).defaults).toMatchObject({ lr: 2e-3, betas: [0.9, 0.999] });
    expect(new optim.NAdam(v).defaults).toMatchObject({ lr: 2e-3, momentumDecay: 4e-3 });
    expect(new optim.RAdam(v).defaults).toMatchObject({ lr: 1e-3 });
    expect(new optim.Lion(v).defaults).toMatchObject({ lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0 });
  });

  it('groups are mutable plain objects: a scheduler writing lr changes the next step', () => {
    const a = variable([1, 1], [2]);
    const opt = new optim.SGD([a], { lr: 0.1 });
    const g = { [a.name]: tf.tensor1d([1, 2]) };
    opt.step(g);
    expect(Array.from(a.dataSync())).toEqual([Math.fround(0.9), Math.fround(0.8)]);
    opt.paramGroups[0].lr = 0; // what a scheduler does
    opt.step(g);
    expect(Array.from(a.dataSync())).toEqual([Math.fround(0.9), Math.fround(0.8)]);
    tf.dispose(Object.values(g));
  });

  it('addParamGroup fills options from defaults; a variable without a gradient is skipped', () => {
    const a = variable([1], [1]);
    const b = variable([1], [1]);
    const opt = new optim.Adam([a], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.5, betas: [0.9, 0.999], eps: 1e-8 });
    const g = { [a.name]: tf.tensor1d([1]) };
    opt.step(g);
    expect(a.dataSync()[0]).not.toBe(1);
    expect(b.dataSync()[0]).toBe(1);
    expect(opt.state.has(b)).toBe(false);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow('some parameters appear in more than one parameter group');
    tf.dispose(Object.values(g));
    opt.dispose();
  });

  it('minimize(lossFn) steps the optimizer’s own variables and returns the loss', () => {
    const w = variable([2, -3], [2]);
    const other = variable([5], [1]);
    const opt = new optim.AdamW([w], { lr: 0.1 });
    let last = Infinity;
    for (let i = 0; i < 20; i++) {
      const loss = opt.minimize(() => tf.add(tf.sum(tf.square(w)), tf.sum(other)) as tf.Scalar, true)!;
      last = loss.dataSync()[0];
      loss.dispose();
    }
    expect(last).toBeLessThan(13);
    expect(other.dataSync()[0]).toBe(5);
    expect(opt.iterations).toBe(20);
  });

  it('fused: true requires a kernel; fused: false uses the fallback with the same numbers', () => {
    const a = variable(values(6, 9), [6]);
    const b = variable(Array.from(a.dataSync()), [6]);
    const ka = new optim.Adam([a], { fused: true });
    const kb = new optim.Adam([b], { fused: false });
    const ga = { [a.name]: tf.tensor1d(values(6, 10)) };
    const gb = { [b.name]: ga[a.name] };
    ka.step(ga);
    kb.step(gb);
    const x = a.dataSync();
    const y = b.dataSync();
    for (let i = 0; i < 6; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(1e-6);
    tf.dispose(ga[a.name]);
  });
});

describe('paramGroupsWeightDecay (timm param_groups_weight_decay)', () => {
  it('puts biases and 1-D parameters in a no-decay group', () => {
    const kernel = tf.variable(tf.zeros([3, 4]), true, 'dense/kernel');
    const bias = tf.variable(tf.zeros([4]), true, 'dense/bias');
    const norm = tf.variable(tf.zeros([4]), true, 'ln/gamma');
    const emb = tf.variable(tf.zeros([5, 2]), true, 'pos_embed');
    const frozen = tf.variable(tf.zeros([2, 2]), false, 'frozen');
    const [noDecay, decay] = optim.paramGroupsWeightDecay([kernel, bias, norm, emb, frozen], { weightDecay: 0.05, noWeightDecayList: ['pos_embed'] });
    expect(noDecay.params.map((v) => v.name)).toEqual(['dense/bias', 'ln/gamma', 'pos_embed']);
    expect(noDecay.weightDecay).toBe(0);
    expect(decay.params.map((v) => v.name)).toEqual(['dense/kernel']);
    expect(decay.weightDecay).toBe(0.05);
    const opt = new optim.AdamW([noDecay, decay]);
    expect(opt.paramGroups.map((g) => g.weightDecay)).toEqual([0, 0.05]);
    tf.dispose([kernel, bias, norm, emb, frozen]);
  });
});
