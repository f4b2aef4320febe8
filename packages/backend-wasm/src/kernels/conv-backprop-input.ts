import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Scratch, explicitPad, reshapeView, slice, transpose, wasmKernel, type WasmKernelArgs } from './helpers.js';
import { stockKernel } from './stock.js';
import { offsetOf, type HeapBackend } from '../optim/module.js';
import { trainExportsFor } from './train-module.js';
import { conv2DInfo, type ConvAttrs } from './patches.js';
import { winogradApplies, winogradInputGradient } from './winograd.js';

// tfjs-wasm has no DepthwiseConv2dNativeBackpropInput at all, and its
// Conv2DBackpropInput is a scalar loop. A conv's input gradient is the
// columns dy · Wᵀ ([N·OH·OW, KH·KW·I], one XNNPACK matmul whose weights are
// just the small filter) added back into the image (col2im, asm/train.ts):
// exactly the forward pass's multiply-adds. Where the columns would be too
// large to hold, and for depthwise filters, it is the "full" correlation of
// dy, spread by the strides, with the spatially flipped filter, on XNNPACK's
// convolution (it also multiplies the padding's zeros). 3×3 stride-1 filters
// with channels in fours take Winograd's transform instead (./winograd.ts).
// No input is written.

/** Columns up to `colFloats` floats (64 MB) take the matmul + col2im path; tests lower it. */
export const inputGradientLimits = { colFloats: 16 * 1024 * 1024 };

type Attrs = ConvAttrs & { inputShape: [number, number, number, number] };

/**
 * dy [N, OH, OW, C] with (s−1) zeros between rows and columns, cut to
 * [(OH−1)·sh + 1, (OW−1)·sw + 1]: Reshape, PadV2 and Slice, all stock kernels.
 */
function spread(backend: BackendWasm, dy: tf.TensorInfo, sh: number, sw: number, scratch: Scratch): tf.TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const view = scratch.keep(reshapeView(backend, dy, [n, oh, 1, ow, 1, c]));
  const paddings = [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]];
  const padded = scratch.keep(wasmKernel('PadV2')({ inputs: { x: view }, backend, attrs: { paddings, constantValue: 0 } }));
  const flat = scratch.keep(reshapeView(backend, padded, [n, oh * sh, ow * sw, c]));
  return scratch.keep(slice(backend, flat, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]));
}

/**
 * Paddings of the full correlation that gives back [H, W]. A forward padding
 * wider than the filter makes one negative: it is padded as 0 and the extra
 * rows or columns are cut from the result (`crop`).
 */
function fullPadding(info: tf.backend_util.Conv2DInfo): { pad: number[][]; crop: boolean } {
  const { padInfo } = info;
  const top = info.effectiveFilterHeight - 1 - padInfo.top;
  const left = info.effectiveFilterWidth - 1 - padInfo.left;
  const bottom = info.inHeight + padInfo.top - (info.outHeight - 1) * info.strideHeight - 1;
  const right = info.inWidth + padInfo.left - (info.outWidth - 1) * info.strideWidth - 1;
  const crop = Math.min(top, left, bottom, right) < 0;
  const pad = explicitPad(Math.max(top, 0), Math.max(bottom, 0), Math.max(left, 0), Math.max(right, 0));
  return { pad, crop };
}

/** The [H, W] window of a full correlation computed with clamped paddings. */
function cropTo(backend: BackendWasm, out: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, scratch: Scratch): tf.TensorInfo {
  const top = Math.max(0, info.padInfo.top - (info.effectiveFilterHeight - 1));
  const left = Math.max(0, info.padInfo.left - (info.effectiveFilterWidth - 1));
  return slice(backend, scratch.keep(out), [0, top, left, 0], [out.shape[0], info.inHeight, info.inWidth, out.shape[3]]);
}

