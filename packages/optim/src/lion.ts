import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type AttrsOf, type fusedOps } from '@descent/core';
import { Optimizer, type BaseOptions, type ParamGroup, type Params, type StepEntry } from './optimizer.js';
import { lionStep } from './ops/lion.js';
import { checkBetas, checkRange } from './validate.js';

export interface LionOptions extends BaseOptions {
  betas: [number, number];
  weightDecay: number;
}

/** The attributes of a Lion update. */
export function lionAttrs(o: Pick<LionOptions, 'lr' | 'betas' | 'weightDecay'>): AttrsOf<typeof fusedOps.LionStep> {
  const [beta1, beta2] = o.betas;
  return { lr: o.lr, paramScale: 1 - o.lr * o.weightDecay, beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2 };
}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"),
 * as the reference PyTorch implementation (google/automl lion_pytorch.py,
 * lucidrains/lion-pytorch): sign of an interpolated momentum, decoupled weight decay.
 */
export class Lion extends Optimizer<LionOptions> {
  static className = 'Descent.Lion';

  constructor(params?: Params<LionOptions>, options: Partial<LionOptions> = {}) {
    super(params, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, fused: null, ...options });
  }

  protected validate(o: Partial<LionOptions>): void {
    // The reference asserts lr > 0 and 0 <= beta <= 1.
    if (o.lr !== undefined && !(o.lr > 0)) throw new InvalidArgumentError('lr', o.lr, `Invalid learning rate: ${o.lr}`);
    checkBetas(o.betas, true);
    checkRange('weightDecay', 'weight_decay', o.weightDecay);
  }

  protected stepGroup(group: ParamGroup<LionOptions>, entries: StepEntry[]): void {
    const attrs = lionAttrs(group);
    for (const e of entries) {
      const s = e.state;
      this.ensureTensor(s, 'expAvg', e.param);
      this.runUpdate(lionStep, group, e, () => ({ param: e.param, grad: e.grad, expAvg: s.expAvg as tf.Tensor }), attrs, ['expAvg']);
    }
  }
}
