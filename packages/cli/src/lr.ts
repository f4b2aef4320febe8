import { InvalidArgumentError, plotSchedule, sampleSchedule, type OptimizerLike, type ParamGroup } from '@descent/lr-schedule';
import {
  defineOptions,
  findOption,
  flagOf,
  formatHelp,
  formatOptions,
  kebab,
  optionFlags,
  parseOptions,
  parseOptionValue,
  suggest,
  UsageError,
  type OptionSpec,
  type OptionSpecs,
} from './args.js';
import { findSchedule, requiredScheduleDefaults, SCHEDULE_ALIASES, SCHEDULES, scheduleOptions, type ScheduleEntry } from './catalogue.js';

/**
 * Where a command writes: its output, its errors and its files (the console and the file system by default; tests pass their own).
 */
export interface Io {
  /** Writes a line of output. */
  out(text: string): void;
  /** Errors; default: `out` when that was given, else stderr. */
  err?(text: string): void;
  /** Writes a file (`--out`). */
  writeFile(path: string, data: string | Uint8Array): Promise<void> | void;
}

/** `descent lr plot`'s own flags; every other flag is an option of the schedules. */
export const PLOT_OPTIONS = defineOptions({
  warmup: { type: 'int', metavar: 'N', help: "sets the schedule's warmup option (num-warmup-steps)" },
  total: { type: 'int', metavar: 'N', help: "sets the schedule's length option (num-training-steps, t-max, total-iters or total-steps)" },
  lr: { type: 'number', default: 1, metavar: 'LR', help: "the optimizer's lr (1 shows the multiplier)" },
  steps: { type: 'int', min: 1, metavar: 'N', help: 'points to plot, steps 0 to N - 1 (default: the longest --total, else 100)' },
  out: { type: 'string', metavar: 'FILE', help: 'write FILE.svg or FILE.png instead of drawing in the terminal' },
  json: { type: 'boolean', help: 'print the values as JSON' },
  title: { type: 'string', help: 'chart title (default: the schedule and its options)' },
  width: { type: 'int', min: 1, default: 640, metavar: 'PX', help: 'SVG/PNG width' },
  height: { type: 'int', min: 1, default: 360, metavar: 'PX', help: 'SVG/PNG height' },
  columns: { type: 'int', min: 8, default: 64, metavar: 'N', help: 'terminal chart width' },
  rows: { type: 'int', min: 2, default: 16, metavar: 'N', help: 'terminal chart height' },
});

// Every schedule's options, without defaults: parsing only records what was given.
const ALL_SCHEDULE_OPTIONS: OptionSpecs = Object.fromEntries(
  SCHEDULES.flatMap((e) => Object.entries(scheduleOptions(e))).map(([k, s]) => [k, { ...s, default: undefined }]),
);
const PARSE_OPTIONS = { ...ALL_SCHEDULE_OPTIONS, ...PLOT_OPTIONS };

const ALIAS_NAMES = Object.keys(SCHEDULE_ALIASES);

/** findSchedule, with a UsageError that suggests and lists the names. */
export function resolveSchedule(name: string): ScheduleEntry {
  const found = findSchedule(name);
  if (found) return found;
  // What lr plot can draw: not the metric-driven ones.
  const names = SCHEDULES.filter((x) => !x.metric).map((x) => x.name);
  const near = suggest(name, [...names, ...ALIAS_NAMES]);
  throw new UsageError(
    `unknown schedule ${JSON.stringify(name)}: ${near ? `did you mean ${JSON.stringify(near)}? ` : ''}expected one of ${names.join(', ')} ` +
      `(or ${ALIAS_NAMES.slice(0, 3).join(', ')}; \`descent lr list\` describes them)`,
  );
}

const fmt = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));

/** The usage text of `descent lr`. */
export const LR_USAGE = `Usage:
  descent lr list
  descent lr plot SCHEDULE [SCHEDULE ...] [--OPTION VALUE ...]

  A SCHEDULE is a name (descent lr list shows them), optionally with its own
  options: NAME:OPTION=VALUE,OPTION=VALUE (StepLR:step-size=30,gamma=0.1,
  cosine:warmup=100, MultiStepLR:milestones=30,80). --OPTION VALUE flags apply
  to every schedule that has the option. Several schedules are overlaid in one
  chart with a legend. descent lr plot --help lists the plot options.`;

