import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchMatMul, singleMatMul } from './batch-mat-mul.js';
import { gemmMatMul, preferGemm } from './gemm.js';
import { Scratch, batchSize, transposeLast2, wasmKernel, type WasmKernelArgs } from './helpers.js';
import { stockKernel } from './stock.js';

/** Activations the stock kernel fuses into its XNNPACK path (cc/fusable_activations.h). */
const XNN_FUSABLE = new Set(['linear', 'relu', 'relu6', 'prelu', 'leakyrelu', 'sigmoid', 'elu']);

/** Applies `activation` as tfjs-backend-cpu's fused kernels do; returns a new tensor. */
function activate(backend: BackendWasm, x: tf.TensorInfo, activation: string, prelu: tf.TensorInfo | undefined, leakyreluAlpha: number): tf.TensorInfo | undefined {
  switch (activation) {
    case 'linear':
      return undefined;
    case 'relu':
      return wasmKernel('Relu')({ inputs: { x }, backend });
    case 'relu6':
      return wasmKernel('Relu6')({ inputs: { x }, backend });
    case 'elu':
      return wasmKernel('Elu')({ inputs: { x }, backend });
    case 'sigmoid':
      return wasmKernel('Sigmoid')({ inputs: { x }, backend });
    case 'leakyrelu':
      return wasmKernel('LeakyRelu')({ inputs: { x }, backend, attrs: { alpha: leakyreluAlpha } });
    case 'prelu':
      if (!prelu) throw new InvalidArgumentError('preluActivationWeights', prelu, '_FusedMatMul: activation "prelu" needs preluActivationWeights');
      return wasmKernel('Prelu')({ inputs: { x, alpha: prelu }, backend });
    default:
      throw new InvalidArgumentError('activation', activation, `_FusedMatMul: activation ${JSON.stringify(activation)} is not supported`);
  }
}

/** A rank-1 tensor of length n, the only bias/prelu shape XNNPACK's path reads correctly. */
const isVectorOf = (t: tf.TensorInfo | undefined, n: number) => t == null || (t.shape.length === 1 && t.shape[0] === n);

/**
 * `activation(op(a) @ op(b) + bias)`. A single matrix product with a per-column
 * bias goes through Descent's GEMM with bias and relu fused when b is new
 * (./gemm.ts), else through XNNPACK with bias and activation fused (transposes made
 * explicit first). Everything else is matmul, Add and activation kernels, as
 * tfjs-backend-cpu does it: the stock wasm kernel's scalar loop adds the bias
 * once per 48-wide block of the inner dimension and indexes it wrongly, so it
 * is never used with a bias. Inputs are never written; intermediates are freed.
 */
export function fusedMatMul(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, attrs = {} } = args;
  const { a, b, bias, preluActivationWeights: prelu } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  const leakyreluAlpha = (attrs.leakyreluAlpha as number | undefined) ?? 0.2;
  if (a!.dtype !== 'float32' || b!.dtype !== 'float32') return stockKernel(tf._FusedMatMul)(args);

  const n = transposeB ? b!.shape[b!.shape.length - 2] : b!.shape[b!.shape.length - 1];
  const single = batchSize(a!.shape) === 1 && batchSize(b!.shape) === 1;
  const nonEmpty = tf.util.sizeFromShape(a!.shape) > 0 && tf.util.sizeFromShape(b!.shape) > 0;
  const xnn = single && nonEmpty && XNN_FUSABLE.has(activation) && isVectorOf(bias, n) && (activation !== 'prelu' || isVectorOf(prelu, n));
  if (xnn && (activation === 'linear' || activation === 'relu') && preferGemm(a!, b!, transposeA, transposeB)) {
    return gemmMatMul(backend, a!, b!, transposeA, transposeB, bias, activation === 'relu');
  }
  if (xnn) {
    if (!transposeA && !transposeB) return stockKernel(tf._FusedMatMul)(args);
    const scratch = new Scratch(backend);
    try {
      const a2 = transposeA ? scratch.keep(transposeLast2(backend, a!)) : a!;
      const b2 = transposeB ? scratch.keep(transposeLast2(backend, b!)) : b!;
      return stockKernel(tf._FusedMatMul)({
        inputs: { a: a2, b: b2, bias, preluActivationWeights: prelu },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      scratch.dispose();
    }
  }

  const scratch = new Scratch(backend);
  try {
    let current = single
      ? singleMatMul(backend, a!, b!, transposeA, transposeB)
      : batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } });
    if (bias) {
      scratch.keep(current);
      current = wasmKernel('Add')({ inputs: { a: current, b: bias }, backend });
    }
    const activated = activate(backend, current, activation, prelu, leakyreluAlpha);
    if (activated) {
      scratch.keep(current);
      current = activated;
    }
    return current;
  } finally {
    scratch.dispose();
  }
}
