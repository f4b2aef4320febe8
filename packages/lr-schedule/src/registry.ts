// Every plottable schedule by name, with its options: what `descent lr list`
// shows and `descent lr plot <name>` builds.
import { check, formatValue } from './errors.js';
import { ConstantLR } from './constant-lr.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { CosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { CyclicLR } from './cyclic-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import * as hf from './huggingface.js';
import { LinearLR } from './linear-lr.js';
import { MultiStepLR } from './multi-step-lr.js';
import { OneCycleLR } from './one-cycle-lr.js';
import type { OptimizerLike } from './optimizer.js';
import { PolynomialLR } from './polynomial-lr.js';
import type { Scheduler } from './scheduler.js';
import { StepLR } from './step-lr.js';

export interface ScheduleEntry {
  name: string;
  source: 'torch' | 'transformers';
  description: string;
  /** Option names with defaults (`undefined`: required or derived). */
  options: Record<string, number | string | boolean | number[] | undefined>;
  /** The option that `--total` sets (and that sets the default number of plotted steps). */
  total?: string;
  /** The option that `--warmup` sets. */
  warmup?: string;
  create(optimizer: OptimizerLike, options: Record<string, unknown>): Scheduler;
}

const o = <T>(x: Record<string, unknown>) => x as T;