/** dx = full correlation of spread(dy) with W flipped in space and with its in/out channels swapped. */
export function conv2DBackpropInput(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as Attrs;
  const convInfo = conv2DInfo(attrs.inputShape, filter.shape, attrs, false);
  // NCHW (which tfjs-wasm's forward Conv2D rejects) keeps tfjs-wasm's own kernel.
  if (convInfo.dataFormat !== 'channelsLast') return stockKernel(tf.Conv2DBackpropInput)(args);
  if (dy.dtype === 'float32' && filter.dtype === 'float32' && winogradApplies(convInfo)) return winogradInputGradient(backend, dy, filter, convInfo);
  const { pad, crop } = fullPadding(convInfo);
  const scratch = new Scratch(backend);
  const rows = convInfo.batchSize * convInfo.outHeight * convInfo.outWidth;
  const [kh, kw, ci, co] = filter.shape;
  if (dy.dtype === 'float32' && filter.dtype === 'float32' && rows > 0 && rows * kh * kw * ci <= inputGradientLimits.colFloats) {
    try {
      const wT = scratch.keep(transpose(backend, scratch.keep(reshapeView(backend, filter, [kh * kw * ci, co])), [1, 0])); // [O, KH·KW·I]
      const g = scratch.keep(reshapeView(backend, dy, [rows, co]));
      const cols = scratch.keep(wasmKernel(tf.BatchMatMul)({ inputs: { a: g, b: wT }, backend, attrs: { transposeA: false, transposeB: false } }));
      const dx = backend.makeOutput(attrs.inputShape, 'float32');
      const heap = backend as unknown as HeapBackend;
      const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = convInfo;
      trainExportsFor(heap).col2im(offsetOf(heap, cols), offsetOf(heap, dx), convInfo.batchSize, inHeight, inWidth, ci, outHeight, outWidth,
        kh, kw, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo.top, padInfo.left);
      return dx;
    } finally {
      scratch.dispose();
    }
  }
  try {
    const flipped = scratch.keep(wasmKernel('Reverse')({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } }));
    const w = scratch.keep(transpose(backend, flipped, [0, 1, 3, 2])); // [KH, KW, O, I]
    const x = spread(backend, dy, convInfo.strideHeight, convInfo.strideWidth, scratch);
    const out = wasmKernel('Conv2D')({ inputs: { x, filter: w }, backend, attrs: { strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC' } });
    return crop ? cropTo(backend, out, convInfo, scratch) : out;
  } finally {
    scratch.dispose();
  }
}

/** dx[…, c] = Σ_m full correlation of spread(dy)[…, c·M + m] with W[·, ·, c, m] flipped, at the filter's dilation. */
export function depthwiseConv2dNativeBackpropInput(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as Attrs;
  const convInfo = conv2DInfo(attrs.inputShape, filter.shape, attrs, true);
  const [kh, kw, c, m] = filter.shape;
  const [n, h, w] = attrs.inputShape;
  const { pad, crop } = fullPadding(convInfo);
  const scratch = new Scratch(backend);
  try {
    const flipped = scratch.keep(wasmKernel('Reverse')({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } }));
    const wFlat = scratch.keep(reshapeView(backend, flipped, [kh, kw, c * m, 1]));
    const x = spread(backend, dy, convInfo.strideHeight, convInfo.strideWidth, scratch);
    const full = wasmKernel('DepthwiseConv2dNative')({
      inputs: { x, filter: wFlat },
      backend,
      attrs: { strides: [1, 1], dilations: [convInfo.dilationHeight, convInfo.dilationWidth], pad, dataFormat: 'NHWC' },
    }); // [N, H, W, C·M]
    const out = crop ? cropTo(backend, full, convInfo, scratch) : full;
    if (m === 1) return out;
    const out5 = scratch.keep(reshapeView(backend, scratch.keep(out), [n, h, w, c, m]));
    return wasmKernel('Sum')({ inputs: { x: out5 }, backend, attrs: { axis: [4], keepDims: false } });
  } finally {
    scratch.dispose();
  }
}
