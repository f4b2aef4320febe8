// The Descent twins of tools/nn_twins.py: the same architectures, so the same
// state-dict keys, on tfjs layouts (images NHWC). Shared by the parity tests and by
// the writer of the descent-*.safetensors fixtures.
import * as tf from '@tensorflow/tfjs-core';
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  Flatten,
  GELU,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
} from '../../src/index.js';

export function mlp(): Sequential {
  return new Sequential(new Linear(6, 16), new ReLU(), new Dropout(0.5), new Linear(16, 4));
}

export function cnn(): Sequential {
  return new Sequential(
    new Conv2d(3, 8, 3),
    new BatchNorm2d(8),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 8, 3, { padding: 1, groups: 2 }),
    new ReLU(),
    new AvgPool2d(2, { padding: 1 }),
    new Flatten(),
    new Linear(72, 5),
  );
}

export function embedding(): Sequential {
  return new Sequential(new Embedding(10, 4, { paddingIdx: 0 }), new Flatten(), new Linear(12, 3));
}

/** A custom module around an OrderedDict-style Sequential, as tools/nn_twins.py's Convs. */
export class Convs extends Module {
  body = this.registerModule(
    'body',
    new Sequential({
      depthwise: new Conv2d(4, 8, 3, { padding: 'same', groups: 4 }),
      gelu: new GELU(),
      strided: new Conv2d(8, 6, 3, { stride: 2, dilation: 2, padding: 2 }),
      tanh: new Tanh(),
      wide: new Conv2d(6, 4, [1, 3], { padding: [0, 1], bias: false }),
      sigmoid: new Sigmoid(),
      avg: new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      max: new MaxPool2d(2, { stride: 1, padding: 1 }),
      flatten: new Flatten(),
    }),
  );
  head = this.registerModule('head', new Linear(144, 3));
  act = this.registerModule('act', new GELU({ approximate: 'tanh' }));

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.act.forward(this.head.forward(this.body.forward(x))));
  }
}

export const TWINS: Record<string, () => Module> = { mlp, cnn, embedding, convs: () => new Convs() };

/** The seed each descent-<name>.safetensors was initialized with (`manualSeed`). */
export const SEEDS: Record<string, number> = { mlp: 11, cnn: 12, embedding: 13, convs: 14 };
