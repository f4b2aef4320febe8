import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@descent/core';

/** A tfjs-layers model, or anything with `trainableWeights` whose `read()` gives the variable. */
export interface HasTrainableWeights {
  // tfjs-layers types `LayerVariable.read()` as a Tensor; it returns the tf.Variable.
  trainableWeights: Array<{
    /** The weight's variable (tfjs-layers' `LayerVariable.read()`). */
    read(): tf.Tensor;
  }>;
}

/** The `tf.Variable`s behind a tfjs-layers model's trainable weights. */
export function trainableVariables(model: HasTrainableWeights): tf.Variable[] {
  return model.trainableWeights.map((w) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) throw new InvalidArgumentError('model', v, 'a trainable weight did not read() as a tf.Variable');
    return v;
  });
}

/** Options of {@link paramGroupsWeightDecay}, timm's `param_groups_weight_decay`'s. */
export interface WeightDecayGroupsOptions {
  /** Weight decay of the decayed group. Default 1e-5, as timm. */
  weightDecay?: number;
  /** Variable names that never decay, besides biases and 1-D parameters. */
  noWeightDecayList?: string[];
}

/**
 * timm's `param_groups_weight_decay`: biases, norm weights and every other
 * parameter of rank <= 1 go to a group with `weightDecay: 0`; the rest decay.
 * Returns `[noDecay, decay]`, ready for any optimizer's constructor.
 */
export function paramGroupsWeightDecay(
  source: tf.Variable[] | HasTrainableWeights,
  options: WeightDecayGroupsOptions = {},
): [{ params: tf.Variable[]; weightDecay: number }, { params: tf.Variable[]; weightDecay: number }] {
  const { weightDecay = 1e-5, noWeightDecayList = [] } = options;
  const skip = new Set(noWeightDecayList);
  const vars = Array.isArray(source) ? source : trainableVariables(source);
  const noDecay: tf.Variable[] = [];
  const decay: tf.Variable[] = [];
  for (const v of vars) {
    if (!v.trainable) continue;
    const isBias = v.name.endsWith('/bias') || v.name.endsWith('.bias') || v.name === 'bias';
    (v.rank <= 1 || isBias || skip.has(v.name) ? noDecay : decay).push(v);
  }
  return [
    { params: noDecay, weightDecay: 0 },
    { params: decay, weightDecay },
  ];
}
