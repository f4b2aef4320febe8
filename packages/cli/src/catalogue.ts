// The CLI's catalogue of schedules: every scheduler in @descent/lr-schedule's
// SCHEDULERS (its one name-to-factory map), with what `descent lr list`,
// `descent lr plot` and `descent train --schedule` need besides: a description,
// the options with their defaults, which option --total and --warmup set, the
// options' types and help, and the aliases. The factories stay lr-schedule's.
import { SCHEDULERS, type OptimizerLike, type Scheduler, type SchedulerName } from '@descent/lr-schedule';
import type { OptionSpec, OptionSpecs } from './args.js';

/** One schedule of the CLI's catalogue: its name, description, options with defaults, and its factory. */
export interface ScheduleEntry {
  /** lr-schedule's name: torch's class name or transformers' SchedulerType name. */
  name: SchedulerName;
  source: 'torch' | 'transformers';
  description: string;
  /** Option names with the scheduler's defaults (`undefined`: required or derived). */
  options: Record<string, number | string | boolean | number[] | undefined>;
  /** Options the scheduler requires that `options` lists with a value: the CLI passes that value when none is given. */
  required?: readonly string[];
  /** Options taken but not listed by `descent lr list` (OneCycleLR's epochs and stepsPerEpoch, instead of totalSteps). */
  unlisted?: readonly string[];
  /** The option that `--total` sets (and that sets the default number of plotted steps). */
  total?: string;
  /** The option that `--warmup` sets. */
  warmup?: string;
  /** Steps on a metric, not a count (ReduceLROnPlateau): `descent train` feeds it the test loss; there is nothing to plot. */
  metric?: true;
  /** Builds the scheduler on `optimizer` (options the CLI derives from the optimizer are filled in first). */
  create(optimizer: OptimizerLike, options: Record<string, unknown>): Scheduler;
}

type Info = Omit<ScheduleEntry, 'name' | 'source' | 'create'> & {
  /** Options derived from the optimizer unless given. */
  fromOptimizer?(optimizer: OptimizerLike): Record<string, unknown>;
};

