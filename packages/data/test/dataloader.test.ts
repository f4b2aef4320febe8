import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator, InvalidArgumentError } from '@descent/core';
import { compose, DataLoader, flatten, normalize, oneHot, randomShift, toFloat, type Dataset } from '../src/index.js';
import { cpu, ToyDataset } from './setup.js';

beforeAll(cpu);

/** The sample indices an epoch visits, read back from the pixel encoding. */
async function epochOrder(loader: DataLoader<[import('../src/index.js').NdArray, number]>): Promise<number[]> {
  const seen: number[] = [];
  for await (const [x] of loader) {
    const v = x.arraySync() as number[][][];
    for (const img of v) seen.push(img[0][0] / 6);
  }
  return seen;
}

describe('DataLoader', () => {
  it('has length in batches, with and without dropLast', () => {
    const ds = new ToyDataset(10);
    expect(new DataLoader(ds, { batchSize: 4 }).length).toBe(3);
    expect(new DataLoader(ds, { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(ds, { batchSize: 5, dropLast: true }).length).toBe(2);
    expect(new DataLoader(ds).length).toBe(10);
  });

  it('collates tuples into a float or int tensor per field with a leading batch axis', async () => {
    const loader = new DataLoader(new ToyDataset(10), { batchSize: 4 });
    const shapes: number[][][] = [];
    for await (const [x, y] of loader) {
      shapes.push([x.shape, y.shape]);
      expect(x.dtype).toBe('int32');
      expect(y.dtype).toBe('int32');
    }
    expect(shapes).toEqual([
      [[4, 2, 3], [4]],
      [[4, 2, 3], [4]],
      [[2, 2, 3], [2]],
    ]);
  });

  it('visits samples in order without shuffle, and drops the short last batch with dropLast', async () => {
    expect(await epochOrder(new DataLoader(new ToyDataset(10), { batchSize: 3 }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await epochOrder(new DataLoader(new ToyDataset(10), { batchSize: 3, dropLast: true }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('shuffles reproducibly for a seed, differently every epoch, and covers every sample once', async () => {
    const make = (seed: number) => new DataLoader(new ToyDataset(40), { batchSize: 8, shuffle: true, seed });
    const a = make(7);
    const b = make(7);
    const a1 = await epochOrder(a);
    const a2 = await epochOrder(a);
    expect(await epochOrder(b)).toEqual(a1);
    expect(await epochOrder(b)).toEqual(a2);
    expect(a1).not.toEqual(a2);
    expect(await epochOrder(make(8))).not.toEqual(a1);
    expect([...a1].sort((p, q) => p - q)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(a.epoch).toBe(2);
  });

  it('resumes the following epochs from its state dict', async () => {
    const a = new DataLoader(new ToyDataset(20), { batchSize: 5, shuffle: true, seed: 3 });
    await epochOrder(a);
    const state = JSON.parse(JSON.stringify(a.stateDict()));
    const expected = [await epochOrder(a), await epochOrder(a)];
    const b = new DataLoader(new ToyDataset(20), { batchSize: 5, shuffle: true, seed: 999 });
    b.loadStateDict(state);
    expect([await epochOrder(b), await epochOrder(b)]).toEqual(expected);
    expect(b.epoch).toBe(3);
  });

  it('applies input and target transforms, batched where they allow it', async () => {
    const loader = new DataLoader(new ToyDataset(4), {
      batchSize: 4,
      transform: [toFloat(), normalize(0.5, 0.25), flatten()],
      targetTransform: oneHot(10),
    });
    for await (const [x, y] of loader) {
      expect(x.shape).toEqual([4, 6]);
      expect(x.dtype).toBe('float32');
      const xs = x.dataSync();
      expect(xs[7]).toBeCloseTo((7 / 255 - 0.5) / 0.25, 6);
      expect(y.shape).toEqual([4, 10]);
      expect(Array.from(tf.argMax(y, 1).dataSync())).toEqual([0, 1, 2, 3]);
    }
  });

  it('fuses toFloat and normalize with stacking, matching the step-by-step result to float32 rounding', async () => {
    const rgb: Dataset<[import('../src/index.js').NdArray, number]> = {
      length: 6,
      get: (i) => [{ data: Uint8Array.from({ length: 12 }, (_, k) => (i * 37 + k * 11) % 256), shape: [2, 2, 3] }, i],
    };
    for (const transform of [
      [toFloat(), normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.3])],
      [normalize(10, 2)],
      [toFloat(), normalize(0.1307, 0.3081), flatten()],
      [randomShift(1), toFloat(), toFloat(), normalize(0.1307, 0.3081)],
    ]) {
      const steps = compose(transform);
      const g = new Generator(0);
      const loader = new DataLoader(rgb, { batchSize: 6, generator: g.clone(), transform });
      for await (const [x] of loader) {
        // The loader's augmentation stream is seeded from its generator's next draw.
        const aug = new Generator(g.nextUint32());
        const expected = Array.from({ length: 6 }, (_, i) => Array.from((steps.apply(rgb.get(i)[0], aug) as import('../src/index.js').NdArray).data)).flat();
        const got = Array.from(x.dataSync());
        expect(got.length).toBe(expected.length);
        got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected[i]))));
        expect(x.dtype).toBe('float32');
      }
    }
  });

  it('runs random augmentations reproducibly for a seed', async () => {
    const run = async (seed: number) => {
      const out: number[][] = [];
      const loader = new DataLoader(new ToyDataset(16), { batchSize: 4, seed, transform: [randomShift(1), toFloat()] });
      for await (const [x] of loader) out.push(Array.from(x.dataSync()));
      return out;
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });

  it('disposes every batch it made: after a full epoch, a break, and a throw', async () => {
    const ds = new ToyDataset(50);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, transform: [toFloat(), flatten()], targetTransform: oneHot(10), prefetch: 3 });
    const before = tf.memory().numTensors;
    for await (const [x, y] of loader) tf.tidy(() => {
      tf.add(tf.sum(x), tf.sum(y)).dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
    let seen = 0;
    for await (const _ of loader) {
      // Let prefetching fill up before leaving, so the queued batches must be freed too.
      await new Promise((r) => setTimeout(r, 5));
      if (++seen === 3) break;
    }
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      (async () => {
        for await (const _ of loader) {
          await new Promise((r) => setTimeout(r, 5));
          throw new Error('step failed');
        }
      })(),
    ).rejects.toThrow('step failed');
    expect(tf.memory().numTensors).toBe(before);
    for (const [x] of loader) {
      expect(x.shape).toEqual([4, 6]);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('hands batches over to the caller with autoDispose: false', async () => {
    const loader = new DataLoader(new ToyDataset(8), { batchSize: 4, autoDispose: false });
    const before = tf.memory().numTensors;
    const kept = [];
    for await (const batch of loader) kept.push(batch);
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(Array.from(kept[0][1].dataSync())).toEqual([0, 1, 2, 3]);
    tf.dispose(kept);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prepares the next batch while the training step awaits', async () => {
    // A step that awaits (a GPU readback) gives the event loop turns. Counting
    // turns rather than milliseconds keeps this independent of machine load:
    // each turn lets the loader make one batch, and no more than `prefetch`.
    const turns = (n: number) => (async () => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); })();
    const ds = new ToyDataset(64);
    const loader = new DataLoader(ds, { batchSize: 8, prefetch: 2 });
    const readsWhenAsked: number[] = [];
    for await (const _ of loader) {
      await turns(6);
      readsWhenAsked.push(ds.reads);
    }
    // After the first step the two following batches are already read, and no third.
    expect(readsWhenAsked[0]).toBe(24);
    expect(readsWhenAsked.slice(0, 6)).toEqual([24, 32, 40, 48, 56, 64]);
    expect(readsWhenAsked.at(-1)).toBe(64);
    const sync = new ToyDataset(64);
    const noPrefetch = new DataLoader(sync, { batchSize: 8, prefetch: 0 });
    const syncReads: number[] = [];
    for await (const _ of noPrefetch) {
      await turns(6);
      syncReads.push(sync.reads);
    }
    expect(syncReads).toEqual([8, 16, 24, 32, 40, 48, 56, 64]);
  });

  it('reports an error in a sample at that batch and frees the rest', async () => {
    const bad: Dataset<[import('../src/index.js').NdArray, number]> = {
      length: 12,
      get: (i) => [{ data: new Uint8Array(i === 9 ? 5 : 6), shape: [i === 9 ? 5 : 6] }, 0],
    };
    const before = tf.memory().numTensors;
    const loader = new DataLoader(bad, { batchSize: 4 });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const [x] of loader) got.push(x.shape[0]);
      })(),
    ).rejects.toThrow(/Cannot stack batch item 1 of shape \[5\] with item 0 of shape \[6\]/);
    expect(got).toEqual([4, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('supports a custom collate and owns the tensors it returns', async () => {
    const before = tf.memory().numTensors;
    const loader = new DataLoader(new ToyDataset(6), {
      batchSize: 3,
      collate: (samples) => ({ labels: tf.tensor1d(samples.map((s) => s[1]), 'int32'), n: samples.length }),
    });
    const labels: number[][] = [];
    for await (const b of loader) labels.push(Array.from(b.labels.dataSync()));
    expect(labels).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options naming the parameter and value', () => {
    const ds = new ToyDataset(4);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(new InvalidArgumentError('batchSize', 0));
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow('Invalid batchSize: 2.5');
    expect(() => new DataLoader(ds, { prefetch: -1 })).toThrow('Invalid prefetch: -1');
    expect(() => new DataLoader({} as Dataset<number>)).toThrow(/Invalid dataset/);
    expect(() => new DataLoader(ds, { generator: new Generator(1), transform: 3 as never })).toThrow(/Invalid transform/);
  });
});
