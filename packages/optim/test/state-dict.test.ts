import * as tf from '@tensorflow/tfjs-core';
import { stateDictFromBinary, stateDictFromJSON, stateDictToBinary, stateDictToJSON } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import { cpu } from './setup.js';
import { run, setup, type Make } from './steps.js';

beforeAll(cpu);

const makers: Record<string, Make> = {
  'SGD nesterov': (g) => new optim.SGD(g, { lr: 0.05, momentum: 0.9, nesterov: true }),
  'Adam amsgrad': (g) => new optim.Adam(g, { lr: 0.01, amsgrad: true }),
  AdamW: (g) => new optim.AdamW(g, { lr: 0.01 }),
  Lamb: (g) => new optim.Lamb(g, { lr: 0.01 }),
  Adagrad: (g) => new optim.Adagrad(g, { lrDecay: 0.01 }),
  'RMSprop centered momentum': (g) => new optim.RMSprop(g, { centered: true, momentum: 0.9 }),
  Adadelta: (g) => new optim.Adadelta(g),
  Adamax: (g) => new optim.Adamax(g),
  NAdam: (g) => new optim.NAdam(g),
  RAdam: (g) => new optim.RAdam(g),
  Lion: (g) => new optim.Lion(g, { lr: 1e-3, weightDecay: 0.1 }),
};

const N = 5;
const M = 5;

describe('stateDict / loadStateDict resume bit-identically', () => {
  for (const [name, make] of Object.entries(makers)) {
    for (const format of ['json', 'binary'] as const) {
      it(`${name} (${format})`, async () => {
        const ref = setup(make);
        run(ref.opt, ref.vars, 0, N + M);

        const first = setup(make);
        run(first.opt, first.vars, 0, N);
        const saved = first.opt.stateDict();
        const encoded = format === 'json' ? await stateDictToJSON(saved) : await stateDictToBinary(saved);
        if (format === 'json') expect(() => JSON.parse(encoded as string)).not.toThrow();
        const weights = await Promise.all(first.vars.map((v) => v.data()));

        // A fresh optimizer on fresh variables holding the saved weights.
        const resumed = setup(make);
        resumed.vars.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape, 'float32')));
        resumed.opt.loadStateDict((format === 'json' ? stateDictFromJSON(encoded as string) : stateDictFromBinary(encoded as Uint8Array)) as optim.OptimizerStateDict);
        run(resumed.opt, resumed.vars, N, N + M);

        for (let i = 0; i < ref.vars.length; i++) {
          expect(Array.from(await resumed.vars[i].data())).toEqual(Array.from(await ref.vars[i].data()));
        }
        for (const x of [ref, first, resumed]) {
          x.opt.dispose();
          x.vars.forEach((v) => v.dispose());
        }
      });
    }
  }

  it('keeps torch layout: numbered state and groups with param indices and options', () => {
    const { vars, opt } = setup(makers.AdamW);
    run(opt, vars, 0, 1);
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(sd.state['0'].step).toBe(1);
    expect(sd.paramGroups[0]).toMatchObject({ params: [0], lr: 0.01, weightDecay: 0.01, betas: [0.9, 0.999] });
    expect(sd.paramGroups[1]).toMatchObject({ params: [1], lr: 0.003 });
    opt.loadStateDict(opt.stateDict()); // its own live tensors: copied before the old ones are freed
    run(opt, vars, 1, 2);
    opt.dispose();
  });

  it('loading restores group options and rejects mismatched groups in torch words', () => {
    const { vars, opt } = setup(makers['Adam amsgrad']);
    const sd = opt.stateDict();
    sd.paramGroups[1].lr = 0.5;
    opt.loadStateDict(sd);
    expect(opt.paramGroups[1].lr).toBe(0.5);
    expect(opt.paramGroups[1].params).toEqual([vars[1]]);
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [sd.paramGroups[0]] })).toThrow('loaded state dict has a different number of parameter groups');
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [sd.paramGroups[0], { ...sd.paramGroups[1], params: [1, 2] }] })).toThrow(
      "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
    );
    opt.dispose();
  });
});
