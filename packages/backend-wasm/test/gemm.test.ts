import * as tf from '@tensorflow/tfjs-core';
import { Generator, useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { optimWasmBytes, wasmAdapter } from '../src/index.js';
import { KernelPool } from '../src/optim/pool.js';
import type { OptimExports } from '../src/optim/module.js';
import { GEMM_SCRATCH_FLOATS, XNN_THREADED_MIN_ROWS, gemmRouting, preferGemm, preferGemmConv, setXnnThreads } from '../src/kernels/gemm.js';
import { expectNoLeak } from './util.js';

// asm/gemm.ts on a memory of its own: C = op(A) · B (+ bias) (then relu).
// Layout in floats from byte 64 (offset 0 means "no bias"): A, B, bias, a
// canary, C, a canary, then the packing space of 3 parts.
function gemmCase(m: number, k: number, n: number, seed: number) {
  const g = new Generator(seed);
  const sizes = { a: m * k, b: k * n, bias: n, c: m * n };
  const at = { a: 16, b: 16 + sizes.a, bias: 16 + sizes.a + sizes.b };
  const canary1 = at.bias + n;
  const c = canary1 + 1;
  const canary2 = c + sizes.c;
  const scratch = canary2 + 1;
  const floats = scratch + 3 * GEMM_SCRATCH_FLOATS;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((floats * 4) / 65536), shared: true, maximum: 1024 });
  const f = new Float32Array(memory.buffer);
  for (let i = at.a; i < canary1; i++) f[i] = g.uniform(-1, 1);
  const inputs = f.slice(at.a, canary1);
  const reset = () => {
    f[canary1] = 1234.5;
    f.fill(-7, c, canary2); // C is fully written, never read before
    f[canary2] = 6789.5;
  };
  const ptr = (i: number) => 4 * i;
  return { memory, f, at, c, canary1, canary2, inputs, reset, ptr, scratch, sizes };
}

/** op(A) · B + bias in float64, and Σ|terms| per element (the float32 error scale). */
function reference(f: Float32Array, at: { a: number; b: number; bias: number }, m: number, k: number, n: number, transA: boolean, bias: boolean, relu: boolean) {
  const out = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? f[at.bias + j] : 0;
      let abs = Math.abs(s);
      for (let p = 0; p < k; p++) {
        const t = f[at.a + (transA ? p * m + i : i * k + p)] * f[at.b + p * n + j];
        s += t;
        abs += Math.abs(t);
      }
      out[i * n + j] = relu ? Math.max(0, s) : s;
      scale[i * n + j] = abs;
    }
  }
  return { out, scale };
}

describe('the GEMM kernel (asm/gemm.ts)', () => {
  const module = new WebAssembly.Module(optimWasmBytes(true));
  // Tails of every kind: rows past a multiple of 4, columns past a multiple of 8, K past a block of 256, and k = 0.
  const SHAPES: [number, number, number][] = [
    [1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 9, 9], [9, 256, 17], [13, 257, 24], [6, 600, 33], [64, 70, 10], [2, 0, 5],
  ];
  for (const [m, k, n] of SHAPES) {
    for (const transA of [false, true]) {
      it(`matches float64 within float32 rounding, and writes only C: ${m}×${k}·${k}×${n}${transA ? ', A transposed' : ''}`, () => {
        const t = gemmCase(m, k, n, m * 1000 + k * 10 + n);
        const gemm = (new WebAssembly.Instance(module, { env: { memory: t.memory } }).exports as unknown as OptimExports).gemm;
        for (const [bias, relu] of [[false, false], [true, false], [true, true], [false, true]]) {
          t.reset();
          gemm(t.ptr(t.at.a), t.ptr(t.at.b), bias ? t.ptr(t.at.bias) : 0, t.ptr(t.c), t.ptr(t.scratch), m, k, n, +transA, +relu, 0, 1);
          const { out, scale } = reference(t.f, t.at, m, k, n, transA, bias, relu);
          for (let e = 0; e < m * n; e++) {
            // Each of k + 1 float32 additions rounds by at most 2⁻²⁴ of the running sum, bounded by Σ|terms|.
            expect(Math.abs(t.f[t.c + e] - out[e]), `element ${e}, bias ${bias}, relu ${relu}`).toBeLessThanOrEqual((k + 2) * 2 ** -24 * scale[e] + 1e-30);
            if (relu) expect(t.f[t.c + e]).toBeGreaterThanOrEqual(0);
          }
          expect(t.f[t.canary1]).toBe(1234.5);
          expect(t.f[t.canary2]).toBe(6789.5);
          expect(t.f.slice(t.at.a, t.canary1)).toEqual(t.inputs);
        }
      });
    }
  }

  it('computes the same bits whether split into parts (column panels or rows) or not', () => {
    // 40 columns = 5 panels: 2 parts split panels, 3 parts split rows; 9 columns: rows.
    for (const [m, k, n] of [[21, 300, 40], [37, 50, 9], [3, 20, 64]] as const) {
      for (const transA of [0, 1]) {
        const t = gemmCase(m, k, n, 7);
        const gemm = (new WebAssembly.Instance(module, { env: { memory: t.memory } }).exports as unknown as OptimExports).gemm;
        const call = (part: number, parts: number) => gemm(t.ptr(t.at.a), t.ptr(t.at.b), t.ptr(t.at.bias), t.ptr(t.c), t.ptr(t.scratch), m, k, n, transA, 1, part, parts);
        t.reset();
        call(0, 1);
        const one = t.f.slice(t.c, t.canary2);
        for (const parts of [2, 3, 5]) {
          t.reset();
          for (let part = 0; part < parts; part++) call(part, parts);
          expect(Buffer.compare(Buffer.from(t.f.slice(t.c, t.canary2).buffer), Buffer.from(one.buffer)), `${m}×${k}×${n}, ${parts} parts`).toBe(0);
        }
      }
    }
  });

  it("runs on the kernel pool's threads with the same bits as one thread", async () => {
    const [m, k, n] = [70, 300, 96];
    const t = gemmCase(m, k, n, 11);
    const exports = new WebAssembly.Instance(module, { env: { memory: t.memory } }).exports as unknown as OptimExports;
    const args = [t.ptr(t.at.a), t.ptr(t.at.b), t.ptr(t.at.bias), t.ptr(t.c), t.ptr(t.scratch), m, k, n, 0, 0, 0, 1];
    t.reset();
    exports.gemm(...args);
    const one = t.f.slice(t.c, t.canary2);
    const pool = await KernelPool.start(module, t.memory, 3);
    pool.autoTune = false;
    try {
      t.reset();
      const before = pool.parallelCalls;
      pool.call(exports, 'gemm', args, m * n * k);
      expect(pool.parallelCalls).toBe(before + 1);
      expect(Buffer.compare(Buffer.from(t.f.slice(t.c, t.canary2).buffer), Buffer.from(one.buffer))).toBe(0);
      expect(t.f[t.canary2]).toBe(6789.5);
      // Small products stay on the calling thread.
      pool.call(exports, 'gemm', [...args.slice(0, 5), 2, 2, 2, 0, 0, 0, 1], 8);
      expect(pool.parallelCalls).toBe(before + 1);
    } finally {
      await pool.close();
    }
  });
});

