// From a command line to a complete, validated training configuration: defaults,
// then the model's recipe, then a preset, then the flags given (a resumed run's
// saved flags first, this command line's over them). Pure: no tfjs, no files.
import { InvalidArgumentError, type ParamGroup } from '@descent/lr-schedule';
import { findOption, formatHelp, kebab, parseOptions, suggest, UsageError } from '../args.js';
import { findSchedule, requiredScheduleDefaults, SCHEDULE_ALIASES, SCHEDULES, scheduleOptions, type ScheduleEntry } from '../catalogue.js';
import { parseSeriesSpec } from '../lr.js';
import {
  DATASETS,
  DEFAULT_LR,
  DEFAULT_WEIGHT_DECAY,
  PRESET_VALUES,
  TRAIN_OPTIONS,
  type AmpMode,
  type BackendName,
  type DatasetName,
  type ModelName,
  type OptimizerName,
  type PresetName,
  type TrainFlags,
  RECIPES,
} from './options.js';

/** Training-set and test-set sizes (MNIST and Fashion-MNIST alike). */
export const DATASET_SIZES: Record<DatasetName, { train: number; test: number }> = {
  mnist: { train: 60_000, test: 10_000 },
  'fashion-mnist': { train: 60_000, test: 10_000 },
};

const scheduleNames = () => [...SCHEDULES.map((e) => e.name), 'none'];

/** The learning-rate schedule a `descent train` run uses. */
export interface ScheduleConfig {
  /** The catalogue's name (`cosine`, `StepLR`, `reduce_lr_on_plateau`, ...). */
  name: string;
  /** Every option passed to the scheduler (camelCase). */
  options: Record<string, unknown>;
  interval: 'step' | 'epoch';
}

/** Everything a `descent train` run uses, resolved from its flags, preset and recipe. */
export interface TrainConfig {
  dataset: DatasetName;
  model: ModelName;
  preset: PresetName | null;
  optimizer: OptimizerName;
  lr: number;
  weightDecay: number;
  /** sgd and rmsprop only. */
  momentum: number | null;
  schedule: ScheduleConfig | null;
  /** Standardize the pixels (after scaling them to [0, 1]). */
  normalize: boolean;
  /** As given: steps, or a fraction if < 1. */
  warmup: number;
  /** The warmup in scheduler steps (what the schedule got), 0 when it has none. */
  warmupSteps: number;
  epochs: number;
  batchSize: number;
  amp: AmpMode;
  gradAccum: number;
  maxGradNorm: number | null;
  /** null: the default (wasm, cpu fallback). */
  backend: BackendName | null;
  seed: number;
  /** Training samples used (the first N). */
  samples: number;
  stepsPerEpoch: number;
  totalSteps: number;
  saveSteps: number | null;
  keepLast: number;
  loggingSteps: number;
}

/** Flags that describe the run itself (saved with it, restored on --resume); the rest only steer this command. */
export const RUN_FLAGS = [
  'dataset', 'model', 'preset', 'optimizer', 'lr', 'weightDecay', 'momentum', 'schedule', 'scheduleInterval', 'warmup', 'normalize', 'epochs', 'batchSize',
  'amp', 'gradAccum', 'maxGradNorm', 'backend', 'seed', 'samples', 'saveSteps', 'keepLast', 'loggingSteps',
] as const satisfies ReadonlyArray<keyof TrainFlags>;
export type RunFlags = Partial<Pick<TrainFlags, (typeof RUN_FLAGS)[number]>>;

/** The usage line of `descent train`. */
export const TRAIN_USAGE = 'Usage: descent train [mnist|fashion-mnist] [options]';

/** `descent train --help`: the usage and every option with its default. */
export function trainHelp(): string {
  return formatHelp(TRAIN_OPTIONS, {
    usage: TRAIN_USAGE,
    description:
      'Trains a model on MNIST or Fashion-MNIST with @descent/trainer: progress as it goes, the test accuracy at\n' +
      'the end, and a run directory (--out) with metrics.jsonl/.csv, checkpoints, plots and model.safetensors.\n' +
      'Default recipe: a 784-256-10 MLP, AdamW, cosine schedule with warmup stepped per step, 3 epochs (5 on fashion-mnist).',
    footer:
      'Examples:\n' +
      '  descent train mnist                                   # the default recipe (>= 98% test accuracy)\n' +
      '  descent train fashion-mnist --model cnn\n' +
      '  descent train mnist --preset seed                     # PyTorch\'s AMP MNIST recipe\n' +
      '  descent train mnist --optimizer sgd --lr 0.05 --schedule OneCycleLR --epochs 2\n' +
      '  descent train mnist --save-steps 100 --out runs/a     # then, after a crash: descent train --resume --out runs/a\n' +
      '  descent train mnist --find-lr                         # LR range test: prints a suggestion, writes lr_find.svg',
  });
}

