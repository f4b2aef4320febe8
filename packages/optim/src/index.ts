export { Optimizer, type BaseOptions, type ParamGroup, type Params, type ParamState, type OptimizerStateDict, type StepEntry } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { Lamb, type LambOptions } from './lamb.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { NAdam, type NAdamOptions } from './nadam.js';
export { RAdam, type RAdamOptions } from './radam.js';
export { Lion, type LionOptions } from './lion.js';
export { ASGD, type ASGDOptions } from './asgd.js';
export { Rprop, type RpropOptions } from './rprop.js';
export { Muon, type MuonOptions } from './muon.js';
export { muonParamGroups, type MuonParamGroupsOptions, type MuonParamSource } from './muon-param-groups.js';
export { MUON_NS_COEFFICIENTS, muonAdjustedLr, zeropowerViaNewtonSchulz, type MuonAdjustLrFn } from './functional/muon.js';
export { Adafactor, type AdafactorOptions } from './adafactor.js';
export { AdamWScheduleFree, NOT_IN_TRAIN_MODE, type AdamWScheduleFreeOptions } from './schedule-free-adamw.js';
export { LBFGS, type LBFGSClosure, type LBFGSOptions } from './lbfgs.js';
export { SWALR, type SWALROptions } from './swa/swalr.js';
export { updateBn, type BatchNormLike, type UpdateBnModel, type UpdateBnOptions } from './swa/update-bn.js';
export { paramGroupsWeightDecay, trainableVariables, type HasTrainableWeights, type WeightDecayGroupsOptions } from './param-groups.js';
export { registerSerializables } from './serialization.js';
/**
 * The optimizers' fused ops (`adamStep`, `sgdStep`, …): core's declarations with their composite fallbacks, callable on any backend.
 */
export * as fusedOps from './ops/index.js';
export {
  AveragedModel,
  getEmaAvgFn,
  getEmaMultiAvgFn,
  getSwaAvgFn,
  getSwaMultiAvgFn,
  type AvgFn,
  type MultiAvgFn,
  type AveragedModelOptions,
  type AveragedModelSource,
  type AveragedModelState,
  type NamedVariables,
} from './swa/averaged-model.js';
