import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { optimWasmBytes, wasmAdapter } from '../src/index.js';
import { heapMemory, kernelPoolOf, type HeapBackend, type OptimExports } from '../src/optim/module.js';
import { adamCase, expectMatchesReference } from './adam-case.js';
import { KernelPool, MIN_PARALLEL, PARTITIONED_EXPORTS, PART_ARGS_SOURCE, POINTER_ARGS, REDUCING_EXPORTS, partArgs } from '../src/optim/pool.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cores = Math.min(8, os.availableParallelism());

describe('splitting a kernel call into parts', () => {
  it('covers [0, n) once, in parts of whole cache lines, moving only non-null pointers', () => {
    for (const n of [1, 15, 16, 17, 1000, 32_768, 100_003]) {
      for (const parts of [1, 2, 3, 8]) {
        // pointers p=64, null, q=4096; then n and two scalars.
        const args = [64, 0, 4096, n, 0.5, 7];
        const seen: number[] = [];
        for (let i = 0; i < parts; i++) {
          const a = partArgs(args, args.length, 3, i, parts);
          if (!a) continue;
          const start = (a[0] - 64) / 4;
          expect(a[1]).toBe(0);
          expect(a[2] - 4096).toBe(4 * start);
          expect(a.slice(4)).toEqual([0.5, 7]);
          expect(start % 16).toBe(0);
          for (let j = 0; j < a[3]; j++) seen.push(start + j);
        }
        expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    }
  });

  it("the worker's copy of partArgs (source text, safe from minifiers) computes the same parts", () => {
    const workerPartArgs = new Function(`return ${PART_ARGS_SOURCE};`)() as typeof partArgs;
    for (const n of [1, 17, 1000, 100_003]) {
      for (const parts of [1, 3, 8]) {
        const args = [64, 0, 4096, 128, n, 0.5];
        for (let i = 0; i < parts; i++) expect(workerPartArgs(args, args.length, 4, i, parts)).toEqual(partArgs(args, args.length, 4, i, parts));
      }
    }
  });

  it('knows how many pointers precede n in every elementwise export of asm/optim.ts', () => {
    const source = readFileSync(join(root, 'asm', 'optim.ts'), 'utf8');
    // With the functions it re-exports from files of its own (the GEMM, im2row, relu's gradient).
    const reexported = [...source.matchAll(/^export \{ (\w+) \} from '\.\/(\w+)';/gm)].flatMap(([, name, file]) =>
      [...readFileSync(join(root, 'asm', `${file}.ts`), 'utf8').matchAll(/export function (\w+)\(([^)]*)\)/g)].filter((m) => m[1] === name),
    );
    const found: Record<string, number> = {};
    const exports: string[] = [];
    for (const m of [...source.matchAll(/export function (\w+)\(([^)]*)\)/g), ...reexported]) {
      exports.push(m[1]);
      if (REDUCING_EXPORTS.includes(m[1]) || PARTITIONED_EXPORTS.includes(m[1])) continue;
      const params = m[2].split(',').map((p) => p.trim()).filter(Boolean);
      found[m[1]] = params.findIndex((p) => p.startsWith('n:'));
      expect(found[m[1]], m[1]).toBeGreaterThan(0);
      expect(params.slice(0, found[m[1]]).every((p) => p.endsWith(': usize')), m[1]).toBe(true);
    }
    // LAMB's trust ratio, Adafactor's RMS and factors and Muon's norm reduce over the whole tensor: one thread.
    expect(REDUCING_EXPORTS.every((name) => exports.includes(name))).toBe(true);
    expect(POINTER_ARGS).toEqual(found);
  });
});

