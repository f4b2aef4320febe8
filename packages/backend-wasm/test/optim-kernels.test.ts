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

  const adafactorAttrs = { maximize: false, oneMinusBeta2: 0.1, rho: 0.01, eps1: 1e-30, eps1Sq: 1e-60, eps2: 1e-3, d: 1, paramScale: 1 };

  it("the factored Adafactor kernel returns each output in its declared shape and checks each input's", () => {
    const op = (inputs: tf.NamedTensorMap) => tf.engine().runKernel(kernelNameOf('AdafactorFactoredStep'), inputs, adafactorAttrs) as tf.Tensor[];
    const p = tf.randomNormal([2, 3, 5]);
    const row = tf.ones([2, 3, 1]);
    const col = tf.ones([2, 1, 5]);
    const before = tf.memory().numTensors;
    const out = op({ param: p, grad: p, rowVar: row, colVar: col });
    expect(out.map((t) => t.shape)).toEqual([[2, 3, 5], [2, 3, 1], [2, 1, 5]]);
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    const wrong = tf.ones([2, 5, 1]);
    expect(() => op({ param: p, grad: p, rowVar: wrong, colVar: col })).toThrow(/AdafactorFactoredStep: input rowVar has shape \[2,5,1\] \(10 values\), expected \[2,3,1\]/);
    const flat = tf.ones([5]);
    expect(() => op({ param: flat, grad: flat, rowVar: flat, colVar: flat })).toThrow(/AdafactorFactoredStep: param must have at least 2 dimensions, got shape \[5\]/);
    tf.dispose([p, row, col, wrong, flat]);
  });

  it('the Muon kernels take any shape as a flat array', () => {
    const g = tf.randomNormal([7, 3]);
    const b = tf.zeros([7, 3]);
    const [buf, update] = tf.engine().runKernel(kernelNameOf('MuonMomentum'), { grad: g, momentumBuffer: b }, { oneMinusMomentum: 0.05, momentum: 0.95, nesterov: true, eps: 1e-7 }) as tf.Tensor[];
    expect([buf.shape, update.shape]).toEqual([[7, 3], [7, 3]]);
    // ‖update‖ = 1 whatever the grad's norm.
    expect(tf.sum(tf.square(update)).dataSync()[0]).toBeCloseTo(1, 5);
    tf.dispose([g, b, buf, update]);
  });
});