// Every name of SCHEDULERS, in the order `descent lr list` shows them (the type
// makes a scheduler lr-schedule adds a compile error here until it is described).
const INFO: { [K in SchedulerName]: Info } = {
  StepLR: { description: 'decay by gamma every stepSize epochs', options: { stepSize: 10, gamma: 0.1 }, required: ['stepSize'] },
  MultiStepLR: { description: 'decay by gamma at each milestone', options: { milestones: [30, 80], gamma: 0.1 }, required: ['milestones'] },
  ConstantLR: { description: 'factor times the lr until totalIters', options: { factor: 1 / 3, totalIters: 5 }, total: 'totalIters' },
  LinearLR: { description: 'multiplier linear from startFactor to endFactor', options: { startFactor: 1 / 3, endFactor: 1, totalIters: 5 }, total: 'totalIters' },
  ExponentialLR: { description: 'decay by gamma every epoch', options: { gamma: 0.95 }, required: ['gamma'] },
  PolynomialLR: { description: 'polynomial decay to 0 at totalIters', options: { totalIters: 5, power: 1 }, total: 'totalIters' },
  CosineAnnealingLR: { description: 'half-cosine from the lr to etaMin over tMax', options: { tMax: undefined, etaMin: 0 }, total: 'tMax' },
  CosineAnnealingWarmRestarts: { description: 'SGDR: cosine with restarts every t0 * tMult^i', options: { t0: 10, tMult: 1, etaMin: 0 }, required: ['t0'] },
  CyclicLR: {
    description: 'triangular cycles between baseLr and maxLr',
    options: { baseLr: 0.001, maxLr: 0.006, stepSizeUp: 2000, stepSizeDown: undefined, mode: 'triangular', gamma: 1 },
    // torch requires both; a missing maxLr would silently give NaN.
    required: ['baseLr', 'maxLr'],
  },
  OneCycleLR: {
    description: '1cycle: warm up to maxLr, anneal far below the start',
    options: { maxLr: undefined, totalSteps: undefined, pctStart: 0.3, annealStrategy: 'cos', divFactor: 25, finalDivFactor: 1e4, threePhase: false },
    unlisted: ['epochs', 'stepsPerEpoch'],
    total: 'totalSteps',
    fromOptimizer: (optimizer) => ({ maxLr: optimizer.paramGroups[0]!.lr }),
  },
  constant: { description: 'get_constant_schedule', options: {} },
  constant_with_warmup: { description: 'get_constant_schedule_with_warmup', options: { numWarmupSteps: undefined }, warmup: 'numWarmupSteps' },
  linear: { description: 'get_linear_schedule_with_warmup', options: { numWarmupSteps: undefined, numTrainingSteps: undefined }, warmup: 'numWarmupSteps', total: 'numTrainingSteps' },
  cosine: {
    description: 'get_cosine_schedule_with_warmup (alias cosine_with_warmup)',
    options: { numWarmupSteps: undefined, numTrainingSteps: undefined, numCycles: 0.5 },
    warmup: 'numWarmupSteps',
    total: 'numTrainingSteps',
  },
  cosine_with_restarts: {
    description: 'get_cosine_with_hard_restarts_schedule_with_warmup',
    options: { numWarmupSteps: undefined, numTrainingSteps: undefined, numCycles: 1 },
    warmup: 'numWarmupSteps',
    total: 'numTrainingSteps',
  },
  polynomial: {
    description: 'get_polynomial_decay_schedule_with_warmup',
    options: { numWarmupSteps: undefined, numTrainingSteps: undefined, lrEnd: 1e-7, power: 1 },
    warmup: 'numWarmupSteps',
    total: 'numTrainingSteps',
  },
  inverse_sqrt: { description: 'get_inverse_sqrt_schedule', options: { numWarmupSteps: undefined, timescale: undefined }, warmup: 'numWarmupSteps' },
  cosine_with_min_lr: {
    description: 'get_cosine_with_min_lr_schedule_with_warmup',
    options: { numWarmupSteps: undefined, numTrainingSteps: undefined, numCycles: 0.5, minLr: undefined, minLrRate: undefined },
    warmup: 'numWarmupSteps',
    total: 'numTrainingSteps',
  },
  warmup_stable_decay: {
    description: 'get_wsd_schedule',
    options: { numWarmupSteps: undefined, numDecaySteps: undefined, numTrainingSteps: undefined, numStableSteps: undefined, warmupType: 'linear', decayType: 'cosine', minLrRatio: 0 },
    unlisted: ['numCycles'],
    warmup: 'numWarmupSteps',
    total: 'numTrainingSteps',
  },
  // descent train steps it on the test loss with torch's defaults.
  reduce_lr_on_plateau: {
    description: "get_reduce_on_plateau_schedule (torch's ReduceLROnPlateau): lr x 0.1 once the metric has not improved for over 10 epochs; descent train only, on the test loss",
    options: {},
    metric: true,
  },
};

/** Every schedule the CLI knows, in the order `descent lr list` shows them. */
export const SCHEDULES: readonly ScheduleEntry[] = (Object.keys(INFO) as SchedulerName[]).map((name) => {
  const { fromOptimizer, ...info } = INFO[name];
  const { source } = SCHEDULERS[name];
  const create = SCHEDULERS[name].create as (optimizer: OptimizerLike, options: Record<string, unknown>) => Scheduler;
  return { name, source, ...info, create: (optimizer, options) => create(optimizer, { ...fromOptimizer?.(optimizer), ...options }) };
});

/** Other names findSchedule accepts, and what they stand for. */
export const SCHEDULE_ALIASES: Readonly<Record<string, SchedulerName>> = {
  cosine_with_warmup: 'cosine',
  linear_with_warmup: 'linear',
  wsd: 'warmup_stable_decay',
  cosine_with_hard_restarts: 'cosine_with_restarts',
};

const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/** A schedule by name or alias; case, `_` and `-` do not matter (`step_lr`, `StepLR`, `cosine-with-warmup`, `ReduceLROnPlateau`). */
export function findSchedule(name: string): ScheduleEntry | undefined {
  const alias = Object.entries(SCHEDULE_ALIASES).find(([a]) => norm(a) === norm(name));
  const key = norm(alias ? alias[1] : name);
  return SCHEDULES.find((e) => norm(e.name) === key);
}

