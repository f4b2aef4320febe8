import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapMemory, offsetOf, runPartitioned, type HeapBackend } from '../optim/module.js';
import { trainExportsFor } from './train-module.js';

// A convolution's patches, the matrix that turns it into one matmul, in the
// two layouts Descent's conv kernels use: rows (im2row, [N·OH·OW, KH·KW·I],
// on the kernel pool, for the GEMM) and transposed (im2col, [KH·KW·I,
// N·OH·OW], for XNNPACK, which takes its `a` untransposed). Columns or rows
// are in HWIO's order, so the filter is the other operand as it lies.

/** The attributes of a convolution (or of its filter's gradient) that shape its patches. */
export type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | number[][];
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
};

/** tfjs's Conv2DInfo of an input shape and a filter shape, in the layout `attrs.dataFormat` names. */
export function conv2DInfo(xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs, depthwise: boolean): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode,
    depthwise,
    tf.backend_util.convertConv2DDataFormat((attrs.dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW'),
  );
}

/** {@link conv2DInfo} of x, NHWC only (the only layout tfjs-wasm runs): anything else is an error naming `kernel`. */
export function convInfo(x: tf.TensorInfo, filterShape: [number, number, number, number], attrs: ConvAttrs, depthwise: boolean, kernel: string): tf.backend_util.Conv2DInfo {
  const info = conv2DInfo(x.shape, filterShape, attrs, depthwise);
  if (info.dataFormat !== 'channelsLast') throw new InvalidArgumentError('dataFormat', attrs.dataFormat, `Descent wasm: ${kernel} supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  return info;
}

/** Patch floats up to which the patch kernels run (64 MB); tests lower it. */
export const patchLimits = { floats: 16 * 1024 * 1024 };

/** Floats in the patches of `info`: N·OH·OW rows of KH·KW·I. */
export function patchFloats(info: tf.backend_util.Conv2DInfo): number {
  return info.batchSize * info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
}

/** [N·OH·OW, KH·KW·I]: the patches of x as rows (asm/im2row.ts), split across the kernel pool. */
export function patchRows(backend: BackendWasm, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const out = backend.makeOutput([rows, info.filterHeight * info.filterWidth * info.inChannels], 'float32');
  const heap = backend as unknown as HeapBackend;
  const args = [offsetOf(heap, x), offsetOf(heap, out), info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left, 0, 1];
  runPartitioned(heapMemory(heap), 'im2row', args, patchFloats(info));
  return out;
}

/** [KH·KW·I, N·OH·OW]: the transposed patches of x (asm/im2col.ts). */
export function patchColumns(backend: BackendWasm, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const cols = info.batchSize * info.outHeight * info.outWidth;
  const out = backend.makeOutput([info.filterHeight * info.filterWidth * info.inChannels, cols], 'float32');
  const heap = backend as unknown as HeapBackend;
  trainExportsFor(heap).im2col(offsetOf(heap, x), offsetOf(heap, out), info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left);
  return out;
}