/**
 * `--resume` takes an optional value: bare (last, or before another flag, or
 * before a dataset name that is not a directory) it means the latest checkpoint.
 */
export function normalizeResume(argv: readonly string[], isDir: (p: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--resume') {
      const next = argv[i + 1];
      const bare = next === undefined || next.startsWith('-') || ((DATASETS as readonly string[]).includes(next) && !isDir(next));
      if (bare) {
        out.push('--resume=latest');
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

export interface ParsedTrainArgs {
  flags: TrainFlags;
  /** The flags given on this command line, with their values (the dataset positional as `dataset`). */
  given: RunFlags & Partial<TrainFlags>;
  help: boolean;
}

/** Parses `descent train`'s arguments (after `train`). */
export function parseTrainArgs(argv: readonly string[], isDir?: (p: string) => boolean): ParsedTrainArgs {
  const { values, positional, given, help } = parseOptions(TRAIN_OPTIONS, normalizeResume(argv, isDir), { command: 'descent train', positionals: 1 });
  const flags = { ...values };
  const out: Record<string, unknown> = {};
  for (const k of given) out[k] = values[k];
  const ds = positional[0];
  if (ds !== undefined) {
    if (!(DATASETS as readonly string[]).includes(ds)) {
      const near = suggest(ds, DATASETS);
      throw new UsageError(`descent train: unknown dataset ${JSON.stringify(ds)}: ${near ? `did you mean ${JSON.stringify(near)}? ` : ''}expected one of ${DATASETS.join(', ')}`);
    }
    if (given.has('dataset') && values.dataset !== ds) throw new UsageError(`descent train: the dataset is given twice: ${ds} and --dataset ${values.dataset}`);
    flags.dataset = ds as DatasetName;
    out.dataset = ds;
  }
  return { flags, given: out as ParsedTrainArgs['given'], help };
}

/** The schedule entry for a name, with a UsageError that lists every valid name (none included). */
function scheduleEntry(name: string): ScheduleEntry {
  const found = findSchedule(name);
  if (found) return found;
  const names = scheduleNames();
  const near = suggest(name, [...names, ...Object.keys(SCHEDULE_ALIASES), 'ReduceLROnPlateau']);
  throw new UsageError(`invalid value ${JSON.stringify(name)} for --schedule: ${near ? `did you mean ${JSON.stringify(near)}? ` : ''}expected one of ${names.join(', ')}`);
}

const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/** What a stand-in for the optimizer's param group needs for CyclicLR's and OneCycleLR's momentum cycling. */
function momentumOf(optimizer: OptimizerName | undefined): Partial<ParamGroup> {
  if (optimizer === 'sgd' || optimizer === 'rmsprop') return { momentum: 0.9 };
  if (optimizer === 'adagrad' || optimizer === 'adadelta' || optimizer === 'asgd' || optimizer === 'rprop' || optimizer === 'adafactor') return {};
  return { betas: [0.9, 0.999] };
}
// torch's schedulers that count epochs; transformers' schedules, OneCycleLR and CyclicLR count steps.
const STEP_SCHEDULES = new Set(['OneCycleLR', 'CyclicLR']);

/**
 * The schedule of a `--schedule` spec: its options filled in from the run
 * (total length, warmup, OneCycleLR's and CyclicLR's peak = --lr) unless given after the name.
 */
export function resolveScheduleSpec(
  spec: string,
  run: { lr: number; optimizer?: OptimizerName; totalSteps: number; epochs: number; warmup: number; warmupGiven: boolean; interval?: 'step' | 'epoch' },
): { schedule: ScheduleConfig | null; warmupSteps: number } {
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const noWarmup = (what: string) => {
    if (run.warmupGiven && run.warmup > 0) throw new UsageError(`--warmup: ${what} has no warmup; pick a schedule with one (cosine, linear, constant_with_warmup, ...) or drop --warmup`);
  };
  if (norm(name) === 'none') {
    if (colon >= 0) throw new UsageError('--schedule none takes no options');
    noWarmup('--schedule none');
    return { schedule: null, warmupSteps: 0 };
  }
  const entry = scheduleEntry(name);
  if (entry.metric) {
    if (colon >= 0) throw new UsageError(`--schedule ${entry.name} takes no options here (torch's defaults: factor 0.1, patience 10, on the test loss at each epoch's end)`);
    noWarmup(entry.name);
    return { schedule: { name: entry.name, options: {}, interval: 'epoch' }, warmupSteps: 0 };
  }
  const series = parseSeriesSpec(colon < 0 ? entry.name : `${entry.name}${spec.slice(colon)}`, { lr: run.lr });
  const interval = run.interval ?? (entry.source === 'transformers' || STEP_SCHEDULES.has(entry.name) ? 'step' : 'epoch');
  const length = interval === 'step' ? run.totalSteps : run.epochs;
  const options: Record<string, unknown> = { ...requiredScheduleDefaults(entry) };
  let warmupSteps = 0;
  if (entry.warmup) {
    warmupSteps = run.warmup < 1 ? Math.ceil(run.warmup * length) : Math.round(run.warmup);
    options[entry.warmup] = warmupSteps;
  } else {
    noWarmup(entry.name);
  }
  if (entry.total) options[entry.total] = length;
  if (entry.name === 'OneCycleLR') options.maxLr = run.lr;
  if (entry.name === 'CyclicLR') Object.assign(options, { maxLr: run.lr, baseLr: run.lr / 10 });
  // Their momentum cycling needs a momentum or betas: Adagrad and Adadelta have neither.
  if (STEP_SCHEDULES.has(entry.name) && Object.keys(momentumOf(run.optimizer)).length === 0) options.cycleMomentum = false;
  // transformers' WSD needs its decay length: the last 10% of the schedule unless given.
  if (entry.name === 'warmup_stable_decay') options.numDecaySteps = Math.ceil(0.1 * length);
  Object.assign(options, series.options);
  if (entry.warmup && typeof options[entry.warmup] === 'number') warmupSteps = options[entry.warmup] as number;
  // Built once on a stand-in optimizer, so that a bad combination fails here, before any data is loaded.
  try {
    const group: ParamGroup = { lr: run.lr, ...momentumOf(run.optimizer) };
    entry.create({ paramGroups: [group], defaults: { ...group } }, options);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    const hint = findOption(scheduleOptions(entry), e.parameter) ? ` (${entry.name}:${kebab(e.parameter)}=...)` : '';
    throw new UsageError(`--schedule ${spec}: ${e.message}${hint}`);
  }
  return { schedule: { name: entry.name, options, interval }, warmupSteps };
}

/** The full configuration of `flags` (defaults filled), with `given` saying which were explicit. */
export function resolveTrainConfig(given: RunFlags): TrainConfig {
  const preset = given.preset ?? null;
  const p = preset ? PRESET_VALUES[preset] : {};
  const model: ModelName = given.model ?? p.model ?? 'mlp';
  const recipe = RECIPES[model];
  const pick = <K extends keyof typeof p & keyof RunFlags>(k: K, fallback: NonNullable<RunFlags[K]>): NonNullable<RunFlags[K]> =>
    (given[k] ?? p[k] ?? fallback) as NonNullable<RunFlags[K]>;
  const optimizer = pick('optimizer', recipe.optimizer);
  // The recipe's lr and weight decay go with its optimizer; another optimizer gets torch's defaults.
  const same = optimizer === (p.optimizer ?? recipe.optimizer);
  const lr = pick('lr', same ? (p.lr ?? recipe.lr) : DEFAULT_LR[optimizer]);
  const weightDecay = pick('weightDecay', same ? (p.weightDecay ?? recipe.weightDecay) : DEFAULT_WEIGHT_DECAY[optimizer]);
  if (optimizer === 'rprop' && given.weightDecay !== undefined && given.weightDecay !== 0) throw new UsageError(`--weight-decay: rprop has no weight decay (torch.optim.Rprop takes none), got ${given.weightDecay}`);
  if (given.momentum !== undefined && optimizer !== 'sgd' && optimizer !== 'rmsprop') throw new UsageError(`--momentum is for sgd and rmsprop, not ${optimizer}`);
  const momentum = optimizer === 'sgd' ? (given.momentum ?? 0.9) : optimizer === 'rmsprop' ? (given.momentum ?? 0) : null;
  if (!(lr > 0)) throw new UsageError(`--lr must be positive, got ${lr}`);
  const dataset = given.dataset ?? 'mnist';
  const epochs = pick('epochs', recipe.epochs[dataset]);
  const batchSize = pick('batchSize', recipe.batchSize);
  const gradAccum = given.gradAccum ?? 1;
  const samples = Math.min(given.samples ?? DATASET_SIZES[dataset].train, DATASET_SIZES[dataset].train);
  const stepsPerEpoch = Math.ceil(Math.ceil(samples / batchSize) / gradAccum);
  const totalSteps = stepsPerEpoch * epochs;
  const warmupGiven = given.warmup !== undefined;
  const warmup = pick('warmup', recipe.warmup);
  // Schedule-free AdamW needs no schedule: unless one is asked for, none, and the warmup is the optimizer's own.
  const scheduleFree = optimizer === 'schedule-free-adamw' && given.schedule === undefined && p.schedule === undefined;
  const { schedule, warmupSteps } = scheduleFree
    ? { schedule: null, warmupSteps: warmup < 1 ? Math.ceil(warmup * totalSteps) : Math.round(warmup) }
    : resolveScheduleSpec(pick('schedule', recipe.schedule), {
        lr,
        optimizer,
        totalSteps,
        epochs,
        warmup,
        warmupGiven,
        interval: given.scheduleInterval ?? p.scheduleInterval,
      });
  const maxGradNorm = given.maxGradNorm ?? p.maxGradNorm ?? null;
  if (maxGradNorm !== null && !(maxGradNorm > 0)) throw new UsageError(`--max-grad-norm must be positive, got ${maxGradNorm}`);
  return {
    dataset,
    model,
    preset,
    optimizer,
    lr,
    weightDecay,
    momentum,
    schedule,
    normalize: pick('normalize', true),
    warmup,
    warmupSteps,
    epochs,
    batchSize,
    amp: pick('amp', 'off'),
    gradAccum,
    maxGradNorm,
    backend: given.backend ?? null,
    seed: given.seed ?? 0,
    samples,
    stepsPerEpoch,
    totalSteps,
    saveSteps: given.saveSteps ?? null,
    keepLast: given.keepLast ?? 3,
    loggingSteps: given.loggingSteps ?? 50,
  };
}

const fmt = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : Array.isArray(v) ? v.join(',') : String(v));

/** One line per part of the configuration, for the start of a run and `--dry-run`. */
export function describeConfig(c: TrainConfig): string[] {
  const s = c.schedule;
  const sched = s
    ? `${s.name}${Object.keys(s.options).length ? ` (${Object.entries(s.options).map(([k, v]) => `${kebab(k)}=${fmt(v)}`).join(' ')})` : ''}, stepped per ${s.interval}`
    : 'none (constant lr)';
  const ownWarmup = c.optimizer === 'schedule-free-adamw' && !s && c.warmupSteps > 0 ? [`warmup ${c.warmupSteps} steps`] : [];
  const opt = [`lr ${fmt(c.lr)}`, `weight decay ${fmt(c.weightDecay)}`, ...(c.momentum !== null ? [`momentum ${fmt(c.momentum)}`] : []), ...ownWarmup].join(', ');
  return [
    `data:      ${c.dataset}${c.normalize ? '' : ' (pixels in [0, 1], not standardized)'}, ${c.samples} training samples, batch ${c.batchSize}${c.gradAccum > 1 ? ` x ${c.gradAccum} accumulated` : ''}, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'} (${c.totalSteps} steps)`,
    `model:     ${c.model}${c.preset ? ` (preset ${c.preset})` : ''}`,
    `optimizer: ${c.optimizer}, ${opt}${c.maxGradNorm !== null ? `, grad norm clipped to ${fmt(c.maxGradNorm)}` : ''}`,
    `schedule:  ${sched}`,
    `amp:       ${c.amp}, seed ${c.seed}`,
  ];
}