/** The options a scheduler requires, with the values the catalogue lists for them (StepLR: `{ stepSize: 10 }`). */
export function requiredScheduleDefaults(entry: ScheduleEntry): Record<string, unknown> {
  return Object.fromEntries((entry.required ?? []).map((k) => [k, entry.options[k]]));
}

// What a flag needs to know of each option: help, and integer-valued ones (the
// schedulers reject others) and choices.
const OPTION_INFO: Record<string, { help: string; int?: true; choices?: readonly string[] }> = {
  stepSize: { help: 'period of decay, in epochs', int: true },
  gamma: { help: 'multiplicative decay' },
  milestones: { help: 'epochs at which to decay', int: true },
  factor: { help: 'multiplier until total-iters' },
  totalIters: { help: 'epochs of the factor or of the change', int: true },
  startFactor: { help: 'multiplier at epoch 0' },
  endFactor: { help: 'multiplier from total-iters on' },
  power: { help: 'power of the polynomial' },
  tMax: { help: 'half-period of the cosine, in epochs', int: true },
  etaMin: { help: 'minimum lr' },
  t0: { help: 'epochs until the first restart', int: true },
  tMult: { help: 'period growth after each restart', int: true },
  baseLr: { help: 'lower bound of the cycle' },
  maxLr: { help: 'peak lr' },
  stepSizeUp: { help: 'steps in the rising half of a cycle', int: true },
  stepSizeDown: { help: 'steps in the falling half (default: step-size-up)', int: true },
  mode: { help: 'amplitude scaling', choices: ['triangular', 'triangular2', 'exp_range'] },
  pctStart: { help: 'fraction of the cycle spent rising' },
  annealStrategy: { help: 'annealing shape', choices: ['cos', 'linear'] },
  divFactor: { help: 'starting lr is max-lr / div-factor' },
  finalDivFactor: { help: 'final lr is the starting lr / final-div-factor' },
  threePhase: { help: "the paper's three phases instead of fastai's two" },
  epochs: { help: 'with steps-per-epoch, instead of total-steps', int: true },
  stepsPerEpoch: { help: 'with epochs, instead of total-steps', int: true },
  numWarmupSteps: { help: 'steps of warmup', int: true },
  numTrainingSteps: { help: 'steps in all', int: true },
  numCycles: { help: 'cosine cycles' },
  lrEnd: { help: 'final lr' },
  timescale: { help: 'decay timescale (default: num-warmup-steps, or 10000)' },
  minLr: { help: 'minimum lr' },
  minLrRate: { help: 'minimum lr as a fraction of the lr' },
  numDecaySteps: { help: 'steps of decay', int: true },
  numStableSteps: { help: 'steps at the peak', int: true },
  warmupType: { help: 'warmup shape', choices: ['linear', 'cosine', '1-sqrt'] },
  decayType: { help: 'decay shape', choices: ['linear', 'cosine', '1-sqrt'] },
  minLrRatio: { help: 'final lr as a fraction of the lr' },
};

function optionSpec(key: string, def: unknown): OptionSpec {
  const { help, int, choices } = OPTION_INFO[key] ?? { help: undefined };
  if (choices) return { type: 'choice', choices, default: typeof def === 'string' ? def : undefined, help };
  if (Array.isArray(def)) return { type: int ? 'ints' : 'numbers', default: def as number[], help };
  if (typeof def === 'boolean') return { type: 'boolean', default: def, help };
  if (typeof def === 'string') return { type: 'string', default: def, help };
  return { type: int ? 'int' : 'number', default: def as number | undefined, help };
}

/** A schedule's options as option specs, with the catalogue's defaults (for help). */
export function scheduleOptions(entry: ScheduleEntry): OptionSpecs {
  const out: Record<string, OptionSpec> = {};
  for (const [k, v] of Object.entries(entry.options)) out[k] = optionSpec(k, v);
  for (const k of entry.unlisted ?? []) out[k] = optionSpec(k, undefined);
  return out;
}
