// Runs the example into a temporary folder and checks every plot it promises.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HF_SCHEDULER_NAMES } from '@descent/lr-schedule';

const dir = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'descent-schedules-'));
let stdout = '';

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

/** The `name: lr A at 0, peak B at K, C at N` summary line of a schedule. */
function summary(name: string) {
  const m = new RegExp(`^${name}: lr (\\S+) at 0, peak (\\S+) at (\\d+), (\\S+) at (\\d+)$`, 'm').exec(stdout);
  if (!m) throw new Error(`no summary line for ${name} in:\n${stdout}`);
  return { first: Number(m[1]), peak: Number(m[2]), peakAt: Number(m[3]), last: Number(m[4]), lastAt: Number(m[5]) };
}

beforeAll(() => {
  stdout = execFileSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--out', out, '--steps', '500', '--warmup', '50'], { cwd: dir, encoding: 'utf8' });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const plotted = ['StepLR', 'ExponentialLR', ...HF_SCHEDULER_NAMES.filter((n) => n !== 'reduce_lr_on_plateau'), 'huggingface'];

describe('the schedules example', () => {
  it('writes an SVG and a PNG for StepLR, ExponentialLR, every HF schedule and the HF overview, and nothing else', () => {
    expect(readdirSync(out).sort()).toEqual(plotted.flatMap((n) => [`${n}.png`, `${n}.svg`]).sort());
    for (const name of plotted) {
      const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="640" height="(360|420)"/);
      const [w, h] = pngSize(join(out, `${name}.png`));
      expect([w, h]).toEqual(name === 'huggingface' ? [1280, 840] : [1280, 720]); // scale 2
    }
  });

  it('plots one curve per schedule, sampled at every step, and all nine HF curves in the overview, named', () => {
    const points = (svg: string) => [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' ').length);
    expect(points(readFileSync(join(out, 'StepLR.svg'), 'utf8'))).toEqual([100]);
    expect(points(readFileSync(join(out, 'cosine.svg'), 'utf8'))).toEqual([500]);
    const overview = readFileSync(join(out, 'huggingface.svg'), 'utf8');
    expect(points(overview)).toEqual(new Array(9).fill(500));
    for (const name of plotted.slice(2, -1)) expect(overview).toContain(`<title>${name}</title>`);
  });

  it('the curves are the schedules: StepLR drops 10x every 30 epochs, ExponentialLR by 0.95 an epoch, warmups peak at the warmup step', () => {
    expect(summary('StepLR').last).toBeCloseTo(1e-6, 12); // epoch 99: three drops
    expect(summary('ExponentialLR').last).toBeCloseTo(1e-3 * 0.95 ** 99, 9);
    for (const name of ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant_with_warmup', 'inverse_sqrt', 'cosine_with_min_lr', 'warmup_stable_decay']) {
      const s = summary(name);
      expect(s.first, name).toBe(0);
      expect(s.peak, name).toBeCloseTo(1e-3, 12);
      expect(s.peakAt, name).toBe(50);
      expect(s.lastAt, name).toBe(499);
    }
    expect(summary('constant')).toMatchObject({ first: 1e-3, last: 1e-3 });
    expect(summary('cosine_with_min_lr').last).toBeGreaterThanOrEqual(1e-4); // minLrRate 0.1
    expect(stdout).toContain('get_scheduler(\'polynomial\'), warmup 50, lrEnd 0.00001, power 2, 500 steps');
  });
});

it('typechecks in strict mode', () => {
  execFileSync(process.execPath, [join(dir, '../../node_modules/typescript/bin/tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
});
