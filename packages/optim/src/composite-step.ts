import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';
import type { ParamState, StepEntry } from './optimizer.js';

/**
 * The optimizers whose update is composite tfjs ops (no fused kernel yet: Muon,
 * Adafactor, ASGD, Rprop, schedule-free AdamW, LBFGS) accept `fused: null` and
 * `false`; `true` asks for a kernel they do not have.
 */
export function checkNoFusedKernel(optimizer: string, fused: boolean | null | undefined): void {
  if (fused === true) {
    throw new InvalidArgumentError('fused', fused, `fused: true, but ${optimizer} has no fused kernel: its update runs as composite tfjs ops (use fused: null or false)`);
  }
}

/** What a composite update returns: the new parameter and the new state tensors by key. */
export type CompositeResult = { param: tf.Tensor } & Record<string, tf.Tensor>;

/**
 * Runs `update` inside a tidy, assigns the new parameter and replaces each state
 * tensor it returns (the old one is disposed), so nothing leaks across steps.
 */
export function applyComposite(entry: StepEntry, update: (state: ParamState) => CompositeResult): void {
  tf.tidy(() => {
    const { param, ...next } = update(entry.state);
    entry.param.assign(param);
    replaceState(entry.state, next);
  });
}

/** Puts `next`'s tensors into `state` (kept), disposing the tensors they replace. */
export function replaceState(state: ParamState, next: Record<string, tf.Tensor>): void {
  for (const [key, value] of Object.entries(next)) {
    const old = state[key];
    state[key] = tf.keep(value);
    if (old instanceof tf.Tensor && old !== value) old.dispose();
  }
}