export const SCHEDULES: ScheduleEntry[] = [
  { name: 'StepLR', source: 'torch', description: 'decay by gamma every stepSize epochs', options: { stepSize: 10, gamma: 0.1 }, create: (opt, x) => new StepLR(opt, o(x)) },
  { name: 'MultiStepLR', source: 'torch', description: 'decay by gamma at each milestone', options: { milestones: [30, 80], gamma: 0.1 }, create: (opt, x) => new MultiStepLR(opt, o(x)) },
  { name: 'ConstantLR', source: 'torch', description: 'factor times the lr until totalIters', options: { factor: 1 / 3, totalIters: 5 }, total: 'totalIters', create: (opt, x) => new ConstantLR(opt, o(x)) },
  { name: 'LinearLR', source: 'torch', description: 'multiplier linear from startFactor to endFactor', options: { startFactor: 1 / 3, endFactor: 1, totalIters: 5 }, total: 'totalIters', create: (opt, x) => new LinearLR(opt, o(x)) },
  { name: 'ExponentialLR', source: 'torch', description: 'decay by gamma every epoch', options: { gamma: 0.95 }, create: (opt, x) => new ExponentialLR(opt, o(x)) },
  { name: 'PolynomialLR', source: 'torch', description: 'polynomial decay to 0 at totalIters', options: { totalIters: 5, power: 1 }, total: 'totalIters', create: (opt, x) => new PolynomialLR(opt, o(x)) },
  { name: 'CosineAnnealingLR', source: 'torch', description: 'half-cosine from the lr to etaMin over tMax', options: { tMax: undefined, etaMin: 0 }, total: 'tMax', create: (opt, x) => new CosineAnnealingLR(opt, o(x)) },
  { name: 'CosineAnnealingWarmRestarts', source: 'torch', description: 'SGDR: cosine with restarts every t0 * tMult^i', options: { t0: 10, tMult: 1, etaMin: 0 }, create: (opt, x) => new CosineAnnealingWarmRestarts(opt, o(x)) },
  { name: 'CyclicLR', source: 'torch', description: 'triangular cycles between baseLr and maxLr', options: { baseLr: 0.001, maxLr: 0.006, stepSizeUp: 2000, stepSizeDown: undefined, mode: 'triangular', gamma: 1 }, create: (opt, x) => new CyclicLR(opt, o(x)) },
  { name: 'OneCycleLR', source: 'torch', description: '1cycle: warm up to maxLr, anneal far below the start', options: { maxLr: undefined, totalSteps: undefined, pctStart: 0.3, annealStrategy: 'cos', divFactor: 25, finalDivFactor: 1e4, threePhase: false }, total: 'totalSteps', create: (opt, x) => new OneCycleLR(opt, o({ maxLr: opt.paramGroups[0]!.lr, ...x })) },
  { name: 'constant', source: 'transformers', description: 'get_constant_schedule', options: {}, create: (opt) => hf.getConstantSchedule(opt) },
  { name: 'constant_with_warmup', source: 'transformers', description: 'get_constant_schedule_with_warmup', options: { numWarmupSteps: undefined }, warmup: 'numWarmupSteps', create: (opt, x) => hf.getConstantScheduleWithWarmup(opt, o(x)) },
  { name: 'linear', source: 'transformers', description: 'get_linear_schedule_with_warmup', options: { numWarmupSteps: undefined, numTrainingSteps: undefined }, warmup: 'numWarmupSteps', total: 'numTrainingSteps', create: (opt, x) => hf.getLinearScheduleWithWarmup(opt, o(x)) },
  { name: 'cosine', source: 'transformers', description: 'get_cosine_schedule_with_warmup (alias cosine_with_warmup)', options: { numWarmupSteps: undefined, numTrainingSteps: undefined, numCycles: 0.5 }, warmup: 'numWarmupSteps', total: 'numTrainingSteps', create: (opt, x) => hf.getCosineScheduleWithWarmup(opt, o(x)) },
  { name: 'cosine_with_restarts', source: 'transformers', description: 'get_cosine_with_hard_restarts_schedule_with_warmup', options: { numWarmupSteps: undefined, numTrainingSteps: undefined, numCycles: 1 }, warmup: 'numWarmupSteps', total: 'numTrainingSteps', create: (opt, x) => hf.getCosineWithHardRestartsScheduleWithWarmup(opt, o(x)) },
  { name: 'polynomial', source: 'transformers', description: 'get_polynomial_decay_schedule_with_warmup', options: { numWarmupSteps: undefined, numTrainingSteps: undefined, lrEnd: 1e-7, power: 1 }, warmup: 'numWarmupSteps', total: 'numTrainingSteps', create: (opt, x) => hf.getPolynomialDecayScheduleWithWarmup(opt, o(x)) },
  { name: 'inverse_sqrt', source: 'transformers', description: 'get_inverse_sqrt_schedule', options: { numWarmupSteps: undefined, timescale: undefined }, warmup: 'numWarmupSteps', create: (opt, x) => hf.getInverseSqrtSchedule(opt, o(x)) },
  { name: 'cosine_with_min_lr', source: 'transformers', description: 'get_cosine_with_min_lr_schedule_with_warmup', options: { numWarmupSteps: undefined, numTrainingSteps: undefined, numCycles: 0.5, minLr: undefined, minLrRate: undefined }, warmup: 'numWarmupSteps', total: 'numTrainingSteps', create: (opt, x) => hf.getCosineWithMinLrScheduleWithWarmup(opt, o(x)) },
  { name: 'warmup_stable_decay', source: 'transformers', description: 'get_wsd_schedule', options: { numWarmupSteps: undefined, numDecaySteps: undefined, numTrainingSteps: undefined, numStableSteps: undefined, warmupType: 'linear', decayType: 'cosine', minLrRatio: 0 }, warmup: 'numWarmupSteps', total: 'numTrainingSteps', create: (opt, x) => hf.getWsdSchedule(opt, o(x)) },
];

const ALIASES: Record<string, string> = { cosinewithwarmup: 'cosine', linearwithwarmup: 'linear', wsd: 'warmup_stable_decay', cosinewithhardrestarts: 'cosine_with_restarts' };

const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/** Finds a schedule by name: case, `_` and `-` do not matter (`step_lr`, `StepLR`, `cosine-with-warmup`). */
export function findSchedule(name: string): ScheduleEntry {
  const key = ALIASES[norm(name)] ?? name;
  const found = SCHEDULES.find((e) => norm(e.name) === norm(key));
  check(found !== undefined, 'name', name, `Unknown schedule ${formatValue(name)}; \`descent lr list\` shows them all: ${SCHEDULES.map((e) => e.name).join(', ')}`);
  return found;
}
