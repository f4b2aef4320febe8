// Schedulers by name: the one name-to-factory map (transformers' TYPE_TO_SCHEDULER_FUNCTION,
// with torch's classes beside it), read by getScheduler and by the `descent` CLI's catalogue.
import { check, formatValue, InvalidArgumentError } from './errors.js';
import { ConstantLR } from './constant-lr.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { CosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { CyclicLR } from './cyclic-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import {
  getConstantSchedule,
  getConstantScheduleWithWarmup,
  getCosineScheduleWithWarmup,
  getCosineWithHardRestartsScheduleWithWarmup,
  getCosineWithMinLrScheduleWithWarmup,
  getInverseSqrtSchedule,
  getLinearScheduleWithWarmup,
  getPolynomialDecayScheduleWithWarmup,
  getReduceOnPlateauSchedule,
  getWsdSchedule,
} from './huggingface.js';
import type { LambdaLR } from './lambda-lr.js';
import { LinearLR } from './linear-lr.js';
import { MultiStepLR } from './multi-step-lr.js';
import { OneCycleLR } from './one-cycle-lr.js';
import type { OptimizerLike } from './optimizer.js';
import { PolynomialLR } from './polynomial-lr.js';
import type { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import type { Scheduler } from './scheduler.js';
import { StepLR } from './step-lr.js';

/** A scheduler built from an optimizer and plain options. */
export interface NamedScheduler<O = never, S extends Scheduler = Scheduler> {
  /** Whose name and formula: torch.optim.lr_scheduler's class or transformers' schedule. */
  readonly source: 'torch' | 'transformers';
  /** Builds the scheduler on `optimizer`. */
  readonly create: (optimizer: OptimizerLike, options: O) => S;
}

const torch = <O, S extends Scheduler>(cls: new (optimizer: OptimizerLike, options: O) => S) =>
  ({
    source: 'torch',
    /** Builds the scheduler on `optimizer`: `new cls(optimizer, options)`. */
    create: (optimizer: OptimizerLike, options: O) => new cls(optimizer, options),
  }) as const;
const transformers = <O, S extends Scheduler>(create: (optimizer: OptimizerLike, options: O) => S) =>
  ({
    source: 'transformers',
    /** Builds the schedule on `optimizer`: transformers' `get_*_schedule*` function. */
    create,
  }) as const;

/**
 * Every scheduler built from an optimizer and plain options, by name: torch's by
 * class name, transformers' by their `SchedulerType` names (in its order). Not here:
 * those built from functions or other schedulers (LambdaLR, MultiplicativeLR,
 * SequentialLR, ChainedScheduler, ScheduleLR); torch's ReduceLROnPlateau is
 * transformers' `reduce_lr_on_plateau`.
 */
export const SCHEDULERS = {
  StepLR: torch(StepLR),
  MultiStepLR: torch(MultiStepLR),
  ConstantLR: torch(ConstantLR),
  LinearLR: torch(LinearLR),
  ExponentialLR: torch(ExponentialLR),
  PolynomialLR: torch(PolynomialLR),
  CosineAnnealingLR: torch(CosineAnnealingLR),
  CosineAnnealingWarmRestarts: torch(CosineAnnealingWarmRestarts),
  CyclicLR: torch(CyclicLR),
  OneCycleLR: torch(OneCycleLR),
  linear: transformers(getLinearScheduleWithWarmup),
  cosine: transformers(getCosineScheduleWithWarmup),
  cosine_with_restarts: transformers(getCosineWithHardRestartsScheduleWithWarmup),
  polynomial: transformers(getPolynomialDecayScheduleWithWarmup),
  constant: transformers(getConstantSchedule),
  constant_with_warmup: transformers(getConstantScheduleWithWarmup),
  inverse_sqrt: transformers(getInverseSqrtSchedule),
  reduce_lr_on_plateau: transformers(getReduceOnPlateauSchedule),
  cosine_with_min_lr: transformers(getCosineWithMinLrScheduleWithWarmup),
  warmup_stable_decay: transformers(getWsdSchedule),
} as const satisfies Record<string, NamedScheduler>;

/** Every key of {@link SCHEDULERS}: torch's class names and transformers' schedule names. */
export type SchedulerName = keyof typeof SCHEDULERS;

/** transformers' `SchedulerType` names. */
export type HfSchedulerName = { [K in SchedulerName]: (typeof SCHEDULERS)[K]['source'] extends 'transformers' ? K : never }[SchedulerName];
/** transformers' `SchedulerType` names, in its order. */
export const HF_SCHEDULER_NAMES: readonly HfSchedulerName[] = (Object.keys(SCHEDULERS) as SchedulerName[]).filter(
  (name): name is HfSchedulerName => SCHEDULERS[name].source === 'transformers',
);

/** Options of {@link getScheduler}, as transformers' `get_scheduler` takes them. */
export interface GetSchedulerOptions {
  numWarmupSteps?: number;
  numTrainingSteps?: number;
  /** Options of the particular schedule (`numCycles`, `lrEnd`, `power`, `minLr`, ReduceLROnPlateau's, ...). */
  [option: string]: unknown;
}

/** transformers' `get_scheduler`: any HF schedule by name, given the options transformers gives it. */
export function getScheduler(name: HfSchedulerName, optimizer: OptimizerLike, options: GetSchedulerOptions = {}): LambdaLR | ReduceLROnPlateau {
  check(
    (HF_SCHEDULER_NAMES as readonly string[]).includes(name),
    'name',
    name,
    `${formatValue(name)} is not a valid scheduler name; choose one of ${HF_SCHEDULER_NAMES.join(', ')}`,
  );
  const create = SCHEDULERS[name].create as (optimizer: OptimizerLike, options: object) => LambdaLR | ReduceLROnPlateau;
  const { numWarmupSteps, numTrainingSteps, ...rest } = options;
  if (name === 'constant') return create(optimizer, {});
  if (name === 'reduce_lr_on_plateau') return create(optimizer, rest);
  if (numWarmupSteps === undefined) {
    throw new InvalidArgumentError('numWarmupSteps', undefined, `${name} requires \`numWarmupSteps\`, please provide that option.`);
  }
  if (name === 'constant_with_warmup' || name === 'inverse_sqrt') return create(optimizer, { numWarmupSteps });
  if (name === 'warmup_stable_decay') return create(optimizer, { ...rest, numWarmupSteps, numTrainingSteps });
  if (numTrainingSteps === undefined) {
    throw new InvalidArgumentError('numTrainingSteps', undefined, `${name} requires \`numTrainingSteps\`, please provide that option.`);
  }
  return create(optimizer, { ...rest, numWarmupSteps, numTrainingSteps });
}
