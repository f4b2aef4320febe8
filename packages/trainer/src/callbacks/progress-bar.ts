import * as tf from '@tensorflow/tfjs-core';
import type { Callback, CallbackContext } from '../callbacks.js';
import type { Logs, TrainerState } from '../state.js';

/** Where the bar goes: a Node stream such as `process.stdout`, or anything with `write`. */
export interface ProgressStream {
  /** Writes text as it is. */
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Default `process.stdout` in Node, `console.log` lines elsewhere. */
  stream?: ProgressStream;
  /** Redraw at most this often on a terminal, in ms. Default 100. */
  refreshMs?: number;
  /** Override the terminal detection (`stream.isTTY`). */
  tty?: boolean;
}

function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  if (proc?.stdout && typeof proc.stdout.write === 'function') return proc.stdout;
  return { write: (t: string) => console.log(t.replace(/\n$/, '')), isTTY: false };
}

/** Seconds as `mm:ss`, or `h:mm:ss` from an hour on; `?` for a negative or non-finite time. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/**
 * An epoch as HF logs it: `1` for a whole one, two decimals for a fraction (`1.25`,
 * `0.33`), four where two would round a fraction to a whole number (`1.9983`).
 */
export function formatEpoch(epoch: number): string {
  if (!Number.isFinite(epoch)) return String(epoch);
  if (Number.isInteger(epoch)) return String(epoch);
  const two = Math.round(epoch * 100) / 100;
  return String(Number.isInteger(two) ? Math.round(epoch * 1e4) / 1e4 : two);
}

const num = (v: number | undefined, digits = 4) => (v === undefined ? '-' : Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(2));

/**
 * A progress bar: on a terminal, one line redrawn with `\r` (tqdm-like); else
 * plain lines at every log. Shows the step, loss, learning rate, steps/s, ETA
 * and `tf.memory().numTensors`, the quickest leak detector there is.
 */
export class ProgressBar implements Callback {
  private readonly stream: ProgressStream;
  private readonly refreshMs: number;
  private readonly ttyOverride?: boolean;
  private tty = false;
  private start = 0;
  private startStep = 0;
  private lastDraw = 0;
  private loss: number | undefined;
  private drawn = false;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? defaultStream();
    this.refreshMs = options.refreshMs ?? 100;
    this.ttyOverride = options.tty;
  }

  private rate(state: TrainerState): number {
    const seconds = (performance.now() - this.start) / 1000;
    return seconds > 0 ? (state.globalStep - this.startStep) / seconds : 0;
  }

  /** The status line for the current state (no newline). */
  line(state: TrainerState, lr: number): string {
    const rate = this.rate(state);
    const eta = rate > 0 ? (state.maxSteps - state.globalStep) / rate : NaN;
    const spe = state.stepsPerEpoch || 1;
    const frac = Math.min(1, state.stepInEpoch / spe);
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = this.tty ? `|${'█'.repeat(filled)}${' '.repeat(width - filled)}| ` : '';
    return (
      `epoch ${state.epoch + 1}/${state.numEpochs} ${bar}${state.stepInEpoch}/${spe} ` +
      `step ${state.globalStep}/${state.maxSteps} loss ${num(this.loss)} lr ${lr.toExponential(2)} ` +
      `${rate.toFixed(2)} it/s ETA ${formatDuration(eta)} tensors ${tf.memory().numTensors}`
    );
  }

  private draw(state: TrainerState, lr: number): void {
    let text = this.line(state, lr);
    const cols = this.stream.columns;
    if (cols && text.length > cols - 1) text = text.slice(0, cols - 1);
    this.stream.write(`\r${text}\x1b[K`);
    this.drawn = true;
    this.lastDraw = performance.now();
  }

  onTrainBegin(state: TrainerState): void {
    this.tty = this.ttyOverride ?? this.stream.isTTY === true;
    this.start = performance.now();
    this.startStep = state.globalStep;
  }

  onStepEnd(state: TrainerState, _logs: Logs, { trainer }: CallbackContext): void {
    if (!this.tty) return;
    if (performance.now() - this.lastDraw >= this.refreshMs || state.globalStep === state.maxSteps) this.draw(state, trainer.optimizer.paramGroups[0].lr);
  }

  onLog(state: TrainerState, logs: Logs, { trainer }: CallbackContext): void {
    if (logs.loss !== undefined) this.loss = logs.loss;
    const lr = trainer.optimizer.paramGroups[0].lr;
    const isSummary = logs.train_runtime !== undefined;
    const isEpochEnd = !isSummary && (logs.train_loss !== undefined || logs.eval_loss !== undefined);
    if (isSummary) {
      if (this.tty && this.drawn) this.stream.write('\n');
      this.drawn = false;
      const rate = logs.train_steps_per_second;
      this.stream.write(`training done: ${state.globalStep} steps in ${formatDuration(logs.train_runtime)} (${Number.isFinite(rate) ? rate.toFixed(2) : '-'} it/s), train_loss ${num(logs.train_loss)}\n`);
      return;
    }
    if (this.tty) {
      this.draw(state, lr);
      if (isEpochEnd) {
        const extra = Object.entries(logs)
          .filter(([k]) => k.startsWith('eval_') || k === 'train_loss')
          .map(([k, v]) => `${k} ${num(v)}`)
          .join(' ');
        this.stream.write(extra ? `  ${extra}\n` : '\n');
        this.drawn = false;
      }
      return;
    }
    if (isEpochEnd) {
      const parts = Object.entries(logs)
        .filter(([k]) => k !== 'step')
        .map(([k, v]) => `${k} ${k === 'epoch' ? formatEpoch(v) : num(v)}`);
      this.stream.write(`epoch ${state.epoch + 1}/${state.numEpochs} done: ${parts.join(' ')}\n`);
    } else if (logs.loss !== undefined) {
      this.stream.write(`${this.line(state, lr)}\n`);
    }
  }

  onTrainEnd(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
