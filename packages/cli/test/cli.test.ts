import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, parseArgs } from '../src/index.js';

async function run(...argv: string[]) {
  const lines: string[] = [];
  const files: Record<string, string | Uint8Array> = {};
  const code = await main(argv, { out: (t) => lines.push(t), writeFile: (p, d) => void (files[p] = d) });
  return { code, text: lines.join('\n'), files };
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'lr-schedule', 'test', 'fixtures', 'huggingface.json'), 'utf8'));

describe('descent lr', () => {
  it('plot cosine_with_warmup --warmup 5 --total 30 draws what transformers computes', async () => {
    // The fixture: transformers' cosine formula inside torch's LambdaLR, base lr 0.1.
    const want = fixture.cases.find((c: { name: string }) => c.name === 'cosine 5/30').expected.lr.slice(0, 30).map((r: number[]) => r[0]);
    const { code, text } = await run('lr', 'plot', 'cosine_with_warmup', '--warmup', '5', '--total', '30', '--lr', '0.1', '--json');
    expect(code).toBe(0);
    const got = JSON.parse(text) as number[];
    expect(got).toHaveLength(30);
    got.forEach((v, k) => expect(v).toBeCloseTo(want[k], 14));
    const chart = await run('lr', 'plot', 'cosine_with_warmup', '--warmup', '5', '--total', '30');
    expect(chart.text).toContain('cosine numWarmupSteps=5 numTrainingSteps=30');
    expect(chart.text.split('\n')[1]).toMatch(/^\s*1 \|\s+\*+/);
  });

  it('writes SVG and PNG', async () => {
    const svg = await run('lr', 'plot', 'StepLR', '--step-size', '10', '--gamma', '0.5', '--steps', '40', '--out', 'a.svg');
    expect(svg.code).toBe(0);
    expect(String(svg.files['a.svg'])).toMatch(/^<svg[\s\S]*<polyline/);
    const png = await run('lr', 'plot', 'OneCycleLR', '--max-lr', '0.1', '--total', '50', '--out', 'a.png');
    expect(png.code).toBe(0);
    expect([...(png.files['a.png'] as Uint8Array).slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  });

  it('list names every schedule', async () => {
    const { code, text } = await run('lr', 'list');
    expect(code).toBe(0);
    for (const n of ['StepLR', 'CosineAnnealingWarmRestarts', 'OneCycleLR', 'cosine_with_restarts', 'warmup_stable_decay', 'inverse_sqrt']) expect(text).toContain(n);
  });

  it('explains bad input', async () => {
    expect((await run('lr', 'plot', 'nope')).text).toMatch(/Unknown schedule "nope"/);
    expect((await run('lr', 'plot', 'StepLR', '--step-size', '0')).text).toMatch(/stepSize must be a positive integer, got 0/);
    expect((await run('lr', 'plot', 'StepLR', '--warmup', '3')).text).toMatch(/StepLR has no warmup option/);
    expect((await run('bogus')).code).toBe(2);
  });

  it('parses kebab-case flags, = values and bare flags', () => {
    expect(parseArgs(['x', '--step-size=3', '--json', '--eta-min', '-1'])).toEqual({ positional: ['x'], flags: { stepSize: '3', json: true, etaMin: '-1' } });
  });

  it('the built bin runs', () => {
    const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
    const dir = mkdtempSync(join(tmpdir(), 'descent-'));
    const out = execFileSync('node', [bin, 'lr', 'plot', 'linear', '--warmup', '2', '--total', '10', '--json'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([0, 0.5, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125]);
  });
});
