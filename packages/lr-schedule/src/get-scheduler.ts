import { check, formatValue, InvalidArgumentError } from './errors.js';
import {
  getConstantSchedule,
  getConstantScheduleWithWarmup,
  getCosineScheduleWithWarmup,
  getCosineWithHardRestartsScheduleWithWarmup,
  getCosineWithMinLrScheduleWithWarmup,
  getInverseSqrtSchedule,
  getLinearScheduleWithWarmup,
  getPolynomialDecayScheduleWithWarmup,
  getWsdSchedule,
} from './huggingface.js';
import type { LambdaLR } from './lambda-lr.js';
import type { OptimizerLike } from './optimizer.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';

/** transformers' `SchedulerType` names. */
export const HF_SCHEDULER_NAMES = [
  'linear',
  'cosine',
  'cosine_with_restarts',
  'polynomial',
  'constant',
  'constant_with_warmup',
  'inverse_sqrt',
  'reduce_lr_on_plateau',
  'cosine_with_min_lr',
  'warmup_stable_decay',
] as const;
export type HfSchedulerName = (typeof HF_SCHEDULER_NAMES)[number];

export interface GetSchedulerOptions {
  numWarmupSteps?: number;
  numTrainingSteps?: number;
  /** Options of the particular schedule (`numCycles`, `lrEnd`, `power`, `minLr`, ReduceLROnPlateau's, ...). */
  [option: string]: unknown;
}

/** transformers' `get_scheduler`: any HF schedule by name. */
export function getScheduler(name: HfSchedulerName, optimizer: OptimizerLike, options: GetSchedulerOptions = {}): LambdaLR | ReduceLROnPlateau {
  check(
    (HF_SCHEDULER_NAMES as readonly string[]).includes(name),
    'name',
    name,
    `${formatValue(name)} is not a valid scheduler name; choose one of ${HF_SCHEDULER_NAMES.join(', ')}`,
  );
  const { numWarmupSteps, numTrainingSteps, ...rest } = options;
  if (name === 'constant') return getConstantSchedule(optimizer);
  if (name === 'reduce_lr_on_plateau') return new ReduceLROnPlateau(optimizer, rest);
  if (numWarmupSteps === undefined) {
    throw new InvalidArgumentError('numWarmupSteps', undefined, `${name} requires \`numWarmupSteps\`, please provide that option.`);
  }
  const w = numWarmupSteps;
  if (name === 'constant_with_warmup') return getConstantScheduleWithWarmup(optimizer, { numWarmupSteps: w });
  if (name === 'inverse_sqrt') return getInverseSqrtSchedule(optimizer, { numWarmupSteps: w });
  if (name === 'warmup_stable_decay') {
    return getWsdSchedule(optimizer, { ...(rest as object), numWarmupSteps: w, numTrainingSteps } as Parameters<typeof getWsdSchedule>[1]);
  }
  if (numTrainingSteps === undefined) {
    throw new InvalidArgumentError('numTrainingSteps', undefined, `${name} requires \`numTrainingSteps\`, please provide that option.`);
  }
  const o = { ...rest, numWarmupSteps: w, numTrainingSteps };
  switch (name) {
    case 'linear':
      return getLinearScheduleWithWarmup(optimizer, o);
    case 'cosine':
      return getCosineScheduleWithWarmup(optimizer, o);
    case 'cosine_with_restarts':
      return getCosineWithHardRestartsScheduleWithWarmup(optimizer, o);
    case 'polynomial':
      return getPolynomialDecayScheduleWithWarmup(optimizer, o);
    default:
      return getCosineWithMinLrScheduleWithWarmup(optimizer, o);
  }
}
