import * as tf from '@tensorflow/tfjs-core';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { useBackend, type Generator } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
// A relative import, not a package dependency: @descent/optim depends on this
// package for its wasm parity tests, and a dependency back would be a cycle.
import { kernelCases } from '../../optim/src/index.js';
import { optimKernelNames, wasmAdapter } from '../src/index.js';

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
    const op = kernelCases().find((c) => c.op.name === 'AdamStep')!.op;
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
    // Each tensor a quarter of the heap, made from JS arrays (no freed heap chunks
    // left behind): the three outputs cannot fit in what growing for the inputs left over.
    const n = Math.ceil(memory.buffer.byteLength / 16) + 3;
    const r = (seed: number, f: (x: number) => number) => tf.tensor1d(Float32Array.from({ length: n }, (_, i) => f(Math.sin(seed * 1e4 + i * 1.618))));
    const inputs = { param: r(1, (x) => x), grad: r(2, (x) => x), expAvg: r(3, (x) => 0.1 * x), expAvgSq: r(4, (x) => 0.01 * x * x) };
    const attrs = { maximize: false, weightDecay: 0.01, paramScale: 1, beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 0.001, eps: 1e-8, stepSize: 0.003, biasCorrection2Sqrt: 0.05 };
    const heapBefore = memory.buffer.byteLength;
    const fast = op(inputs, attrs);
    expect(memory.buffer.byteLength).toBeGreaterThan(heapBefore);
    const ref = op.fallback(inputs, attrs);
    for (const name of op.outputs) {
      const a = await fast[name].data();
      const b = await ref[name].data();
      let bad = 0;
      for (let i = 0; i < n; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-6 + 1e-5 * Math.abs(b[i]))) bad++;
      expect(bad, name).toBe(0);
    }
    tf.dispose([...Object.values(inputs), ...Object.values(fast), ...Object.values(ref)]);
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
