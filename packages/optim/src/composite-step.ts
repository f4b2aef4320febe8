import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import type { ParamState } from './optimizer.js';

/**
 * An optimizer whose update is composite tfjs ops (LBFGS: its work is the
 * closure's passes and the line search) accepts `fused: null` and `false`;
 * `true` asks for a kernel it does not have.
 */
export function checkNoFusedKernel(optimizer: string, fused: boolean | null | undefined): void {
  if (fused === true) {
    throw new InvalidArgumentError('fused', fused, `fused: true, but ${optimizer} has no fused kernel: its update runs as composite tfjs ops (use fused: null or false)`);
  }
}

/** Puts `next`'s tensors into `state` (kept), disposing the tensors they replace. */
export function replaceState(state: ParamState, next: Record<string, tf.Tensor>): void {
  for (const [key, value] of Object.entries(next)) {
    const old = state[key];
    state[key] = tf.keep(value);
    if (old instanceof tf.Tensor && old !== value) old.dispose();
  }
}
