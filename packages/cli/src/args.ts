// Typed command-line options, shared by every `descent` subcommand.
//
//   const OPTIONS = defineOptions({
//     epochs: { type: 'int', default: 10, min: 1, help: 'passes over the data' },
//     backend: { type: 'choice', choices: ['wasm', 'webgpu', 'cpu'], default: 'wasm', help: 'tfjs backend' },
//     out: { type: 'string', metavar: 'DIR', help: 'where checkpoints go' },
//   });
//   const { values, positional, help } = parseOptions(OPTIONS, argv, { command: 'descent train' });
//   values.epochs;  // number
//   values.backend; // 'wasm' | 'webgpu' | 'cpu'
//   values.out;     // string | undefined
//   if (help) io.out(formatHelp(OPTIONS, { usage: 'descent train [options]' }));
//
// Option keys are camelCase; the flag is their kebab-case (`stepSize` -> `--step-size`),
// and the camelCase spelling (`--stepSize`) is accepted as an alias. Bad flags and
// values throw UsageError with the valid choices and, for near misses, a suggestion.

// The error classes of @descent/lr-schedule, which loads no tfjs (core's, the same identity).
import { brandErrorClass, DescentError } from '@descent/lr-schedule';

/**
 * The value types a command-line option can have: `number`/`int`, `string`, `boolean`, `choice`, and comma-separated `numbers`/`ints`.
 */
export type OptionType = 'number' | 'int' | 'string' | 'boolean' | 'choice' | 'numbers' | 'ints';

interface OptionBase {
  /** The flag without `--`. Default: the key in kebab-case. */
  flag?: string;
  /** More accepted spellings, without `--` (the camelCase key is always accepted). */
  aliases?: readonly string[];
  help?: string;
  /** The value's placeholder in help (`--out FILE`). Default from the type. */
  metavar?: string;
  /** Fail when the option is not given. */
  required?: boolean;
  /** Accepted but left out of help. */
  hidden?: boolean;
}

/** A numeric option (`--lr 3e-4`, `--epochs 5`). */
export interface NumberOptionSpec extends OptionBase {
  /** `number`: any finite number (`1e-3`, `-2`); `int`: an integer. */
  type: 'number' | 'int';
  default?: number;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
}
/** A free-text option (`--out FILE`). */
export interface StringOptionSpec extends OptionBase {
  type: 'string';
  default?: string;
}
/** A flag (`--resume`, `--no-plots`). */
export interface BooleanOptionSpec extends OptionBase {
  /** `--x`, `--x=true|false`, `--x true|false`, `--no-x`. */
  type: 'boolean';
  default?: boolean;
}
/** An option with a fixed set of values (`--model mlp`); a near miss is suggested. */
export interface ChoiceOptionSpec<C extends string = string> extends OptionBase {
  type: 'choice';
  choices: readonly C[];
  default?: C;
}
/** A comma-separated list of numbers (`--milestones 30,80`). */
export interface ListOptionSpec extends OptionBase {
  /** Comma-separated: `--milestones 30,80`. */
  type: 'numbers' | 'ints';
  default?: readonly number[];
}

/** One option's spec: its type, default, flag, aliases and help. */
export type OptionSpec = NumberOptionSpec | StringOptionSpec | BooleanOptionSpec | ChoiceOptionSpec | ListOptionSpec;
/** A command's options by key (camelCase); {@link defineOptions} keeps their literal types. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The parsed type of one option. */
export type OptionValue<S extends OptionSpec> = S extends { type: 'choice'; choices: readonly (infer C)[] }
  ? C
  : S extends { type: 'number' | 'int' }
    ? number
    : S extends { type: 'string' }
      ? string
      : S extends { type: 'boolean' }
        ? boolean
        : number[];

/** What parseOptions returns: options with a default or `required` are always set. */
export type OptionValues<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends { default: unknown } | { required: true } ? OptionValue<S[K]> : OptionValue<S[K]> | undefined;
};

/** Bad command-line input; `descent` prints the message and exits with status 2. */
export class UsageError extends DescentError {
  override name = 'UsageError';
  static {
    brandErrorClass(this, 'UsageError');
  }
  readonly exitCode = 2;
}