describe('which products go to the GEMM', () => {
  beforeAll(() => useBackend(wasmAdapter));

  // The rule for each split of threads between XNNPACK and the kernel pool; the adapter's own split is put back after.
  const withThreads = (xnn: number, pool: number, check: () => void) => {
    const info = wasmAdapter.capabilities.info as { xnnpackThreads: number; optimThreads: number };
    setXnnThreads(xnn, pool);
    try {
      check();
    } finally {
      setXnnThreads(info.xnnpackThreads, info.optimThreads);
    }
  };

  it('XNNPACK on as many threads as the pool: a new b, or any transposed b, goes to the GEMM; an untransposed b seen before goes to XNNPACK', () => {
    for (const threads of [1, 2]) {
      withThreads(threads, threads, () => {
        const a = tf.ones([8, 3]);
        const b = tf.ones([3, 4]);
        expect(preferGemm(a, b, false, false)).toBe(true);
        expect(preferGemm(a, b, false, false)).toBe(false);
        expect(preferGemm(a, b, false, true)).toBe(true);
        expect(preferGemm(a, tf.reshape(b, [4, 3]), false, false)).toBe(false); // the same data
        // A tall a pays for XNNPACK's packing when XNNPACK has threads.
        const tall = tf.ones([3, XNN_THREADED_MIN_ROWS]); // transposed: XNN_THREADED_MIN_ROWS rows
        const c = tf.ones([3, 4]);
        expect(preferGemm(tall, c, true, false)).toBe(threads === 1);
        expect(preferGemm(tall, c, true, true)).toBe(true);
        expect(preferGemmConv()).toBe(false);
        tf.dispose([a, b, c, tall]);
      });
    }
  });

  it('a pool with more threads than XNNPACK (the default with threads) takes every product and convolution; tests can force either way', () => {
    withThreads(1, 2, () => {
      const a = tf.ones([XNN_THREADED_MIN_ROWS, 3]);
      const b = tf.ones([3, 4]);
      expect(preferGemm(a, b, false, false)).toBe(true);
      expect(preferGemm(a, b, false, false)).toBe(true); // seen before
      expect(preferGemmConv()).toBe(true);
      try {
        gemmRouting.force = 'xnnpack';
        expect(preferGemm(a, b, false, true)).toBe(false);
        expect(preferGemmConv()).toBe(false);
        gemmRouting.force = 'gemm';
        withThreads(2, 2, () => expect(preferGemm(a, b, false, false) && preferGemmConv()).toBe(true));
      } finally {
        gemmRouting.force = 'auto';
      }
      tf.dispose([a, b]);
    });
  });

  it('the first product of a weight (GEMM) and the next ones (XNNPACK, packed once) agree with each other and leak nothing', async () => {
    const info = wasmAdapter.capabilities.info as { optimThreads: number };
    setXnnThreads(info.optimThreads, info.optimThreads); // XNNPACK's rule: new b on the GEMM, a b seen before on XNNPACK
    const x = tf.randomUniform([33, 70], -1, 1, 'float32', 1);
    const w = tf.randomUniform([70, 20], -1, 1, 'float32', 2);
    const bias = tf.randomUniform([20], -1, 1, 'float32', 3);
    const read = async (y: tf.Tensor) => {
      const data = await y.data();
      y.dispose();
      return data;
    };
    const first = await read(tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' }));
    const second = await read(tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' }));
    for (let i = 0; i < first.length; i++) expect(Math.abs(first[i] - second[i])).toBeLessThan(1e-5);
    expect(first.some((v) => v === 0) && first.some((v) => v > 0)).toBe(true);
    expectNoLeak(() =>
      tf.tidy(() => {
        tf.matMul(x, tf.add(w, 0));
        tf.matMul(x, w);
        tf.matMul(x, tf.transpose(x));
        tf.fused.matMul({ a: x, b: tf.mul(w, 2), bias });
      }),
    );
    tf.dispose([x, w, bias]);
    const { xnnpackThreads } = wasmAdapter.capabilities.info as { xnnpackThreads: number };
    setXnnThreads(xnnpackThreads, info.optimThreads);
  });
});
