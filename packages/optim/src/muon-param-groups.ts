import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, formatValue } from '@descent/core';
import { trainableVariables, type HasTrainableWeights } from './param-groups.js';

/** A model with named parameters (a `@descent/nn` Module), a tfjs-layers model, or variables. */
export type MuonParamSource =
  | {
      /** `[name, variable]` pairs, as a Module's `namedParameters()`. */
      namedParameters(): Array<[string, tf.Variable]>;
    }
  | HasTrainableWeights
  | tf.Variable[];

/** Options of {@link muonParamGroups}. */
export interface MuonParamGroupsOptions {
  /**
   * Parameters that go to AdamW although they are 2-D: a name matches a string
   * when it contains it, or a RegExp. Default `['embed', 'head']`: embeddings and
   * the output head (`lm_head`, `head.weight`), as Keller Jordan's and Moonshot's
   * recipes keep them off Muon.
   */
  exclude?: Array<string | RegExp>;
  /** Or decide yourself: true sends the parameter to Muon. Overrides `exclude`. */
  useMuon?: (name: string, param: tf.Variable) => boolean;
}

function named(source: MuonParamSource): Array<[string, tf.Variable]> {
  if (Array.isArray(source)) return source.map((v) => [v.name, v]);
  if (typeof (source as { namedParameters?: unknown }).namedParameters === 'function') {
    return (source as { namedParameters(): Array<[string, tf.Variable]> }).namedParameters();
  }
  if (Array.isArray((source as HasTrainableWeights | null)?.trainableWeights)) return trainableVariables(source as HasTrainableWeights).map((v) => [v.name, v]);
  throw new InvalidArgumentError('model', source, `Invalid model: ${formatValue(source)} (expected a Module with namedParameters(), a tfjs-layers model or a tf.Variable[])`);
}

/**
 * Splits a model's trainable parameters the way Muon is used: the 2-D weights of
 * hidden layers to `muon`, everything else (biases, norms, embeddings, the
 * output head, and any tensor that is not 2-D) to `adamw`. Pass each to its own
 * optimizer and step both:
 *
 * ```ts
 * const { muon, adamw } = muonParamGroups(model);
 * const opts = [new Muon(muon, { lr: 0.02 }), new AdamW(adamw, { lr: 3e-4, weightDecay: 0.01 })];
 * ```
 */
export function muonParamGroups(source: MuonParamSource, options: MuonParamGroupsOptions = {}): { muon: tf.Variable[]; adamw: tf.Variable[] } {
  const { exclude = ['embed', 'head'], useMuon } = options;
  const excluded = (name: string) => exclude.some((e) => (typeof e === 'string' ? name.includes(e) : e.test(name)));
  const muon: tf.Variable[] = [];
  const adamw: tf.Variable[] = [];
  for (const [name, v] of named(source)) {
    if (!v.trainable) continue;
    const toMuon = v.rank === 2 && (useMuon ? useMuon(name, v) : !excluded(name));
    (toMuon ? muon : adamw).push(v);
  }
  return { muon, adamw };
}
