import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@descent/core';
import { DataLoader, isBatchDataset, normalize, oneHot, randomShift, reshape, TensorDataset, toFloat } from '../src/index.js';
import { cpu, ToyDataset } from './setup.js';

beforeAll(cpu);

const transform = [toFloat(), normalize(0.1307, 0.3081), reshape([2, 3, 1])];

/** Every batch of one epoch, read back. */
async function epoch<T, B>(loader: DataLoader<T, B>): Promise<Array<Array<{ shape: number[]; dtype: string; data: number[] }>>> {
  const out = [];
  for await (const batch of loader) {
    const fields = batch as tf.Tensor[];
    out.push(fields.map((t) => ({ shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) })));
  }
  return out;
}

describe('TensorDataset', () => {
  it('holds rows of tensors: length, get and getItems gather on the backend', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const y = tf.tensor1d([7, 8, 9], 'int32');
    const ds = new TensorDataset(x, y);
    expect(isBatchDataset(ds)).toBe(true);
    expect(ds.length).toBe(3);
    const [x1, y1] = ds.get(1);
    expect(x1.shape).toEqual([2]);
    expect(Array.from(x1.dataSync())).toEqual([3, 4]);
    expect(y1.dataSync()[0]).toBe(8);
    const [xb, yb] = ds.getItems(Uint32Array.from([2, 0, 2]));
    expect(xb.arraySync()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(Array.from(yb.dataSync())).toEqual([9, 7, 9]);
    tf.dispose([x1, y1, xb, yb]);
    ds.dispose();
    expect(x.isDisposed && y.isDisposed).toBe(true);
  });

  it('refuses tensors of different lengths, naming the tensor, and bad indices', () => {
    expect(() => new TensorDataset(tf.zeros([3, 2]), tf.zeros([4]))).toThrow(/tensors\[0\] has 3 rows, tensors\[1\] has shape \[4\]/);
    expect(() => new TensorDataset()).toThrow(InvalidArgumentError);
    const ds = new TensorDataset(tf.zeros([3, 2]));
    expect(() => ds.get(3)).toThrow(/Invalid index: 3 \(dataset has 3 samples\)/);
    expect(() => ds.getItems(Uint32Array.from([0, 5]))).toThrow(/Invalid index: 5/);
    ds.dispose();
  });

  it('from(): a shuffled DataLoader over it yields the same batches, bit for bit and in the same order, as one that transforms each batch', async () => {
    const source = new ToyDataset(23);
    const ds = TensorDataset.from(source, { transform, targetTransform: oneHot(10) });
    expect(ds.tensors.map((t) => t.shape)).toEqual([[23, 2, 3, 1], [23, 10]]);
    for (const batchSize of [4, 23, 64]) {
      const fast = new DataLoader(ds, { batchSize, shuffle: true, seed: 3 });
      const slow = new DataLoader(source, { batchSize, shuffle: true, seed: 3, transform, targetTransform: oneHot(10) });
      for (let e = 0; e < 2; e++) {
        const expected = await epoch(slow);
        expect(await epoch(fast)).toEqual(expected);
        expect(expected[0][0].dtype).toBe('float32');
      }
    }
    ds.dispose();
  });

  it('batches are the loader\'s: nothing leaks across epochs, and break frees the current batch', async () => {
    const ds = TensorDataset.from(new ToyDataset(30), { transform });
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true });
    await epoch(loader);
    const before = tf.memory().numTensors;
    for (let e = 0; e < 3; e++) await epoch(loader);
    for await (const _ of loader) break;
    expect(tf.memory().numTensors).toBe(before);
    // Inside a tidy scope the batch still belongs to the loader until the next one.
    const it = loader[Symbol.iterator]();
    const first = tf.tidy(() => it.next().value as tf.Tensor[]);
    expect(first[0].isDisposed).toBe(false);
    it.return!();
    expect(first[0].isDisposed).toBe(true);
    ds.dispose();
  });

  it('refuses random transforms in from() and any transform on a loader over it, naming the parameter', () => {
    const source = new ToyDataset(5);
    expect(() => TensorDataset.from(source, { transform: [toFloat(), randomShift(1)] })).toThrow(/transform randomShift.* is random .* keep it on a DataLoader/);
    const ds = TensorDataset.from(source, { transform });
    expect(() => new DataLoader(ds, { batchSize: 2, transform: toFloat() })).toThrow(InvalidArgumentError);
    expect(() => new DataLoader(ds, { batchSize: 2, transform: toFloat() })).toThrow(/TensorDataset .* hands out finished batches/);
    ds.dispose();
  });
});
