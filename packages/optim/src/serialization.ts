import * as tf from '@tensorflow/tfjs-core';
import { Adadelta } from './adadelta.js';
import { Adafactor } from './adafactor.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import { Adamax } from './adamax.js';
import { ASGD } from './asgd.js';
import { Lamb } from './lamb.js';
import { Lion } from './lion.js';
import { Muon } from './muon.js';
import { NAdam } from './nadam.js';
import { RAdam } from './radam.js';
import { RMSprop } from './rmsprop.js';
import { Rprop } from './rprop.js';
import { AdamWScheduleFree } from './schedule-free-adamw.js';
import { SGD } from './sgd.js';

// LBFGS is not here: it needs a closure, which model.fit cannot give it.
const classes = [SGD, Adam, AdamW, Lamb, Adagrad, RMSprop, Adadelta, Adamax, NAdam, RAdam, Lion, ASGD, Rprop, Muon, Adafactor, AdamWScheduleFree];

/**
 * Registers every optimizer with tfjs's serialization registry, so a model saved
 * with `includeOptimizer` loads back with its Descent optimizer. Explicit (not
 * on import) to keep the package free of side effects. A deserialized optimizer
 * adopts the model's variables on its first step.
 */
export function registerSerializables(): void {
  for (const cls of classes) {
    const c = cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable> & {
      fromConfig: unknown;
    };
    c.fromConfig = (ctor: unknown, config: tf.serialization.ConfigDict) => new (ctor as new (params: undefined, options: object) => tf.Optimizer)(undefined, config);
    tf.serialization.registerClass(c);
  }
}
