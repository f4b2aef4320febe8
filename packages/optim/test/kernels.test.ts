import { assertKernelMatchesFallback } from '@descent/core/testing';
import { fusedKernelsFor } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelCases } from '../src/testing.js';
import { cpu } from './setup.js';

beforeAll(cpu);

describe('cpu kernels equal their composite fallbacks', () => {
  it('every optim op has a cpu kernel', () => {
    const names = kernelCases().map((c) => c.op.name);
    expect(names.length).toBe(23);
    expect(fusedKernelsFor('cpu')).toEqual(expect.arrayContaining(names));
  });

  for (const { op, generate } of kernelCases()) {
    it(op.name, async () => {
      // 64 runs cover every combination of the flag bits kernelCases draws from the run index.
      const report = await assertKernelMatchesFallback(op, { backend: 'cpu', runs: 64, generate });
      expect(report.runs).toBe(64);
      expect(report.mismatches).toEqual([]);
      expect(report.mutatedInputs).toEqual([]);
    });
  }
});
