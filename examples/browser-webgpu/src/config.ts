// What a training run is made of: the form's values, kept in checkpoints so a
// restored run rebuilds the same model, optimizer and schedule.
import type { ModelKind } from './model.js';

export type OptimizerKind = 'adam' | 'adamw' | 'sgd';
export type AmpChoice = 'auto' | 'float16' | 'off';

export interface ScheduleChoice {
  /** A name of @descent/lr-schedule's SCHEDULES registry. */
  name: string;
  /** The options as given to the registry entry's `create`. */
  options: Record<string, unknown>;
}

export interface RunConfig {
  model: ModelKind;
  optimizer: OptimizerKind;
  lr: number;
  batchSize: number;
  /** Optimizer steps in the run; the schedule's horizon. */
  steps: number;
  amp: AmpChoice;
  seed: number;
  schedule: ScheduleChoice;
}

export const OPTIMIZER_LABELS: Record<OptimizerKind, string> = {
  adam: 'Adam',
  adamw: 'AdamW (weight decay 0.01)',
  sgd: 'SGD (momentum 0.9)',
};

/** The fields of the optimizer's param groups that schedules may cycle besides lr. */
export function groupFields(kind: OptimizerKind): Record<string, unknown> {
  return kind === 'sgd' ? { momentum: 0.9 } : { betas: [0.9, 0.999] };
}

export const DEFAULT_CONFIG: Omit<RunConfig, 'schedule'> = {
  model: 'mlp',
  optimizer: 'adam',
  lr: 1e-3,
  batchSize: 64,
  steps: 1000,
  amp: 'auto',
  seed: 0,
};

/** Loss is read back every LOG_EVERY steps (a device read stalls WebGPU's queue). */
export const LOG_EVERY = 5;
/** Held-out accuracy is measured every EVAL_EVERY steps, on the first EVAL_SAMPLES test images. */
export const EVAL_EVERY = 25;
export const EVAL_SAMPLES = 1000;
