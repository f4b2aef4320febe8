// The schedules to plot: torch's StepLR and ExponentialLR by epoch, and every
// HuggingFace schedule transformers' get_scheduler knows (but ReduceLROnPlateau,
// which follows a metric, not the step count) over one training run.
import { ExponentialLR, HF_SCHEDULER_NAMES, StepLR, getScheduler, type HfSchedulerName, type Scheduler } from '@descent/lr-schedule';

export interface PlotSettings {
  /** The peak learning rate. */
  lr: number;
  /** Epochs of the torch schedules. */
  epochs: number;
  /** Steps of the HF schedules, and their warmup. */
  steps: number;
  warmup: number;
}

export interface ScheduleSpec {
  /** File name without extension. */
  name: string;
  title: string;
  /** Points to sample: epochs or steps. */
  length: number;
  make(optimizer: { paramGroups: { lr: number }[] }): Scheduler;
}

/** The HF schedules plotted: every name of transformers' SchedulerType that is a function of the step. */
export const HF_PLOTTED = HF_SCHEDULER_NAMES.filter((n): n is Exclude<HfSchedulerName, 'reduce_lr_on_plateau'> => n !== 'reduce_lr_on_plateau');

/** Options beyond warmup and length that a schedule needs, or that show what it does. */
function hfOptions(name: HfSchedulerName, s: PlotSettings): Record<string, unknown> {
  switch (name) {
    case 'cosine_with_restarts':
      return { numCycles: 3 };
    case 'polynomial':
      return { lrEnd: s.lr / 100, power: 2 };
    case 'cosine_with_min_lr':
      return { minLrRate: 0.1 };
    case 'warmup_stable_decay':
      return { numDecaySteps: Math.round(s.steps * 0.2) };
    default:
      return {};
  }
}

function describe(options: Record<string, unknown>): string {
  const parts = Object.entries(options).map(([k, v]) => `${k} ${v}`);
  return parts.length ? `, ${parts.join(', ')}` : '';
}

export function scheduleSpecs(s: PlotSettings): ScheduleSpec[] {
  const torch: ScheduleSpec[] = [
    { name: 'StepLR', title: `StepLR(stepSize 30, gamma 0.1), lr ${s.lr}`, length: s.epochs, make: (o) => new StepLR(o, { stepSize: 30, gamma: 0.1 }) },
    { name: 'ExponentialLR', title: `ExponentialLR(gamma 0.95), lr ${s.lr}`, length: s.epochs, make: (o) => new ExponentialLR(o, { gamma: 0.95 }) },
  ];
  const hf = HF_PLOTTED.map((name): ScheduleSpec => {
    const extra = hfOptions(name, s);
    const warm = name === 'constant' ? '' : `, warmup ${s.warmup}`;
    return {
      name,
      title: `get_scheduler('${name}')${warm}${describe(extra)}, ${s.steps} steps`,
      length: s.steps,
      make: (o) => getScheduler(name, o, { numWarmupSteps: s.warmup, numTrainingSteps: s.steps, ...extra }) as Scheduler,
    };
  });
  return [...torch, ...hf];
}
