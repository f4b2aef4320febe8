import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, stateDictFromBinary, stateDictFromJSON, stateDictToBinary, stateDictToJSON } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import { cpu, values, variable } from './setup.js';

beforeAll(cpu);

/** A 5-d Rosenbrock over two variables, and a fresh pair of them. */
function rosenbrock(start = [-1.2, 1, 0.5, -0.4, 0.8]) {
  const vars = [variable(start.slice(0, 2), [2], 'r'), variable(start.slice(2), [3], 'r')];
  const loss = () => {
    const v = tf.concat(vars.map((p) => tf.reshape(p, [-1])));
    const a = tf.slice(v, [1], [4]);
    const b = tf.slice(v, [0], [4]);
    return tf.sum(tf.add(tf.mul(tf.square(tf.sub(a, tf.mul(b, b))), 100), tf.square(tf.sub(1, b)))) as tf.Scalar;
  };
  return { vars, loss };
}

describe('LBFGS', () => {
  it("torch's defaults; maxEval follows maxIter", () => {
    const { vars } = rosenbrock();
    expect(new optim.LBFGS(vars).defaults).toMatchObject({ lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null });
    expect(new optim.LBFGS(vars, { maxIter: 8 }).defaults.maxEval).toBe(10);
    expect(new optim.LBFGS(vars, { maxIter: 8, maxEval: 3 }).defaults.maxEval).toBe(3);
  });

  it('bad options and calls: torch-worded errors', async () => {
    const { vars, loss } = rosenbrock();
    const cases: Array<[() => unknown, string]> = [
      [() => new optim.LBFGS([{ params: [vars[0]] }, { params: [vars[1]] }]), "LBFGS doesn't support per-parameter options (parameter groups)"],
      [() => new optim.LBFGS(vars).addParamGroup({ params: [variable([1], [1], 'x')] }), "LBFGS doesn't support per-parameter options (parameter groups)"],
      [() => new optim.LBFGS(vars, { lineSearchFn: 'armijo' as never }), "only 'strong_wolfe' is supported"],
      [() => new optim.LBFGS(vars, { maxIter: 0 }), 'Invalid max_iter value: 0 (expected an integer > 0)'],
      [() => new optim.LBFGS(vars, { historySize: 1.5 }), 'Invalid history_size value: 1.5 (expected an integer > 0)'],
      [() => new optim.LBFGS(vars, { lr: -1 }), 'Invalid learning rate: -1'],
      [() => new optim.LBFGS(vars, { toleranceGrad: -1 }), 'Invalid tolerance_grad value: -1'],
      [() => new optim.LBFGS(vars, { fused: true }), 'fused: true, but LBFGS has no fused kernel'],
      [() => new optim.LBFGS(undefined as never), 'LBFGS needs its parameters'],
    ];
    for (const [make, message] of cases) expect(make).toThrow(message);
    const opt = new optim.LBFGS(vars);
    await expect(opt.step({ [vars[0].name]: tf.onesLike(vars[0]) })).rejects.toThrow(InvalidArgumentError);
    await expect(opt.step({} as never)).rejects.toThrow('LBFGS.step() needs a closure that recomputes the loss');
    expect(() => opt.applyGradients({})).toThrow(DescentError);
    expect(() => opt.minimize(loss)).toThrow('LBFGS.minimize() is not supported');
    opt.dispose();
  });

  it('minimizes Rosenbrock with the strong Wolfe line search (both spellings) and returns the first loss', async () => {
    const results: number[][] = [];
    for (const lineSearchFn of ['strong_wolfe', 'strongWolfe'] as const) {
      const { vars, loss } = rosenbrock([0.5, 0.5, 0.5, 0.5, 0.5]);
      const opt = new optim.LBFGS(vars, { lineSearchFn, maxIter: 100, maxEval: 200 });
      const initial = (await loss().data())[0];
      expect(await opt.step(loss)).toBe(initial);
      const final = (await loss().data())[0];
      expect(final).toBeLessThan(1e-6);
      results.push([...(await vars[0].data()), ...(await vars[1].data())]);
      for (const x of results.at(-1)!) expect(x).toBeCloseTo(1, 2);
      opt.dispose();
    }
    expect(results[1]).toEqual(results[0]);
  });

  it('a parameter the loss does not use gets a zero gradient, as torch fills p.grad = None', async () => {
    const { vars, loss } = rosenbrock();
    const unused = variable([3, 4], [2], 'unused');
    const opt = new optim.LBFGS([...vars, unused], { maxIter: 3 });
    await opt.step(loss);
    expect(Array.from(await unused.data())).toEqual([3, 4]);
    opt.dispose();
  });

  for (const format of ['json', 'binary'] as const) {
    it(`stateDict / loadStateDict resume bit-identically (${format}), with a full history`, async () => {
      const options = { maxIter: 3, historySize: 2, lineSearchFn: 'strong_wolfe' as const };
      const ref = rosenbrock();
      const refOpt = new optim.LBFGS(ref.vars, options);
      for (let i = 0; i < 4; i++) await refOpt.step(ref.loss);

      const first = rosenbrock();
      const firstOpt = new optim.LBFGS(first.vars, options);
      for (let i = 0; i < 2; i++) await firstOpt.step(first.loss);
      const sd = firstOpt.stateDict();
      expect(Object.keys(sd.state)).toEqual(['0']);
      expect((sd.state['0'].oldDirs as tf.Tensor).shape).toEqual([2, 5]);
      const encoded = format === 'json' ? await stateDictToJSON(sd) : await stateDictToBinary(sd);
      const weights = await Promise.all(first.vars.map((v) => v.data()));

      const resumed = rosenbrock();
      resumed.vars.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape)));
      const resumedOpt = new optim.LBFGS(resumed.vars, options);
      resumedOpt.loadStateDict((format === 'json' ? stateDictFromJSON(encoded as string) : stateDictFromBinary(encoded as Uint8Array)) as optim.OptimizerStateDict);
      expect([resumedOpt.funcEvals, resumedOpt.nIter]).toEqual([firstOpt.funcEvals, firstOpt.nIter]);
      for (let i = 0; i < 2; i++) await resumedOpt.step(resumed.loss);
      for (let i = 0; i < 2; i++) expect(Array.from(await resumed.vars[i].data())).toEqual(Array.from(await ref.vars[i].data()));
      expect([resumedOpt.funcEvals, resumedOpt.nIter]).toEqual([refOpt.funcEvals, refOpt.nIter]);
      for (const o of [refOpt, firstOpt, resumedOpt]) o.dispose();
    });
  }

  it('loadStateDict rejects a history of the wrong size and changes nothing', async () => {
    const { vars, loss } = rosenbrock();
    const opt = new optim.LBFGS(vars, { lr: 0.05, maxIter: 3 });
    await opt.step(loss);
    const nIter = opt.nIter;
    const sd = opt.stateDict();
    const bad = { ...sd, state: { '0': { ...sd.state['0'], d: tf.zeros([4]) } } };
    expect(() => opt.loadStateDict(bad)).toThrow('loaded LBFGS state "d" must be a tensor of shape [5] (5 parameters)');
    expect(opt.nIter).toBe(nIter);
    tf.dispose(bad.state['0'].d as tf.Tensor);
    opt.loadStateDict(opt.stateDict()); // its own live tensors: copied first
    await opt.step(loss);
    expect(opt.nIter).toBeGreaterThan(nIter);
    opt.dispose();
  });

  it('no tensor leaks: tf.memory().numTensors is flat once the history is full, and dispose() frees it', async () => {
    const { vars, loss } = rosenbrock();
    const start = tf.memory().numTensors;
    for (const lineSearchFn of [null, 'strong_wolfe'] as const) {
      const opt = new optim.LBFGS(vars, { lr: 0.05, maxIter: 3, historySize: 2, lineSearchFn });
      for (let i = 0; i < 3; i++) await opt.step(loss); // fills the history of 2 pairs
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await opt.step(loss);
      expect(tf.memory().numTensors).toBe(before);
      opt.stateDict();
      opt.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
  });
});
