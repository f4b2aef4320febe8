// Plots of a schedule: SVG (hand-written, so the package stays dependency-free)
// and a terminal chart. PNG lives in the `plot-png` entry, which renders this SVG.
import { check, checkPositiveInt, formatValue } from './errors.js';
import type { Scheduler } from './scheduler.js';
import type { Schedule } from './schedules.js';

/** A pure schedule, a scheduler (stepped in place), or values already sampled (one array per series). */
export type PlotSource = Schedule | Scheduler | number[] | number[][];

/** Options of {@link plotSchedule} and the renderers. */
export interface PlotOptions {
  /** Points to draw: epochs 0 .. steps - 1. Default 100 (ignored for sampled values). */
  steps?: number;
  title?: string;
  /** SVG size in px. Defaults 640 x 360. */
  width?: number;
  height?: number;
  /** Terminal chart size in characters. Defaults 64 x 16. */
  columns?: number;
  rows?: number;
  /** Series names for the legend; default `group 0`, `group 1`, ... */
  labels?: string[];
  /** Draw the legend. Default: when there is more than one series. */
  legend?: boolean;
}

/** How series `g` is drawn: SVG stroke color and dash pattern, terminal glyph. */
export interface SeriesStyle {
  color: string;
  /** SVG `stroke-dasharray`; `''` is a solid line. */
  dash: string;
  mark: string;
}

// Ten colors (matplotlib's tab10 order, the first six as before) times four dash
// patterns: twenty distinct (color, dash) pairs, and the first four differ in both.
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES = ['', '7 4', '2 3', '10 3 2 3'];
const MARKS = ['*', '+', 'o', 'x', '#', '@', '%', '=', '~', '&'];

/** The style of series `g` (the same in SVG, PNG and terminal legends). */
export function seriesStyle(g: number): SeriesStyle {
  return { color: COLORS[g % COLORS.length]!, dash: DASHES[g % DASHES.length]!, mark: MARKS[g % MARKS.length]! };
}

const labelOf = (options: PlotOptions, g: number) => options.labels?.[g] ?? `group ${g}`;
const showLegend = (series: number[][], options: PlotOptions) => options.legend ?? series.length > 1;

/** What {@link plotSchedule} returns: the sampled values and both drawings. */
export interface SchedulePlot {
  /** `series[g][k]`: the value of series `g` at epoch `k`. */
  series: number[][];
  svg: string;
  terminal: string;
}

function isScheduler(x: unknown): x is Scheduler {
  return typeof x === 'object' && x !== null && typeof (x as Scheduler).step === 'function' && typeof (x as Scheduler).getLastLr === 'function';
}

/**
 * The values to plot. A scheduler is read as it stands (its current lrs are
 * epoch 0 of the plot) and stepped `steps - 1` times; it is changed by this.
 */
export function sampleSchedule(source: PlotSource, steps = 100): number[][] {
  if (Array.isArray(source)) {
    const series = (source.length > 0 && Array.isArray(source[0]) ? source : [source]) as number[][];
    check(series.every((s) => Array.isArray(s) && s.length > 0), 'source', source, 'sampled values must be non-empty arrays of numbers');
    return series.map((s) => [...s]);
  }
  checkPositiveInt('steps', steps);
  if (typeof source === 'function') {
    const out = new Array<number>(steps);
    for (let k = 0; k < steps; k++) out[k] = source(k);
    return [out];
  }
  check(isScheduler(source), 'source', source, `source must be a schedule function, a scheduler or arrays of values, got ${formatValue(source)}`);
  const rows: number[][] = [source.getLastLr()];
  for (let k = 1; k < steps; k++) {
    source.step();
    rows.push(source.getLastLr());
  }
  return rows[0]!.map((_, g) => rows.map((r) => r[g]!));
}

/** A compact, readable number for axis labels. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return Number(v.toPrecision(3)).toString();
}

function range(series: number[][]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) for (const v of s) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return lo === 0 ? [0, 1] : [Math.min(0, lo), Math.max(0, hi)];
  return [Math.min(lo, 0) === 0 && lo >= 0 && lo < (hi - lo) * 0.25 ? 0 : lo, hi];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

// Legend text is not measured (no fonts here): 7.2 px a character is DejaVu Sans'
// average advance at 12 px, a little generous for Arial and Helvetica.
const CHAR_PX = 7.2;
const SWATCH = 24;
const LEGEND_ROW = 18;

/** Legend entries flowed left to right under the x axis, wrapping at `width`. */
function legendLayout(labels: string[], width: number): { x: number; row: number }[] {
  const at: { x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const label of labels) {
    const w = SWATCH + 6 + label.length * CHAR_PX;
    if (x > 0 && x + w > width) (x = 0), row++;
    at.push({ x, row });
    x += w + 18;
  }
  return at;
}

