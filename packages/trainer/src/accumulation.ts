import * as tf from '@tensorflow/tfjs-core';
import { check } from '@descent/core';

/**
 * Gradient accumulation over micro-batches, as HuggingFace does it: each
 * micro-batch's loss is divided by the group's size before the backward pass,
 * the gradients are summed, and the optimizer steps once per group. Pass one to
 * {@link trainStep} as `accumulation`.
 *
 * A group normally holds `steps` micro-batches; `groupSize` may be set lower for
 * a short last group (the end of an epoch), so its mean stays a mean.
 */
export class GradientAccumulator {
  readonly steps: number;
  /** Micro-batches in the current group (at most `steps`); read when its first micro-batch runs. */
  groupSize: number;
  private sums: tf.NamedTensorMap | null = null;
  private added = 0;

  constructor(steps: number) {
    check(Number.isInteger(steps) && steps > 0, 'gradientAccumulationSteps', steps);
    this.steps = steps;
    this.groupSize = steps;
  }

  /** Micro-batches summed so far in this group. */
  get count(): number {
    return this.added;
  }

  /** Whether the group is complete, so the next {@link take} is an optimizer step. */
  get ready(): boolean {
    return this.added >= this.groupSize;
  }

  /** Adds one micro-batch's gradients; takes ownership of them. */
  add(grads: tf.NamedTensorMap): void {
    this.added++;
    if (this.sums === null) {
      this.sums = { ...grads };
      return;
    }
    for (const [name, g] of Object.entries(grads)) {
      if (g == null) continue;
      const old = this.sums[name];
      if (old == null) {
        this.sums[name] = g;
        continue;
      }
      this.sums[name] = tf.add(old, g);
      old.dispose();
      g.dispose();
    }
  }

  /** The summed gradients (yours to dispose), and a fresh group. */
  take(): tf.NamedTensorMap {
    const out = this.sums ?? {};
    this.sums = null;
    this.added = 0;
    this.groupSize = this.steps;
    return out;
  }

  /** Drops a partial group. */
  reset(): void {
    if (this.sums) tf.dispose(Object.values(this.sums));
    this.sums = null;
    this.added = 0;
    this.groupSize = this.steps;
  }
}
