import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { plotSchedulePng } from '../src/plot-png.js';

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
