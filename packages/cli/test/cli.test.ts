import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, parseSeriesSpec } from '../src/index.js';

async function run(...argv: string[]) {
  const lines: string[] = [];
  const files: Record<string, string | Uint8Array> = {};
  const code = await main(argv, { out: (t) => lines.push(t), writeFile: (p, d) => void (files[p] = d) });
  return { code, text: lines.join('\n'), files };
}

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
/** The built `descent`, in a child process. */
function descent(...argv: string[]) {
  const r = spawnSync('node', [bin, ...argv], { cwd: mkdtempSync(join(tmpdir(), 'descent-')), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'lr-schedule', 'test', 'fixtures', 'huggingface.json'), 'utf8'));

/** Polylines of an SVG: stroke color, dash pattern, point count, title. */
function polylines(svg: string) {
  return [...svg.matchAll(/<polyline fill="none" stroke="([^"]+)" stroke-width="2"(?: stroke-dasharray="([^"]+)")? points="([^"]*)"><title>([^<]*)<\/title>/g)].map((m) => ({
    color: m[1],
    dash: m[2],
    points: m[3]!.split(' ').filter(Boolean).length,
    title: m[4],
  }));
}
const legendOf = (svg: string) => [...svg.slice(svg.indexOf('<g class="legend">')).matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('descent lr plot: one schedule (as before)', () => {
  it('plot cosine_with_warmup --warmup 5 --total 30 draws what transformers computes', async () => {
    // The fixture: transformers' cosine formula inside torch's LambdaLR, base lr 0.1.
    const want = fixture.cases.find((c: { name: string }) => c.name === 'cosine 5/30').expected.lr.slice(0, 30).map((r: number[]) => r[0]);
    const { code, text } = await run('lr', 'plot', 'cosine_with_warmup', '--warmup', '5', '--total', '30', '--lr', '0.1', '--json');
    expect(code).toBe(0);
    const got = JSON.parse(text) as number[];
    expect(got).toHaveLength(30);
    got.forEach((v, k) => expect(v).toBeCloseTo(want[k], 14));
    const chart = await run('lr', 'plot', 'cosine_with_warmup', '--warmup', '5', '--total', '30');
    expect(chart.text.split('\n')[0]).toBe('cosine warmup=5 total=30');
    expect(chart.text.split('\n')[1]).toMatch(/^\s*1 \|\s+\*+/);
    expect(chart.text).not.toMatch(/^\s+\* cosine/m); // one series: no legend
  });

  it('writes SVG and PNG', async () => {
    const svg = await run('lr', 'plot', 'StepLR', '--step-size', '10', '--gamma', '0.5', '--steps', '40', '--out', 'a.svg');
    expect(svg.code).toBe(0);
    expect(String(svg.files['a.svg'])).toMatch(/^<svg[\s\S]*<polyline/);
    expect(String(svg.files['a.svg'])).toContain('>StepLR step-size=10 gamma=0.5</text>');
    const png = await run('lr', 'plot', 'OneCycleLR', '--max-lr', '0.1', '--total', '50', '--out', 'a.png');
    expect(png.code).toBe(0);
    expect([...(png.files['a.png'] as Uint8Array).slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  });

  it('fills an option the scheduler requires with the default the list shows', async () => {
    const r = await run('lr', 'plot', 'StepLR', '--steps', '12', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.text)).toEqual([...new Array(10).fill(1), 0.1, 0.1]);
    // CyclicLR: base-lr and max-lr as listed; its own stepSizeUp (2000), which the list now shows.
    const c = await run('lr', 'plot', 'CyclicLR', '--steps', '3', '--json');
    expect(JSON.parse(c.text)[1]).toBeCloseTo(0.001 + 0.005 / 2000, 15);
    expect((await run('lr', 'list')).text).toMatch(/CyclicLR .*\[base-lr=0\.001 max-lr=0\.006 step-size-up=2000 /);
  });

  it('takes kebab-case flags and the camelCase spellings it took before', async () => {
    const kebab = await run('lr', 'plot', 'CosineAnnealingWarmRestarts', '--t-0', '5', '--t-mult', '2', '--eta-min', '-0.5', '--steps', '20', '--json');
    const camel = await run('lr', 'plot', 'CosineAnnealingWarmRestarts', '--t0', '5', '--tMult', '2', '--etaMin=-0.5', '--steps', '20', '--json');
    expect(kebab.code).toBe(0);
    expect(JSON.parse(camel.text)).toEqual(JSON.parse(kebab.text));
    const a = await run('lr', 'plot', 'linear', '--numWarmupSteps', '2', '--numTrainingSteps', '10', '--json');
    const b = await run('lr', 'plot', 'linear', '--num-warmup-steps', '2', '--num-training-steps', '10', '--json');
    expect(JSON.parse(a.text)).toEqual([0, 0.5, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125]);
    expect(b.text).toBe(a.text);
    // A boolean flag no longer swallows the schedule after it.
    expect(JSON.parse((await run('lr', 'plot', '--json', 'constant', '--steps', '2')).text)).toEqual([1, 1]);
    const m = await run('lr', 'plot', 'MultiStepLR', '--milestones', '2,4', '--steps', '6', '--json');
    expect(JSON.parse(m.text)).toEqual([1, 1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002]);
  });

  it('list names every schedule and shows options in kebab-case', async () => {
    const { code, text } = await run('lr', 'list');
    expect(code).toBe(0);
    for (const n of ['StepLR', 'CosineAnnealingWarmRestarts', 'OneCycleLR', 'cosine_with_restarts', 'warmup_stable_decay', 'inverse_sqrt']) expect(text).toContain(n);
    expect(text).toContain('decay by gamma every step-size epochs  [step-size=10 gamma=0.1]');
    expect(text).toContain('num-warmup-steps');
    expect(text).not.toMatch(/stepSize|numWarmupSteps/);
  });
});

describe('descent lr plot: several schedules', () => {
  const argv = ['lr', 'plot', 'cosine:warmup=100', 'StepLR:step-size=300,gamma=0.5', '--total', '1000'];

  it('overlays them in one SVG with a legend naming each spec', async () => {
    const { code, files } = await run(...argv, '--out', 'two.svg');
    expect(code).toBe(0);
    const svg = String(files['two.svg']);
    const lines = polylines(svg);
    expect(lines).toHaveLength(2);
    // cosine's --total sets the steps: 1000 points each.
    expect(lines.map((l) => l.points)).toEqual([1000, 1000]);
    expect(lines[0]!.color).not.toBe(lines[1]!.color);
    expect(lines[0]!.dash).not.toBe(lines[1]!.dash);
    expect(lines.map((l) => l.title)).toEqual(['cosine warmup=100 total=1000', 'StepLR step-size=300 gamma=0.5']);
    expect(legendOf(svg)).toEqual(['cosine warmup=100 total=1000', 'StepLR step-size=300 gamma=0.5']);
  });

  it('writes a PNG of the requested size', async () => {
    const { code, files, text } = await run(...argv, '--out', 'two.png', '--width', '800', '--height', '400');
    expect(code).toBe(0);
    expect(text).toBe('wrote two.png');
    const png = files['two.png'] as Uint8Array;
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([800, 400]);
  });

  it('draws them in the terminal with distinct glyphs and a legend', async () => {
    const { code, text } = await run(...argv);
    expect(code).toBe(0);
    const lines = text.split('\n');
    const grid = lines.slice(0, 16).join('\n');
    expect(grid).toContain('*');
    expect(grid).toContain('+');
    expect(lines.slice(-2).map((l) => l.trim())).toEqual(['* cosine warmup=100 total=1000', '+ StepLR step-size=300 gamma=0.5']);
  });

  it('applies a flag to every schedule that has it; what all share goes in the title', async () => {
    const { code, text } = await run('lr', 'plot', 'StepLR', 'ExponentialLR', '--gamma', '0.5', '--lr', '0.1', '--steps', '3', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(text)).toEqual([
      { label: 'StepLR', values: [0.1, 0.1, 0.1] },
      { label: 'ExponentialLR', values: [0.1, 0.05, 0.025] },
    ]);
    const chart = await run('lr', 'plot', 'StepLR', 'ExponentialLR', '--gamma', '0.5', '--lr', '0.1', '--steps', '3', '--out', 'x.svg');
    expect(String(chart.files['x.svg'])).toContain('>gamma=0.5 lr=0.1</text>');
    expect(legendOf(String(chart.files['x.svg']))).toEqual(['StepLR', 'ExponentialLR']);
    // A flag goes only where it applies; an option after the name wins over a flag.
    const mixed = await run('lr', 'plot', 'cosine:warmup=1', 'StepLR:gamma=0.1', 'linear', '--warmup', '2', '--total', '4', '--gamma', '0.5', '--json');
    expect(JSON.parse(mixed.text)).toEqual([
      { label: 'cosine warmup=1 total=4', values: [0, 1, 0.75, expect.closeTo(0.25, 15)] },
      { label: 'StepLR gamma=0.1', values: [1, 1, 1, 1] },
      { label: 'linear warmup=2 total=4', values: [0, 0.5, 1, 0.5] },
    ]);
  });

  it('parses per-series options: lists, booleans, lr, aliases', () => {
    const m = parseSeriesSpec('MultiStepLR:milestones=30,80,gamma=0.5,lr=0.1');
    expect(m.entry.name).toBe('MultiStepLR');
    expect(m.options).toEqual({ milestones: [30, 80], gamma: 0.5 });
    expect(m.lr).toBe(0.1);
    expect(parseSeriesSpec('OneCycleLR:three-phase,max-lr=0.5').options).toEqual({ threePhase: true, maxLr: 0.5 });
    expect(parseSeriesSpec('cosine_with_warmup:numWarmupSteps=3,total=9').options).toEqual({ numWarmupSteps: 3, numTrainingSteps: 9 });
  });

  it('tells identical specs apart in the legend', async () => {
    const { text } = await run('lr', 'plot', 'constant', 'constant', '--steps', '2', '--json');
    expect(JSON.parse(text).map((s: { label: string }) => s.label)).toEqual(['constant #1', 'constant #2']);
  });
});

describe('bad input', () => {
  it('explains it in process, with exit status 2', async () => {
    expect(await run('lr', 'plot', 'nope')).toMatchObject({ code: 2, text: expect.stringMatching(/^descent: unknown schedule "nope": expected one of StepLR, /) });
    expect(await run('lr', 'plot', 'StepLR', '--step-size', '0')).toMatchObject({ code: 2, text: expect.stringMatching(/stepSize must be a positive integer, got 0 \(--step-size\)/) });
    expect((await run('lr', 'plot', 'StepLR', '--warmup', '3')).text).toBe('descent: StepLR has no warmup option');
    expect((await run('lr', 'plot', 'StepLR', 'ExponentialLR', '--total', '3')).text).toBe('descent: none of StepLR, ExponentialLR has a total-length option');
    expect((await run('lr', 'plot')).text).toMatch(/which schedule\?/);
    expect((await run('bogus')).code).toBe(2);
  });

  it('through the built bin: messages on stderr listing the choices, non-zero exit', () => {
    const cases: [string[], string][] = [
      [['lr', 'plot', 'cosin'], 'descent: unknown schedule "cosin": did you mean "cosine"? expected one of StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, constant, constant_with_warmup, linear, cosine, cosine_with_restarts, polynomial, inverse_sqrt, cosine_with_min_lr, warmup_stable_decay (or cosine_with_warmup, linear_with_warmup, wsd; `descent lr list` describes them)'],
      [['lr', 'plot', 'StepLR', '--stepsize', '3'], 'descent: unknown option --stepsize: did you mean --step-size? expected one of --warmup, --total, --lr, --steps, --out, --json, --title, --width, --height, --columns, --rows, --step-size, --gamma'],
      [['lr', 'plot', 'StepLR', '--foo', '3'], 'descent: unknown option --foo: expected one of --warmup, --total, --lr, --steps, --out, --json, --title, --width, --height, --columns, --rows, --step-size, --gamma'],
      [['lr', 'plot', 'cosine', '--gamma', '0.5'], 'descent: --gamma is not an option of cosine: expected one of --num-warmup-steps, --num-training-steps, --num-cycles (or --warmup, --total)'],
      [['lr', 'plot', 'CyclicLR', '--mode', 'triangle'], 'descent: invalid value "triangle" for --mode: expected one of triangular, triangular2, exp_range'],
      [['lr', 'plot', 'OneCycleLR', '--anneal-strategy', 'coss'], 'descent: invalid value "coss" for --anneal-strategy: did you mean "cos"? expected one of cos, linear'],
      [['lr', 'plot', 'StepLR', '--step-size', '2.5'], 'descent: --step-size expects an integer, got "2.5"'],
      [['lr', 'plot', 'StepLR', '--steps', 'many'], 'descent: --steps expects an integer, got "many"'],
      [['lr', 'plot', 'StepLR', '--gamma'], 'descent: --gamma needs a value (a number)'],
      [['lr', 'plot', 'StepLR:stepsize=3'], 'descent: StepLR has no option "stepsize": did you mean step-size? expected one of step-size, gamma, lr'],
      [['lr', 'plot', 'StepLR:gamma=x'], 'descent: gamma in "StepLR:gamma=x" expects a number, got "x"'],
      [['lr', 'plot', 'StepLR:warmup=3'], 'descent: StepLR has no warmup option (warmup in "StepLR:warmup=3")'],
      [['lr', 'plto'], 'descent: unknown command "lr plto": did you mean "descent lr plot"? expected one of descent train, descent lr list, descent lr plot, descent doctor'],
    ];
    for (const [argv, message] of cases) {
      const r = descent(...argv);
      expect({ argv, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ argv, code: 2, stderr: `${message}\n`, stdout: '' });
    }
  });

  it('help: kebab-case flags, and the options of the named schedules', () => {
    const r = descent('lr', 'plot', 'StepLR', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: descent lr plot SCHEDULE\[:OPTION=VALUE,\.\.\.\]/);
    expect(r.stdout).toMatch(/^ {2}--steps N +points to plot/m);
    expect(r.stdout).toMatch(/^StepLR options:\n {2}--step-size N +period of decay, in epochs \(default 10\)\n {2}--gamma X +multiplicative decay \(default 0\.1\)$/m);
    expect(r.stdout).not.toMatch(/^ +--[a-z0-9-]*[A-Z]/m); // no camelCase flag listed
    expect(descent('lr', 'plot', '--help').stdout).toContain('descent lr plot NAME --help lists the options of NAME');
    expect(descent('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('descent lr plot SCHEDULE [SCHEDULE ...]') });
  });

  it('the built bin plots several schedules', () => {
    const r = descent('lr', 'plot', 'linear:warmup=2', 'constant', '--total', '4', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { label: 'linear warmup=2 total=4', values: [0, 0.5, 1, 0.5] },
      { label: 'constant', values: [1, 1, 1, 1] },
    ]);
  });
});
