import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, dilateFilter, formatValue } from '@descent/core';
import { calculateFanInAndFanOut, kaimingUniform, uniform_ } from '../init.js';
import { conv2dBiasActivation } from '../functional/conv2d.js';
import type { FusedActivation } from '../functional/fused-kernel.js';
import { Module } from '../module.js';
import { boolean, pair, positiveInt, shapeString, type Pair } from '../validate.js';
import { explicitPadding, samePadding, type Explicit } from './padding.js';

/**
 * Conv2d's padding: the same on both sides of each spatial axis (one number, or `[h, w]`), `'valid'` (none) or `'same'`.
 */
export type Padding2d = number | [number, number] | 'valid' | 'same';

/** Options of {@link Conv2d}, torch's keyword arguments in lowerCamelCase. */
export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Zeros on both sides of each spatial axis, or 'valid' (none) or 'same' (stride 1 only; the odd one at the bottom/right, as torch). Default 0. */
  padding?: Padding2d;
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
}

/**
 * torch.nn.Conv2d on NHWC input. The weight is kept as tfjs's filter layout
 * [kh, kw, inChannels/groups, outChannels] (HWIO); torch's is OIHW
 * [outChannels, inChannels/groups, kh, kw], which is what safetensors files hold.
 * Groups run as one depthwise convolution when groups = inChannels, otherwise as
 * a convolution per group on channel slices, concatenated (output channels are
 * group-major in both, as torch).
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair | 'same';
  readonly dilation: Pair;
  readonly groups: number;
  /** [kh, kw, inChannels/groups, outChannels]. */
  readonly weight: tf.Variable;
  /** [outChannels], or null with `bias: false`. */
  readonly bias: tf.Variable | null;
  readonly #pad: Explicit | 'valid';

  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: Conv2dOptions = {}) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true } = options;
    this.inChannels = positiveInt('inChannels', inChannels);
    this.outChannels = positiveInt('outChannels', outChannels);
    this.kernelSize = pair('kernelSize', kernelSize);
    this.stride = pair('stride', stride);
    this.dilation = pair('dilation', dilation);
    boolean('bias', bias);
    if (!(Number.isInteger(groups) && groups > 0)) throw new InvalidArgumentError('groups', groups, 'groups must be a positive integer');
    if (inChannels % groups !== 0) throw new InvalidArgumentError('groups', groups, `in_channels must be divisible by groups (inChannels=${inChannels}, groups=${groups})`);
    if (outChannels % groups !== 0) throw new InvalidArgumentError('groups', groups, `out_channels must be divisible by groups (outChannels=${outChannels}, groups=${groups})`);
    this.groups = groups;
    if (typeof padding === 'string') {
      if (padding !== 'valid' && padding !== 'same') {
        throw new InvalidArgumentError('padding', padding, `Invalid padding string ${formatValue(padding)}, should be one of 'valid', 'same'`);
      }
      if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
        throw new InvalidArgumentError('padding', padding, "padding='same' is not supported for strided convolutions");
      }
      this.padding = padding === 'valid' ? [0, 0] : 'same';
    } else {
      this.padding = pair('padding', padding, 0);
    }
    this.#pad = this.padding === 'same' ? samePadding(this.kernelSize, this.dilation) : explicitPadding(this.padding);
    const [kh, kw] = this.kernelSize;
    this.weight = this.registerParameter('weight', tf.zeros([kh, kw, inChannels / groups, outChannels]), { torchPermutation: [3, 2, 0, 1] });
    this.bias = this.registerParameter('bias', bias ? tf.zeros([outChannels]) : null);
    this.resetParameters();
  }

  /** torch's `reset_parameters`: weight kaiming_uniform(a = √5), i.e. U(±1/√fanIn), fanIn = inChannels/groups·kh·kw; bias U(±1/√fanIn). */
  resetParameters(): void {
    kaimingUniform(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight.shape);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  /** [N, H, W, inChannels] (or unbatched [H, W, inChannels]) → [N, OH, OW, outChannels]. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardActivated(x, 'linear');
  }

  /** forward() then `activation`, fused where the backend can (what Sequential uses for Conv2d followed by ReLU). */
  forwardActivated(x: tf.Tensor, activation: FusedActivation): tf.Tensor {
    if ((x.rank !== 4 && x.rank !== 3) || x.shape[x.rank - 1] !== this.inChannels) {
      throw new InvalidArgumentError(
        'input',
        x.shape,
        `Given groups=${this.groups}, weight of size ${shapeString(this.weight.shape)}, expected a 4D NHWC (or 3D HWC) input with ${this.inChannels} channels on the last axis, but got input of shape ${shapeString(x.shape)}`,
      );
    }
    return tf.tidy(() => {
      const x4 = (x.rank === 3 ? tf.expandDims(x, 0) : x) as tf.Tensor4D;
      const y = this.#conv(x4, activation);
      return x.rank === 3 ? tf.squeeze(y, [0]) : y;
    });
  }

  #conv(x: tf.Tensor4D, activation: FusedActivation): tf.Tensor4D {
    const strides = this.stride;
    const pad = this.#pad;
    let filter = this.weight as tf.Tensor4D;
    let dilations = this.dilation;
    const strided = strides[0] > 1 || strides[1] > 1;
    const dilated = dilations[0] > 1 || dilations[1] > 1;
    // tfjs refuses strides and dilations above 1 together; a dilated filter is the same
    // convolution with zeros between the taps.
    if (strided && dilated) {
      filter = dilateFilter(filter, dilations);
      dilations = [1, 1];
    }
    const bias = this.bias as tf.Tensor1D | null;
    // The layer kernel takes undilated convolutions; the plain ops differentiate dilated ones (@descent/core).
    if (this.groups === 1 && dilations[0] === 1 && dilations[1] === 1) return conv2dBiasActivation(x, filter, bias, strides, pad, activation);
    // Every other convolution: plain ops, then the bias and the activation.
    const finish = (y: tf.Tensor4D): tf.Tensor4D => {
      const z: tf.Tensor4D = bias ? tf.add(y, bias) : y;
      return activation === 'relu' ? tf.relu(z) : z;
    };
    const [kh, kw] = filter.shape;
    if (this.groups === 1) return finish(tf.conv2d(x, filter, strides, pad, 'NHWC', dilations));
    if (this.groups === this.inChannels) {
      // [kh, kw, 1, out] → [kh, kw, in, out/in]: output channel c·m + j reads input channel c, as torch's.
      const depthwise = tf.reshape(filter, [kh, kw, this.inChannels, this.outChannels / this.inChannels]) as tf.Tensor4D;
      // (tfjs's fused depthwise op takes no explicit padding.)
      return finish(tf.depthwiseConv2d(x, depthwise, strides, pad, 'NHWC', dilations));
    }
    const xs = tf.split(x, this.groups, 3);
    const ws = tf.split(filter, this.groups, 3);
    const ys = xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, ws[i] as tf.Tensor4D, strides, pad, 'NHWC', dilations));
    return finish(tf.concat(ys, 3));
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${formatValue(this.kernelSize)}, stride=${formatValue(this.stride)}`];
    if (this.padding === 'same' || this.padding[0] !== 0 || this.padding[1] !== 0) parts.push(`padding=${formatValue(this.padding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=${formatValue(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=false');
    return parts.join(', ');
  }
}
