import * as tf from '@tensorflow/tfjs-core';
import { gemmMatMul, preferGemmConv } from './gemm.js';
import { Scratch, explicitPad, reshapeView, slice, transpose, wasmKernel, type WasmKernelArgs } from './helpers.js';
import { convInfo, patchColumns, patchFloats, patchRows, type ConvAttrs } from './patches.js';
import { winogradApplies, winogradFilterGradient } from './winograd.js';

// tfjs-wasm has no Conv2DBackpropFilter or DepthwiseConv2dNativeBackpropFilter.
// A filter's gradient is the product patchesᵀ · dy ([KH·KW·I, N·OH·OW] times
// [N·OH·OW, O], in HWIO's layout directly). Where the GEMM is preferred (the
// kernel pool has more threads than XNNPACK: ./gemm.ts) that is im2row's
// patches, read transposed in place by the GEMM; else an im2col into the
// transposed patches (asm/train.ts) and one XNNPACK matmul whose packed
// weights are dy. Where the patches would be too large to hold, it is a
// convolution instead: x with its batch axis as the channels, and dy as the
// filter, strides and dilations swapped, on XNNPACK's convolution (3.5× slower
// for a LeNet's first layer, whose GEMM then has only 9 rows; about even for
// its second). All do the forward pass's multiply-adds; none is a scalar
// loop. 3×3 stride-1 filters with channels in fours take Winograd's
// transforms instead (./winograd.ts). Every intermediate is a new tensor,
// freed before return; no input is written.

/** Patches up to `patchFloats` floats (64 MB) take the patches path; larger ones the convolution. Tests lower it. */
export const filterGradientLimits = { patchFloats: 16 * 1024 * 1024 };

type Attrs = ConvAttrs & { filterShape: [number, number, number, number] };

/** dW[kh, kw, i, o] = Σ_{n, oh, ow} x[n, oh·s + kh·d − pad, ow·s + kw·d − pad, i] · dy[n, oh, ow, o]. */
export function conv2DBackpropFilter(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Attrs;
  const info = convInfo(x, attrs.filterShape, attrs, false, 'Conv2DBackpropFilter');
  const { filterHeight: kh, filterWidth: kw, inChannels, outChannels, padInfo } = info;
  if (x.dtype === 'float32' && dy.dtype === 'float32' && winogradApplies(info)) return winogradFilterGradient(backend, x, dy, info);
  const scratch = new Scratch(backend);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  if (x.dtype === 'float32' && dy.dtype === 'float32' && rows > 0 && patchFloats(info) <= filterGradientLimits.patchFloats) {
    try {
      const g = scratch.keep(reshapeView(backend, dy, [rows, outChannels]));
      if (preferGemmConv()) {
        // patchesᵀ · dy on Descent's GEMM, which reads the patches transposed where they lie.
        const w = gemmMatMul(backend, scratch.keep(patchRows(backend, x, info)), g, true, false);
        w.shape = [kh, kw, inChannels, outChannels];
        return w;
      }
      const pT = scratch.keep(patchColumns(backend, x, info));
      // An untransposed product of single matrices: tfjs-wasm's XNNPACK path.
      const w = wasmKernel(tf.BatchMatMul)({ inputs: { a: pT, b: g }, backend, attrs: { transposeA: false, transposeB: false } });
      w.shape = [kh, kw, inChannels, outChannels];
      return w;
    } finally {
      scratch.dispose();
    }
  }
  try {
    const xT = scratch.keep(transpose(backend, x, [3, 1, 2, 0])); // [I, H, W, N]
    const dyT = scratch.keep(transpose(backend, dy, [1, 2, 0, 3])); // [OH, OW, N, O]: a filter with N inputs
    const r = scratch.keep(
      wasmKernel('Conv2D')({
        inputs: { x: xT, filter: dyT },
        backend,
        attrs: {
          strides: [info.dilationHeight, info.dilationWidth],
          dilations: [info.strideHeight, info.strideWidth],
          pad: explicitPad(padInfo.top, padInfo.bottom, padInfo.left, padInfo.right),
          dataFormat: 'NHWC',
        },
      }),
    ); // [I, KH', KW', O] with KH' >= KH: rows past the filter come from the bottom padding
    const fit = r.shape[1] === kh && r.shape[2] === kw ? r : scratch.keep(slice(backend, r, [0, 0, 0, 0], [inChannels, kh, kw, outChannels]));
    return transpose(backend, fit, [1, 2, 0, 3]);
  } finally {
    scratch.dispose();
  }
}

/** dW[kh, kw, c, m] = Σ_{n, oh, ow} x[n, oh·s + kh·d − pad, ow·s + kw·d − pad, c] · dy[n, oh, ow, c·M + m]. */
export function depthwiseConv2dNativeBackpropFilter(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Attrs;
  const info = convInfo(x, attrs.filterShape, attrs, true, 'DepthwiseConv2dNativeBackpropFilter');
  const [kh, kw, c, m] = attrs.filterShape;
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const { padInfo } = info;
  const scratch = new Scratch(backend);
  try {
    // Channel c of batch item n becomes channel c·N + n of a single image...
    const xT = scratch.keep(transpose(backend, x, [1, 2, 3, 0])); // [H, W, C, N]
    const image = scratch.keep(reshapeView(backend, xT, [1, h, w, c * n]));
    // ...and dy's [n, ·, ·, c, m] the filter of that channel, multiplier m.
    const dy5 = scratch.keep(reshapeView(backend, dy, [n, oh, ow, c, m]));
    const dyT = scratch.keep(transpose(backend, dy5, [1, 2, 3, 0, 4])); // [OH, OW, C, N, M]
    const filter = scratch.keep(reshapeView(backend, dyT, [oh, ow, c * n, m]));
    const r = scratch.keep(
      wasmKernel('DepthwiseConv2dNative')({
        inputs: { x: image, filter },
        backend,
        attrs: {
          strides: [info.dilationHeight, info.dilationWidth],
          dilations: [info.strideHeight, info.strideWidth],
          pad: explicitPad(padInfo.top, padInfo.bottom, padInfo.left, padInfo.right),
          dataFormat: 'NHWC',
        },
      }),
    ); // [1, KH', KW', C·N·M]
    const [, kh2, kw2] = r.shape;
    const r5 = scratch.keep(reshapeView(backend, r, [kh2, kw2, c, n, m]));
    const summed = wasmKernel('Sum')({ inputs: { x: r5 }, backend, attrs: { axis: [3], keepDims: false } }); // [KH', KW', C, M]
    if (kh2 === kh && kw2 === kw) return summed;
    return slice(backend, scratch.keep(summed), [0, 0, 0, 0], [kh, kw, c, m]);
  } finally {
    scratch.dispose();
  }
}
