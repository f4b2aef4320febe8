import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  stateDictFromBinary,
  stateDictFromJSON,
  stateDictToBinary,
  stateDictToJSON,
  stateToTensors,
  type HostTensor,
  type StateDict,
} from '../src/index.js';
import { cpu } from './setup-cpu.js';

beforeAll(cpu);

function sample(): StateDict {
  return {
    step: 3,
    name: 'adamw',
    flags: [true, false, null],
    nested: { lr: 1e-3, betas: [0.9, 0.999], inf: Infinity, nan: Number.NaN },
    w: tf.tensor2d([[1.5, -2], [3.25, 1e-8]]),
    odd: tf.tensor1d([1, 2, 3], 'float32'),
    ids: tf.tensor1d([7, -1, 2 ** 30], 'int32'),
    mask: tf.tensor1d([1, 0, 1], 'bool'),
    scalar: tf.scalar(0.5),
  };
}

function expectSame(decoded: StateDict, original: StateDict) {
  expect(decoded.step).toBe(3);
  expect(decoded.name).toBe('adamw');
  expect(decoded.flags).toEqual([true, false, null]);
  const nested = decoded.nested as Record<string, number | number[]>;
  expect(nested.lr).toBe(1e-3);
  expect(nested.betas).toEqual([0.9, 0.999]);
  expect(nested.inf).toBe(Infinity);
  expect(Number.isNaN(nested.nan)).toBe(true);
  for (const key of ['w', 'odd', 'ids', 'mask', 'scalar']) {
    const h = decoded[key] as HostTensor;
    const t = original[key] as tf.Tensor;
    expect(h.dtype).toBe(t.dtype);
    expect(h.shape).toEqual(t.shape);
    expect(Array.from(h.data)).toEqual(Array.from(t.dataSync()));
  }
}

describe('state dicts', () => {
  it('round-trip through JSON', async () => {
    const sd = sample();
    const json = await stateDictToJSON(sd);
    expect(typeof JSON.parse(json)).toBe('object');
    expectSame(stateDictFromJSON(json), sd);
  });

  it('round-trip through the compact binary form, which is about raw size', async () => {
    const sd = { big: tf.randomNormal([1000]), meta: { step: 1 } } as StateDict;
    const bin = await stateDictToBinary(sd);
    expect(bin.byteLength).toBeLessThan(4000 + 200);
    const back = stateDictFromBinary(bin);
    expect(Array.from((back.big as HostTensor).data)).toEqual(Array.from((sd.big as tf.Tensor).dataSync()));
    expectSame(stateDictFromBinary(await stateDictToBinary(sample())), sample());
  });

  it('decodes from an unaligned copy', async () => {
    const bin = await stateDictToBinary(sample());
    const shifted = new Uint8Array(bin.byteLength + 1);
    shifted.set(bin, 1);
    expectSame(stateDictFromBinary(shifted.subarray(1)), sample());
  });

  it('rejects corrupt input with a clear error', async () => {
    const bin = await stateDictToBinary(sample());
    expect(() => stateDictFromBinary(bin.subarray(0, 4))).toThrow(/shorter than its 8-byte preamble/);
    expect(() => stateDictFromBinary(bin.subarray(0, bin.byteLength - 8))).toThrow(/run past the end/);
    const bad = bin.slice();
    bad[0] ^= 0xff;
    expect(() => stateDictFromBinary(bad)).toThrow(/bad magic number/);
    const json = JSON.parse(await stateDictToJSON({ t: tf.tensor1d([1, 2]) }));
    json.t.$tensor.shape = [3];
    expect(() => stateDictFromJSON(JSON.stringify(json))).toThrow(/shape \[3\] needs 3 values, found 2/);
  });

  it('turns host tensors back into live tensors', async () => {
    const back = stateToTensors(stateDictFromJSON(await stateDictToJSON(sample()))) as StateDict;
    expect(back.w).toBeInstanceOf(tf.Tensor);
    expect(Array.from((back.w as tf.Tensor).dataSync())).toEqual([1.5, -2, 3.25, 1e-8].map(Math.fround));
    expect((back.nested as StateDict).lr).toBe(1e-3);
  });
});
