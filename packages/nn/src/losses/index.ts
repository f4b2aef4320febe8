// torch.nn.functional's losses, class axis last (tfjs's convention).
export type { Reduction, WeightLike } from './util.js';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from './cross-entropy.js';
export {
  huberLoss,
  l1Loss,
  mseLoss,
  smoothL1Loss,
  type HuberLossOptions,
  type ReductionOptions,
  type SmoothL1LossOptions,
} from './regression.js';
export { bce, bceWithLogits, type BceOptions, type BceProbsOptions, type BceWithLogitsOptions } from './binary.js';
export { klDiv, type KlDivOptions, type KlDivReduction } from './kl-div.js';
