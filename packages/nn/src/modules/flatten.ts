import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import { Module } from '../module.js';
import { boolean, wrapDim } from '../validate.js';

/** Options of {@link Flatten}. */
export interface FlattenOptions {
  /**
   * Flatten a rank-4 (NHWC image) input in torch's NCHW order (default true), so a
   * Linear after it has exactly torch's weight and state dicts move between Descent
   * and torch as they are. false: flatten NHWC as stored (no transpose).
   */
  torchOrder?: boolean;
}

/**
 * torch.nn.Flatten: dims `startDim..endDim` become one. Dims are torch's: a rank-4
 * input is an NHWC image, read as torch's NCHW (dim 1 is the channels), and with
 * `torchOrder` its elements come out in NCHW order. Other ranks flatten as they are.
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  readonly torchOrder: boolean;

  constructor(startDim = 1, endDim = -1, { torchOrder = true }: FlattenOptions = {}) {
    super();
    for (const [name, d] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!Number.isInteger(d)) throw new InvalidArgumentError(name, d);
    }
    this.startDim = startDim;
    this.endDim = endDim;
    this.torchOrder = boolean('torchOrder', torchOrder);
  }

  forward(x: tf.Tensor): tf.Tensor {
    const start = wrapDim('startDim', this.startDim, x.rank);
    const end = wrapDim('endDim', this.endDim, x.rank);
    if (start > end) throw new InvalidArgumentError('startDim', this.startDim, 'flatten() has invalid args: start_dim cannot come after end_dim');
    return tf.tidy(() => {
      const t = x.rank === 4 && this.torchOrder ? toNchw(x as tf.Tensor4D) : x;
      if (start === end) return tf.clone(t);
      const shape = [...t.shape.slice(0, start), t.shape.slice(start, end + 1).reduce((a, b) => a * b, 1), ...t.shape.slice(end + 1)];
      return tf.reshape(t, shape);
    });
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** NHWC → NCHW; with one channel (MNIST) or a 1×1 image the order is the same, so a reshape does it without a copy. */
function toNchw(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return c === 1 || h * w === 1 ? tf.reshape(x, [n, c, h, w]) : tf.transpose(x, [0, 3, 1, 2]);
}
