import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, no types
import { generate } from '../scripts/build-asm.mjs';
import { optimWasmBytes } from '../src/index.js';
import type { OptimExports } from '../src/optim/module.js';

/** The section ids of a wasm binary, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  expect([...bytes.slice(0, 8)]).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  let pos = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  };
  const ids: number[] = [];
  while (pos < bytes.length) {
    ids.push(bytes[pos++]);
    const size = leb(); // read before adding: `pos += leb()` would add the old pos
    pos += size;
  }
  expect(pos).toBe(bytes.length);
  return ids;
}

describe('the AssemblyScript optimizer module', () => {
  for (const shared of [false, true]) {
    it(`(${shared ? 'shared' : 'plain'} memory) has no data, start, global or table: it writes only the tensors it is given`, () => {
      const bytes = optimWasmBytes(shared);
      const ids = sectionIds(bytes);
      expect(ids).toContain(10); // code
      expect(ids).not.toContain(11); // data
      expect(ids).not.toContain(12); // data count
      expect(ids).not.toContain(8); // start function
      expect(ids).not.toContain(6); // globals (an allocator or runtime would need one)
      expect(ids).not.toContain(4); // table
      expect(ids).not.toContain(5); // own memory
      const module = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(
        [
          'adadelta', 'adafactor', 'adafactorFactored', 'adagrad', 'adam', 'adamax', 'asgd', 'gemm', 'im2row', 'lamb', 'maxPoolGradTiled', 'maxPoolTiled', 'lion', 'muonApply', 'muonMomentum',
          'nadam', 'radam', 'reluGrad', 'rmsprop', 'rprop', 'scheduleFree', 'sgd', 'sgdMomentum', 'winogradConv', 'winogradConvBackpropInput', 'winogradFilter', 'winogradFilterGrad',
          'winogradFilterSums',
        ].sort(),
      );
      expect(bytes.length).toBeLessThan(28_000); // 14.9 kB before Winograd's convolutions and the tiled pools (9.3 kB)
    });
  }

  it('the embedded bytes are those asm/optim.ts compiles to', async () => {
    const committed = readFileSync(new URL('../src/optim/generated/optim-wasm.ts', import.meta.url), 'utf8');
    expect(await generate()).toBe(committed);
  });

  it('the embedded bytes of the training kernels are those asm/train.ts compiles to', async () => {
    const committed = readFileSync(new URL('../src/kernels/generated/train-wasm.ts', import.meta.url), 'utf8');
    expect(await generate('train')).toBe(committed);
  });

  it("the reducing kernels write only their outputs (the factored one's column-sum scratch included), for any matrix shape", () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const k = new WebAssembly.Instance(new WebAssembly.Module(optimWasmBytes(false)), { env: { memory } }).exports as unknown as OptimExports;
    const CANARY = 12345.5;
    // Buffers of the given sizes from float 16 on, each followed by a canary; inputs filled, outputs zero.
    const lay = (sizes: number[], inputs: number) => {
      const f = new Float32Array(memory.buffer);
      f.fill(0);
      const at: number[] = [];
      let pos = 16;
      sizes.forEach((size, b) => {
        at.push(4 * pos);
        for (let i = 0; i < size; i++) f[pos + i] = b < inputs ? 0.01 + Math.sin(7 * b + i) ** 2 : 0;
        f[pos + size] = CANARY;
        pos += size + 1;
      });
      return { f, at, used: pos };
    };
    const attrs = [0, 0.1, 0.01, 1e-30, 1e-60, 1e-3, 1, 0.99]; // maximize, w, rho, eps1, eps1Sq, eps2, d, paramScale
    for (const [batch, rows, cols] of [[1, 1, 1], [1, 1, 7], [1, 2, 1], [1, 2, 5], [2, 3, 4], [3, 5, 9], [1, 17, 13], [2, 1, 6]]) {
      const n = batch * rows * cols;
      const sizes = [n, n, batch * rows, batch * cols, n, batch * rows, batch * cols];
      const { f, at, used } = lay(sizes, 4);
      const inputs = Array.from(f.slice(16, at[4] / 4));
      k.adafactorFactored(...(at as [number, number, number, number, number, number, number]), batch, rows, cols, ...(attrs as [number, number, number, number, number, number, number, number]));
      const shape = `[${batch}, ${rows}, ${cols}]`;
      expect(Array.from(f.slice(16, at[4] / 4)), shape).toEqual(inputs);
      sizes.forEach((size, b) => {
        expect(f[at[b] / 4 + size], `canary after buffer ${b}, ${shape}`).toBe(CANARY);
        if (b >= 4) expect(f.slice(at[b] / 4, at[b] / 4 + size).every((v) => Number.isFinite(v) && v !== 0), `output ${b}, ${shape}`).toBe(true);
      });
      expect(f.slice(used).every((v) => v === 0)).toBe(true);
    }
    for (const n of [1, 6, 37]) {
      const { f, at } = lay([n, n, n, n, n, n, n], 3);
      const inputs = Array.from(f.slice(16, at[3] / 4));
      k.adafactor(at[0], at[1], at[2], at[3], at[4], n, 1, 0.1, 0.01, 1e-60, 1e-3, 1, 0.99);
      k.muonMomentum(at[0], at[1], at[5], at[6], n, 0.05, 0.95, 1, 1e-7);
      expect(Array.from(f.slice(16, at[3] / 4))).toEqual(inputs);
      for (let b = 0; b < 7; b++) expect(f[at[b] / 4 + n], `canary after buffer ${b}, n = ${n}`).toBe(CANARY);
      for (const b of [3, 4, 5, 6]) expect(f.slice(at[b] / 4, at[b] / 4 + n).every((v) => Number.isFinite(v) && v !== 0), `output ${b}, n = ${n}`).toBe(true);
    }
  });

  it('the shared-memory build (tfjs-wasm with threads) computes what the plain one does', () => {
    const n = 11;
    // Layout in floats: p, g, m, v, a canary, then the outputs p', m', v' and another canary.
    const run = (shared: boolean) => {
      const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: 4, shared: true } : { initial: 1 });
      const k = new WebAssembly.Instance(new WebAssembly.Module(optimWasmBytes(shared)), { env: { memory } }).exports as unknown as OptimExports;
      const f = new Float32Array(memory.buffer);
      for (let i = 0; i < 4 * n; i++) f[i] = i < 3 * n ? Math.sin(i + 1) : 0.01 * Math.sin(i + 1) ** 2;
      f[4 * n] = 12345;
      f[7 * n + 1] = 6789;
      const at = (floats: number) => 4 * floats;
      k.adam(0, at(n), at(2 * n), at(3 * n), 0, at(4 * n + 1), at(5 * n + 1), at(6 * n + 1), 0, n, 0, 0, 0.01, 0.999, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.01, 0.03);
      return Array.from(f.slice(0, 7 * n + 2));
    };
    const plain = run(false);
    expect(run(true)).toEqual(plain);
    expect(plain[4 * n]).toBe(12345);
    expect(plain[7 * n + 1]).toBe(6789);
    expect(plain.slice(4 * n + 1, 7 * n + 1).every((x) => Number.isFinite(x) && x !== 0)).toBe(true);
  });
});
