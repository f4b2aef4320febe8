import * as tf from '@tensorflow/tfjs-core';
import { gemmMatMul, preferGemmConv } from './gemm.js';
import { Scratch, reshapeView, type WasmKernelArgs } from './helpers.js';
import { convInfo, patchFloats, patchLimits, patchRows, type ConvAttrs } from './patches.js';
import { stockKernel } from './stock.js';
import { winogradApplies, winogradConv2D } from './winograd.js';

// A convolution as one matmul: im2row's patches [N·OH·OW, KH·KW·I] times the
// filter as it lies ([KH·KW·I, O] in HWIO), on Descent's GEMM with the bias
// and relu fused, both split across the kernel pool. Taken where the GEMM is
// preferred (the kernel pool has more threads than XNNPACK, see ./gemm.ts);
// anything else (another activation, a bias that is not a vector of O, patches
// over 64 MB, int32) is tfjs-wasm's XNNPACK convolution. 3×3 stride-1
// convolutions with channels in fours are Winograd's instead (./winograd.ts).
// No input is written.

type Attrs = ConvAttrs & { activation?: string };

function convolve(name: string, args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = (args.attrs ?? {}) as unknown as Attrs;
  const activation = attrs.activation ?? 'linear';
  const [kh, kw, inChannels, outChannels] = filter!.shape;
  const simple =
    preferGemmConv() &&
    x!.dtype === 'float32' &&
    filter!.dtype === 'float32' &&
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' &&
    (activation === 'linear' || activation === 'relu') &&
    preluActivationWeights == null &&
    (bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === outChannels));
  if (!simple) return stockKernel(name)(args);
  const info = convInfo(x!, [kh, kw, inChannels, outChannels], attrs, false, name);
  if (winogradApplies(info)) return winogradConv2D(backend, x!, filter!, bias, activation === 'relu', info);
  const floats = patchFloats(info);
  if (floats === 0 || floats > patchLimits.floats || outChannels === 0) return stockKernel(name)(args);
  const scratch = new Scratch(backend);
  try {
    const patches = scratch.keep(patchRows(backend, x!, info));
    const w = scratch.keep(reshapeView(backend, filter!, [kh * kw * inChannels, outChannels]));
    const out = gemmMatMul(backend, patches, w, false, false, bias, activation === 'relu');
    out.shape = [info.batchSize, info.outHeight, info.outWidth, outChannels];
    return out;
  } finally {
    scratch.dispose();
  }
}

/** tfjs's Conv2D on wasm: see above. */
export function conv2D(args: WasmKernelArgs): tf.TensorInfo {
  return convolve(tf.Conv2D, args);
}

/** tfjs's FusedConv2D (bias, activation) on wasm: see above. */
export function fusedConv2D(args: WasmKernelArgs): tf.TensorInfo {
  return convolve(tf.FusedConv2D, args);
}