/** `descent lr list`: every schedule of the catalogue, torch's then transformers', with its options and defaults. */
export function listSchedules(io: Io): void {
  const w = Math.max(...SCHEDULES.map((e) => e.name.length));
  for (const source of ['torch', 'transformers'] as const) {
    io.out(source === 'torch' ? 'torch.optim.lr_scheduler:' : 'transformers (get_scheduler names):');
    for (const e of SCHEDULES.filter((x) => x.source === source)) {
      const opts = Object.entries(e.options)
        .map(([k, v]) => (v === undefined ? kebab(k) : `${kebab(k)}=${fmt(v)}`))
        .join(' ');
      // The catalogue's descriptions name options in camelCase.
      const keys = Object.keys(e.options);
      const description = e.description.replace(/\b[a-z]+[A-Z][A-Za-z]*\b/g, (word) => (keys.includes(word) ? kebab(word) : word));
      io.out(`  ${e.name.padEnd(w)}  ${description}${opts ? `  [${opts}]` : ''}`);
    }
  }
  io.out(`Aliases: ${ALIAS_NAMES.join(', ')}. Names ignore case, "_" and "-".`);
  io.out('Options go as flags (--step-size 10) or after the name (StepLR:step-size=10,gamma=0.5).');
}

/** The `--help` of `descent lr plot`, with the options of the schedules named in `argv`. */
export function plotHelp(entries: ScheduleEntry[] = []): string {
  const sections = entries.map((e) => `${e.name} options:\n${formatOptions(scheduleOptions(e)) || '  (none)'}`);
  return formatHelp(PLOT_OPTIONS, {
    usage: 'Usage: descent lr plot SCHEDULE[:OPTION=VALUE,...] [SCHEDULE ...] [--OPTION VALUE ...]',
    description:
      'Plots learning-rate schedules: in the terminal, or to --out FILE.svg / FILE.png.\n' +
      'Several schedules are overlaid, each with its own color, dash and glyph, and a legend.\n' +
      'Options of a schedule go after its name (StepLR:step-size=30,gamma=0.1, cosine:warmup=100)\n' +
      'or as flags (--step-size 30), which apply to every schedule that has the option;\n' +
      'warmup=, total= and lr= work after a name too. camelCase flags (--stepSize) are accepted.',
    heading: 'Plot options:',
    footer: [...sections, entries.length ? '' : 'descent lr plot NAME --help lists the options of NAME; descent lr list shows every schedule.'].filter(Boolean).join('\n\n'),
  });
}

/** One series: a schedule and the options it was given, in the order given. */
export interface SeriesSpec {
  entry: ScheduleEntry;
  /** Scheduler options by camelCase name. */
  options: Record<string, unknown>;
  /** The optimizer lr. */
  lr: number;
  /** For labels: by the option set, [as the user spelled it (kebab-case), value]. */
  shown: Map<string, [string, string]>;
  /** The options (camelCase, or `lr`) set after the name, which flags do not override. */
  inline: Set<string>;
}

const SERIES_KEYS = defineOptions({ warmup: PLOT_OPTIONS.warmup, total: PLOT_OPTIONS.total, lr: PLOT_OPTIONS.lr });

function setWarmupOrTotal(s: SeriesSpec, which: 'warmup' | 'total', value: number, where: string): void {
  const target = s.entry[which];
  if (!target) throw new UsageError(`${s.entry.name} has no ${which === 'warmup' ? 'warmup' : 'total-length'} option${where}`);
  s.options[target] = value;
  s.shown.set(target, [which, fmt(value)]);
}

/**
 * Parses one positional `NAME[:OPTION=VALUE,...]`. Values may hold commas
 * (`milestones=30,80,gamma=0.5`): a piece without `=` continues the previous
 * value, or is a bare boolean (`OneCycleLR:three-phase`).
 */
