import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';
import { Module } from '../module.js';

/** torch.nn.Identity: returns its input (a new handle on the same data). */
export class Identity extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.clone(x);
  }
}

/** torch.nn.ReLU: max(x, 0). */
export class ReLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

/** Options of {@link GELU}. */
export interface GELUOptions {
  /** 'none' (default): torch's exact x·Φ(x) with erf; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** torch.nn.GELU: x·Φ(x), exactly (erf) by default, or with `approximate: 'tanh'`. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor({ approximate = 'none' }: GELUOptions = {}) {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new InvalidArgumentError('approximate', approximate, `approximate argument must be either none or tanh, got ${formatValue(approximate)}`);
    }
    this.approximate = approximate;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.approximate === 'tanh') {
        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        const inner = tf.mul(tf.add(x, tf.mul(tf.mul(x, tf.square(x)), 0.044715)), Math.sqrt(2 / Math.PI));
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
      }
      // 0.5·x·(1 + erf(x/√2))
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    });
  }

  override extraRepr(): string {
    return `approximate=${formatValue(this.approximate)}`;
  }
}

/** torch.nn.Tanh. */
export class Tanh extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
}

/** torch.nn.Sigmoid. */
export class Sigmoid extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }
}
