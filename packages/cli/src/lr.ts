import { findSchedule, plotSchedule, SCHEDULES, type OptimizerLike } from '@descent/lr-schedule';
import { parseValue, type ParsedArgs } from './args.js';

export interface Io {
  out(text: string): void;
  writeFile(path: string, data: string | Uint8Array): Promise<void> | void;
}

export const LR_USAGE = `Usage:
  descent lr list
  descent lr plot <name> [--<option> <value> ...] [--warmup N] [--total N] [--lr LR] [--steps N]
                         [--out file.svg|file.png] [--json] [--width PX] [--height PX]

  --warmup and --total set the schedule's warmup and total-length options
  (numWarmupSteps / numTrainingSteps for the transformers schedules, tMax,
  totalIters or totalSteps for torch's). --lr is the optimizer's lr (default 1,
  so the curve shows the multiplier). --steps defaults to --total, else 100.
  Without --out the curve is drawn in the terminal; --json prints the values.`;

const CLI_FLAGS = new Set(['warmup', 'total', 'lr', 'steps', 'out', 'json', 'width', 'height', 'title', 'help']);

export function listSchedules(io: Io): void {
  const w = Math.max(...SCHEDULES.map((e) => e.name.length));
  for (const source of ['torch', 'transformers'] as const) {
    io.out(source === 'torch' ? 'torch.optim.lr_scheduler:' : 'transformers (get_scheduler names):');
    for (const e of SCHEDULES.filter((x) => x.source === source)) {
      const opts = Object.entries(e.options)
        .map(([k, v]) => (v === undefined ? k : `${k}=${Array.isArray(v) ? v.join(',') : typeof v === 'number' ? Number(v.toPrecision(4)) : v}`))
        .join(' ');
      io.out(`  ${e.name.padEnd(w)}  ${e.description}${opts ? `  [${opts}]` : ''}`);
    }
  }
  io.out('Aliases: cosine_with_warmup, linear_with_warmup, wsd. Names ignore case, "_" and "-".');
}

export async function plotCommand(args: ParsedArgs, io: Io): Promise<void> {
  const name = args.positional[0];
  if (!name) throw new Error(`descent lr plot: which schedule? \n${LR_USAGE}`);
  const entry = findSchedule(name);
  const f = args.flags;
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (!CLI_FLAGS.has(k)) options[k] = parseValue(v);
  if (f.warmup !== undefined) {
    if (!entry.warmup) throw new Error(`${entry.name} has no warmup option`);
    options[entry.warmup] = parseValue(f.warmup);
  }
  if (f.total !== undefined) {
    if (!entry.total) throw new Error(`${entry.name} has no total-length option`);
    options[entry.total] = parseValue(f.total);
  }
  const lr = f.lr === undefined ? 1 : Number(parseValue(f.lr));
  if (!Number.isFinite(lr)) throw new Error(`--lr must be a number, got ${String(f.lr)}`);
  const optimizer: OptimizerLike = { paramGroups: [{ lr, momentum: 0.9 }], defaults: { lr, momentum: 0.9 } };
  const scheduler = entry.create(optimizer, options);
  const total = entry.total ? options[entry.total] : undefined;
  const steps = f.steps !== undefined ? Number(parseValue(f.steps)) : typeof total === 'number' ? total : 100;
  const title = typeof f.title === 'string' ? f.title : `${entry.name} ${Object.entries(options).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`.trim();
  const plot = plotSchedule(scheduler, {
    steps,
    title,
    width: f.width ? Number(f.width) : undefined,
    height: f.height ? Number(f.height) : undefined,
  });
  const values = plot.series[0]!;
  if (f.json) io.out(JSON.stringify(values));
  const out = typeof f.out === 'string' ? f.out : undefined;
  if (out?.toLowerCase().endsWith('.png')) {
    const { svgToPng } = await import('@descent/lr-schedule/plot-png');
    await io.writeFile(out, await svgToPng(plot.svg));
    io.out(`wrote ${out}`);
  } else if (out) {
    await io.writeFile(out, plot.svg);
    io.out(`wrote ${out}`);
  } else if (!f.json) {
    io.out(plot.terminal);
  }
}