export function parseSeriesSpec(text: string, defaults: { lr: number } = { lr: 1 }): SeriesSpec {
  const colon = text.indexOf(':');
  const entry = resolveSchedule(colon < 0 ? text : text.slice(0, colon));
  const s: SeriesSpec = { entry, options: {}, lr: defaults.lr, shown: new Map(), inline: new Set() };
  if (colon < 0) return s;
  const specs = scheduleOptions(entry);
  const pairs: [string, string | undefined][] = [];
  for (const piece of text.slice(colon + 1).split(',')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const last = pairs[pairs.length - 1];
    if (eq < 0 && last && last[1] !== undefined) {
      const k = findOption(specs, last[0]);
      if (k && (specs[k]!.type === 'numbers' || specs[k]!.type === 'ints')) {
        last[1] += `,${piece}`;
        continue;
      }
    }
    pairs.push(eq < 0 ? [piece, undefined] : [piece.slice(0, eq), piece.slice(eq + 1)]);
  }
  for (const [spelled, raw] of pairs) {
    const name = `${spelled} in ${JSON.stringify(text)}`;
    const own = findOption(SERIES_KEYS, spelled);
    if (own) {
      if (raw === undefined) throw new UsageError(`${name} needs a value: ${spelled}=N`);
      const v = parseOptionValue(SERIES_KEYS[own], raw, name);
      if (own === 'lr') (s.lr = v), s.shown.set('lr', ['lr', fmt(v)]), s.inline.add('lr');
      else setWarmupOrTotal(s, own, v, ` (${name})`), s.inline.add(entry[own]!);
      continue;
    }
    const key = findOption(specs, spelled);
    if (key === undefined) {
      const valid = [...optionFlags(specs), ...(entry.warmup ? ['warmup'] : []), ...(entry.total ? ['total'] : []), 'lr'];
      const near = suggest(spelled, valid);
      throw new UsageError(`${entry.name} has no option ${JSON.stringify(spelled)}: ${near ? `did you mean ${near}? ` : ''}expected one of ${valid.join(', ')}`);
    }
    const spec = specs[key]!;
    if (raw === undefined && spec.type !== 'boolean') throw new UsageError(`${name} needs a value: ${flagOf(key, spec)}=VALUE`);
    const v = raw === undefined ? true : parseOptionValue(spec, raw, name);
    s.options[key] = v;
    s.shown.set(key, [flagOf(key, spec), fmt(v)]);
    s.inline.add(key);
  }
  return s;
}

const labelOf = (s: SeriesSpec, skip: Set<string> = new Set()) =>
  [s.entry.name, ...[...s.shown].filter(([k, [, v]]) => !skip.has(`${k}=${v}`)).map(([, [f, v]]) => `${f}=${v}`)].join(' ');

function createScheduler(s: SeriesSpec, label: string) {
  const paramGroups: ParamGroup[] = [{ lr: s.lr, momentum: 0.9 }];
  const optimizer: OptimizerLike = { paramGroups, defaults: { lr: s.lr, momentum: 0.9 } };
  try {
    return s.entry.create(optimizer, { ...requiredScheduleDefaults(s.entry), ...s.options });
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    const flag = kebab(e.parameter);
    const hint = flag !== e.parameter && findOption(scheduleOptions(s.entry), e.parameter) ? ` (--${flag})` : '';
    throw new InvalidArgumentError(e.parameter, e.value, `${label}: ${e.message}${hint}`);
  }
}

