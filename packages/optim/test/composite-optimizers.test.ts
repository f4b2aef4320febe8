// The optimizers of part two (ASGD, Rprop, Muon, Adafactor, schedule-free AdamW):
// bit-identical resume from a state dict in both formats, no tensor leaks across
// steps, and `fused: true` running the cpu kernels with the fallback's numbers.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, stateDictFromBinary, stateDictFromJSON, stateDictToBinary, stateDictToJSON } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import { cpu, values, variable } from './setup.js';
import { run, setup, type Groups } from './steps.js';

beforeAll(cpu);

interface Maker {
  make: (groups: Groups, options?: Record<string, unknown>) => optim.Optimizer<optim.BaseOptions>;
  /** The two parameters' shapes (Muon takes 2-D ones only). */
  shapes: [number[], number[]];
}

const makers: Record<string, Maker> = {
  ASGD: { make: (g, o) => new optim.ASGD(g, { lr: 0.05, t0: 2, ...o }), shapes: [[3, 4], [4]] },
  Rprop: { make: (g, o) => new optim.Rprop(g, { lr: 0.01, ...o }), shapes: [[3, 4], [4]] },
  Muon: { make: (g, o) => new optim.Muon(g, { lr: 0.02, ...o }), shapes: [[3, 4], [4, 2]] },
  Adafactor: { make: (g, o) => new optim.Adafactor(g, { weightDecay: 0.01, ...o }), shapes: [[2, 3, 4], [4]] },
  AdamWScheduleFree: { make: (g, o) => new optim.AdamWScheduleFree(g, { lr: 0.01, warmupSteps: 3, weightDecay: 0.01, innerMomentum: 0.9, ...o }), shapes: [[3, 4], [4]] },
};

const build = (maker: Maker) => setup((g) => maker.make(g), maker.shapes);

/** Schedule-free AdamW steps only in train mode. */
function ready<T extends optim.Optimizer<optim.BaseOptions>>(opt: T): T {
  (opt as unknown as { train?: () => void }).train?.();
  return opt;
}

describe('stateDict / loadStateDict resume bit-identically', () => {
  for (const [name, maker] of Object.entries(makers)) {
    for (const format of ['json', 'binary'] as const) {
      it(`${name} (${format})`, async () => {
        const ref = build(maker);
        ready(ref.opt);
        run(ref.opt, ref.vars, 0, 10);

        const first = build(maker);
        ready(first.opt);
        run(first.opt, first.vars, 0, 5);
        const encoded = format === 'json' ? await stateDictToJSON(first.opt.stateDict()) : await stateDictToBinary(first.opt.stateDict());
        const weights = await Promise.all(first.vars.map((v) => v.data()));

        const resumed = build(maker);
        resumed.vars.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape, 'float32')));
        resumed.opt.loadStateDict((format === 'json' ? stateDictFromJSON(encoded as string) : stateDictFromBinary(encoded as Uint8Array)) as optim.OptimizerStateDict);
        run(resumed.opt, resumed.vars, 5, 10);

        for (let i = 0; i < ref.vars.length; i++) expect(Array.from(await resumed.vars[i].data())).toEqual(Array.from(await ref.vars[i].data()));
        for (const x of [ref, first, resumed]) {
          x.opt.dispose();
          x.vars.forEach((v) => v.dispose());
        }
      });
    }
  }
});

describe('no tensor leaks: tf.memory().numTensors is flat after warm-up', () => {
  for (const [name, maker] of Object.entries(makers)) {
    it(name, () => {
      const { vars, opt } = build(maker);
      const start = tf.memory().numTensors;
      ready(opt);
      run(opt, vars, 0, 2); // warm-up creates the state
      const before = tf.memory().numTensors;
      run(opt, vars, 2, 8);
      expect(tf.memory().numTensors).toBe(before);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(start); // dispose() frees every state tensor
      vars.forEach((v) => v.dispose());
    });
  }
});

const FUSED_OPS: Record<string, Array<{ hasKernel(backend: string): boolean }>> = {
  ASGD: [optim.fusedOps.asgdStep],
  Rprop: [optim.fusedOps.rpropStep],
  Muon: [optim.fusedOps.muonMomentum, optim.fusedOps.muonApply],
  Adafactor: [optim.fusedOps.adafactorStep, optim.fusedOps.adafactorFactoredStep],
  AdamWScheduleFree: [optim.fusedOps.scheduleFreeAdamWStep, optim.fusedOps.scheduleFreeAdamWMomentumStep],
};

