// Real tfjs-core must load before the bundled gradient code below, so that
// tfjs-core creates the global engine and the bundled copy only joins it.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself, and this file of its dist cannot be
// loaded by Node directly (extensionless ESM imports). tsup bundles it in; it
// registers into tfjs-core's global gradient registry.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * Makes sure tfjs-core's gradients are registered, so `tf.grad`,
 * `tf.variableGrads` and `model.fit` work. Importing `@descent/core` does it;
 * this returns whether it holds, and is what `useBackend()` checks.
 */
export function gradientsRegistered(): boolean {
  return tf.getGradient('BatchMatMul') != null && tf.getGradient('Relu') != null;
}
