import { InvalidArgumentError } from '@descent/lr-schedule';
import { suggest, UsageError } from './args.js';
import { listSchedules, LR_USAGE, plotCommand, type Io } from './lr.js';
import { TRAIN_USAGE } from './train/config.js';
import { DOCTOR_USAGE } from './doctor/usage.js';

export {
  camel,
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
  unknownOptionError,
  UsageError,
  type BooleanOptionSpec,
  type ChoiceOptionSpec,
  type HelpSettings,
  type ListOptionSpec,
  type NumberOptionSpec,
  type OptionSpec,
  type OptionSpecs,
  type OptionType,
  type OptionValue,
  type OptionValues,
  type ParseResult,
  type ParseSettings,
  type StringOptionSpec,
  type UnknownOption,
} from './args.js';
export { TRAIN_OPTIONS, PRESET_VALUES, DATASETS, MODELS, OPTIMIZERS, AMP_MODES, BACKENDS, PRESETS, type TrainFlags } from './train/options.js';
export { parseTrainArgs, resolveTrainConfig, resolveScheduleSpec, describeConfig, trainHelp, TRAIN_USAGE, type TrainConfig, type ScheduleConfig } from './train/config.js';
export { listSchedules, parseSeriesSpec, plotCommand, plotHelp, PLOT_OPTIONS, resolveSchedule, LR_USAGE, type Io, type SeriesSpec } from './lr.js';
export { SCHEDULES, SCHEDULE_ALIASES, findSchedule, requiredScheduleDefaults, scheduleOptions, type ScheduleEntry } from './catalogue.js';

/** A `descent` subcommand: its words (`['lr', 'plot']`) and what runs on the arguments after them. */
export interface Command {
  words: readonly string[];
  summary: string;
  /** Runs the command on the arguments after its words. */
  run(argv: readonly string[], io: Io): Promise<void> | void;
}

/** Every subcommand; `main` dispatches on the leading words of argv. */
export const COMMANDS: Command[] = [
  {
    words: ['train'],
    summary: 'train a model on MNIST or Fashion-MNIST (any optimizer, schedule, AMP, checkpoints, resume)',
    // Loaded on use: the lr commands stay free of tfjs.
    run: async (argv, io) => (await import('./train/run.js')).trainCommand(argv, io),
  },
  { words: ['lr', 'list'], summary: 'every learning-rate schedule and its options', run: (_argv, io) => listSchedules(io) },
  { words: ['lr', 'plot'], summary: 'plot one or several schedules (terminal, SVG, PNG, JSON)', run: plotCommand },
  {
    words: ['doctor'],
    summary: 'each backend adapter (wasm, webgpu, cuda, cpu): what it found here, what is missing, how to fix it',
    run: async (argv, io) => (await import('./doctor/command.js')).doctorCommand(argv, io),
  },
];

/** The usage text of `descent` with no arguments or `--help`. */
export const USAGE = `descent: PyTorch-grade training utilities for TensorFlow.js\n\n${LR_USAGE.replace('Usage:\n', `Usage:\n  ${TRAIN_USAGE.replace('Usage: ', '')}   (descent train --help: every option)\n  ${DOCTOR_USAGE.replace('Usage: ', '')}   (what each backend adapter finds and lacks)\n`)}`;

/** The exit status for an error: 2 for bad command-line input, 1 for anything else. */
export function exitCodeOf(e: unknown): number {
  return e instanceof UsageError || e instanceof InvalidArgumentError ? 2 : 1;
}

/** Runs `descent <argv...>`; resolves to the exit code. */
export async function main(argv: readonly string[], io?: Partial<Io>): Promise<number> {
  const full: Io = {
    out: io?.out ?? ((t) => process.stdout.write(`${t}\n`)),
    err: io?.err ?? io?.out ?? ((t) => process.stderr.write(`${t}\n`)),
    writeFile: io?.writeFile ?? (async (p, d) => (await import('node:fs/promises')).writeFile(p, d)),
  };
  // The command is the words before the first flag.
  const firstFlag = argv.findIndex((a) => a.startsWith('-'));
  const words = firstFlag < 0 ? [...argv] : argv.slice(0, firstFlag);
  const command = COMMANDS.find((c) => c.words.every((w, i) => words[i] === w));
  try {
    if (command) {
      await command.run(argv.slice(command.words.length), full);
      return 0;
    }
    const help = argv.includes('--help') || argv.includes('-h');
    if (words.length === 0 || help) {
      full.out(USAGE);
      return argv.length === 0 || help ? 0 : 2;
    }
    const known = COMMANDS.map((c) => c.words.join(' '));
    const typed = words.slice(0, Math.max(...COMMANDS.map((c) => c.words.length))).join(' ');
    const near = suggest(typed, known);
    throw new UsageError(`unknown command ${JSON.stringify(typed)}: ${near ? `did you mean "descent ${near}"? ` : ''}expected one of ${known.map((k) => `descent ${k}`).join(', ')}`);
  } catch (e) {
    full.err!(`descent: ${(e as Error).message}`);
    return exitCodeOf(e);
  }
}
