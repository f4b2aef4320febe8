import * as tf from '@tensorflow/tfjs-core';
import type { CpuBackendLike } from '../shared.js';

// The cpu backend keeps each tensor's values in a plain typed array. A fused
// kernel's outputs may be written into arrays that an optimizer's own old state
// tensors held, instead of fresh ones (a 10M-param Adam step went from ~150 to
// ~100 ms with it). This module owns that mechanism; on other backends it does nothing.


/** Arrays a kernel call allocated (or drew from a recycler) and nobody has seen yet. */
const fresh = new WeakSet<Float32Array>();
/** The recycler whose {@link StateRecycler.run} is in progress, if any. */
let active: StateRecycler | null = null;

/**
 * Hands the arrays of an owner's old state tensors (an optimizer's moments and
 * buffers) back to the cpu fused kernels as output arrays. Outputs are still new
 * tensors; only arrays nobody else can reach are reused. An array is recycled
 * when all of these hold:
 * - a cpu kernel allocated it for an output the owner {@link adopt}ed right
 *   after the call inside {@link run} (a state output, never a param or a user's array);
 * - the owner never handed the tensor out: whatever it gives a caller (a state
 *   dict, its weights, its state map) it first passes to {@link expose};
 * - when the owner {@link release}d the old tensor, no other tensor still shared
 *   its data (`clone()`, `tf.variable()`, `reshape()` share it).
 * A kernel may hand a spare array to any output, the param's included: that
 * array then leaves the cycle. The spare arrays of one step are kept until the
 * next; {@link clear} drops them.
 */
export class StateRecycler {
  private readonly spare = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<Float32Array>();

  /** Runs `fn` (one fused op call) with this recycler's spare arrays offered to the cpu kernels. */
  run<T>(fn: () => T): T {
    const previous = active;
    active = this;
    try {
      return fn();
    } finally {
      active = previous;
    }
  }

  /** A spare array of length `n`, or undefined. */
  take(n: number): Float32Array | undefined {
    return this.spare.get(n)?.pop();
  }

  /** Claims a state tensor that the op call inside {@link run} just returned. */
  adopt(t: tf.Tensor): void {
    const values = cpuValues(t);
    if (values && fresh.delete(values)) this.owned.add(values);
  }

  /** The caller may now hold `t` (and read its array): never recycle its array. */
  expose(t: tf.Tensor): void {
    const values = cpuValues(t);
    if (values) this.owned.delete(values);
  }

  /** Disposes an old state tensor, keeping its array when it is recyclable. */
  release(t: tf.Tensor): void {
    const values = cpuValues(t);
    t.dispose();
    if (!values || !this.owned.has(values)) return;
    this.owned.delete(values);
    // Still in the backend: another tensor shares the data.
    if ((tf.backend() as unknown as CpuBackendLike).data.has(t.dataId)) return;
    let list = this.spare.get(values.length);
    if (!list) this.spare.set(values.length, (list = []));
    list.push(values);
  }

  /** Drops the spare arrays (they are garbage-collected). */
  clear(): void {
    this.spare.clear();
  }
}

/** The cpu backend's own array behind `t`, when `t` lives on the active cpu backend. */
function cpuValues(t: tf.Tensor): Float32Array | undefined {
  if (t.isDisposed || t.dtype !== 'float32' || tf.getBackend() !== 'cpu') return undefined;
  const values = (tf.backend() as unknown as CpuBackendLike).data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

/** An output array: a recycled one when the running recycler has one spare, else a new one. */
export function outputArray(n: number, inputs: Record<string, Float32Array>): Float32Array {
  const spare = active?.take(n);
  // Defensive: a recycled array must never alias an input (it cannot, by the rules above).
  const aliased = spare !== undefined && Object.values(inputs).some((x) => x.buffer === spare.buffer);
  const out = spare !== undefined && !aliased ? spare : new Float32Array(n);
  fresh.add(out);
  return out;
}