/** Draws sampled series (`series[g][k]`) as an SVG line chart with ticks, and a legend for several series (`legend`). */
export function renderSvg(series: number[][], options: PlotOptions = {}): string {
  const W = options.width ?? 640;
  const H = options.height ?? 360;
  const labels = series.map((_, g) => labelOf(options, g));
  const m = { left: 64, right: 16, top: options.title ? 36 : 16, bottom: 40 };
  const pw = W - m.left - m.right;
  const legend = showLegend(series, options) ? legendLayout(labels, pw) : [];
  const legendRows = legend.length ? legend[legend.length - 1]!.row + 1 : 0;
  if (legendRows) m.bottom += legendRows * LEGEND_ROW + 4;
  const ph = H - m.top - m.bottom;
  const n = Math.max(...series.map((s) => s.length));
  const [lo, hi] = range(series);
  const x = (k: number) => m.left + (n === 1 ? pw / 2 : (k / (n - 1)) * pw);
  const y = (v: number) => m.top + ph - ((v - lo) / (hi - lo)) * ph;
  const f = (v: number) => v.toFixed(2);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (options.title) out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const yy = f(y(v));
    out.push(`<line x1="${m.left}" y1="${yy}" x2="${m.left + pw}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#333">${escapeXml(formatTick(v))}</text>`);
  }
  const xticks = Math.min(5, n - 1);
  for (let i = 0; i <= xticks; i++) {
    const k = xticks === 0 ? 0 : Math.round(((n - 1) * i) / xticks);
    out.push(`<text x="${f(x(k))}" y="${m.top + ph + 18}" text-anchor="middle" fill="#333">${k}</text>`);
  }
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 34}" text-anchor="middle" fill="#333">step</text>`);
  const stroke = (g: number) => {
    const { color, dash } = seriesStyle(g);
    return `stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}`;
  };
  series.forEach((s, g) => {
    const pts = s.map((v, k) => (Number.isFinite(v) ? `${f(x(k))},${f(y(v))}` : '')).filter(Boolean).join(' ');
    // A named series carries its name (a tooltip, and findable in the SVG).
    const named = series.length > 1 || options.labels?.[g] !== undefined;
    out.push(`<polyline fill="none" ${stroke(g)} points="${pts}"${named ? `><title>${escapeXml(labels[g]!)}</title></polyline>` : '/>'}`);
  });
  if (legend.length) {
    out.push('<g class="legend">');
    legend.forEach(({ x: lx, row }, g) => {
      const x0 = m.left + lx;
      const yy = m.top + ph + 40 + LEGEND_ROW / 2 + row * LEGEND_ROW;
      out.push(`<line x1="${f(x0)}" y1="${yy}" x2="${f(x0 + SWATCH)}" y2="${yy}" ${stroke(g)}/>`);
      out.push(`<text x="${f(x0 + SWATCH + 6)}" y="${yy}" dominant-baseline="middle" fill="#333">${escapeXml(labels[g]!)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Draws sampled series as a text chart for a terminal, one glyph per series. */
export function renderTerminal(series: number[][], options: PlotOptions = {}): string {
  const cols = options.columns ?? 64;
  const rows = options.rows ?? 16;
  const n = Math.max(...series.map((s) => s.length));
  const [lo, hi] = range(series);
  const grid = Array.from({ length: rows }, () => new Array<string>(cols).fill(' '));
  const rowOf = (v: number) => rows - 1 - Math.round(((v - lo) / (hi - lo)) * (rows - 1));
  series.forEach((s, g) => {
    let prev: number | undefined;
    for (let c = 0; c < cols; c++) {
      const k = n === 1 ? 0 : Math.round((c * (n - 1)) / (cols - 1));
      const v = s[k];
      if (v === undefined || !Number.isFinite(v)) {
        prev = undefined;
        continue;
      }
      const r = rowOf(v);
      // Fill the vertical gap from the previous column so drops read as lines.
      const [a, b] = prev === undefined ? [r, r] : [Math.min(prev, r), Math.max(prev, r)];
      for (let rr = a; rr <= b; rr++) if (rr === r || grid[rr]![c] === ' ') grid[rr]![c] = seriesStyle(g).mark;
      prev = r;
    }
  });
  const labels = grid.map((_, r) => (r === 0 ? formatTick(hi) : r === rows - 1 ? formatTick(lo) : r === Math.floor((rows - 1) / 2) ? formatTick(lo + (hi - lo) * (1 - r / (rows - 1))) : ''));
  const lw = Math.max(...labels.map((l) => l.length));
  const lines: string[] = [];
  if (options.title) lines.push(options.title);
  grid.forEach((row, r) => lines.push(`${labels[r]!.padStart(lw)} |${row.join('')}`));
  lines.push(`${' '.repeat(lw)} +${'-'.repeat(cols)}`);
  const last = String(n - 1);
  lines.push(`${' '.repeat(lw)}  0${last.padStart(cols - 1)}`);
  if (showLegend(series, options)) {
    // One line when it fits under the chart, else one entry a line.
    const entries = series.map((_, g) => `${seriesStyle(g).mark} ${labelOf(options, g)}`);
    const one = `${' '.repeat(lw + 2)}${entries.join('   ')}`;
    if (one.length <= lw + 2 + cols) lines.push(one);
    else for (const e of entries) lines.push(`${' '.repeat(lw + 2)}${e}`);
  }
  return lines.join('\n');
}

/** Samples `source` and renders it as SVG and as a terminal chart. */
export function plotSchedule(source: PlotSource, options: PlotOptions = {}): SchedulePlot {
  const series = sampleSchedule(source, options.steps ?? 100);
  return { series, svg: renderSvg(series, options), terminal: renderTerminal(series, options) };
}
