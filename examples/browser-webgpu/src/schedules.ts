// The schedule explorer's model: every scheduler of @descent/lr-schedule that
// a curve can show (torch's classes and transformers' schedules; not those
// built from functions or other schedulers, nor ReduceLROnPlateau, which
// follows a metric), its options with defaults sized for a run of `steps`
// optimizer steps (the page steps schedulers per optimizer step, where torch's
// examples step some per epoch), the curve it gives, and the TypeScript that builds it.
import * as lr from '@descent/lr-schedule';
import { sampleSchedule, type OptimizerLike, type Scheduler } from '@descent/lr-schedule';
import type { ScheduleChoice } from './config.js';

export type OptionKind = 'int' | 'number' | 'boolean' | 'numbers' | 'enum';

export interface OptionSpec {
  name: string;
  kind: OptionKind;
  /** Choices of an enum option. */
  choices?: readonly string[];
  /** Left empty, the scheduler derives it (torch's or transformers' default). */
  optional?: boolean;
  /** The default for a run of `steps` steps at base `lr`; none for optional options. */
  value?: (steps: number, lr: number) => unknown;
}

type Create = (optimizer: OptimizerLike, options: never) => Scheduler;

export interface ExplorerSchedule {
  /** torch's class name, or transformers' SchedulerType name. */
  name: string;
  source: 'torch' | 'transformers';
  description: string;
  /** What builds it: the class, or transformers' function. */
  create: Create;
  /** The function's name, for the code line (bundlers rename functions). */
  fn?: string;
  options: OptionSpec[];
}

export const DEFAULT_SCHEDULE = 'cosine';

const part = (steps: number, fraction: number) => Math.max(1, Math.round(steps * fraction));
const int = (name: string, value?: OptionSpec['value']): OptionSpec => ({ name, kind: 'int', value, optional: !value });
const num = (name: string, value?: OptionSpec['value'] | number): OptionSpec => ({
  name,
  kind: 'number',
  value: typeof value === 'number' ? () => value : value,
  optional: value === undefined,
});
const oneOf = (name: string, choices: readonly string[], value: string): OptionSpec => ({ name, kind: 'enum', choices, value: () => value });
const flag = (name: string, value: boolean): OptionSpec => ({ name, kind: 'boolean', value: () => value });
const torch =
  <O>(cls: new (optimizer: OptimizerLike, options: O) => Scheduler): Create =>
  (optimizer, options) =>
    new cls(optimizer, options);
type HfName = { [K in keyof typeof lr]: K extends `get${string}Schedule${string}` ? K : never }[keyof typeof lr];
const hf = (fn: HfName) => ({ create: lr[fn] as Create, fn });
const warmup = int('numWarmupSteps', (n) => part(n, 0.1));
const training = int('numTrainingSteps', (n) => n);
const SHAPES = ['linear', 'cosine', '1-sqrt'] as const;

