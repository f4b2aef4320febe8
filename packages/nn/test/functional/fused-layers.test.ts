import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '@descent/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/index.js';
import { cpu } from '../modules/setup.js';

beforeAll(cpu);

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

/** The same network written with tfjs's plain ops: matMul, add, relu, conv2d (no fusion). */
function reference(model: Sequential, x: tf.Tensor): tf.Tensor {
  let y = x;
  for (const m of model.children()) {
    if (m instanceof Linear) y = tf.add(tf.matMul(y as tf.Tensor2D, m.weight as tf.Tensor2D), m.bias!);
    else if (m instanceof Conv2d) y = tf.add(tf.conv2d(y as tf.Tensor4D, m.weight as tf.Tensor4D, m.stride, 'valid'), m.bias!);
    else if (m instanceof ReLU) y = tf.relu(y);
    else y = m.forward(y);
  }
  return y;
}

function gradsOf(f: () => tf.Tensor, model: Sequential): { value: tf.Tensor; grads: tf.NamedTensorMap } {
  // A weighted sum, so every output element gets its own upstream gradient.
  return tf.variableGrads(() => {
    const y = f();
    return tf.sum(tf.mul(y, tf.reshape(tf.linspace(-1, 1, y.size), y.shape))) as tf.Scalar;
  }, model.parameters());
}

function models(): Record<string, { model: Sequential; x: tf.Tensor }> {
  manualSeed(3);
  return {
    mlp: { model: new Sequential(new Linear(12, 16), new ReLU(), new Linear(16, 5)), x: tf.randomNormal([7, 12], 0, 1, 'float32', 1) },
    cnn: {
      model: new Sequential(new Conv2d(2, 4, 3), new ReLU(), new MaxPool2d(2), new Conv2d(4, 6, 2), new ReLU(), new Flatten(), new Linear(24, 3)),
      x: tf.randomNormal([3, 8, 8, 2], 0, 1, 'float32', 2),
    },
  };
}

describe('Linear/Conv2d followed by ReLU run as one fused kernel', () => {
  for (const name of ['mlp', 'cnn'] as const) {
    it(`${name}: outputs and every parameter gradient are bit-identical to the unfused ops on cpu`, () => {
      const { model, x } = models()[name];
      const fused = gradsOf(() => model.forward(x), model);
      const plain = gradsOf(() => reference(model, x), model);
      expect(bits(model.forward(x))).toEqual(bits(reference(model, x)));
      expect(bits(fused.value)).toEqual(bits(plain.value));
      expect(Object.keys(fused.grads)).toEqual(Object.keys(plain.grads));
      for (const k of Object.keys(plain.grads)) expect(bits(fused.grads[k]), k).toEqual(bits(plain.grads[k]));
    });
  }

  it('runs one kernel per Linear+ReLU pair and skips the gradient of the input batch', async () => {
    const { model, x } = models().mlp;
    const forward = await tf.profile(() => model.forward(x));
    const kernels = forward.kernels.map((k) => k.name);
    expect(kernels.filter((k) => k === 'DescentLinear')).toHaveLength(2);
    expect(kernels).not.toContain('Relu');
    const backward = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(x)) as tf.Scalar, model.parameters());
      return [value, ...Object.values(grads)];
    });
    // Layer 1: dW (no dx: the batch is not a variable). Layer 2: dx and dW.
    const products = backward.kernels.filter((k) => k.name === 'BatchMatMul').map((k) => k.outputShapes[0]);
    expect(products).toHaveLength(3);
    expect(products).not.toContainEqual([1, 7, 12]);
  });

  it('leaves no tensor behind, forward and backward', () => {
    const { model, x } = models().cnn;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(x)) as tf.Scalar, model.parameters());
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a subclass that overrides forward runs as written, not fused', () => {
    class Doubled extends Linear {
      override forward(x: tf.Tensor): tf.Tensor {
        return tf.mul(super.forward(x), 2);
      }
    }
    manualSeed(0);
    const layer = new Doubled(3, 2);
    const x = tf.tensor2d([[1, -2, 3]]);
    const y = new Sequential(layer, new ReLU()).forward(x);
    expect(bits(y)).toEqual(bits(tf.relu(tf.mul(tf.add(tf.matMul(x, layer.weight), layer.bias!), 2))));
  });
});
