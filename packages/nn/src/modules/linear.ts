import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { calculateFanInAndFanOut, kaimingUniform, uniform_ } from '../init.js';
import { linear } from '../functional/linear.js';
import type { FusedActivation } from '../functional/fused-kernel.js';
import { Module } from '../module.js';
import { boolean, positiveInt } from '../validate.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * torch.nn.Linear: `y = x W + b` over the last axis. The weight is kept as tfjs's
 * [inFeatures, outFeatures] (what `tf.matMul` takes untransposed); torch's is
 * [outFeatures, inFeatures], which is what safetensors files hold.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [inFeatures, outFeatures]. */
  readonly weight: tf.Variable;
  /** [outFeatures], or null with `bias: false`. */
  readonly bias: tf.Variable | null;

  constructor(inFeatures: number, outFeatures: number, { bias = true }: LinearOptions = {}) {
    super();
    this.inFeatures = positiveInt('inFeatures', inFeatures);
    this.outFeatures = positiveInt('outFeatures', outFeatures);
    boolean('bias', bias);
    this.weight = this.registerParameter('weight', tf.zeros([inFeatures, outFeatures]), { torchPermutation: [1, 0] });
    this.bias = this.registerParameter('bias', bias ? tf.zeros([outFeatures]) : null);
    this.resetParameters();
  }

  /** torch's `reset_parameters`: weight kaiming_uniform(a = √5), i.e. U(±1/√inFeatures); bias U(±1/√inFeatures). */
  resetParameters(): void {
    kaimingUniform(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight.shape);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  /** [..., inFeatures] → [..., outFeatures]. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardActivated(x, 'linear');
  }

  /** forward() then `activation`, in one kernel (what Sequential uses for Linear followed by ReLU). */
  forwardActivated(x: tf.Tensor, activation: FusedActivation): tf.Tensor {
    const last = x.shape[x.rank - 1];
    if (x.rank === 0 || last !== this.inFeatures) {
      const rows = x.rank === 0 ? 1 : x.size / Math.max(last, 1);
      throw new InvalidArgumentError('input', x.shape, `mat1 and mat2 shapes cannot be multiplied (${rows}x${x.rank === 0 ? 1 : last} and ${this.inFeatures}x${this.outFeatures})`);
    }
    return tf.tidy(() => {
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      const y = linear(x2, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D | null, activation);
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
