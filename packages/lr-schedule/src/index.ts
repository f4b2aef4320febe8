export { brandErrorClass, DescentError, InvalidArgumentError } from './errors.js';
export { setWarningHandler, type WarningHandler } from './warnings.js';
export { OPTIMIZER_STEP_ATTEMPTS, markOptimizerStepAttempt, type OptimizerLike, type ParamGroup, type ParamGroupLike } from './optimizer.js';
export {
  LRScheduler,
  EPOCH_DEPRECATION_WARNING,
  STEP_BEFORE_OPTIMIZER_WARNING,
  STEP_OVERRIDDEN_WARNING,
  type Scheduler,
  type SchedulerOptions,
  type SchedulerStateDict,
} from './scheduler.js';
export { LambdaLR, type LambdaLROptions, type LrLambda } from './lambda-lr.js';
export { MultiplicativeLR, type MultiplicativeLROptions } from './multiplicative-lr.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { ConstantLR, type ConstantLROptions } from './constant-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { PolynomialLR, type PolynomialLROptions } from './polynomial-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { CosineAnnealingWarmRestarts, type CosineAnnealingWarmRestartsOptions } from './cosine-annealing-warm-restarts.js';
export { CyclicLR, type CyclicLROptions, type CyclicMode } from './cyclic-lr.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { ReduceLROnPlateau, NAN_METRIC_WARNING, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { SequentialLR, type SequentialLROptions, type ChildScheduler } from './sequential-lr.js';
export { ChainedScheduler, type ChainedSchedulerOptions } from './chained-scheduler.js';
export * from './huggingface.js';
export { getScheduler, SCHEDULERS, HF_SCHEDULER_NAMES, type HfSchedulerName, type SchedulerName, type NamedScheduler, type GetSchedulerOptions } from './get-scheduler.js';
export * from './schedules.js';
export { ScheduleLR, type ScheduleLROptions } from './schedule-lr.js';
export { plotSchedule, sampleSchedule, renderSvg, renderTerminal, formatTick, type PlotOptions, type PlotSource, type SchedulePlot } from './plot.js';
