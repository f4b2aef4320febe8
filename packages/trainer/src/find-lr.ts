import * as tf from '@tensorflow/tfjs-core';
import { check, getDefaultGenerator, InvalidArgumentError, isHostTensor } from '@descent/core';
import { GradScaler } from '@descent/amp';
import { formatTick, renderSvg } from '@descent/lr-schedule';
import { splitBatch, needTarget, type TrainLoader } from './batch.js';
import { restoreSnapshot, snapshotState } from './model.js';
import { node } from './node.js';
import { writeSvgAndPng } from './plots.js';
import { resolveAmp, trainStep } from './train-step.js';
import type { Trainer } from './trainer.js';
import { setOptimizerMode } from './optimizer-mode.js';

/** Options of {@link Trainer.findLr} (fastai's and Lightning's `lr_find`). */
export interface FindLrOptions {
  trainLoader: TrainLoader;
  /** Default 1e-7. */
  startLr?: number;
  /** Default 10. */
  endLr?: number;
  /** Steps of the sweep (batches; the loader is re-iterated as needed). Default 100. */
  numSteps?: number;
  /** How the lr grows from startLr to endLr. Default 'exponential'. */
  mode?: 'exponential' | 'linear';
  /** Weight of each new loss in the (debiased) exponential moving average. Default 0.05. */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of the best one. Default 5. */
  divergeThreshold?: number;
}

/** What {@link Trainer.findLr} returns: the sweep and its suggestion. */
export interface FindLrResult {
  /** The learning rate of each step taken. */
  lrs: number[];
  /** The smoothed loss after each step. */
  losses: number[];
  /** The raw loss of each step. */
  rawLosses: number[];
  /** The lr at the steepest descent of the smoothed loss, or null with too few points. */
  suggestion: number | null;
  /** Files written (the plot), when the trainer has an outputDir. */
  files: string[];
}

/** The lr of step `i` of `n`. */
export function sweepLr(i: number, n: number, startLr: number, endLr: number, mode: 'exponential' | 'linear'): number {
  const t = n <= 1 ? 0 : i / (n - 1);
  return mode === 'exponential' ? startLr * (endLr / startLr) ** t : startLr + (endLr - startLr) * t;
}

/**
 * Lightning's suggestion: the index of the most negative gradient (torch.gradient:
 * central differences, one-sided at the ends) of the smoothed losses, skipping the
 * first `skipBegin` and last `skipEnd` points and non-finite values.
 */
export function steepestIndex(losses: readonly number[], skipBegin: number, skipEnd: number): number | null {
  const idx: number[] = [];
  for (let i = skipBegin; i < losses.length - skipEnd; i++) if (Number.isFinite(losses[i])) idx.push(i);
  if (idx.length < 2) return null;
  const v = idx.map((i) => losses[i]);
  let best = 0;
  let bestGrad = Infinity;
  for (let j = 0; j < v.length; j++) {
    const g = j === 0 ? v[1] - v[0] : j === v.length - 1 ? v[j] - v[j - 1] : (v[j + 1] - v[j - 1]) / 2;
    if (g < bestGrad) {
      bestGrad = g;
      best = j;
    }
  }
  return idx[best];
}

function cloneOptimizerState(state: unknown): unknown {
  if (state instanceof tf.Tensor) return tf.keep(tf.clone(state));
  if (isHostTensor(state) || state === null || typeof state !== 'object') return state;
  if (Array.isArray(state)) return state.map(cloneOptimizerState);
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, cloneOptimizerState(v)]));
}

function disposeTree(state: unknown): void {
  if (state instanceof tf.Tensor) state.dispose();
  else if (Array.isArray(state)) state.forEach(disposeTree);
  else if (state !== null && typeof state === 'object' && !isHostTensor(state)) Object.values(state).forEach(disposeTree);
}

/**
 * The LR range test (Smith 2015; fastai's `lr_find`, Lightning's `lr_find`):
 * trains `numSteps` batches with the lr swept from `startLr` to `endLr`, records
 * the smoothed loss, stops early once it diverges, and suggests the lr of the
 * steepest descent. Model weights, optimizer state and lrs, scheduler, scaler,
 * the RNG and the loader's position are put back afterwards. With an outputDir,
 * writes `lr_find.svg` (and `.png`).
 */
