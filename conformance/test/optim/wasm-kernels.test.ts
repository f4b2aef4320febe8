// @descent/optim's fused ops on @descent/backend-wasm's AssemblyScript kernels:
// every kernel against its composite fallback. The kernels' heap handling and
// input checks are backend-wasm's own tests (packages/backend-wasm/test/optim-kernels.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { assertKernelMatchesFallback } from '@descent/core/testing';
import { declaredShape, Generator, useBackend } from '@descent/core';
import { kernelCases } from '@descent/optim/testing';
import { optimKernelNames, wasmAdapter } from '@descent/backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

type KernelCase = ReturnType<typeof kernelCases>[number];
type Inputs = Record<string, tf.Tensor>;

/** How far a case grows: `tiles` copies of a 1-D case (1..97 values), a matrix case's last two axes by up to `grow` each. */
interface Growth {
  tiles: number;
  grow: number;
}

// kernelCases() makes 1..97 values per case; tiling them k times gives sizes up
// to ~10k (most not multiples of 4), so both the v128 loop and the scalar tail
// run, and some cases get a 2-D shape.
function enlargeFlat(rng: Generator, run: number, inputs: Inputs, { tiles }: Growth): Inputs {
  const k = run % 4 === 0 ? 1 : 1 + rng.randint(tiles);
  const twoD = run % 3 === 1;
  const out: Inputs = {};
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
  return out;
}

// Matrix cases (Adafactor's factored step, Muon) are up to 13×13 (Adafactor's
// with leading batch axes): the last two axes grow by kr × kc (columns mostly not
// a multiple of 4), every input tiled to its declared shape (the factors keep
// their axis of 1), times a random factor in [0.5, 1.5) per element so that the
// tiles differ (signs and positivity kept).
function enlargeMatrix(op: KernelCase['op'], rng: Generator, run: number, inputs: Inputs, { grow }: Growth): Inputs {
  const first = inputs[op.declaration.inputs[0]];
  const by = run % 4 === 0 ? [1, 1] : [1 + rng.randint(grow), 1 + rng.randint(grow)];
  const shape = first.shape.map((d, i) => (i < first.rank - 2 ? d : d * by[i - first.rank + 2]));
  const out: Inputs = {};
  for (const [name, t] of Object.entries(inputs)) {
    const want = declaredShape(op.declaration, name, shape);
    const noise = Float32Array.from({ length: want.reduce((a, d) => a * d, 1) }, () => 0.5 + rng.random());
    out[name] = tf.tidy(() => tf.mul(tf.tile(t, want.map((d, i) => d / t.shape[i])), tf.tensor(noise, want)));
    t.dispose();
  }
  return out;
}

function enlarge({ op, generate }: KernelCase, growth: Growth) {
  return (rng: Generator, run: number) => {
    const { inputs, attrs } = generate(rng, run);
    const matrix = Object.keys(op.declaration.reducedAxes).length > 0 || inputs[op.declaration.inputs[0]].rank >= 2;
    return { inputs: matrix ? enlargeMatrix(op, rng, run, inputs, growth) : enlargeFlat(rng, run, inputs, growth), attrs };
  };
}

// Adafactor's fallback takes RMS(p) and RMS(U) from tf.sum, which tfjs-wasm
// accumulates in float32 one value after another: ~1e-5 off at ~8k values, and
// p·scale − U·step can cancel, so the fallback itself then misses the tolerance
// (the kernel, summing in float64, agrees with the fallback on cpu, whose sums
// are float64). So against the wasm fallback Adafactor stays below ~4k values
// per tensor (a 2× margin over 8 seeds); the test after this one takes it to
// ~10k and beyond against the cpu fallback.
const GROWTH: Record<string, Growth> = { AdafactorStep: { tiles: 45, grow: 6 }, AdafactorFactoredStep: { tiles: 45, grow: 6 } };
const DEFAULT_GROWTH: Growth = { tiles: 110, grow: 8 };

function closeEnough(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-6 + 1e-5 * Math.abs(b);
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

  for (const c of kernelCases()) {
    const { op } = c;
    const growth = GROWTH[op.name] ?? DEFAULT_GROWTH;
    it(`${op.name} matches its composite fallback, every flag, grown cases (1-D ×${growth.tiles}, matrices ×${growth.grow} a side), inputs unchanged`, async () => {
      const before = tf.memory().numTensors;
      // 64 runs: every combination of the (up to 6) flag bits kernelCases() draws from the run number.
      const report = await assertKernelMatchesFallback(op, { backend: 'wasm', runs: 64, seed: 7, generate: enlarge(c, growth) });
      expect(report.mismatches).toEqual([]);
      expect(report.runs).toBe(64);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  for (const c of kernelCases().filter((k) => k.op.name.startsWith('Adafactor'))) {
    const { op } = c;
    it(`${op.name} on up to ~10k values (matrices up to ~130×130) matches its fallback on cpu, whose sums are float64`, async () => {
      const before = tf.memory().numTensors;
      const rng = new Generator(11);
      const generate = enlarge(c, { tiles: 110, grow: 10 });
      const mismatches: string[] = [];
      let largest = 0;
      for (let run = 0; run < 64; run++) {
        const { inputs, attrs } = generate(rng, run);
        const host = await Promise.all(Object.entries(inputs).map(async ([name, t]) => [name, await t.data(), t.shape] as const));
        largest = Math.max(largest, inputs[op.declaration.inputs[0]].size);
        const fast = op(inputs, attrs);
        await tf.setBackend('cpu');
        const cpuInputs = Object.fromEntries(host.map(([name, data, shape]) => [name, tf.tensor(data, shape)]));
        const ref = op.fallback(cpuInputs, attrs);
        const want = Object.fromEntries(await Promise.all(op.outputs.map(async (name) => [name, await ref[name].data()] as const)));
        tf.dispose([...Object.values(cpuInputs), ...Object.values(ref)]);
        await tf.setBackend('wasm');
        for (const name of op.outputs) {
          const got = await fast[name].data();
          expect(got.length, name).toBe(want[name].length);
          const bad = got.findIndex((v, i) => !closeEnough(v, want[name][i]));
          if (bad >= 0) mismatches.push(`run ${run} ${name}[${bad}]: kernel ${got[bad]} vs cpu fallback ${want[name][bad]}`);
        }
        for (const [name, data] of host) {
          const now = await inputs[name].data();
          if (now.some((v, i) => !Object.is(v, data[i]))) mismatches.push(`run ${run}: input ${name} changed`);
        }
        tf.dispose([...Object.values(fast), ...Object.values(inputs)]);
      }
      expect(mismatches).toEqual([]);
      expect(largest).toBeGreaterThan(8000);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
