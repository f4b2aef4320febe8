import type * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { nadamStep } from './ops/nadam.js';
import { checkBetas, checkEps, checkLr, checkRange } from './validate.js';

export interface NAdamOptions extends BaseOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
}

const F = Math.fround;

/**
 * The attributes of a NAdam update at the parameter's step `step` (1-based),
 * and the new `muProduct` (the parameter's state, 1 before the first step).
 */
export function nadamAttrs(
  o: Pick<NAdamOptions, 'lr' | 'betas' | 'eps' | 'weightDecay' | 'momentumDecay'>,
  step: number,
  muProductBefore: number,
): { attrs: AttrsOf<typeof fusedOps.NadamStep>; muProduct: number } {
  const [beta1, beta2] = o.betas;
  const mu = beta1 * (1 - 0.5 * 0.96 ** (step * o.momentumDecay));
  const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * o.momentumDecay));
  // torch keeps mu_product as a float32 tensor: each product rounds to float32.
  const muProduct = F(F(muProductBefore) * F(mu));
  const muProductNext = F(F(muProduct * F(mu)) * F(muNext));
  const attrs = {
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    eps: o.eps,
    weightDecay: o.weightDecay,
    biasCorrection2: 1 - beta2 ** step,
    gradCoef: (o.lr * (1 - mu)) / (1 - muProduct),
    avgCoef: (o.lr * muNext) / (1 - muProductNext),
  };
  return { attrs, muProduct };
}

/**
 * torch.optim.NAdam (1.13). Like torch, `muProduct` is a float32 scalar and
 * the next step's product uses torch 1.13's formula `muProduct * mu * muNext`.
 */
export class NAdam extends Optimizer<NAdamOptions> {
  static className = 'Descent.NAdam';

  constructor(params?: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, fused: null, ...options });
  }

  protected validate(o: Partial<NAdamOptions>): void {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
    checkRange('momentumDecay', 'momentum_decay', o.momentumDecay);
  }

  protected stepGroup(group: ParamGroup<NAdamOptions>, entries: StepEntry[]): void {
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) {
        s.step = 0;
        s.muProduct = 1;
      }
      this.ensureTensor(s, 'expAvg', e.param);
      this.ensureTensor(s, 'expAvgSq', e.param);
      const step = (s.step as number) + 1;
      s.step = step;
      const { attrs, muProduct } = nadamAttrs(group, step, s.muProduct as number);
      s.muProduct = muProduct;
      const inputs = () => ({ param: e.param, grad: e.grad, expAvg: s.expAvg as tf.Tensor, expAvgSq: s.expAvgSq as tf.Tensor });
      this.runUpdate(nadamStep, group, e, inputs, attrs, ['expAvg', 'expAvgSq']);
    }
  }
}
