import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf, useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmAdapter } from '../src/index.js';
import { heapMemory, type HeapBackend } from '../src/optim/module.js';
import { adamCase, expectMatchesReference } from './adam-case.js';

// The kernels' heap handling and input checks, called by kernel name. Every
// kernel against @descent/optim's composite fallbacks is in
// conformance/test/optim/wasm-kernels.test.ts (this package does not depend on optim).
describe('optim kernels on wasm', () => {
  beforeAll(async () => {
    await useBackend(wasmAdapter);
  });

  it('a kernel whose outputs grow the heap still reads and writes the right tensors', async () => {
    const memory = heapMemory(tf.backend() as unknown as HeapBackend);
    // Each tensor a quarter of the heap, made from JS arrays (no freed heap chunks
    // left behind): the three outputs cannot fit in what growing for the inputs left over.
    const c = adamCase(Math.ceil(memory.buffer.byteLength / 16) + 3);
    const heapBefore = memory.buffer.byteLength;
    const fast = c.run();
    expect(memory.buffer.byteLength).toBeGreaterThan(heapBefore);
    await expectMatchesReference(c, fast);
    tf.dispose(Object.values(c.inputs));
  });

  it('a kernel rejects inputs of the wrong size or dtype, naming them', () => {
    const op = (inputs: tf.NamedTensorMap, attrs: Record<string, number | boolean>) => tf.engine().runKernel(kernelNameOf('SgdStep'), inputs, attrs);
    const p = tf.zeros([5]);
    const g = tf.zeros([4]);
    expect(() => op({ param: p, grad: g }, { lr: 0.1, weightDecay: 0, maximize: false })).toThrow(/SgdStep: input grad has shape \[4\]/);
    const gi = tf.zeros([5], 'int32');
    expect(() => op({ param: p, grad: gi }, { lr: 0.1, weightDecay: 0, maximize: false })).toThrow(/input grad must be float32, got int32/);
    tf.dispose([p, g, gi]);
  });
});
