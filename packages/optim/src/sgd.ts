import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
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
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const e of entries) {
      if (momentum === 0) {
        this.runUpdate(sgdStep, group, e, () => ({ param: e.param, grad: e.grad }), { lr, weightDecay, maximize }, []);
        continue;
      }
      const buf = e.state.momentumBuffer as tf.Tensor | undefined;
      const attrs = { lr, weightDecay, maximize, momentum, dampeningComplement: 1 - dampening, nesterov, init: buf === undefined };
      this.runUpdate(sgdMomentumStep, group, e, () => ({ param: e.param, grad: e.grad, momentumBuffer: buf ?? e.grad }), attrs, ['momentumBuffer']);
    }
  }
}