export async function findLr(trainer: Trainer, options: FindLrOptions): Promise<FindLrResult> {
  const { trainLoader: loader, startLr = 1e-7, endLr = 10, numSteps = 100, mode = 'exponential', smoothing = 0.05, divergeThreshold = 5 } = options;
  check(typeof loader === 'object' && loader !== null && typeof loader[Symbol.asyncIterator] === 'function', 'trainLoader', loader);
  check(typeof startLr === 'number' && startLr > 0 && Number.isFinite(startLr), 'startLr', startLr);
  check(typeof endLr === 'number' && endLr > startLr && Number.isFinite(endLr), 'endLr', endLr, `Invalid endLr: ${endLr} (expected a number above startLr ${startLr})`);
  check(Number.isInteger(numSteps) && numSteps >= 2, 'numSteps', numSteps);
  check(mode === 'exponential' || mode === 'linear', 'mode', mode, `Invalid mode: ${JSON.stringify(mode)} (expected 'exponential' or 'linear')`);
  check(typeof smoothing === 'number' && smoothing > 0 && smoothing <= 1, 'smoothing', smoothing);
  check(typeof divergeThreshold === 'number' && divergeThreshold > 1, 'divergeThreshold', divergeThreshold);

  const { model, optimizer } = trainer;
  const dtype = resolveAmp(trainer.amp);
  const scaler = trainer.scaler ?? (dtype === 'float16' ? new GradScaler() : null);
  const weights = snapshotState(model);
  const optState = typeof optimizer.stateDict === 'function' ? cloneOptimizerState(optimizer.stateDict()) : null;
  const groups = optimizer.paramGroups.map((g) => ({ ...g }));
  const schedulerState = trainer.scheduler ? structuredClone(trainer.scheduler.stateDict()) : null;
  const scalerState = scaler?.isEnabled() ? scaler.stateDict() : null;
  const rng = getDefaultGenerator().getState();
  const loaderState = loader.stateDict?.() ?? null;

  const lrs: number[] = [];
  const losses: number[] = [];
  const rawLosses: number[] = [];
  const beta = 1 - smoothing;
  try {
    // Schedule-free steps only in train mode; the snapshot above restores the mode with the weights.
    setOptimizerMode(optimizer, 'train');
    let avg = 0;
    let best = Infinity;
    let i = 0;
    sweep: while (i < numSteps) {
      let any = false;
      for await (const batch of loader) {
        any = true;
        const lr = sweepLr(i, numSteps, startLr, endLr, mode);
        for (const g of optimizer.paramGroups) g.lr = lr;
        const { x, y } = splitBatch(batch);
        const out = await trainStep({ model, optimizer, loss: trainer.loss, x, y: needTarget(y), amp: dtype ?? false, scaler: scaler ?? undefined, maxGradNorm: trainer.maxGradNorm });
        const loss = (await out.loss.data())[0];
        out.loss.dispose();
        out.gradNorm?.dispose();
        avg = beta * avg + (1 - beta) * loss;
        const smoothed = avg / (1 - beta ** (i + 1));
        lrs.push(lr);
        rawLosses.push(loss);
        losses.push(smoothed);
        i++;
        if (!Number.isFinite(smoothed) || (i > 1 && smoothed > divergeThreshold * best)) break sweep;
        if (smoothed < best || i === 1) best = smoothed;
        if (i >= numSteps) break sweep;
      }
      if (!any) throw new InvalidArgumentError('trainLoader', loader, 'findLr: the trainLoader yielded no batches');
    }
  } finally {
    restoreSnapshot(weights);
    if (optState !== null) {
      optimizer.loadStateDict!(optState as never);
      disposeTree(optState);
    }
    optimizer.paramGroups.forEach((group, i) => {
      const g = group as Record<string, unknown>;
      for (const key of Object.keys(g)) if (!(key in groups[i])) delete g[key];
      Object.assign(g, groups[i]);
    });
    if (trainer.scheduler && schedulerState) trainer.scheduler.loadStateDict(schedulerState);
    if (scaler && scalerState) scaler.loadStateDict(scalerState);
    getDefaultGenerator().setState(rng);
    if (loaderState) loader.loadStateDict!(loaderState);
  }

  const skipBegin = Math.min(10, Math.floor(losses.length / 10));
  const at = steepestIndex(losses, skipBegin, 1);
  const suggestion = at === null ? null : lrs[at];
  const files: string[] = [];
  if (trainer.outputDir) {
    const m = await node('findLr plot');
    await m.fs.mkdir(trainer.outputDir, { recursive: true });
    const title = `LR range test (${mode}, ${formatTick(startLr)} to ${formatTick(endLr)} over ${losses.length} steps): suggested lr ${suggestion === null ? 'none' : formatTick(suggestion)}`;
    files.push(...(await writeSvgAndPng(m, trainer.outputDir, 'lr_find', renderSvg([losses], { title, width: 760 }))));
  }
  return { lrs, losses, rawLosses, suggestion, files };
}
