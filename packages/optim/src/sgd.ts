import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type AttrsOf, type fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { sgdMomentumStep, sgdStep } from './ops/sgd.js';
import { checkLr, checkRange } from './validate.js';

export interface SGDOptions extends BaseOptions {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

type SgdAttrOptions = Pick<SGDOptions, 'lr' | 'weightDecay' | 'maximize'>;

/** The attributes of a plain SGD update. */
export function sgdAttrs(o: SgdAttrOptions): AttrsOf<typeof fusedOps.SgdStep> {
  return { lr: o.lr, weightDecay: o.weightDecay, maximize: o.maximize };
}

/** The attributes of a momentum SGD update; `init` on a parameter's first step (torch's buffer is None). */
export function sgdMomentumAttrs(o: SgdAttrOptions & Pick<SGDOptions, 'momentum' | 'dampening' | 'nesterov'>, init: boolean): AttrsOf<typeof fusedOps.SgdMomentumStep> {
  return { ...sgdAttrs(o), momentum: o.momentum, dampeningComplement: 1 - o.dampening, nesterov: o.nesterov, init };
}

/** torch.optim.SGD (1.13): `lr` is required, as in torch. */
export class SGD extends Optimizer<SGDOptions> {
  static className = 'Descent.SGD';

  constructor(params: Params<SGDOptions> | undefined, options: Partial<SGDOptions> = {}) {
    super(params, { lr: undefined as unknown as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, fused: null, ...options });
  }

  protected validate(o: Partial<SGDOptions>): void {
    checkLr(o.lr);
    checkRange('momentum', 'momentum', o.momentum);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
    if (o.nesterov && (!((o.momentum ?? 0) > 0) || o.dampening !== 0)) {
      throw new InvalidArgumentError('nesterov', o.nesterov, 'Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected stepGroup(group: ParamGroup<SGDOptions>, entries: StepEntry[]): void {
    for (const e of entries) {
      if (group.momentum === 0) {
        this.runUpdate(sgdStep, group, e, () => ({ param: e.param, grad: e.grad }), sgdAttrs(group), []);
        continue;
      }
      const buf = e.state.momentumBuffer as tf.Tensor | undefined;
      const attrs = sgdMomentumAttrs(group, buf === undefined);
      this.runUpdate(sgdMomentumStep, group, e, () => ({ param: e.param, grad: e.grad, momentumBuffer: buf ?? e.grad }), attrs, ['momentumBuffer']);
    }
  }
}