// Torch's defaults, except step counts (scaled to the run) and CyclicLR's momentum
// cycling (off: Adam has no momentum to cycle, and torch refuses then).
export const EXPLORER_SCHEDULES: ExplorerSchedule[] = [
  { name: 'StepLR', source: 'torch', create: torch(lr.StepLR), description: 'decay by gamma every stepSize steps', options: [int('stepSize', (n) => part(n, 0.25)), num('gamma', 0.5)] },
  {
    name: 'MultiStepLR',
    source: 'torch',
    create: torch(lr.MultiStepLR),
    description: 'decay by gamma at each milestone',
    options: [{ name: 'milestones', kind: 'numbers', value: (n) => [part(n, 0.5), part(n, 0.75)] }, num('gamma', 0.1)],
  },
  { name: 'ConstantLR', source: 'torch', create: torch(lr.ConstantLR), description: 'factor times the lr until totalIters', options: [num('factor', 1 / 3), int('totalIters', (n) => part(n, 0.2))] },
  {
    name: 'LinearLR',
    source: 'torch',
    create: torch(lr.LinearLR),
    description: 'multiplier linear from startFactor to endFactor over totalIters',
    options: [num('startFactor', 1 / 3), num('endFactor', 1), int('totalIters', (n) => part(n, 0.2))],
  },
  // About lr / 20 at the end of the run.
  { name: 'ExponentialLR', source: 'torch', create: torch(lr.ExponentialLR), description: 'decay by gamma every step', options: [num('gamma', (n) => Number((0.05 ** (1 / n)).toPrecision(4)))] },
  { name: 'PolynomialLR', source: 'torch', create: torch(lr.PolynomialLR), description: 'polynomial decay to 0 at totalIters', options: [int('totalIters', (n) => n), num('power', 1)] },
  { name: 'CosineAnnealingLR', source: 'torch', create: torch(lr.CosineAnnealingLR), description: 'half-cosine from the lr to etaMin over tMax', options: [int('tMax', (n) => n), num('etaMin', 0)] },
  {
    name: 'CosineAnnealingWarmRestarts',
    source: 'torch',
    create: torch(lr.CosineAnnealingWarmRestarts),
    description: 'SGDR: cosine with restarts every t0 · tMult^i steps',
    options: [int('t0', (n) => part(n, 0.25)), int('tMult', () => 1), num('etaMin', 0)],
  },
  {
    name: 'CyclicLR',
    source: 'torch',
    create: torch(lr.CyclicLR),
    description: 'cycles between baseLr and maxLr',
    options: [
      num('baseLr', (_, lr) => lr / 10),
      num('maxLr', (_, lr) => lr),
      int('stepSizeUp', (n) => part(n, 0.125)),
      int('stepSizeDown'),
      oneOf('mode', ['triangular', 'triangular2', 'exp_range'], 'triangular'),
      num('gamma', 1),
      flag('cycleMomentum', false),
    ],
  },
  {
    name: 'OneCycleLR',
    source: 'torch',
    create: torch(lr.OneCycleLR),
    description: '1cycle: warm up to maxLr, then anneal far below the start',
    options: [
      num('maxLr', (_, lr) => lr),
      int('totalSteps', (n) => n),
      num('pctStart', 0.3),
      oneOf('annealStrategy', ['cos', 'linear'], 'cos'),
      num('divFactor', 25),
      num('finalDivFactor', 1e4),
      flag('threePhase', false),
    ],
  },
  { name: 'constant', source: 'transformers', ...hf('getConstantSchedule'), description: 'the lr, unchanged', options: [] },
  { name: 'constant_with_warmup', source: 'transformers', ...hf('getConstantScheduleWithWarmup'), description: 'linear warmup, then constant', options: [warmup] },
  { name: 'linear', source: 'transformers', ...hf('getLinearScheduleWithWarmup'), description: 'linear warmup, then linear decay to 0', options: [warmup, training] },
  { name: 'cosine', source: 'transformers', ...hf('getCosineScheduleWithWarmup'), description: 'linear warmup, then cosine decay', options: [warmup, training, num('numCycles', 0.5)] },
  {
    name: 'cosine_with_restarts',
    source: 'transformers',
    ...hf('getCosineWithHardRestartsScheduleWithWarmup'),
    description: 'linear warmup, then cosine cycles with hard restarts',
    options: [warmup, training, num('numCycles', 1)],
  },
  {
    name: 'polynomial',
    source: 'transformers',
    ...hf('getPolynomialDecayScheduleWithWarmup'),
    description: 'linear warmup, then polynomial decay to lrEnd',
    options: [warmup, training, num('lrEnd', 1e-7), num('power', 1)],
  },
  { name: 'inverse_sqrt', source: 'transformers', ...hf('getInverseSqrtSchedule'), description: 'linear warmup, then 1/√step decay', options: [warmup, num('timescale')] },
  {
    name: 'cosine_with_min_lr',
    source: 'transformers',
    ...hf('getCosineWithMinLrScheduleWithWarmup'),
    description: 'linear warmup, then cosine decay to a floor',
    options: [warmup, training, num('numCycles', 0.5), num('minLr'), num('minLrRate', 0.1)],
  },
  {
    name: 'warmup_stable_decay',
    source: 'transformers',
    ...hf('getWsdSchedule'),
    description: 'warmup, stable, then decay (WSD)',
    options: [
      warmup,
      int('numDecaySteps', (n) => part(n, 0.2)),
      training,
      int('numStableSteps'),
      oneOf('warmupType', SHAPES, 'linear'),
      oneOf('decayType', SHAPES, 'cosine'),
      num('minLrRatio', 0),
    ],
  },
];

export function findExplorerSchedule(name: string): ExplorerSchedule {
  const found = EXPLORER_SCHEDULES.find((s) => s.name === name);
  if (!found) throw new Error(`Unknown schedule ${JSON.stringify(name)}; the explorer has ${EXPLORER_SCHEDULES.map((s) => s.name).join(', ')}`);
  return found;
}

/** The default options of a schedule for a run of `steps` steps at base `lr` (optional ones left out). */
export function defaultOptions(schedule: ExplorerSchedule, steps: number, lr: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of schedule.options) if (o.value) out[o.name] = o.value(steps, lr);
  return out;
}

const given = (options: Record<string, unknown>) => Object.entries(options).filter(([, v]) => v !== undefined && v !== '');

/** The scheduler of a choice on `optimizer`. Throws the library's InvalidArgumentError on bad options. */
export function createScheduler(choice: ScheduleChoice, optimizer: OptimizerLike): Scheduler {
  const create = findExplorerSchedule(choice.name).create as (optimizer: OptimizerLike, options: object) => Scheduler;
  return create(optimizer, Object.fromEntries(given(choice.options)));
}

/** The lr at steps 0 .. steps - 1 (the lr each optimizer step uses), on a stand-in optimizer with `group`'s fields. */
export function scheduleCurve(choice: ScheduleChoice, steps: number, group: { lr: number; [field: string]: unknown }): number[] {
  return sampleSchedule(createScheduler(choice, { paramGroups: [{ ...group }] }), steps)[0];
}

function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'number') return Number.isInteger(value) || Math.abs(value) >= 1e-3 ? String(Number(value.toPrecision(6))) : value.toExponential();
  return String(value);
}

/** The line of TypeScript that makes this scheduler, for the explorer to show. */
export function scheduleCode(choice: ScheduleChoice): string {
  const schedule = findExplorerSchedule(choice.name);
  const set = given(choice.options);
  const options = set.length ? `, { ${set.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }` : '';
  return schedule.source === 'torch' ? `new ${schedule.name}(optimizer${options})` : `${schedule.fn}(optimizer${options})`;
}
