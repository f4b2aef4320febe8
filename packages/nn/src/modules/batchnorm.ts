import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import { boolean, positiveInt, shapeString } from '../validate.js';

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}, torch's keyword arguments in lowerCamelCase. */
export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); false: batch statistics in both modes. */
  trackRunningStats?: boolean;
}

/**
 * torch's `_BatchNorm` (the base of BatchNorm1d and BatchNorm2d), channels on the last axis. Training: normalizes with the
 * batch mean and biased batch variance and updates the running statistics with the
 * unbiased variance; eval: normalizes with the running statistics.
 */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** [numFeatures] scale (ones), or null without `affine`. */
  readonly weight: tf.Variable | null;
  /** [numFeatures] shift (zeros), or null without `affine`. */
  readonly bias: tf.Variable | null;
  /** [numFeatures] buffer `running_mean`, or null without `trackRunningStats`. */
  readonly runningMean: tf.Variable | null;
  /** [numFeatures] buffer `running_var`. */
  readonly runningVar: tf.Variable | null;
  /** int32 scalar buffer `num_batches_tracked` (torch's is int64; safetensors files hold I64). */
  readonly numBatchesTracked: tf.Variable | null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    this.numFeatures = positiveInt('numFeatures', numFeatures);
    if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) throw new InvalidArgumentError('eps', eps);
    if (momentum !== null && !(typeof momentum === 'number' && Number.isFinite(momentum))) throw new InvalidArgumentError('momentum', momentum);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = boolean('affine', affine);
    this.trackRunningStats = boolean('trackRunningStats', trackRunningStats);
    this.weight = this.registerParameter('weight', affine ? tf.ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? tf.zeros([numFeatures]) : null);
    this.runningMean = this.registerBuffer('running_mean', trackRunningStats ? tf.zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer('running_var', trackRunningStats ? tf.ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', trackRunningStats ? tf.scalar(0, 'int32') : null);
  }

  /** Running mean 0, variance 1, no batches tracked. */
  resetRunningStats(): void {
    if (!this.runningMean || !this.runningVar || !this.numBatchesTracked) return;
    zeros_(this.runningMean);
    ones_(this.runningVar);
    const counter = this.numBatchesTracked;
    tf.tidy(() => counter.assign(tf.scalar(0, 'int32')));
  }

  /** torch's `reset_parameters`: running statistics reset, weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  /** The ranks this variant accepts, and its torch name for messages. */
  protected abstract readonly ranks: number[];

  forward(x: tf.Tensor): tf.Tensor {
    const name = this.constructor.name;
    if (!this.ranks.includes(x.rank)) {
      throw new InvalidArgumentError('input', x.shape, `${name}: expected ${this.ranks.map((r) => `${r}D`).join(' or ')} input (got ${x.rank}D input)`);
    }
    const channels = x.shape[x.rank - 1];
    if (channels !== this.numFeatures) {
      throw new InvalidArgumentError('input', x.shape, `${name}: expected ${this.numFeatures} channels on the last axis, got input of shape ${shapeString(x.shape)}`);
    }
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const weight = this.weight ?? undefined;
    const bias = this.bias ?? undefined;
    const { runningMean, runningVar, numBatchesTracked } = this;
    if (!this.training && runningMean && runningVar) {
      return tf.tidy(() => tf.batchNorm(x, runningMean, runningVar, bias, weight, this.eps));
    }
    const n = x.size / channels;
    if (this.training && n <= 1) {
      throw new InvalidArgumentError('input', x.shape, `Expected more than 1 value per channel when training, got input size ${shapeString(x.shape)}`);
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, axes);
      const y = tf.batchNorm(x, mean, variance, bias, weight, this.eps);
      if (this.training && runningMean && runningVar && numBatchesTracked) {
        // Off the loss's path: these ops get no gradient, and the variables are assigned, not replaced.
        numBatchesTracked.assign(tf.add(numBatchesTracked, tf.scalar(1, 'int32')));
        const factor = this.momentum === null ? tf.div(1, tf.cast(numBatchesTracked, 'float32')) : tf.scalar(this.momentum);
        const keep = tf.sub(1, factor);
        runningMean.assign(tf.add(tf.mul(runningMean, keep), tf.mul(mean, factor)));
        runningVar.assign(tf.add(tf.mul(runningVar, keep), tf.mul(tf.mul(variance, n / (n - 1)), factor)));
      }
      return y;
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${formatValue(this.momentum)}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** torch.nn.BatchNorm1d on [N, C] or [N, L, C] (tfjs's NWC; torch's [N, C, L]). */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [2, 3];
}

/** torch.nn.BatchNorm2d on NHWC input [N, H, W, C]. */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [4];
}
