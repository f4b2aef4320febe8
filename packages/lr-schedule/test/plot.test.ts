import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { plotSchedulePng } from '../src/plot-png.js';
import { seriesStyle } from '../src/plot.js';

const f = L.warmupCosineDecaySchedule({ peakValue: 0.1, warmupSteps: 5, decaySteps: 30 });

describe('plotSchedule', () => {
  it('draws SVG with one polyline per param group', () => {
    const opt = { paramGroups: [{ lr: 0.1 }, { lr: 0.05 }] };
    const p = L.plotSchedule(new L.StepLR(opt, { stepSize: 10, gamma: 0.5 }), { steps: 40, title: 'StepLR' });
    expect(p.series).toHaveLength(2);
    expect(p.series[0]![39]).toBeCloseTo(0.0125, 15);
    expect(p.svg.startsWith('<svg')).toBe(true);
    expect(p.svg.match(/<polyline/g)).toHaveLength(2);
    expect(p.svg).toContain('StepLR');
    expect(p.svg).toContain('group 1');
  });

  it('draws a terminal chart whose marks follow the curve', () => {
    const p = L.plotSchedule(f, { steps: 30, columns: 30, rows: 10 });
    const lines = p.terminal.split('\n');
    const grid = lines.slice(0, 10).map((l) => l.slice(l.indexOf('|') + 1));
    // Starts at the bottom (0), peaks at the top after the warmup.
    expect(grid[9]![0]).toBe('*');
    expect(grid[0]!.indexOf('*')).toBeGreaterThan(3);
    expect(lines[0]).toMatch(/^\s*0\.1 \|/);
    expect(p.terminal).toContain('+------');
  });

  it('renders PNG through @resvg/resvg-js', async () => {
    const png = await plotSchedulePng(f, { steps: 30, title: 'warmup + cosine' });
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([640, 360]);
  });

  it('overlays several series: distinct colors and dashes, a legend under the axis', () => {
    const a = L.sampleSchedule(f, 30)[0]!;
    const b = a.map((v) => v / 2);
    const svg = L.renderSvg([a, b], { labels: ['warmup & cosine', 'half'], width: 500, height: 300 });
    const lines = [...svg.matchAll(/<polyline fill="none" stroke="([^"]+)" stroke-width="2"( stroke-dasharray="([^"]+)")? points="([^"]+)"><title>([^<]*)</g)];
    expect(lines).toHaveLength(2);
    expect(lines[0]![1]).not.toBe(lines[1]![1]);
    expect(lines[0]![3]).toBeUndefined(); // the first series is solid
    expect(lines[1]![3]).toBe('7 4');
    expect(lines.map((l) => l[5])).toEqual(['warmup &amp; cosine', 'half']);
    for (const l of lines) expect(l[4]!.split(' ')).toHaveLength(30);
    const legend = svg.slice(svg.indexOf('<g class="legend">'), svg.indexOf('</g>'));
    expect(legend.match(/<line [^>]*stroke="#1f77b4"[^>]*\/>/)).not.toBeNull();
    expect(legend.match(/<line [^>]*stroke-dasharray="7 4"[^>]*\/>/)).not.toBeNull();
    expect(legend).toContain('>warmup &amp; cosine</text>');
    expect(legend).toContain('>half</text>');
    // The legend sits below the x axis, inside the picture.
    const axisY = Number(/<line x1="64" y1="([\d.]+)" x2="484" y2="\1" stroke="#333"\/>/.exec(svg)![1]);
    for (const [, y] of legend.matchAll(/<text x="[\d.]+" y="([\d.]+)"/g)) expect(Number(y)).toBeGreaterThan(axisY + 20), expect(Number(y)).toBeLessThan(300);
    // One series: no legend unless asked for.
    expect(L.renderSvg([a])).not.toContain('class="legend"');
    expect(L.renderSvg([a], { legend: true, labels: ['only'] })).toContain('>only</text>');
  });

  it('wraps long legends onto more rows and keeps every entry inside the width', () => {
    const s = Array.from({ length: 6 }, (_, g) => [g, g + 1]);
    const labels = s.map((_, g) => `series number ${g} with a long label`);
    const svg = L.renderSvg(s, { labels, width: 640, height: 400 });
    const xs = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" dominant-baseline="middle" fill="#333">series number/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(xs).toHaveLength(6);
    expect(new Set(xs.map(([, y]) => y)).size).toBeGreaterThan(1);
    for (const [x, y] of xs) expect(x + labels[0]!.length * 7.2).toBeLessThanOrEqual(640), expect(y).toBeLessThan(400);
    const strokes = [...svg.matchAll(/<polyline fill="none" stroke="([^"]+)" stroke-width="2"(?: stroke-dasharray="([^"]+)")?/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(new Set(strokes).size).toBe(6);
  });

  it('draws several series in the terminal with distinct glyphs and a legend line', () => {
    const up = Array.from({ length: 20 }, (_, k) => k);
    const down = up.map((k) => 19 - k);
    const t = L.renderTerminal([up, down], { labels: ['up', 'down'], columns: 20, rows: 8 });
    const lines = t.split('\n');
    const grid = lines.slice(0, 8).map((l) => l.slice(l.indexOf('|') + 1));
    // up starts at the bottom, down at the top; they cross in the middle.
    expect(grid[7]![0]).toBe('*');
    expect(grid[0]![0]).toBe('+');
    expect(grid[0]!.at(-1)).toBe('*');
    expect(grid[7]!.at(-1)).toBe('+');
    expect(lines.at(-1)!.trim()).toBe('* up   + down');
    // Too long for one line: one entry a line.
    const long = L.renderTerminal([up, down], { labels: ['x'.repeat(15), 'y'.repeat(15)], columns: 20, rows: 8 });
    expect(long.split('\n').slice(-2).map((l) => l.trim())).toEqual([`* ${'x'.repeat(15)}`, `+ ${'y'.repeat(15)}`]);
  });

  it('gives each series a style: ten colors, four dashes, ten glyphs', () => {
    const styles = Array.from({ length: 20 }, (_, g) => seriesStyle(g));
    expect(new Set(styles.map((s) => `${s.color}/${s.dash}`)).size).toBe(20);
    expect(new Set(styles.slice(0, 10).map((s) => s.mark)).size).toBe(10);
    expect(styles[0]).toEqual({ color: '#1f77b4', dash: '', mark: '*' });
  });

  it('checks its source', () => {
    expect(() => L.plotSchedule({} as never)).toThrow(/source must be a schedule function, a scheduler or arrays of values/);
  });
});

describe('browser bundle', () => {
  it('bundles for the browser with no tensor, node: or resvg imports', async () => {
    const r = await build({
      entryPoints: [join(import.meta.dirname, '..', 'src', 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.filter((p) => p.includes('node_modules'))).toEqual([]);
    expect(inputs.length).toBeGreaterThan(15);
    const code = r.outputFiles[0]!.text;
    expect(code).not.toMatch(/@tensorflow|from ['"]node:|require\(|resvg/);
    expect(code.length).toBeGreaterThan(10_000);
  });
});