describe('fused: true runs the cpu kernels, with the numbers of fused: false', () => {
  for (const name of Object.keys(makers)) {
    for (const fusedBy of ['option', 'default'] as const) {
      it(`${name} (fused ${fusedBy === 'option' ? 'true' : 'null'})`, () => {
        const maker = makers[name];
        for (const op of FUSED_OPS[name]) expect(op.hasKernel('cpu')).toBe(true);
        const initial = setup((g) => maker.make(g), maker.shapes);
        const kernel = setup((g) => maker.make(g, fusedBy === 'option' ? { fused: true } : {}), maker.shapes);
        const fallback = setup((g) => maker.make(g, { fused: false }), maker.shapes);
        run(ready(kernel.opt), kernel.vars, 0, 6);
        run(ready(fallback.opt), fallback.vars, 0, 6);
        for (let i = 0; i < kernel.vars.length; i++) {
          const a = kernel.vars[i].dataSync();
          const b = fallback.vars[i].dataSync();
          for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(b[j]));
          expect(Array.from(a)).not.toEqual(Array.from(initial.vars[i].dataSync()));
        }
        for (const x of [kernel, fallback, initial]) {
          x.opt.dispose();
          x.vars.forEach((v) => v.dispose());
        }
      });
    }
  }
});

describe('bad options: torch-worded errors', () => {
  const p = () => [variable([1, 2, 3, 4], [2, 2], 'v')];
  const cases: Array<[string, () => unknown, string]> = [
    ['ASGD lr', () => new optim.ASGD(p(), { lr: -1 }), 'Invalid learning rate: -1'],
    ['ASGD weight decay', () => new optim.ASGD(p(), { weightDecay: -0.1 }), 'Invalid weight_decay value: -0.1'],
    ['Rprop lr', () => new optim.Rprop(p(), { lr: -0.5 }), 'Invalid learning rate: -0.5'],
    ['Rprop etas', () => new optim.Rprop(p(), { etas: [1.5, 1.2] }), 'Invalid eta values: 1.5, 1.2'],
    ['Rprop etaplus', () => new optim.Rprop([{ params: p(), etas: [0.5, 0.9] }]), 'Invalid eta values: 0.5, 0.9'],
    ['Muon lr', () => new optim.Muon(p(), { lr: -1 }), 'Learning rate should be >= 0 but is: -1'],
    ['Muon momentum', () => new optim.Muon(p(), { momentum: -0.5 }), 'momentum should be >= 0 but is: -0.5'],
    ['Muon weight decay', () => new optim.Muon(p(), { weightDecay: -0.1 }), 'weight decay should be >= 0 but is: -0.1'],
    ['Muon adjustLrFn', () => new optim.Muon(p(), { adjustLrFn: 'rms' as never }), 'Adjust learning rate function rms is not supported'],
    ['Muon nsSteps', () => new optim.Muon(p(), { nsSteps: 100 }), 'Number of steps must be less than 100 for computational efficiency'],
    ['Muon coefficients', () => new optim.Muon(p(), { nsCoefficients: [1, 2] as never }), 'Coefficients must be a tuple of exactly 3 values'],
    ['Muon 1-D param', () => new optim.Muon([variable([1, 2, 3], [3], 'bias')]), 'Muon only supports 2D parameters whereas we found a parameter with size: [3]'],
    ['Muon 1-D param added later', () => new optim.Muon(p()).addParamGroup({ params: [variable([1], [1, 1, 1], 'conv')] }), 'Muon only supports 2D parameters whereas we found a parameter with size: [1, 1, 1]'],
    ['Adafactor lr', () => new optim.Adafactor(p(), { lr: -1 }), 'Learning rate should be >= 0 but is: -1'],
    ['Adafactor beta2Decay', () => new optim.Adafactor(p(), { beta2Decay: 0.5 }), 'beta2_decay should be <= 0 but is: 0.5'],
    ['Adafactor eps1', () => new optim.Adafactor(p(), { eps: [-1, 1e-3] }), 'epsilon1 should be >= 0 but is: -1'],
    ['Adafactor eps2', () => new optim.Adafactor(p(), { eps: [null, -0.5] }), 'epsilon2 should be >= 0 but is: -0.5'],
    ['Adafactor d', () => new optim.Adafactor(p(), { d: 0.5 }), 'Clipping threshold d should be >= 1 but is: 0.5'],
    ['Adafactor weight decay', () => new optim.Adafactor([{ params: p(), weightDecay: -1 }]), 'weight_decay should be >= 0 but is: -1'],
    ['AdamWScheduleFree lr', () => new optim.AdamWScheduleFree(p(), { lr: -1 }), 'Invalid learning rate: -1'],
    ['AdamWScheduleFree beta', () => new optim.AdamWScheduleFree(p(), { betas: [1, 0.999] }), 'Invalid beta parameter at index 0: 1'],
    ['AdamWScheduleFree warmup', () => new optim.AdamWScheduleFree(p(), { warmupSteps: 2.5 }), 'Invalid warmup_steps value: 2.5 (expected an integer >= 0)'],
    ['AdamWScheduleFree inner momentum', () => new optim.AdamWScheduleFree(p(), { innerMomentum: 1.5 }), 'Invalid inner_momentum value: 1.5'],
    ['Rprop step sizes', () => new optim.Rprop(p(), { stepSizes: [1e-6] as unknown as [number, number] }), 'Invalid step_sizes: [0.000001] (expected [min, max])'],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      expect(make).toThrow(InvalidArgumentError);
      expect(make).toThrow(message);
    });
  }

  it("torch's defaults", () => {
    const v = p();
    expect(new optim.ASGD(v).defaults).toMatchObject({ lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false });
    expect(new optim.Rprop(v).defaults).toMatchObject({ lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false });
    expect(new optim.Adafactor(v).defaults).toMatchObject({ lr: 1e-2, beta2Decay: -0.8, eps: [null, 1e-3], d: 1, weightDecay: 0, maximize: false });
    expect(new optim.AdamWScheduleFree(v).defaults).toMatchObject({ lr: 0.0025, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, warmupSteps: 0, r: 0, weightLrPower: 2, innerMomentum: 0, trainMode: false });
    expect(new optim.Muon(v).defaults).toMatchObject({
      lr: 1e-3,
      weightDecay: 0.1,
      momentum: 0.95,
      nesterov: true,
      nsCoefficients: [3.4445, -4.775, 2.0315],
      eps: 1e-7,
      nsSteps: 5,
      adjustLrFn: null,
    });
  });
});

