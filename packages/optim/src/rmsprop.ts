import type * as tf from '@tensorflow/tfjs-core';
import type { AttrsOf, fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { rmspropCenteredMomentumStep, rmspropCenteredStep, rmspropMomentumStep, rmspropStep } from './ops/rmsprop.js';
import { checkEps, checkLr, checkRange } from './validate.js';

export interface RMSpropOptions extends BaseOptions {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/** The attributes of an RMSprop update (every variant takes the same). */
export function rmspropAttrs(o: Pick<RMSpropOptions, 'lr' | 'alpha' | 'eps' | 'weightDecay' | 'momentum' | 'maximize'>): AttrsOf<typeof fusedOps.RmspropStep> {
  return { lr: o.lr, alpha: o.alpha, oneMinusAlpha: 1 - o.alpha, eps: o.eps, weightDecay: o.weightDecay, momentum: o.momentum, maximize: o.maximize };
}

/** torch.optim.RMSprop (1.13). */
export class RMSprop extends Optimizer<RMSpropOptions> {
  static className = 'Descent.RMSprop';

  constructor(params?: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<RMSpropOptions>): void {
    checkLr(o.lr);
    checkEps(o.eps);
    checkRange('momentum', 'momentum', o.momentum);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
    checkRange('alpha', 'alpha', o.alpha);
  }

  protected stepGroup(group: ParamGroup<RMSpropOptions>, entries: StepEntry[]): void {
    const { momentum, centered } = group;
    const attrs = rmspropAttrs(group);
    for (const e of entries) {
      const s = e.state;
      if (s.step === undefined) s.step = 0;
      s.step = (s.step as number) + 1;
      this.ensureTensor(s, 'squareAvg', e.param);
      if (momentum > 0) this.ensureTensor(s, 'momentumBuffer', e.param);
      if (centered) this.ensureTensor(s, 'gradAvg', e.param);
      const t = (k: string) => s[k] as tf.Tensor;
      const base = () => ({ param: e.param, grad: e.grad, squareAvg: t('squareAvg') });
      if (centered && momentum > 0) {
        this.runUpdate(rmspropCenteredMomentumStep, group, e, () => ({ ...base(), gradAvg: t('gradAvg'), momentumBuffer: t('momentumBuffer') }), attrs, ['squareAvg', 'gradAvg', 'momentumBuffer']);
      } else if (centered) {
        this.runUpdate(rmspropCenteredStep, group, e, () => ({ ...base(), gradAvg: t('gradAvg') }), attrs, ['squareAvg', 'gradAvg']);
      } else if (momentum > 0) {
        this.runUpdate(rmspropMomentumStep, group, e, () => ({ ...base(), momentumBuffer: t('momentumBuffer') }), attrs, ['squareAvg', 'momentumBuffer']);
      } else {
        this.runUpdate(rmspropStep, group, e, base, attrs, ['squareAvg']);
      }
    }
  }
}
