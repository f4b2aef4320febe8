import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator } from '@descent/core';
import { randomTensor } from '@descent/core/testing';
import { autocast, autocastDtype, roundToBFloat16, roundToFloat16, type HalfDtype } from '../src/index.js';
import { cpu } from './setup.js';

beforeAll(cpu);

const round = (t: tf.Tensor, dtype: HalfDtype = 'float16') => {
  const v = t.dataSync() as Float32Array;
  return tf.tensor(dtype === 'float16' ? roundToFloat16(v) : roundToBFloat16(v), t.shape);
};
const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
const onHalfGrid = (t: tf.Tensor, dtype: HalfDtype = 'float16') => bits(t).join() === bits(round(t, dtype)).join();
const rng = new Generator(7);

describe('autocast', () => {
  it('matMul takes half inputs and gives a half output; the kernel is restored after', () => {
    const a = randomTensor(rng, [8, 16]);
    const b = randomTensor(rng, [16, 4]);
    const original = tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc;
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const inside = autocast(() => tf.matMul(a, b), { dtype });
      const manual = round(tf.matMul(round(a, dtype), round(b, dtype)), dtype);
      expect(bits(inside)).toEqual(bits(manual));
      expect(onHalfGrid(tf.matMul(a, b), dtype)).toBe(false);
    }
    expect(tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc).toBe(original);
    expect(autocastDtype()).toBeNull();
  });

  it('softmax, logSoftmax, exp, log, sum, mean and the losses stay float32', () => {
    const x = randomTensor(rng, [4, 10]);
    const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10);
    const ops = (t: tf.Tensor) => [
      tf.softmax(t),
      tf.logSoftmax(t),
      tf.exp(t),
      tf.log(tf.abs(t)),
      tf.sum(t),
      tf.mean(t),
      tf.losses.softmaxCrossEntropy(y, t),
      tf.losses.meanSquaredError(y, t),
    ];
    const inside = autocast(() => ops(x));
    const outside = ops(x);
    inside.forEach((t, i) => expect(bits(t)).toEqual(bits(outside[i])));
  });

  it('float16 overflows to Infinity past 65504 and underflows to 0; bfloat16 does neither', () => {
    const a = tf.tensor2d([[300, 1e-4]]);
    const b = tf.tensor2d([[300], [1e-4]]);
    const f16 = autocast(() => tf.matMul(a, b)).dataSync()[0];
    const bf16 = autocast(() => tf.matMul(a, b), { dtype: 'bfloat16' }).dataSync()[0];
    expect(f16).toBe(Infinity);
    expect(bf16).toBe(roundToBFloat16(90000));
    const tiny = autocast(() => tf.matMul(tf.tensor2d([[1e-4]]), tf.tensor2d([[1e-4]]))).dataSync()[0];
    expect(tiny).toBe(0);
  });

  it('nests: enabled:false turns it off inside, an inner dtype wins, the outer one comes back', () => {
    const a = randomTensor(rng, [3, 5]);
    const b = randomTensor(rng, [5, 2]);
    const f32 = bits(tf.matMul(a, b));
    autocast(() => {
      expect(autocastDtype()).toBe('float16');
      expect(bits(autocast(() => tf.matMul(a, b), { enabled: false }))).toEqual(f32);
      expect(onHalfGrid(autocast(() => tf.matMul(a, b), { dtype: 'bfloat16' }), 'bfloat16')).toBe(true);
      expect(autocastDtype()).toBe('float16');
      expect(onHalfGrid(tf.matMul(a, b))).toBe(true);
    });
    expect(bits(tf.matMul(a, b))).toEqual(f32);
  });

  it('closes the scope when fn throws or its promise settles', async () => {
    expect(() => autocast(() => { throw new Error('boom'); })).toThrow('boom');
    expect(autocastDtype()).toBeNull();
    const p = autocast(async () => {
      await Promise.resolve();
      return autocastDtype();
    });
    expect(await p).toBe('float16');
    expect(autocastDtype()).toBeNull();
    expect(() => autocast(() => 1, { dtype: 'float64' as HalfDtype })).toThrow(/Invalid autocast dtype: "float64"/);
  });

  it('gradients of half ops are computed in half, inside or after the scope', () => {
    const x = randomTensor(rng, [6, 12]);
    const w = tf.variable(randomTensor(rng, [12, 5]), true, 'ac_w');
    const f = () => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar;
    const inside = autocast(() => tf.variableGrads(f));
    // The backward pass runs after the scope closed: the tape remembers the mode.
    const after = tf.variableGrads(() => autocast(f));
    // By hand: y = h(h(x) @ h(w)); dy = 2y (float32, square's grad); dw = h(h(x)^T @ h(dy)).
    const y = round(tf.matMul(round(x), round(w)));
    const dw = round(tf.matMul(round(x), round(tf.mul(y, 2)), true, false));
    expect(bits(inside.value)).toEqual(bits(tf.sum(tf.square(y))));
    expect(bits(inside.grads.ac_w)).toEqual(bits(dw));
    expect(bits(after.grads.ac_w)).toEqual(bits(dw));
    // Master weights are untouched float32.
    expect(w.dtype).toBe('float32');
    expect(onHalfGrid(w)).toBe(false);
    w.dispose();
  });

  it('conv2d, conv1d, conv2dTranspose and depthwise conv run in half', () => {
    const x4 = randomTensor(rng, [2, 7, 7, 3]);
    const k = randomTensor(rng, [3, 3, 3, 4]);
    const inside = autocast(() => tf.conv2d(x4 as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'));
    expect(bits(inside)).toEqual(bits(round(tf.conv2d(round(x4) as tf.Tensor4D, round(k) as tf.Tensor4D, 1, 'same'))));
    const x3 = randomTensor(rng, [2, 9, 3]);
    const k3 = randomTensor(rng, [3, 3, 2]);
    expect(onHalfGrid(autocast(() => tf.conv1d(x3 as tf.Tensor3D, k3 as tf.Tensor3D, 1, 'valid')))).toBe(true);
    const t = autocast(() => tf.conv2dTranspose(randomTensor(rng, [1, 4, 4, 4]) as tf.Tensor4D, k as tf.Tensor4D, [1, 8, 8, 3], 2, 'same'));
    expect(onHalfGrid(t)).toBe(true);
    const dw = autocast(() => tf.depthwiseConv2d(x4 as tf.Tensor4D, randomTensor(rng, [3, 3, 3, 2]) as tf.Tensor4D, 1, 'same'));
    expect(onHalfGrid(dw)).toBe(true);
    // The backward kernels of conv2d are wrapped too: gradients land on the half grid.
    const kv = tf.variable(k, true, 'ac_k');
    const { grads } = autocast(() => tf.variableGrads(() => tf.sum(tf.conv2d(x4 as tf.Tensor4D, kv as tf.Tensor4D, 1, 'same'))));
    expect(onHalfGrid(grads.ac_k)).toBe(true);
    kv.dispose();
  });

  it('works on a tfjs-layers model unchanged: dense (fused matmul) and conv layers', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 8, activation: 'relu' }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    const x = randomTensor(rng, [4, 6, 6, 1]);
    const f32 = model.predict(x) as tf.Tensor;
    const half = autocast(() => model.predict(x) as tf.Tensor);
    expect(onHalfGrid(f32)).toBe(false);
    expect(onHalfGrid(half)).toBe(true);
    // By hand for the last layer: h(h(hidden) @ h(W) + h(b)).
    const hidden = autocast(() => tfl.model({ inputs: model.inputs, outputs: model.layers[2].output as tfl.SymbolicTensor }).predict(x) as tf.Tensor);
    const [W, b] = model.layers[3].getWeights();
    expect(bits(half)).toEqual(bits(round(tf.add(tf.matMul(round(hidden), round(W)), round(b)))));
    // Training through the model: weight gradients are on the half grid, the weights stay float32.
    // (In gradient mode tfjs runs fused ops with a non-linear activation unfused, so
    // those layers add their bias in float32 and the bias gradient is not rounded.)
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const { grads } = autocast(() => tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar));
    const names = Object.keys(grads);
    expect(names.length).toBe(6);
    const kernels = names.filter((n) => n.endsWith('/kernel'));
    expect(kernels.length).toBe(3);
    for (const name of kernels) expect(onHalfGrid(grads[name]), name).toBe(true);
    // The linear last layer stays fused (one customGrad node): its bias gradient is half too.
    const lastBias = names.find((n) => n.startsWith(`${model.layers[3].name}/`) && n.endsWith('/bias'))!;
    expect(onHalfGrid(grads[lastBias]), lastBias).toBe(true);
    expect(model.getWeights().every((v) => v.dtype === 'float32')).toBe(true);
  });
});
