// @descent/optim's fused ops on @descent/backend-wasm's AssemblyScript kernels:
// every kernel against its composite fallback. The kernels' heap handling and
// input checks are backend-wasm's own tests (packages/backend-wasm/test/optim-kernels.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { useBackend, type Generator } from '@descent/core';
import { kernelCases } from '@descent/optim/testing';
import { optimKernelNames, wasmAdapter } from '@descent/backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

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
});
