import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';
import { Module } from '../module.js';
import { boolean, pair, shapeString, type Pair } from '../validate.js';
import { explicitPadding } from './padding.js';

/** Options of {@link MaxPool2d}. */
export interface MaxPool2dOptions {
  /** Default: `kernelSize`. */
  stride?: number | [number, number] | null;
  /** Implicit −∞ on both sides, at most half the kernel (default 0). */
  padding?: number | [number, number];
}

/** Options of {@link AvgPool2d}, torch's keyword arguments in lowerCamelCase. */
export interface AvgPool2dOptions {
  /** Default: `kernelSize`. */
  stride?: number | [number, number] | null;
  /** Zeros on both sides, at most half the kernel (default 0). */
  padding?: number | [number, number];
  /** Count the padded zeros in each window's divisor (default true, as torch). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead (then `countIncludePad` does not matter). */
  divisorOverride?: number | null;
}

function poolArgs(kernelSize: unknown, stride: unknown, padding: unknown): { kernel: Pair; stride: Pair; padding: Pair } {
  const kernel = pair('kernelSize', kernelSize);
  const s = stride == null ? kernel : pair('stride', stride);
  const p = pair('padding', padding, 0);
  if (p[0] > kernel[0] / 2 || p[1] > kernel[1] / 2) {
    throw new InvalidArgumentError('padding', padding, `pad should be at most half of kernel size, but got pad=${formatValue(padding)} and kernel_size=${formatValue(kernelSize)}`);
  }
  return { kernel, stride: s, padding: p };
}

function checkInput(name: string, x: tf.Tensor): void {
  if (x.rank !== 4 && x.rank !== 3) {
    throw new InvalidArgumentError('input', x.shape, `${name}: expected a 4D NHWC (or 3D HWC) input, but got input of shape ${shapeString(x.shape)}`);
  }
}

function batched(x: tf.Tensor, fn: (x4: tf.Tensor4D) => tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const y = fn((x.rank === 3 ? tf.expandDims(x, 0) : x) as tf.Tensor4D);
    return x.rank === 3 ? tf.squeeze(y, [0]) : y;
  });
}

/** torch.nn.MaxPool2d on NHWC input (padding never wins a max: torch's −∞). */
export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;

  constructor(kernelSize: number | [number, number], { stride = null, padding = 0 }: MaxPool2dOptions = {}) {
    super();
    const a = poolArgs(kernelSize, stride, padding);
    this.kernelSize = a.kernel;
    this.stride = a.stride;
    this.padding = a.padding;
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkInput('MaxPool2d', x);
    return batched(x, (x4) => tf.maxPool(x4, this.kernelSize, this.stride, explicitPadding(this.padding)));
  }

  override extraRepr(): string {
    return `kernelSize=${formatValue(this.kernelSize)}, stride=${formatValue(this.stride)}, padding=${formatValue(this.padding)}`;
  }
}

/**
 * torch.nn.AvgPool2d on NHWC input. tfjs's avgPool divides each window by its real
 * (unpadded) elements, which is torch's `countIncludePad: false`; torch's default
 * counts the padded zeros, so with padding the input is zero-padded explicitly and
 * pooled unpadded.
 */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: number | [number, number], options: AvgPool2dOptions = {}) {
    super();
    const { stride = null, padding = 0, countIncludePad = true, divisorOverride = null } = options;
    const a = poolArgs(kernelSize, stride, padding);
    this.kernelSize = a.kernel;
    this.stride = a.stride;
    this.padding = a.padding;
    this.countIncludePad = boolean('countIncludePad', countIncludePad);
    if (divisorOverride !== null && !(Number.isInteger(divisorOverride) && divisorOverride > 0)) {
      throw new InvalidArgumentError('divisorOverride', divisorOverride, `divisor must be not zero, got ${formatValue(divisorOverride)}`);
    }
    this.divisorOverride = divisorOverride;
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkInput('AvgPool2d', x);
    const [ph, pw] = this.padding;
    const padded = ph > 0 || pw > 0;
    const window = this.kernelSize[0] * this.kernelSize[1];
    return batched(x, (x4) => {
      if (this.divisorOverride !== null || (padded && this.countIncludePad)) {
        // Every window then divides by the full kernel: pad with zeros, pool unpadded.
        const xp = padded ? tf.pad(x4, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : x4;
        const y = tf.avgPool(xp, this.kernelSize, this.stride, 'valid');
        // The padded zeros add nothing to a window's sum, so with a divisor countIncludePad does not matter.
        if (this.divisorOverride === null) return y;
        return tf.mul(y, window / this.divisorOverride);
      }
      return tf.avgPool(x4, this.kernelSize, this.stride, explicitPadding(this.padding));
    });
  }

  override extraRepr(): string {
    return `kernelSize=${formatValue(this.kernelSize)}, stride=${formatValue(this.stride)}, padding=${formatValue(this.padding)}`;
  }
}
