import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, getDefaultGenerator } from '@descent/core';
import { Module } from '../module.js';

/**
 * torch.nn.Dropout: in training, zeroes each element with probability `p` and scales
 * the rest by 1/(1 − p); in eval mode, the identity. Masks come from @descent/core's
 * default generator (`manualSeed` makes them reproducible, and its state goes into
 * checkpoints), one uniform draw per element in row-major order.
 */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (!(typeof p === 'number' && p >= 0 && p <= 1)) {
      throw new InvalidArgumentError('p', p, `dropout probability has to be between 0 and 1, but got ${p}`);
    }
    this.p = p;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return tf.clone(x);
    if (this.p === 1) return tf.mul(x, tf.scalar(0, x.dtype));
    const g = getDefaultGenerator();
    const keep = 1 - this.p;
    const scale = 1 / keep;
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = g.random() < keep ? scale : 0;
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape, 'float32')));
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
