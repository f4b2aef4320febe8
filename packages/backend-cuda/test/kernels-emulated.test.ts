// Every optim kernel of the tensorflow backend, run through an emulated
// binding (test/emulated-tensorflow.ts: the TF ops in float32 on typed arrays)
// against its fallback, on every flag combination of kernelCases(). It checks
// the kernels' programs where libtensorflow cannot load; test/gpu/ runs the same
// cases on TensorFlow itself.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { kernelCases } from '@descent/optim/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTensorflowKernels } from '../src/index.js';
import { registerEmulatedTensorflow, type EmulatedTensorflowBackend } from './emulated-tensorflow.js';

const NAME = 'tensorflow-emulated';
let backend: EmulatedTensorflowBackend;

beforeAll(async () => {
  await tf.setBackend('cpu');
  backend = registerEmulatedTensorflow(NAME);
  registerTensorflowKernels(NAME);
});

describe('optim kernels of the tensorflow backend, on an emulated binding, match their fallbacks', () => {
  for (const { op, generate } of kernelCases()) {
    it(op.name, async () => {
      expect(op.hasKernel(NAME)).toBe(true);
      const report = await assertKernelMatchesFallback(op, { backend: NAME, generate, runs: 64 });
      expect(report.runs).toBe(64);
      expect(report.mismatches).toEqual([]);
      expect(report.mutatedInputs).toEqual([]);
      // Every TF handle a kernel made was handed out or deleted.
      expect(backend.leakedHandles()).toEqual([]);
    });
  }

  it('exercised every TF op the optim kernels are written with', () => {
    const ops = ['Abs', 'AddV2', 'Greater', 'Identity', 'Less', 'LogicalAnd', 'Maximum', 'Minimum', 'Mul', 'Neg', 'RealDiv', 'Reciprocal', 'Rsqrt', 'SelectV2', 'Sign', 'Sqrt', 'Square', 'Sub', 'Sum'];
    expect([...backend.binding.opsRun].sort()).toEqual(ops);
  });
});
