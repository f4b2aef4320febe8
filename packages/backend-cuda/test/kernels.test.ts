// Every fused op @descent/core declares (optim's and amp's) gets a tensorflow
// kernel, registered under tfjs's name for it. (The
// kernels run only on tfjs-node's backend: test/gpu/ checks them against the
// fallbacks where libtensorflow loads.)
import * as tf from '@tensorflow/tfjs-core';
import { AMP_OPS, kernelNameOf, listFusedOps, OPTIM_OPS } from '@descent/core';
import '@descent/optim';
import '@descent/amp';
import { describe, expect, it } from 'vitest';
import { registerTensorflowKernels, tensorflowKernelOps } from '../src/index.js';

describe('registerTensorflowKernels', () => {
  it('covers every declared fused op, and every op optim and amp define', () => {
    const declared = [...OPTIM_OPS, ...AMP_OPS].map((d) => d.name).sort();
    expect([...tensorflowKernelOps].sort()).toEqual(declared);
    expect(listFusedOps().filter((op) => !tensorflowKernelOps.includes(op))).toEqual([]);
  });

  it('registers them for the tensorflow backend only, once', () => {
    const cpuBefore = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);
    expect(registerTensorflowKernels()).toHaveLength(tensorflowKernelOps.length);
    for (const op of tensorflowKernelOps) expect(tf.getKernel(kernelNameOf(op), 'tensorflow'), op).toBeDefined();
    expect(tf.getKernelsForBackend('cpu').map((k) => k.kernelName)).toEqual(cpuBefore);
    expect(registerTensorflowKernels()).toEqual([]);
  });
});