/** `descent lr plot ...` (argv after `plot`). */
export async function plotCommand(argv: readonly string[], io: Io): Promise<void> {
  const { values: f, positional, given, help, unknown } = parseOptions(PARSE_OPTIONS, argv, { command: 'descent lr plot', unknown: 'collect' });
  const named = () => positional.flatMap((p) => {
    try {
      return [resolveSchedule(p.split(':')[0]!)];
    } catch {
      return [];
    }
  });
  if (help) {
    io.out(plotHelp(named()));
    return;
  }
  if (unknown.length > 0) {
    const valid = [...optionFlags(PLOT_OPTIONS), ...new Set(named().flatMap((e) => optionFlags(scheduleOptions(e))))];
    const near = suggest(unknown[0]!.flag, valid);
    throw new UsageError(`unknown option --${unknown[0]!.flag}: ${near ? `did you mean --${near}? ` : ''}expected one of ${valid.map((x) => `--${x}`).join(', ')}`);
  }
  if (positional.length === 0) throw new UsageError(`descent lr plot: which schedule?\n${LR_USAGE}`);
  const lr = f.lr;
  const series = positional.map((p) => parseSeriesSpec(p, { lr }));
  const metric = series.find((s) => s.entry.metric);
  if (metric) throw new UsageError(`${metric.entry.name} steps on a metric (the validation loss), not on a count: it has no schedule to plot; descent train --schedule ${metric.entry.name} uses it`);
  // Flags: schedule options go to every series that has them (inline options win).
  const names = series.map((s) => s.entry.name).filter((n, i, a) => a.indexOf(n) === i);
  for (const key of given) {
    if (key in PLOT_OPTIONS) continue;
    const spec = PARSE_OPTIONS[key]!;
    const takers = series.filter((s) => key in scheduleOptions(s.entry));
    if (takers.length === 0) {
      const own = [...new Set(series.flatMap((s) => optionFlags(scheduleOptions(s.entry))))];
      const extra = (['warmup', 'total'] as const).filter((w) => series.some((s) => s.entry[w])).map((w) => `--${w}`);
      throw new UsageError(
        `--${flagOf(key, spec)} is not an option of ${names.join(' or ')}: ${own.length ? `expected one of ${own.map((x) => `--${x}`).join(', ')}` : 'it takes no options'}` +
          `${extra.length ? ` (or ${extra.join(', ')})` : ''}`,
      );
    }
    const v = (f as Record<string, unknown>)[key];
    for (const s of takers) if (!s.inline.has(key)) (s.options[key] = v), s.shown.set(key, [flagOf(key, spec), fmt(v)]);
  }
  for (const which of ['warmup', 'total'] as const) {
    const v = f[which];
    if (v === undefined) continue;
    const takers = series.filter((s) => s.entry[which]);
    if (takers.length === 0) {
      throw new UsageError(
        series.length === 1
          ? `${series[0]!.entry.name} has no ${which === 'warmup' ? 'warmup' : 'total-length'} option`
          : `none of ${names.join(', ')} has a ${which === 'warmup' ? 'warmup' : 'total-length'} option`,
      );
    }
    for (const s of takers) if (!s.inline.has(s.entry[which]!)) setWarmupOrTotal(s, which, v, '');
  }
  if (given.has('lr')) for (const s of series) if (!s.inline.has('lr')) s.shown.set('lr', ['lr', fmt(lr)]);

  // Labels: what distinguishes the series; what they share goes in the title.
  const keyed = series.map((s) => new Set([...s.shown].map(([k, [, v]]) => `${k}=${v}`)));
  const common = new Set([...keyed[0]!].filter((x) => series.length > 1 && keyed.every((k) => k.has(x))));
  let labels = series.map((s) => labelOf(s, common));
  labels = labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l} #${labels.slice(0, i + 1).filter((x) => x === l).length}` : l));
  const sharedText = [...series[0]!.shown].filter(([k, [, v]]) => common.has(`${k}=${v}`)).map(([, [fl, v]]) => `${fl}=${v}`).join(' ');
  const title = f.title ?? (series.length === 1 ? labels[0] : sharedText || undefined);

  const totals = series.map((s) => (s.entry.total ? s.options[s.entry.total] : undefined)).filter((t): t is number => typeof t === 'number');
  const steps = f.steps ?? (totals.length ? Math.max(...totals) : 100);
  const values = series.map((s, i) => sampleSchedule(createScheduler(s, labels[i]!), steps)[0]!);
  const plot = plotSchedule(values, { title, labels, width: f.width, height: f.height, columns: f.columns, rows: f.rows });
  if (f.json) io.out(JSON.stringify(series.length === 1 ? values[0] : values.map((v, i) => ({ label: labels[i], values: v }))));
  const out = f.out;
  if (out?.toLowerCase().endsWith('.png')) {
    const { svgToPng } = await import('@descent/lr-schedule/plot-png');
    await io.writeFile(out, await svgToPng(plot.svg));
    io.out(`wrote ${out}`);
  } else if (out) {
    await io.writeFile(out, plot.svg);
    io.out(`wrote ${out}`);
  } else if (!f.json) {
    io.out(plot.terminal);
  }
}
