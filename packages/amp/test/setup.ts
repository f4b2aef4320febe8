import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';

export async function cpu(): Promise<void> {
  await useBackend('cpu');
}

/** The smallest optimizer GradScaler accepts: plain SGD over named variables. */
export class TestSgd {
  paramGroups: { lr: number }[];
  steps = 0;
  seen: tf.NamedTensorMap[] = [];
  constructor(
    readonly vars: Record<string, tf.Variable>,
    lr: number,
    private readonly record = false,
  ) {
    this.paramGroups = [{ lr }];
  }
  step(grads: tf.NamedTensorMap): void {
    this.steps++;
    if (this.record) this.seen.push(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.keep(g.clone())])));
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const v = this.vars[name];
        if (v && g) v.assign(tf.sub(v, tf.mul(g, this.paramGroups[0].lr)));
      }
    });
  }
}