/** Identity, for inference: `choices` keep their literal types. */
export function defineOptions<const S extends OptionSpecs>(specs: S): S {
  return specs;
}

/** `stepSize` -> `step-size`, `tMax` -> `t-max`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `step-size` -> `stepSize`. */
export function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The flag of option `key`, without `--`: `spec.flag`, or the key in kebab-case. */
export const flagOf = (key: string, spec: OptionSpec): string => spec.flag ?? kebab(key);

/** The option a spelling (without `--`) names: its flag, its camelCase key, an alias, or anything whose camelCase is the key. */
export function findOption<S extends OptionSpecs>(specs: S, spelling: string): (keyof S & string) | undefined {
  for (const [key, spec] of Object.entries(specs)) {
    if (spelling === flagOf(key, spec) || spelling === key || camel(spelling) === key || spec.aliases?.includes(spelling)) return key;
  }
  return undefined;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The candidate closest to `input` when it is close enough to be a typo
 * (case, `-` and `_` ignored; about one edit in three characters), else undefined.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const a = squash(input);
  let best: string | undefined;
  let bestD = Infinity;
  let bestRaw = Infinity;
  for (const c of candidates) {
    const b = squash(c);
    const dist = distance(a, b);
    // A prefix (`--warm` for `--warmup`) also counts as close; ties go to the nearer spelling.
    const d = b.startsWith(a) && a.length >= 3 ? Math.min(dist, 1) : dist;
    if (d < bestD || (d === bestD && dist < bestRaw)) (best = c), (bestD = d), (bestRaw = dist);
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(Math.min(a.length, squash(best).length) / 3)) ? best : undefined;
}

const quote = (s: string) => JSON.stringify(s);

/**
 * Converts one raw value for an option; `name` is how messages name it (`--step-size`).
 * Throws UsageError naming the expected type, or listing the choices.
 */
export function parseOptionValue<S extends OptionSpec>(spec: S, raw: string, name: string): OptionValue<S> {
  const num = (text: string, int: boolean): number => {
    const t = text.trim();
    const v = t === '' ? NaN : Number(t);
    if (!Number.isFinite(v)) throw new UsageError(`${name} expects ${int ? 'an integer' : 'a number'}, got ${quote(text)}`);
    if (int && !Number.isInteger(v)) throw new UsageError(`${name} expects an integer, got ${quote(text)}`);
    return v;
  };
  switch (spec.type) {
    case 'number':
    case 'int': {
      const v = num(raw, spec.type === 'int');
      if (spec.min !== undefined && v < spec.min) throw new UsageError(`${name} must be at least ${spec.min}, got ${raw}`);
      if (spec.max !== undefined && v > spec.max) throw new UsageError(`${name} must be at most ${spec.max}, got ${raw}`);
      return v as OptionValue<S>;
    }
    case 'numbers':
    case 'ints':
      return raw.split(',').map((x) => num(x, spec.type === 'ints')) as OptionValue<S>;
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      if (t === 'true' || t === '1' || t === 'yes') return true as OptionValue<S>;
      if (t === 'false' || t === '0' || t === 'no') return false as OptionValue<S>;
      throw new UsageError(`${name} is true or false, got ${quote(raw)}`);
    }
    case 'choice': {
      if (spec.choices.includes(raw)) return raw as OptionValue<S>;
      const near = suggest(raw, spec.choices);
      throw new UsageError(`invalid value ${quote(raw)} for ${name}: ${near ? `did you mean ${quote(near)}? ` : ''}expected one of ${spec.choices.join(', ')}`);
    }
    default:
      return raw as OptionValue<S>;
  }
}

/** A flag parseOptions did not know, kept when `unknown: 'collect'`. */
export interface UnknownOption {
  /** As written, without `--` or `=value`. */
  flag: string;
  /** `--x=v` or `--x v` (the next token, unless it starts with `-`); undefined for a bare flag. */
  value?: string;
}

