import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';
import { cpu, values, variable } from './setup.js';

beforeAll(cpu);

describe('Newton-Schulz orthogonalization', () => {
  for (const shape of [
    [6, 10],
    [10, 6],
    [8, 8],
  ] as Array<[number, number]>) {
    it(`[${shape}]: the singular values land in the quintic's band around 1`, async () => {
      const g = tf.tensor2d(values(shape[0] * shape[1], shape[0] + shape[1]), shape);
      const o = optim.zeropowerViaNewtonSchulz(g, optim.MUON_NS_COEFFICIENTS, 5, 1e-7);
      expect(o.shape).toEqual(shape);
      // ‖O‖²_F is the sum of O's squared singular values: over n, their mean.
      const n = Math.min(...shape);
      const meanSq = (await tf.sum(tf.square(o)).data())[0] / n;
      // Keller Jordan's coefficients give singular values ~Uniform(0.5, 1.5), not exactly 1.
      expect(meanSq).toBeGreaterThan(0.3);
      expect(meanSq).toBeLessThan(1.8);
      // More iterations of the classic cubic (1.5, -0.5, 0) converge to an orthogonal matrix.
      const exact = optim.zeropowerViaNewtonSchulz(g, [1.5, -0.5, 0], 60, 1e-7);
      const eye = shape[0] <= shape[1] ? tf.matMul(exact, exact, false, true) : tf.matMul(exact, exact, true, false);
      const off = await tf.max(tf.abs(tf.sub(eye, tf.eye(n)))).data();
      expect(off[0]).toBeLessThan(1e-4);
      tf.dispose([g, o, exact, eye]);
    });
  }

  it("adjustLrFn: torch's default and the AdamW-matching variant", () => {
    expect(optim.muonAdjustedLr(0.02, null, [1024, 256])).toBeCloseTo(0.02 * 2, 15);
    expect(optim.muonAdjustedLr(0.02, 'original', [256, 1024])).toBe(0.02);
    expect(optim.muonAdjustedLr(0.02, 'match_rms_adamw', [256, 1024])).toBeCloseTo(0.02 * 0.2 * 32, 15);
  });
});

describe('muonParamGroups', () => {
  it('a Module-like model: hidden 2-D weights to Muon; biases, norms, embeddings and the head to AdamW', () => {
    const v = (name: string, shape: number[]) => variable(values(shape.reduce((a, b) => a * b, 1), 1), shape, name);
    const params: Array<[string, tf.Variable]> = [
      ['embed_tokens.weight', v('e', [10, 4])],
      ['blocks.0.attn.weight', v('a', [4, 4])],
      ['blocks.0.attn.bias', v('ab', [4])],
      ['blocks.0.norm.weight', v('n', [4])],
      ['blocks.0.mlp.weight', v('m', [4, 8])],
      ['conv.weight', v('c', [3, 3, 1, 2])],
      ['lm_head.weight', v('h', [4, 10])],
    ];
    const { muon, adamw } = optim.muonParamGroups({ namedParameters: () => params });
    const names = (vs: tf.Variable[]) => vs.map((x) => params.find(([, p]) => p === x)![0]);
    expect(names(muon)).toEqual(['blocks.0.attn.weight', 'blocks.0.mlp.weight']);
    expect(names(adamw)).toEqual(['embed_tokens.weight', 'blocks.0.attn.bias', 'blocks.0.norm.weight', 'conv.weight', 'lm_head.weight']);
    const custom = optim.muonParamGroups({ namedParameters: () => params }, { exclude: [/mlp/] });
    expect(names(custom.muon)).toEqual(['embed_tokens.weight', 'blocks.0.attn.weight', 'lm_head.weight']);
    const own = optim.muonParamGroups({ namedParameters: () => params }, { useMuon: (name) => name.startsWith('lm_') });
    expect(names(own.muon)).toEqual(['lm_head.weight']);
    // The two groups together train the model: Muon and AdamW side by side.
    const muonOpt = new optim.Muon(muon, { lr: 0.02 });
    const adamwOpt = new optim.AdamW(adamw, { lr: 1e-3 });
    const grads = Object.fromEntries(params.map(([, p]) => [p.name, tf.onesLike(p)]));
    muonOpt.step(grads);
    adamwOpt.step(grads);
    expect(muonOpt.state.size + adamwOpt.state.size).toBe(params.length);
    tf.dispose(Object.values(grads));
    muonOpt.dispose();
    adamwOpt.dispose();
  });

  it('a tfjs-layers model and a variable list; frozen variables are left out', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 256 }), tfl.layers.dense({ units: 10 })] });
    const { muon, adamw } = optim.muonParamGroups(model);
    expect(muon.map((x) => x.shape)).toEqual([
      [784, 256],
      [256, 10],
    ]);
    expect(adamw.map((x) => x.shape)).toEqual([[256], [10]]);
    const frozen = tf.variable(tf.zeros([2, 2]), false, 'frozen_muon');
    expect(optim.muonParamGroups([frozen, muon[0]]).muon).toEqual([muon[0]]);
    expect(() => optim.muonParamGroups(42 as never)).toThrow(InvalidArgumentError);
    model.dispose();
    frozen.dispose();
  });
});