describe('the kernel pool on a shared memory', () => {
  // Layout in floats, after 16 unused ones (offset 0 means "no tensor" to the
  // kernels): 4 inputs of n, a canary, 4 outputs of n, a canary.
  function layout(memory: WebAssembly.Memory, n: number) {
    const f = new Float32Array(memory.buffer, 64);
    for (let i = 0; i < 4 * n; i++) f[i] = i >= 3 * n ? 0.01 * Math.sin(i + 1) ** 2 : Math.sin(i + 1); // the 4th is a second moment
    f.fill(0, 4 * n, 9 * n + 2);
    f[4 * n] = 12345;
    f[8 * n + 1] = 6789;
    return f;
  }
  const ptr = (floats: number) => 64 + 4 * floats;

  it('gives bit-identical results to one thread for every elementwise kernel, and writes nothing else', async () => {
    const n = MIN_PARALLEL + 4099; // not a multiple of 4 or 16
    const pages = Math.ceil((64 + 4 * (9 * n + 2)) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const module = new WebAssembly.Module(optimWasmBytes(true));
    const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as OptimExports;
    const x = [0, n, 2 * n, 3 * n].map(ptr);
    const o = [4 * n + 1, 5 * n + 1, 6 * n + 1, 7 * n + 1].map(ptr);
    // Each export with its pointers (inputs then outputs, null where a flag turns one off) and attributes.
    const calls: Record<string, number[]> = {
      sgd: [x[0], x[1], o[0], n, 1, 0.01, 0.1],
      sgdMomentum: [x[0], x[1], x[2], o[0], o[1], n, 0, 0.01, 0.1, 0.9, 0.9, 1, 0],
      adam: [x[0], x[1], x[2], x[3], 0, o[0], o[1], o[2], 0, n, 0, 0, 0.01, 0.999, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.01, 0.03],
      adagrad: [x[0], x[1], x[3], o[0], o[1], n, 0, 0.01, 0.1, 1e-10],
      rmsprop: [x[0], x[1], x[3], 0, x[2], o[0], o[1], 0, o[2], n, 0, 1, 0, 0.01, 0.01, 0.99, 0.01, 1e-8, 0.9],
      adadelta: [x[0], x[1], x[3], x[3], o[0], o[1], o[2], n, 0, 0.01, 1, 0.9, 0.1, 1e-6],
      adamax: [x[0], x[1], x[2], x[3], o[0], o[1], o[2], n, 0, 0.01, 0.9, 0.1, 0.999, 1e-8, 0.002],
      nadam: [x[0], x[1], x[2], x[3], o[0], o[1], o[2], n, 0.01, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.02, 0.001, 0.01],
      radam: [x[0], x[1], x[2], x[3], o[0], o[1], o[2], n, 0.01, 0.001, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.2, 0.1, 1, 3.5],
      lion: [x[0], x[1], x[2], o[0], o[1], n, 1e-4, 0.99, 0.9, 0.1, 0.99, 0.01],
      muonApply: [x[0], x[1], o[0], n, 0.998, 0.01],
      asgd: [x[0], x[1], x[2], o[0], o[1], n, 0, 0.01, 0.9999, 0.01, 0.5, 1],
      rprop: [x[0], x[1], x[2], x[3], o[0], o[1], o[2], n, 1, 0.5, 1.2, 1e-6, 50],
      // The momentum variant; expAvg reads the z input again (inputs are only read).
      scheduleFree: [x[0], x[1], x[2], x[3], x[2], o[0], o[1], o[2], o[3], n, 1, 0.999, 0.001, 0.05, 1e-8, 0.01, 0.6, -0.0004, 0.001, 0.9, 0.1, 0.3],
      // dy, and the (positive) 4th input as y: every output is written and non-zero.
      reluGrad: [x[0], x[3], o[0], n],
    };
    expect(Object.keys(calls).sort()).toEqual(Object.keys(POINTER_ARGS).sort());
    for (const threads of [2, 3]) {
      const pool = await KernelPool.start(module, memory, threads);
      pool.autoTune = false; // every large call splits, so each one below is compared with one thread
      try {
        for (const [name, args] of Object.entries(calls)) {
          const f = layout(memory, n);
          (k[name as keyof OptimExports] as (...a: number[]) => void)(...args);
          const one = f.slice(0, 9 * n + 2);
          layout(memory, n);
          const before = pool.parallelCalls;
          pool.call(k, name, args);
          expect(pool.parallelCalls, name).toBe(before + 1);
          const many = f.slice(0, 9 * n + 2);
          expect(Buffer.compare(Buffer.from(many.buffer), Buffer.from(one.buffer)), `${name}, ${threads} threads`).toBe(0);
          expect(many[4 * n]).toBe(12345);
          expect(many[8 * n + 1]).toBe(6789);
          // The outputs were written (a part left out would leave zeros).
          expect(many.subarray(4 * n + 1, 5 * n + 1).every((v) => v !== 0 && Number.isFinite(v)), name).toBe(true);
        }
        // Small calls and the reducing kernels run on the calling thread.
        const small = [...calls.sgd];
        small[3] = MIN_PARALLEL - 1;
        const before = pool.parallelCalls;
        pool.call(k, 'sgd', small);
        pool.call(k, 'muonMomentum', [x[0], x[1], o[0], o[1], n, 0.05, 0.95, 1, 1e-7]);
        expect(pool.parallelCalls).toBe(before);
      } finally {
        await pool.close();
      }
    }
  });
});

describe('threads on the wasm backend in Node', () => {
  beforeAll(async () => {
    await useBackend(wasmAdapter);
  });

  it('runs tfjs-wasm threaded on a shared heap, and splits large optimizer steps across the cores', async () => {
    const memory = heapMemory(tf.backend() as unknown as HeapBackend);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasmAdapter.capabilities.info).toMatchObject({ threads: cores, optimThreads: cores, multithread: cores > 1 });
    if (cores === 1) return;
    const pool = kernelPoolOf(memory)!;
    const tuned = pool.autoTune;
    pool.autoTune = false;
    expect(pool.threads).toBe(cores);
    const before = pool.parallelCalls;
    const c = adamCase(3 * MIN_PARALLEL + 7);
    const numTensors = tf.memory().numTensors;
    const fast = c.run();
    expect(pool.parallelCalls).toBe(before + 1);
    await expectMatchesReference(c, fast);
    expect(tf.memory().numTensors).toBe(numTensors);
    tf.dispose(Object.values(c.inputs));
    pool.autoTune = tuned;
  });

  it('tunes each size class: times both ways on its first calls, then takes the faster, with the same bits', async () => {
    const memory = heapMemory(tf.backend() as never);
    const pool = kernelPoolOf(memory);
    if (!pool) return expect(cores).toBe(1);
    expect(pool.autoTune).toBe(true);
    const c = adamCase(5 * MIN_PARALLEL + 3); // a size class no other test uses
    const before = pool.parallelCalls;
    const reference = c.run();
    for (let i = 0; i < 20; i++) {
      const again = c.run();
      for (const k of ['param', 'expAvg', 'expAvgSq'] as const) {
        expect(Buffer.compare(Buffer.from((await again[k].data()).buffer), Buffer.from((await reference[k].data()).buffer)), k).toBe(0);
      }
      tf.dispose(Object.values(again));
    }
    // 21 calls: 5 timed splits, 5 timed single-thread runs, then 11 the same way.
    const split = pool.parallelCalls - before;
    expect([5, 16]).toContain(split);
    tf.dispose([...Object.values(reference), ...Object.values(c.inputs)]);
  });

  it('a matmul on the threaded build equals the cpu backend', async () => {
    const a = tf.randomUniform([300, 200], -1, 1, 'float32', 3);
    const b = tf.randomUniform([200, 250], -1, 1, 'float32', 4);
    const wasmOut = await tf.matMul(a, b).data();
    const av = await a.data();
    const bv = await b.data();
    let worst = 0;
    for (const [i, j] of [[0, 0], [17, 249], [299, 3], [150, 125]]) {
      let s = 0;
      for (let k = 0; k < 200; k++) s += av[i * 200 + k] * bv[k * 250 + j];
      worst = Math.max(worst, Math.abs(wasmOut[i * 250 + j] - s));
    }
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([a, b]);
  });
});

