import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineOptions, formatHelp, kebab, camel, parseOptions, parseOptionValue, suggest, UsageError } from '../src/args.js';

const OPTS = defineOptions({
  epochs: { type: 'int', default: 10, min: 1, help: 'passes over the data' },
  lr: { type: 'number', default: 1e-3, help: 'learning rate' },
  etaMin: { type: 'number', help: 'minimum lr' },
  backend: { type: 'choice', choices: ['wasm', 'webgpu', 'cpu'], default: 'wasm', help: 'tfjs backend' },
  out: { type: 'string', metavar: 'DIR', help: 'checkpoint directory' },
  verbose: { type: 'boolean', help: 'say more' },
  milestones: { type: 'ints', help: 'epochs at which to decay' },
  batchSize: { type: 'int', flag: 'bs', aliases: ['batch'], help: 'examples a step' },
});

const parse = (...argv: string[]) => parseOptions(OPTS, argv, { command: 'descent train' });
const error = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('parseOptions', () => {
  it('fills defaults and types the result', () => {
    const { values, positional, given, help } = parse();
    expect(values).toEqual({ epochs: 10, lr: 1e-3, backend: 'wasm', milestones: undefined, etaMin: undefined, out: undefined, verbose: undefined, batchSize: undefined });
    expect(positional).toEqual([]);
    expect(given.size).toBe(0);
    expect(help).toBe(false);
    expectTypeOf(values.epochs).toEqualTypeOf<number>();
    expectTypeOf(values.etaMin).toEqualTypeOf<number | undefined>();
    expectTypeOf(values.backend).toEqualTypeOf<'wasm' | 'webgpu' | 'cpu'>();
    expectTypeOf(values.out).toEqualTypeOf<string | undefined>();
    expectTypeOf(values.verbose).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(values.milestones).toEqualTypeOf<number[] | undefined>();
  });

  it('takes kebab-case flags, camelCase aliases, explicit flags and aliases, = values', () => {
    const { values, given } = parse('--eta-min', '-1e-3', '--epochs=3', '--backend', 'cpu', '--bs', '32', '--milestones', '30,80');
    expect(values).toMatchObject({ etaMin: -1e-3, epochs: 3, backend: 'cpu', batchSize: 32, milestones: [30, 80] });
    expect([...given].sort()).toEqual(['backend', 'batchSize', 'epochs', 'etaMin', 'milestones']);
    expect(parse('--etaMin', '2').values.etaMin).toBe(2);
    expect(parse('--batch=8').values.batchSize).toBe(8);
    expect(parse('--batchSize', '8').values.batchSize).toBe(8);
  });

  it('reads booleans bare, as =value, as a following true/false, and as --no-', () => {
    expect(parse('--verbose').values.verbose).toBe(true);
    expect(parse('--verbose=false').values.verbose).toBe(false);
    expect(parse('--verbose', 'false', 'x').values.verbose).toBe(false);
    expect(parse('--no-verbose').values.verbose).toBe(false);
    // A boolean does not swallow a positional.
    expect(parse('--verbose', 'data.csv')).toMatchObject({ positional: ['data.csv'], values: { verbose: true } });
  });

  it('keeps positionals, stops at --, sees --help and -h', () => {
    expect(parse('a', '--epochs', '2', 'b', '--', '--lr', '-x').positional).toEqual(['a', 'b', '--lr', '-x']);
    expect(parse('--help').help).toBe(true);
    expect(parse('-h').help).toBe(true);
    expect(error(() => parseOptions(OPTS, ['a', 'b'], { positionals: 1 }))).toBe('unexpected argument "b" (takes at most 1)');
    expect(error(() => parseOptions(OPTS, ['a'], { positionals: false, command: 'descent x' }))).toBe('descent x: unexpected argument "a"');
  });

  it('suggests the flag an unknown one is close to, else lists them', () => {
    expect(error(() => parse('--epoch', '3'))).toBe('unknown option --epoch for descent train: did you mean --epochs?');
    expect(error(() => parse('--etamin', '3'))).toBe('unknown option --etamin for descent train: did you mean --eta-min?');
    expect(error(() => parse('--bakcend', 'cpu'))).toMatch(/did you mean --backend\?$/);
    expect(error(() => parse('--zzz'))).toBe(
      'unknown option --zzz for descent train: expected one of --epochs, --lr, --eta-min, --backend, --out, --verbose, --milestones, --bs',
    );
    expect(error(() => parse('-v'))).toMatch(/^unknown option -v for descent train: expected one of --epochs/);
  });

  it('rejects bad values, naming the type or listing the choices', () => {
    expect(error(() => parse('--epochs', '2.5'))).toBe('--epochs expects an integer, got "2.5"');
    expect(error(() => parse('--epochs', '0'))).toBe('--epochs must be at least 1, got 0');
    expect(error(() => parse('--lr', 'fast'))).toBe('--lr expects a number, got "fast"');
    expect(error(() => parse('--lr'))).toBe('--lr needs a value (a number)');
    expect(error(() => parse('--lr', '--epochs', '2'))).toBe('--lr needs a value (a number)');
    expect(error(() => parse('--backend', 'webgup'))).toBe('invalid value "webgup" for --backend: did you mean "webgpu"? expected one of wasm, webgpu, cpu');
    expect(error(() => parse('--backend', 'metal'))).toBe('invalid value "metal" for --backend: expected one of wasm, webgpu, cpu');
    expect(error(() => parse('--verbose=maybe'))).toBe('--verbose is true or false, got "maybe"');
    expect(error(() => parse('--milestones', '30,x'))).toBe('--milestones expects an integer, got "x"');
  });

  it('checks required options unless --help is given', () => {
    const S = defineOptions({ data: { type: 'string', required: true } });
    expect(error(() => parseOptions(S, [], { command: 'descent train' }))).toBe('descent train: --data is required (a string)');
    const r = parseOptions(S, ['--data', 'x']);
    expectTypeOf(r.values.data).toEqualTypeOf<string>();
    expect(parseOptions(S, ['--help']).help).toBe(true);
  });

  it('collects unknown flags when asked', () => {
    const r = parseOptions(OPTS, ['--foo', '3', 'pos', '--bar', '--baz=1', '--epochs', '2'], { unknown: 'collect' });
    expect(r.unknown).toEqual([{ flag: 'foo', value: '3' }, { flag: 'bar' }, { flag: 'baz', value: '1' }]);
    expect(r.positional).toEqual(['pos']);
    expect(r.values.epochs).toBe(2);
  });

  it('parses one value on its own', () => {
    expect(parseOptionValue({ type: 'numbers' }, '0.5,1e-3', 'x')).toEqual([0.5, 1e-3]);
    expect(parseOptionValue({ type: 'string' }, '-', 'x')).toBe('-');
  });
});

