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
        ['adadelta', 'adagrad', 'adam', 'adamax', 'lamb', 'lion', 'nadam', 'radam', 'rmsprop', 'sgd', 'sgdMomentum'].sort(),
      );
      expect(bytes.length).toBeLessThan(16_000);
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
