import type * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { radamStep } from './ops/radam.js';
import { checkBetas, checkEps, checkLr, checkRange } from './validate.js';

export interface RAdamOptions extends BaseOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/** The attributes of a RAdam update at the parameter's step `step` (1-based). */
export function radamAttrs(o: Pick<RAdamOptions, 'lr' | 'betas' | 'eps' | 'weightDecay'>, step: number): AttrsOf<typeof fusedOps.RadamStep> {
  const [beta1, beta2] = o.betas;
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - (2 * step * beta2 ** step) / bc2;
  const rectify = rhoT > 5;
  const rect = rectify ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 1;
  return {
    lr: o.lr,
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    eps: o.eps,
    weightDecay: o.weightDecay,
    biasCorrection1: bc1,
    biasCorrection2Sqrt: Math.sqrt(bc2),
    rectify,
    rect,
  };
}

/** torch.optim.RAdam (1.13): the rectified update once `rho_t > 5`, plain momentum SGD before. */
export class RAdam extends Optimizer<RAdamOptions> {
  static className = 'Descent.RAdam';

  constructor(params?: Params<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, fused: null, ...options });
  }

  protected validate(o: Partial<RAdamOptions>): void {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
  }

  protected stepGroup(group: ParamGroup<RAdamOptions>, entries: StepEntry[]): void {
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) s.step = 0;
      this.ensureTensor(s, 'expAvg', e.param);
      this.ensureTensor(s, 'expAvgSq', e.param);
      const step = (s.step as number) + 1;
      s.step = step;
      const attrs = radamAttrs(group, step);
      const inputs = () => ({ param: e.param, grad: e.grad, expAvg: s.expAvg as tf.Tensor, expAvgSq: s.expAvgSq as tf.Tensor });
      this.runUpdate(radamStep, group, e, inputs, attrs, ['expAvg', 'expAvgSq']);
    }
  }
}