describe('help and suggestions', () => {
  it('formats help in kebab-case with metavars, defaults and choices', () => {
    const text = formatHelp(OPTS, { usage: 'Usage: descent train [options]', footer: 'More at docs/.' });
    expect(text).toBe(
      [
        'Usage: descent train [options]',
        '',
        'Options:',
        '  --epochs N                 passes over the data (default 10)',
        '  --lr X                     learning rate (default 0.001)',
        '  --eta-min X                minimum lr',
        '  --backend wasm|webgpu|cpu  tfjs backend (default wasm)',
        '  --out DIR                  checkpoint directory',
        '  --verbose                  say more',
        '  --milestones N,M,...       epochs at which to decay',
        '  --bs N                     examples a step',
        '  --help                     show this help',
        '',
        'More at docs/.',
      ].join('\n'),
    );
    expect(text).not.toMatch(/etaMin|batchSize/);
  });

  it('wraps long help text', () => {
    const text = formatHelp({ x: { type: 'int', help: 'word '.repeat(30).trim() } }, { width: 40 });
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    expect(text.split('\n').filter((l) => l.includes('word')).length).toBeGreaterThan(3);
  });

  it('suggests near misses only', () => {
    expect(suggest('stepsize', ['step-size', 'gamma'])).toBe('step-size');
    expect(suggest('stpe-size', ['step-size', 'gamma'])).toBe('step-size');
    expect(suggest('warm', ['warmup', 'total'])).toBe('warmup');
    expect(suggest('cosin', ['CosineAnnealingLR', 'cosine', 'constant'])).toBe('cosine');
    expect(suggest('banana', ['step-size', 'gamma'])).toBeUndefined();
    expect(suggest('x', ['lr'])).toBeUndefined();
  });

  it('converts between camelCase and kebab-case', () => {
    expect(kebab('numWarmupSteps')).toBe('num-warmup-steps');
    expect(kebab('tMax')).toBe('t-max');
    expect(kebab('t0')).toBe('t0');
    expect(camel('num-warmup-steps')).toBe('numWarmupSteps');
  });
});