/** Options of {@link parseOptions}. */
export interface ParseSettings {
  /** Names the command in messages (`descent train: ...`). */
  command?: string;
  /** Positional arguments allowed: true (any number, the default), false, or at most this many. */
  positionals?: boolean | number;
  /** Unknown flags: throw UsageError (default), or return them in `unknown`. */
  unknown?: 'error' | 'collect';
  /** `--help` and `-h` set `help` in the result (default true). */
  help?: boolean;
}

/** What {@link parseOptions} returns: typed values, positionals, which options were given. */
export interface ParseResult<S extends OptionSpecs> {
  values: OptionValues<S>;
  positional: string[];
  /** The options given on the command line (the others have their default). */
  given: Set<keyof S & string>;
  /** `--help` or `-h` was given (required options are not checked then). */
  help: boolean;
  unknown: UnknownOption[];
}

/** The error for an unknown flag: a near miss is suggested, else the valid flags are listed. */
export function unknownOptionError(flag: string, valid: readonly string[], command?: string, dashes = '--'): UsageError {
  const near = suggest(flag, valid);
  const where = command ? ` for ${command}` : '';
  return new UsageError(
    near
      ? `unknown option ${dashes}${flag}${where}: did you mean --${near}?`
      : `unknown option ${dashes}${flag}${where}: expected one of ${valid.map((f) => `--${f}`).join(', ')}`,
  );
}

/** The flags of `specs` as shown in help and messages (kebab-case, hidden ones left out). */
export function optionFlags(specs: OptionSpecs): string[] {
  return Object.entries(specs)
    .filter(([, s]) => !s.hidden)
    .map(([k, s]) => flagOf(k, s));
}

/**
 * Parses `argv` against `specs`. `--name value`, `--name=value`, bare booleans
 * and `--no-name`; a value may start with `-` (`--eta-min -1`). `--` ends the
 * options. The last of a repeated flag wins.
 */
export function parseOptions<const S extends OptionSpecs>(specs: S, argv: readonly string[], settings: ParseSettings = {}): ParseResult<S> {
  const values: Record<string, unknown> = {};
  const given = new Set<keyof S & string>();
  const positional: string[] = [];
  const unknown: UnknownOption[] = [];
  const helpOn = settings.help ?? true;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (helpOn && (a === '--help' || a === '-h')) {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      // `-1` is a value, `-x` a mistyped flag.
      if (/^-[A-Za-z]/.test(a)) throw unknownOptionError(a.slice(1), optionFlags(specs), settings.command, '-');
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const spelling = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let inline = eq > 0 ? a.slice(eq + 1) : undefined;
    let key = findOption(specs, spelling);
    let negated = false;
    if (key === undefined && spelling.startsWith('no-') && inline === undefined) {
      const k = findOption(specs, spelling.slice(3));
      if (k !== undefined && specs[k]!.type === 'boolean') (key = k), (negated = true);
    }
    if (key === undefined) {
      if (settings.unknown !== 'collect') throw unknownOptionError(spelling, optionFlags(specs), settings.command);
      const next = argv[i + 1];
      if (inline === undefined && next !== undefined && !next.startsWith('-')) (inline = next), i++;
      unknown.push(inline === undefined ? { flag: spelling } : { flag: spelling, value: inline });
      continue;
    }
    const spec = specs[key]!;
    const name = `--${flagOf(key, spec)}`;
    if (spec.type === 'boolean') {
      const next = argv[i + 1];
      if (negated) values[key] = false;
      else if (inline !== undefined) values[key] = parseOptionValue(spec, inline, name);
      else if (next !== undefined && /^(true|false)$/i.test(next)) (values[key] = parseOptionValue(spec, next, name)), i++;
      else values[key] = true;
    } else {
      if (inline === undefined) {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) throw new UsageError(`${name} needs a value (${describeType(spec)})`);
        inline = next;
        i++;
      }
      values[key] = parseOptionValue(spec, inline, name);
    }
    given.add(key);
  }
  const max = settings.positionals ?? true;
  const limit = max === true ? Infinity : max === false ? 0 : max;
  if (positional.length > limit) {
    throw new UsageError(`${settings.command ? `${settings.command}: ` : ''}unexpected argument ${quote(positional[limit]!)}${limit ? ` (takes at most ${limit})` : ''}`);
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (values[key] !== undefined) continue;
    if (spec.default !== undefined) values[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    else if (spec.required && !help) throw new UsageError(`${settings.command ? `${settings.command}: ` : ''}--${flagOf(key, spec)} is required (${describeType(spec)})`);
  }
  return { values: values as OptionValues<S>, positional, given, help, unknown };
}

