import * as tf from '@tensorflow/tfjs-core';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { useBackend, type Generator } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
// A relative import, not a package dependency: @descent/optim depends on this
// package for its wasm parity tests, and a dependency back would be a cycle.
import { kernelCases } from '../../optim/src/index.js';
import { optimKernelNames, wasmAdapter } from '../src/index.js';
import { heapMemory, type HeapBackend } from '../src/optim/module.js';
import { adamCase, expectMatchesFallback } from './adam-case.js';

// kernelCases() makes 1..97 values per case; tiling them k times gives sizes up
// to ~10k (most not multiples of 4), so both the v128 loop and the scalar tail
// run, and some cases get a 2-D shape.
function enlarge(generate: ReturnType<typeof kernelCases>[number]['generate']) {
  return (rng: Generator, run: number) => {
    const { inputs, attrs } = generate(rng, run);
    const k = run % 4 === 0 ? 1 : 1 + rng.randint(110);
    const twoD = run % 3 === 1;
    const out: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) {
      if (t.rank === 0) {
        out[name] = t;
        continue;
      }
      out[name] = tf.tidy(() => {
        const tiled = tf.tile(t, [k]);
        return twoD ? tf.reshape(tiled, [k, t.size]) : tiled;
      });
      t.dispose();
    }
    return { inputs: out, attrs };
  };
}

describe('optim kernels on wasm', () => {
  beforeAll(async () => {
    await useBackend(wasmAdapter);
  });

  it('the adapter registers a kernel for every optim op', () => {
    const cases = kernelCases().map((c) => c.op.name);
    expect([...optimKernelNames].sort()).toEqual([...cases].sort());
    for (const c of kernelCases()) expect(c.op.hasKernel('wasm'), c.op.name).toBe(true);
    expect(wasmAdapter.capabilities.info.optimKernels).toBe(true);
  });

  for (const { op, generate } of kernelCases()) {
    it(`${op.name} matches its composite fallback, every flag, sizes 1..~10k, inputs unchanged`, async () => {
      const before = tf.memory().numTensors;
      // 64 runs: every combination of the (up to 6) flag bits kernelCases() draws from the run number.
      const report = await assertKernelMatchesFallback(op, { backend: 'wasm', runs: 64, seed: 7, generate: enlarge(generate) });
      expect(report.mismatches).toEqual([]);
      expect(report.runs).toBe(64);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('a kernel whose outputs grow the heap still reads and writes the right tensors', async () => {
    const memory = heapMemory(tf.backend() as unknown as HeapBackend);
    // Each tensor a quarter of the heap, made from JS arrays (no freed heap chunks
    // left behind): the three outputs cannot fit in what growing for the inputs left over.
    const c = adamCase(Math.ceil(memory.buffer.byteLength / 16) + 3);
    const heapBefore = memory.buffer.byteLength;
    const fast = c.op(c.inputs, c.attrs);
    expect(memory.buffer.byteLength).toBeGreaterThan(heapBefore);
    await expectMatchesFallback(c, fast);
    tf.dispose(Object.values(c.inputs));
  });

  it('a kernel rejects inputs of the wrong size or dtype, naming them', () => {
    const op = kernelCases().find((c) => c.op.name === 'SgdStep')!.op;
    const p = tf.zeros([5]);
    const g = tf.zeros([4]);
    expect(() => op({ param: p, grad: g }, { lr: 0.1, weightDecay: 0, maximize: false })).toThrow(/SgdStep: input grad has shape \[4\]/);
    const gi = tf.zeros([5], 'int32');
    expect(() => op({ param: p, grad: gi }, { lr: 0.1, weightDecay: 0, maximize: false })).toThrow(/input grad must be float32, got int32/);
    tf.dispose([p, g, gi]);
  });
});
