import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapMemory, kernelPoolOf, offsetOf, runPartitioned, type HeapBackend } from '../optim/module.js';
import { GEMM_SCRATCH_FLOATS, preferGemmConv } from './gemm.js';
import { Scratch } from './helpers.js';

// Winograd F(2×2, 3×3) (asm/winograd.ts) for the 3×3, stride-1, undilated
// convolutions that run on Descent's GEMM: the forward pass, and the input's
// and the filter's gradients (the forward transforms transposed, on the
// forward pass's own tiles). Each 2×2
// block of outputs costs 16 multiplies a channel pair instead of 36, so a
// LeNet's second convolution (11×11 outputs, padded to 12×12) does 1.9× fewer
// multiply-adds. The transforms only add and halve, so the results differ
// from the direct sum by rounding alone (tested against cpu within float32
// tolerance). Every thread works through its tiles in blocks that stay in its
// cache, so the extra memory is a few hundred kB a thread whatever the batch.
// Channel counts must be multiples of 4 (one SIMD vector); anything else keeps
// im2row and the GEMM.

/** Tiles·channels² from which the transforms pay (a convolution this small takes microseconds either way); tests lower it. */
export const winogradLimits = { minWork: 1 << 18 };

/** Whether the convolution `info` (from `inChannels` to `outChannels`) runs as Winograd F(2×2, 3×3). */
export function winogradApplies(info: tf.backend_util.Conv2DInfo): boolean {
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, inChannels: c, outChannels: k, padInfo } = info;
  if (!preferGemmConv() || info.dataFormat !== 'channelsLast') return false;
  if (filterHeight !== 3 || filterWidth !== 3 || strideHeight !== 1 || strideWidth !== 1 || dilationHeight !== 1 || dilationWidth !== 1) return false;
  if (c % 4 !== 0 || k % 4 !== 0 || c === 0 || k === 0) return false;
  if (padInfo.top < 0 || padInfo.left < 0) return false;
  return tileCount(info.batchSize, info.outHeight, info.outWidth) * c * k >= winogradLimits.minWork;
}

function tileCount(n: number, h: number, w: number): number {
  return n * Math.ceil(h / 2) * Math.ceil(w / 2);
}

/** Tiles a block: its V and M (about 512 kB) stay in a core's L2 through the 16 products. */
export function blockTiles(c: number, k: number): number {
  return Math.min(256, Math.max(4, Math.floor(8192 / (c + k)) & ~3));
}

/** One Winograd kernel's buffers, freed together. */
class Step {
  readonly scratch: Scratch;
  readonly heap: HeapBackend;
  readonly memory: WebAssembly.Memory;
  readonly threads: number;
  constructor(readonly backend: BackendWasm) {
    this.scratch = new Scratch(backend);
    this.heap = backend as unknown as HeapBackend;
    this.memory = heapMemory(this.heap);
    this.threads = kernelPoolOf(this.memory)?.threads ?? 1;
  }
  /** A new scratch buffer of `floats` floats; its byte offset. */
  buffer(floats: number): number {
    return offsetOf(this.heap, this.scratch.keep(this.backend.makeOutput([floats], 'float32')));
  }
  /** Every thread's block buffers (asm/winograd.ts's partBytes). */
  blocks(c: number, k: number, tb: number): number {
    return this.buffer(this.threads * (16 * tb * (c + k) + GEMM_SCRATCH_FLOATS));
  }
  at(t: tf.TensorInfo): number {
    return offsetOf(this.heap, t);
  }
  run(name: Parameters<typeof runPartitioned>[1], args: number[], work: number): void {
    runPartitioned(this.memory, name, [...args, 0, 1], work);
  }
  dispose(): void {
    this.scratch.dispose();
  }
}

/** y [N, OH, OW, K], the forward convolution (see {@link winogradApplies}), with a vector bias and relu fused. */
export function winogradConv2D(backend: BackendWasm, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | null | undefined, relu: boolean, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const step = new Step(backend);
  try {
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: k, outHeight: oh, outWidth: ow } = info;
    const out = backend.makeOutput([n, oh, ow, k], 'float32');
    if (n * oh * ow === 0) return out;
    const u = step.buffer(16 * c * k);
    step.run('winogradFilter', [step.at(filter), u, c, k, 0], 16 * c * k);
    const tb = blockTiles(c, k);
    step.run('winogradConv', [step.at(x), u, bias ? step.at(bias) : 0, step.at(out), step.blocks(c, k, tb), n, h, w, c, k, oh, ow, info.padInfo.top, info.padInfo.left, tb, relu ? 1 : 0], 16 * tileCount(n, oh, ow) * c * k);
    return out;
  } finally {
    step.dispose();
  }
}

/** dx [n, h, w, c]: the forward transforms' transposes on the forward pass's own tiles (dM = A dY Aᵀ, dV = dM · Uᵀ, dx += B dV Bᵀ). */
export function winogradInputGradient(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const step = new Step(backend);
  try {
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: k, outHeight: oh, outWidth: ow } = info;
    const dx = backend.makeOutput([n, h, w, c], 'float32');
    if (n * h * w * c === 0) return dx;
    const ut = step.buffer(16 * c * k);
    step.run('winogradFilter', [step.at(filter), ut, c, k, 1], 16 * c * k);
    const tb = blockTiles(c, k);
    step.run('winogradConvBackpropInput', [step.at(dy), ut, step.at(dx), step.blocks(c, k, tb), n, h, w, c, k, oh, ow, info.padInfo.top, info.padInfo.left, tb], 16 * tileCount(n, oh, ow) * c * k);
    return dx;
  } finally {
    step.dispose();
  }
}

/** dW [3, 3, c, k] = Gᵀ (Σ_tiles Vᵀ · dM) G: the forward transforms, transposed; each thread sums its own tiles. */
export function winogradFilterGradient(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const step = new Step(backend);
  try {
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: k, outHeight: oh, outWidth: ow } = info;
    const dw = backend.makeOutput([3, 3, c, k], 'float32');
    const tb = blockTiles(c, k);
    // A 16-byte header (how many parts summed), then each thread's sums.
    const du = step.buffer(4 + step.threads * 16 * c * k);
    step.run('winogradFilterSums', [step.at(x), step.at(dy), du, step.blocks(c, k, tb), n, h, w, c, k, oh, ow, info.padInfo.top, info.padInfo.left, tb], 16 * tileCount(n, oh, ow) * c * k);
    step.run('winogradFilterGrad', [du, step.at(dw), c, k], 16 * c * k);
    return dw;
  } finally {
    step.dispose();
  }
}