describe('Adafactor state', () => {
  it('factored moments for rank >= 2 ([..., n, 1] and [..., 1, m]), a full one for vectors and scalars', () => {
    const w = variable(values(24, 1), [2, 3, 4], 'w');
    const b = variable(values(4, 2), [4], 'b');
    const s = variable([0.5], [], 's');
    const opt = new optim.Adafactor([w, b, s]);
    const grads = { [w.name]: tf.onesLike(w), [b.name]: tf.onesLike(b), [s.name]: tf.onesLike(s) };
    opt.step(grads);
    const shapes = (v: tf.Variable) => Object.fromEntries(Object.entries(opt.state.get(v)!).map(([k, t]) => [k, t instanceof tf.Tensor ? t.shape : t]));
    expect(shapes(w)).toEqual({ step: 1, rowVar: [2, 3, 1], colVar: [2, 1, 4] });
    expect(shapes(b)).toEqual({ step: 1, variance: [4] });
    expect(shapes(s)).toEqual({ step: 1, variance: [] });
    tf.dispose(Object.values(grads));
    opt.dispose();
  });

  it('loadStateDict checks the factored shapes and changes nothing on a bad entry', () => {
    const w = variable(values(12, 1), [3, 4], 'w');
    const opt = new optim.Adafactor([w]);
    const g = { [w.name]: tf.onesLike(w) };
    opt.step(g);
    const good = opt.stateDict();
    const before = tf.memory().numTensors;
    const bad = { ...good, state: { '0': { ...good.state['0'], colVar: tf.zeros([4, 1]) } } };
    expect(() => opt.loadStateDict(bad)).toThrow('loaded state "colVar" of parameter 0 must be a tensor of shape [1, 4]');
    const missing = { ...good, state: { '0': { step: 1, rowVar: good.state['0'].rowVar } } };
    expect(() => opt.loadStateDict(missing)).toThrow('needs both rowVar and colVar');
    tf.dispose(bad.state['0'].colVar as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before);
    expect(opt.state.get(w)!.step).toBe(1);
    opt.loadStateDict(opt.stateDict()); // its own live tensors: copied before the old ones are freed
    opt.step(g);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(g));
    opt.dispose();
  });
});

