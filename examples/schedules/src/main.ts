// npm start [-- --out plots --lr 1e-3 --epochs 100 --steps 1000 --warmup 100]: every schedule to SVG and PNG,
// one file each, and the HF schedules overlaid in one figure; a terminal chart of each on stdout.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { plotSchedule } from '@descent/lr-schedule';
import { svgToPng } from '@descent/lr-schedule/plot-png';
import { HF_PLOTTED, scheduleSpecs, type PlotSettings } from './schedules.ts';

const { values } = parseArgs({
  options: { out: { type: 'string' }, lr: { type: 'string' }, epochs: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' } },
});
function positive(name: string, value: string | undefined, fallback: number, integer = true): number {
  const v = value === undefined ? fallback : Number(value);
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new Error(`Invalid --${name}: ${value} (expected a positive ${integer ? 'integer' : 'number'})`);
  return v;
}
const settings: PlotSettings = {
  lr: positive('lr', values.lr, 1e-3, false),
  epochs: positive('epochs', values.epochs, 100),
  steps: positive('steps', values.steps, 1000),
  warmup: positive('warmup', values.warmup, 100),
};
if (settings.warmup >= settings.steps) throw new Error(`Invalid --warmup: ${settings.warmup} (expected fewer than --steps ${settings.steps})`);
const out = resolve(values.out ?? 'plots');
mkdirSync(out, { recursive: true });

/** A temp file renamed into place: a reader never sees half a plot. */
function write(file: string, data: string | Uint8Array): void {
  const path = join(out, file);
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
  console.log(`wrote ${path}`);
}

const short = (v: number) => String(Number(v.toPrecision(4)));

async function save(name: string, svg: string): Promise<void> {
  write(`${name}.svg`, svg);
  write(`${name}.png`, await svgToPng(svg, { scale: 2 })); // 2x: sharp on high-density screens
}

const hf: number[][] = [];
for (const spec of scheduleSpecs(settings)) {
  const scheduler = spec.make({ paramGroups: [{ lr: settings.lr }] });
  const plot = plotSchedule(scheduler, { steps: spec.length, title: spec.title });
  console.log(`\n${plot.terminal}`);
  const lrs = plot.series[0]!;
  const peak = Math.max(...lrs);
  console.log(`${spec.name}: lr ${short(lrs[0]!)} at 0, peak ${short(peak)} at ${lrs.indexOf(peak)}, ${short(lrs.at(-1)!)} at ${lrs.length - 1}`);
  await save(spec.name, plot.svg);
  if ((HF_PLOTTED as readonly string[]).includes(spec.name)) hf.push(lrs);
}
const overview = plotSchedule(hf, { labels: [...HF_PLOTTED], title: `HuggingFace schedules: warmup ${settings.warmup}, ${settings.steps} steps`, height: 420 });
console.log(`\n${overview.terminal}`);
await save('huggingface', overview.svg);