describe('thread settings in a fresh process', () => {
  const dist = join(root, 'dist', 'index.js');
  const script = (options: string) => `
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { createWasmAdapter } from ${JSON.stringify(dist)};
const adapter = createWasmAdapter(${options});
await useBackend(adapter);
const shared = tf.backend().wasm.HEAPU8.buffer instanceof SharedArrayBuffer;
console.log(JSON.stringify({ ...adapter.capabilities.info, shared }));
`;
  // A worker left referenced would keep Node running: the timeout turns that into a failure.
  const run = (options: string) =>
    JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script(options)], { cwd: root, encoding: 'utf8', timeout: 60_000 }).trim().split('\n').at(-1)!);

  it('threads: 1 runs the single-threaded build, with no workers', () => {
    expect(run('{ threads: 1 }')).toMatchObject({ threads: 1, optimThreads: 1, xnnpackThreads: 1, multithread: false, shared: false });
  });

  it('threads: 2 runs two threads (XNNPACK on one, by default) and the process still exits on its own', () => {
    expect(run('{ threads: 2 }')).toMatchObject({ threads: 2, optimThreads: 2, xnnpackThreads: 1, multithread: true, shared: true });
  });

  it('xnnpackThreads: 2 gives XNNPACK its own two threads beside the pool', () => {
    expect(run('{ threads: 2, xnnpackThreads: 2 }')).toMatchObject({ threads: 2, optimThreads: 2, xnnpackThreads: 2, multithread: true, shared: true });
  });
});