function describeType(spec: OptionSpec): string {
  switch (spec.type) {
    case 'number':
      return 'a number';
    case 'int':
      return 'an integer';
    case 'numbers':
      return 'comma-separated numbers';
    case 'ints':
      return 'comma-separated integers';
    case 'choice':
      return `one of ${spec.choices.join(', ')}`;
    case 'boolean':
      return 'true or false';
    default:
      return 'a string';
  }
}

function metavarOf(spec: OptionSpec): string {
  if (spec.metavar !== undefined) return spec.metavar;
  switch (spec.type) {
    case 'number':
      return 'X';
    case 'int':
      return 'N';
    case 'numbers':
      return 'X,Y,...';
    case 'ints':
      return 'N,M,...';
    case 'choice':
      return spec.choices.join('|');
    case 'boolean':
      return '';
    default:
      return 'TEXT';
  }
}

const showDefault = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));

/** Options of {@link formatHelp}. */
export interface HelpSettings {
  /** First lines, e.g. `Usage: descent train [options]`. */
  usage?: string;
  description?: string;
  /** Heading of the option list. Default `Options:`. */
  heading?: string;
  /** Last lines. */
  footer?: string;
  /** Wrap help text at this many columns. Default 80. */
  width?: number;
  /** Show `(default ...)`. Default true. */
  defaults?: boolean;
}

/** The option list of `specs`, kebab-case, aligned, with types, defaults and choices. */
export function formatOptions(specs: OptionSpecs, settings: Pick<HelpSettings, 'width' | 'defaults'> = {}): string {
  const width = settings.width ?? 80;
  const rows = Object.entries(specs)
    .filter(([, s]) => !s.hidden)
    .map(([key, spec]) => {
      const mv = metavarOf(spec);
      const left = `--${flagOf(key, spec)}${mv ? ` ${mv}` : ''}`;
      const extra: string[] = [];
      if (spec.required) extra.push('required');
      if (spec.default !== undefined && (settings.defaults ?? true) && !(spec.type === 'boolean' && spec.default === false)) extra.push(`default ${showDefault(spec.default)}`);
      const text = [spec.help ?? '', extra.length ? `(${extra.join(', ')})` : ''].filter(Boolean).join(' ');
      return { left, text };
    });
  const col = Math.min(Math.max(0, ...rows.map((r) => r.left.length)) + 4, 34);
  const lines: string[] = [];
  for (const { left, text } of rows) {
    const words = text.split(/\s+/).filter(Boolean);
    const wrapped: string[] = [];
    let line = '';
    for (const w of words) {
      if (line && col + line.length + 1 + w.length > width) wrapped.push(line), (line = w);
      else line = line ? `${line} ${w}` : w;
    }
    if (line) wrapped.push(line);
    const head = `  ${left}`;
    if (head.length + 2 > col) {
      lines.push(head);
      for (const w of wrapped) lines.push(`${' '.repeat(col)}${w}`);
    } else {
      lines.push(`${head.padEnd(col)}${wrapped[0] ?? ''}`.trimEnd());
      for (const w of wrapped.slice(1)) lines.push(`${' '.repeat(col)}${w}`);
    }
  }
  return lines.join('\n');
}

/** Full `--help` text: usage, description, the options (plus `-h, --help`), footer. */
export function formatHelp(specs: OptionSpecs, settings: HelpSettings = {}): string {
  const parts: string[] = [];
  if (settings.usage) parts.push(settings.usage);
  if (settings.description) parts.push(settings.description);
  const list = formatOptions({ ...specs, help: { type: 'boolean', flag: 'help', help: 'show this help' } as const }, settings);
  parts.push(`${settings.heading ?? 'Options:'}\n${list}`);
  if (settings.footer) parts.push(settings.footer);
  return parts.join('\n\n');
}
