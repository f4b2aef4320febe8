import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf } from '@descent/core';
import { heapMemory, offsetOf, optimExportsFor, type HeapBackend } from '../optim/module.js';
import { Scratch, wasmKernel, type WasmKernelArgs } from './helpers.js';

/**
 * `DescentReluGrad` ({ dy, y }): relu's gradient from the layer's output,
 * `dy · step(y)`, which @descent/nn's fused layers (Conv2d, Linear with relu)
 * run for their backward pass. tfjs runs it as a Step and a Multiply, two
 * passes and a mask as large as the layer's output (a LeNet's first layer:
 * 5.5 MB at batch 64); asm/relu.ts does it in one, split across the kernel
 * pool, with the same bits. Inputs of other shapes or dtypes take the Step and
 * Multiply kernels.
 */
export const RELU_GRAD = kernelNameOf('ReluGrad');

export function reluGrad(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
  if (dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape)) {
    const scratch = new Scratch(backend);
    try {
      const step = scratch.keep(wasmKernel('Step')({ inputs: { x: y }, backend, attrs: { alpha: 0 } }));
      return wasmKernel('Multiply')({ inputs: { a: dy, b: step }, backend });
    } finally {
      scratch.dispose();
    }
  }
  const out = backend.makeOutput(dy.shape, 'float32');
  const n = tf.util.sizeFromShape(dy.shape);
  if (n === 0) return out;
  const heap = backend as unknown as HeapBackend;
  optimExportsFor(heapMemory(heap)).reluGrad(offsetOf(heap, dy), offsetOf(heap, y), offsetOf(heap, out), n);
  return out;
}
