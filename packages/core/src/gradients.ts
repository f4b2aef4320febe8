// Real tfjs-core must load before the bundled code below, so that tfjs-core
// creates the global engine and Tensor class and the bundled copies only join them.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers neither gradients nor chained ops (`t.flatten()`) by itself,
// and these files of its dist cannot be loaded by Node directly (extensionless ESM
// imports). tsup bundles them in; they register into tfjs-core's global gradient
// registry and onto its global Tensor class. This file has side effects: package.json
// names the dist files it lands in under `sideEffects`.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { registerDilatedConvGradients } from './conv-gradients.js';
import { registerAvgPoolGradient } from './pool-gradients.js';

/**
 * Where tfjs-core's gradients throw or are wrong, ours replace them. Idempotent.
 * Packages that bundle tfjs-core's gradients (tfjs-layers does) put the stock
 * ones back when they load after this one, so `useBackend()` calls it again.
 */
export function registerGradientFixes(): void {
  registerDilatedConvGradients();
  registerAvgPoolGradient();
}

registerGradientFixes();

/**
 * Makes sure tfjs-core's gradients are registered, so `tf.grad`,
 * `tf.variableGrads` and `model.fit` work. Importing `@descent/core` does it;
 * this returns whether it holds, and is what `useBackend()` checks.
 */
export function gradientsRegistered(): boolean {
  return tf.getGradient('BatchMatMul') != null && tf.getGradient('Relu') != null;
}

/** Whether tensor chained ops (`t.flatten()`, `t.add(u)`) are there; importing `@descent/core` adds them. */
export function chainedOpsRegistered(): boolean {
  const proto = (tf.Tensor as unknown as { prototype: Record<string, unknown> }).prototype;
  return typeof proto.flatten === 'function' && typeof proto.matMul === 'function';
}