describe('AdamWScheduleFree train() / eval()', () => {
  it("starts in eval mode and refuses to step there, in the reference's words", () => {
    const w = variable(values(4, 1), [4], 'w');
    const opt = new optim.AdamWScheduleFree([w]);
    const g = { [w.name]: tf.onesLike(w) };
    expect(() => opt.step(g)).toThrow(optim.NOT_IN_TRAIN_MODE);
    opt.eval(); // before any step: nothing to switch
    opt.train();
    expect(opt.paramGroups[0].trainMode).toBe(true);
    opt.step(g);
    opt.eval();
    expect(() => opt.step(g)).toThrow('Optimizer was not in train mode when step is called');
    tf.dispose(Object.values(g));
    opt.dispose();
  });

  it('eval() puts x = lerp(y, z, 1 - 1/beta1) in the parameters, train() puts y back; repeated calls do nothing', async () => {
    const w = variable(values(6, 1), [2, 3], 'w');
    const opt = new optim.AdamWScheduleFree([w], { lr: 0.1 });
    opt.train();
    for (let i = 0; i < 3; i++) {
      const g = { [w.name]: tf.tensor(values(6, 10 + i), [2, 3]) };
      opt.step(g);
      tf.dispose(Object.values(g));
    }
    const y = Array.from(await w.data());
    const z = Array.from(await (opt.state.get(w)!.z as tf.Tensor).data());
    opt.eval();
    opt.eval();
    const x = Array.from(await w.data());
    x.forEach((xi, i) => expect(xi).toBeCloseTo(y[i] + (1 - 1 / 0.9) * (z[i] - y[i]), 6));
    opt.train();
    opt.train();
    (await w.data()).forEach((yi, i) => expect(yi).toBeCloseTo(y[i], 6));
    opt.dispose();
  });
});

describe('tfjs-layers: model.compile and registerSerializables', () => {
  it('Adafactor, ASGD, Rprop and schedule-free AdamW train a tfjs-layers model with fit()', async () => {
    const tfl = await import('@tensorflow/tfjs-layers');
    const x = tf.tensor2d(values(32, 5), [8, 4]);
    const y = tf.tensor2d(values(8, 6), [8, 1]);
    for (const make of [
      (v: tf.Variable[]) => new optim.Adafactor(v, { lr: 0.05 }),
      (v: tf.Variable[]) => new optim.ASGD(v, { lr: 0.05 }),
      (v: tf.Variable[]) => new optim.Rprop(v),
      (v: tf.Variable[]) => ready(new optim.AdamWScheduleFree(v, { lr: 0.05 })),
    ]) {
      const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 1 })] });
      const opt = make(optim.trainableVariables(model));
      model.compile({ optimizer: opt, loss: 'meanSquaredError' });
      const h = await model.fit(x, y, { epochs: 15, batchSize: 8, verbose: 0 });
      const losses = h.history.loss as number[];
      expect(losses.at(-1)!).toBeLessThan(losses[0]);
      model.dispose();
      opt.dispose();
    }
    tf.dispose([x, y]);
  });

  it('registers every class but LBFGS by name, and fromConfig builds it', () => {
    optim.registerSerializables();
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const name of ['ASGD', 'Rprop', 'Muon', 'Adafactor', 'AdamWScheduleFree']) {
      const [cls, fromConfig] = map[`Descent.${name}`];
      const opt = fromConfig(cls, { lr: 0.5 }) as optim.Optimizer<optim.BaseOptions>;
      expect(opt.defaults.lr).toBe(0.5);
      opt.dispose();
    }
    expect(map['Descent.LBFGS']).toBeUndefined();
  });
});
