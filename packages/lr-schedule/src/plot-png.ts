// PNG output: @resvg/resvg-js (an optional peer dependency) rasterizes the SVG
// of plotSchedule. A separate entry so the main bundle never references it.
import { DescentError } from './errors.js';
import { plotSchedule, type PlotOptions, type PlotSource } from './plot.js';

interface ResvgModule {
  Resvg: new (svg: string, options?: object) => { render(): { asPng(): Uint8Array } };
}

async function loadResvg(): Promise<ResvgModule> {
  try {
    const mod = (await import('@resvg/resvg-js')) as unknown as ResvgModule & { default?: ResvgModule };
    return mod.Resvg ? mod : mod.default!;
  } catch (cause) {
    throw new DescentError('PNG plots need the optional dependency @resvg/resvg-js: install it next to @descent/lr-schedule', { cause });
  }
}

/** Rasterizes an SVG string to PNG bytes. */
export async function svgToPng(svg: string, options: { scale?: number } = {}): Promise<Uint8Array> {
  const { Resvg } = await loadResvg();
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: options.scale && options.scale !== 1 ? { mode: 'zoom', value: options.scale } : { mode: 'original' },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return new Uint8Array(resvg.render().asPng());
}

/** `plotSchedule(...)` as PNG bytes. */
export async function plotSchedulePng(source: PlotSource, options: PlotOptions & { scale?: number } = {}): Promise<Uint8Array> {
  return svgToPng(plotSchedule(source, options).svg, options);
}
