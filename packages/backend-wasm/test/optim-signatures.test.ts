import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fusedOps, OPTIM_OPS } from '@descent/core';
import { describe, expect, it } from 'vitest';
import { OPTIM_SIGNATURES } from '../src/optim/generated/optim-signatures.js';
import { heapKernel, optimKernels } from '../src/optim/kernels.js';
import { optimWasmBytes } from '../src/optim/module.js';
// @ts-expect-error: a plain .mjs build script without types
import { signatures } from '../scripts/build-asm.mjs';

describe('the wasm module checked against the op declarations', () => {
  it('the generated signatures are those of asm/optim.ts', () => {
    const file = readFileSync(join(import.meta.dirname, '../src/optim/generated/optim-signatures.ts'), 'utf8');
    expect(file).toBe((signatures as () => string)());
  });

  it('every export takes exactly the parameters its signature lists', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(optimWasmBytes(false)), { env: { memory } }).exports;
    expect(Object.keys(exports).sort()).toEqual(Object.keys(OPTIM_SIGNATURES).sort());
    for (const [name, params] of Object.entries(OPTIM_SIGNATURES)) {
      expect((exports[name] as (...a: number[]) => void).length, name).toBe(params.length);
    }
  });

  it('has one kernel per optimizer declaration', () => {
    const declared = OPTIM_OPS.map((d) => d.name);
    expect(declared).toContain('MuonApply');
    expect(optimKernels().map(([decl]) => decl.name).sort()).toEqual([...declared].sort());
  });

  it('a binding the declaration does not allow fails to compile', () => {
    const ok = () => heapKernel(fusedOps.SgdStep, 'sgd', { p: 'in:param', g: 'in:grad', po: 'out:param', n: 'n', maximize: 'attr:maximize', wd_: 'attr:weightDecay', lr_: 'attr:lr' });
    // @ts-expect-error: `lr_` is an f32 parameter; `maximize` is a flag
    const wrongKind = () => heapKernel(fusedOps.SgdStep, 'sgd', { p: 'in:param', g: 'in:grad', po: 'out:param', n: 'n', maximize: 'attr:maximize', wd_: 'attr:weightDecay', lr_: 'attr:maximize' });
    // @ts-expect-error: SgdStep has no `momentumBuffer` input
    const undeclared = () => heapKernel(fusedOps.SgdStep, 'sgd', { p: 'in:momentumBuffer', g: 'in:grad', po: 'out:param', n: 'n', maximize: 'attr:maximize', wd_: 'attr:weightDecay', lr_: 'attr:lr' });
    // @ts-expect-error: the `lr_` parameter is left unbound
    const missing = () => heapKernel(fusedOps.SgdStep, 'sgd', { p: 'in:param', g: 'in:grad', po: 'out:param', n: 'n', maximize: 'attr:maximize', wd_: 'attr:weightDecay' });
    expect([ok, wrongKind, undeclared, missing].every((f) => typeof f === 'function')).toBe(true);
    expect(typeof ok()).toBe('function');
  });
});
