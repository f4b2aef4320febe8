import * as tf from '@tensorflow/tfjs-core';
import { DescentError, InvalidArgumentError, check, formatValue, manualSeed } from '@descent/core';
import { GradScaler } from '@descent/amp';
import type { DataLoaderState } from '@descent/data';
import type { Scheduler } from '@descent/lr-schedule';
import { crossEntropy } from '@descent/nn';
import { GradientAccumulator } from './accumulation.js';
import { needTarget, splitBatch, type EvalLoader, type TrainLoader } from './batch.js';
import { CallbackList, type Callback, type CallbackContext, type CallbackEvent } from './callbacks.js';
import { CheckpointError, latestCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointTargets } from './checkpoint.js';
import { hasOptimizerModes, setOptimizerMode } from './optimizer-mode.js';
import { evaluateModel, evaluationLogs, type EvaluationResult, type MetricFn } from './evaluate.js';
import { findLr, type FindLrOptions, type FindLrResult } from './find-lr.js';
import { isPlainObject } from './json.js';
import { toTrainableModel, type ModelLike, type TrainableModel } from './model.js';
import { node } from './node.js';
import { writeRunPlots } from './plots.js';
import { initialState, type Logs, type TrainerState } from './state.js';
import { resolveAmp, trainStep, type AmpOption, type LossFn, type TrainerOptimizer, type TrainStepResult } from './train-step.js';

/** Options of {@link Trainer}: the model and optimizer, and how to train, evaluate, log and save. */
export interface TrainerOptions {
  /** A @descent/nn Module, a tfjs-layers LayersModel, or `{ forward, variables }`. */
  model: ModelLike | TrainableModel;
  /** A @descent/optim optimizer (or anything with `step(grads)` and `paramGroups`). */
  optimizer: TrainerOptimizer;
  /** `(logits, target) => scalar`. Default @descent/nn's `crossEntropy` (class indices or probabilities). */
  loss?: LossFn;
  /** A @descent/lr-schedule scheduler. ReduceLROnPlateau is stepped at each epoch's end with the monitored value. */
  scheduler?: Scheduler;
  /** Step the scheduler after every optimizer step (default) or every epoch. */
  schedulerInterval?: 'step' | 'epoch';
  /** The logged value ReduceLROnPlateau and best-checkpoint tracking watch. Default 'eval_loss' ('train_loss' without an evalLoader). */
  monitor?: string;
  /** Whether a lower (default) or higher monitored value is better. */
  monitorMode?: 'min' | 'max';
  /** Mixed precision: 'float16' (with a GradScaler), 'bfloat16', 'auto' (native float16 where the backend has it) or false (default). */
  amp?: AmpOption;
  /** The GradScaler for float16; default `new GradScaler()` when amp resolves to float16. */
  scaler?: GradScaler;
  /** Micro-batches per optimizer step (loss / k, gradients summed). Default 1. */
  gradientAccumulationSteps?: number;
  /** Clip the global gradient 2-norm to this (after unscaling). Default: no clipping. */
  maxGradNorm?: number;
  /** Seeds @descent/core's default generator (`manualSeed`) when the trainer is created. */
  seed?: number;
  callbacks?: Callback[];
  /** Log (and read the loss back) every this many optimizer steps. Default 50. */
  loggingSteps?: number;
  /** Where checkpoints, metric files and plots go (Node). */
  outputDir?: string;
  /** Evaluated at every epoch's end. */
  evalLoader?: EvalLoader;
  /** Extra evaluation metrics `(logits, target) => scalar`, logged as `eval_<name>`. */
  metrics?: Record<string, MetricFn>;
  /** Write loss/accuracy/LR curves, the confusion matrix and misclassified images into `<outputDir>/plots` at the end. Default true. */
  plots?: boolean;
  /** Class names for the plots. */
  classNames?: string[];
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  trainLoader: TrainLoader;
  /** Epochs to run. Default 1; `maxSteps` overrides it (as in HF). */
  epochs?: number;
  /** Optimizer steps to run in all. */
  maxSteps?: number;
  /** A checkpoint directory, or 'latest' (the highest step in `outputDir`). */
  resumeFrom?: string;
}

/** What {@link Trainer.fit} returns. */
export interface FitResult {
  globalStep: number;
  epoch: number;
  /** The mean training loss over every micro-batch of this fit. */
  trainLoss: number;
  logHistory: Logs[];
  /** The last evaluation, if any. */
  evaluation: EvaluationResult | null;
}

/** Options of {@link Trainer.evaluate}. */
export interface EvaluateCallOptions {
  /** Keep up to this many misclassified samples in the result. */
  collectMisclassified?: number;
}

/** Options of {@link Trainer.predict}. */
export interface PredictOptions {
  /** Return the argmax class indices (int32) instead of the logits. */
  classes?: boolean;
}

interface LossSum {
  sum: number;
  count: number;
}

const MISCLASSIFIED_FOR_PLOTS = 25;

function isPlateau(s: Scheduler): boolean {
  const o = s as unknown as { isBetter?: unknown; numBadEpochs?: unknown };
  return typeof o.isBetter === 'function' && typeof o.numBadEpochs === 'number';
}

function positiveInt(name: string, v: unknown): void {
  check(Number.isInteger(v) && (v as number) > 0, name, v, `Invalid ${name}: ${formatValue(v)} (expected a positive integer)`);
}

/**
 * The training loop of HF's Trainer / Lightning / Keras `fit`, on any Descent
 * backend: mixed precision, gradient accumulation and clipping, schedulers
 * stepped per step or epoch, callbacks, evaluation, atomic checkpoints with a
 * bit-identical resume, an LR range test, and plots of the run.
 */
export class Trainer {
  readonly model: TrainableModel;
  readonly optimizer: TrainerOptimizer;
  readonly loss: LossFn;
  readonly scheduler: Scheduler | null;
  readonly schedulerInterval: 'step' | 'epoch';
  readonly monitor: string;
  readonly monitorMode: 'min' | 'max';
  readonly amp: AmpOption;
  /** The GradScaler in use (created by the first `fit` when amp resolves to float16). */
  scaler: GradScaler | null;
  readonly gradientAccumulationSteps: number;
  readonly maxGradNorm: number | undefined;
  readonly seed: number | undefined;
  readonly loggingSteps: number;
  readonly outputDir: string | undefined;
  readonly evalLoader: EvalLoader | undefined;
  readonly metrics: Record<string, MetricFn>;
  readonly plots: boolean;
  readonly classNames: string[] | undefined;
  readonly callbacks: CallbackList;
  state: TrainerState = initialState();
  /** The last evaluation's result. */
  lastEvaluation: EvaluationResult | null = null;

  private readonly accumulator: GradientAccumulator;
  private ampDtype: 'float16' | 'bfloat16' | null = null;
  /** The loss summed on the device since the last fold (read back only when logging). */
  private running: tf.Scalar | null = null;
  private runningCount = 0;
  private window: LossSum = { sum: 0, count: 0 };
  private epochLoss: LossSum = { sum: 0, count: 0 };
  private totalLoss: LossSum = { sum: 0, count: 0 };
  private lastGradNorm: tf.Scalar | null = null;
  private batchInEpoch = 0;
  private epochLoaderState: DataLoaderState | null = null;
  private trainLoader: TrainLoader | null = null;

  constructor(options: TrainerOptions) {
    check(isPlainObject(options), 'options', options, 'new Trainer(options): options must be an object');
    this.model = toTrainableModel(options.model);
    const opt = options.optimizer;
    check(
      typeof opt === 'object' && opt !== null && typeof opt.step === 'function' && Array.isArray(opt.paramGroups) && opt.paramGroups.length > 0,
      'optimizer',
      opt,
      `Invalid optimizer: ${formatValue(opt === null || typeof opt !== 'object' ? opt : Object.keys(opt))} (expected a @descent/optim optimizer: step(grads) and paramGroups)`,
    );
    this.optimizer = opt;
    this.loss = options.loss ?? crossEntropy;
    check(typeof this.loss === 'function', 'loss', options.loss, `Invalid loss: ${formatValue(options.loss)} (expected (logits, target) => scalar tensor)`);
    const scheduler = options.scheduler ?? null;
    check(scheduler === null || (typeof scheduler === 'object' && typeof (scheduler as { step?: unknown }).step === 'function' && typeof (scheduler as { stateDict?: unknown }).stateDict === 'function'), 'scheduler', scheduler, 'Invalid scheduler: expected a @descent/lr-schedule scheduler');
    this.scheduler = scheduler;
    this.schedulerInterval = options.schedulerInterval ?? 'step';
    check(this.schedulerInterval === 'step' || this.schedulerInterval === 'epoch', 'schedulerInterval', this.schedulerInterval, `Invalid schedulerInterval: ${formatValue(this.schedulerInterval)} (expected 'step' or 'epoch')`);
    this.monitor = options.monitor ?? 'eval_loss';
    check(typeof this.monitor === 'string' && this.monitor.length > 0, 'monitor', this.monitor);
    this.monitorMode = options.monitorMode ?? 'min';
    check(this.monitorMode === 'min' || this.monitorMode === 'max', 'monitorMode', this.monitorMode, `Invalid monitorMode: ${formatValue(this.monitorMode)} (expected 'min' or 'max')`);
    this.amp = options.amp ?? false;
    resolveAmp(this.amp); // validates
    check(options.scaler === undefined || typeof (options.scaler as { step?: unknown } | null)?.step === 'function', 'scaler', options.scaler, 'Invalid scaler: expected a @descent/amp GradScaler');
    this.scaler = options.scaler ?? null;
    this.gradientAccumulationSteps = options.gradientAccumulationSteps ?? 1;
    positiveInt('gradientAccumulationSteps', this.gradientAccumulationSteps);
    this.accumulator = new GradientAccumulator(this.gradientAccumulationSteps);
    this.maxGradNorm = options.maxGradNorm;
    check(this.maxGradNorm === undefined || (typeof this.maxGradNorm === 'number' && this.maxGradNorm > 0 && Number.isFinite(this.maxGradNorm)), 'maxGradNorm', this.maxGradNorm, `Invalid maxGradNorm: ${formatValue(this.maxGradNorm)} (expected a positive number)`);
    this.seed = options.seed;
    check(this.seed === undefined || (typeof this.seed === 'number' && Number.isFinite(this.seed)), 'seed', this.seed);
    const callbacks = options.callbacks ?? [];
    check(Array.isArray(callbacks) && callbacks.every((c) => typeof c === 'object' && c !== null), 'callbacks', callbacks, 'Invalid callbacks: expected an array of callback objects');
    this.callbacks = new CallbackList(callbacks);
    this.loggingSteps = options.loggingSteps ?? 50;
    positiveInt('loggingSteps', this.loggingSteps);
    this.outputDir = options.outputDir;
    check(this.outputDir === undefined || (typeof this.outputDir === 'string' && this.outputDir.length > 0), 'outputDir', this.outputDir);
    this.evalLoader = options.evalLoader;
    check(this.evalLoader === undefined || isIterable(this.evalLoader), 'evalLoader', this.evalLoader, 'Invalid evalLoader: expected a DataLoader or another (async) iterable of batches');
    this.metrics = options.metrics ?? {};
    check(isPlainObject(this.metrics) && Object.values(this.metrics).every((f) => typeof f === 'function'), 'metrics', this.metrics, 'Invalid metrics: expected { name: (logits, target) => scalar }');
    this.plots = options.plots ?? true;
    this.classNames = options.classNames;
    if (this.seed !== undefined) manualSeed(this.seed);
  }

  // ---------- the loop ----------

  /** Trains for `epochs` (or `maxSteps`), optionally resuming from a checkpoint. */
  async fit(options: FitOptions): Promise<FitResult> {
    check(isPlainObject(options), 'options', options, 'fit(options): options must be an object');
    const loader = options.trainLoader;
    check(
      typeof loader === 'object' && loader !== null && typeof (loader as TrainLoader)[Symbol.asyncIterator] === 'function',
      'trainLoader',
      loader,
      'Invalid trainLoader: expected a @descent/data DataLoader (an async iterable with length)',
    );
    positiveInt('trainLoader.length', loader.length);
    if (options.epochs !== undefined) positiveInt('epochs', options.epochs);
    if (options.maxSteps !== undefined) positiveInt('maxSteps', options.maxSteps);
    check(options.resumeFrom === undefined || (typeof options.resumeFrom === 'string' && options.resumeFrom.length > 0), 'resumeFrom', options.resumeFrom);
    if (this.state.isTraining) throw new DescentError('Trainer.fit() is already running');

    const batchesPerEpoch = loader.length;
    const stepsPerEpoch = Math.ceil(batchesPerEpoch / this.gradientAccumulationSteps);
    const maxSteps = options.maxSteps ?? (options.epochs ?? 1) * stepsPerEpoch;
    const numEpochs = options.maxSteps !== undefined ? Math.ceil(maxSteps / stepsPerEpoch) : (options.epochs ?? 1);
    this.ampDtype = resolveAmp(this.amp);
    if (this.ampDtype === 'float16' && !this.scaler) this.scaler = new GradScaler();
    this.resetRun();
    this.trainLoader = loader;
    if (options.resumeFrom !== undefined) await this.restore(options.resumeFrom, loader);
    setOptimizerMode(this.optimizer, 'train');
    Object.assign(this.state, { stepsPerEpoch, maxSteps, numEpochs, isTraining: true, shouldStop: false, shouldSave: false });
    const started = performance.now();
    const startStep = this.state.globalStep;
    try {
      await this.fire('onTrainBegin', {});
      while (!this.state.shouldStop && this.state.epoch < numEpochs && this.state.globalStep < maxSteps) {
        if (this.batchInEpoch === 0) this.epochLoaderState = loader.stateDict?.() ?? null;
        await this.fire('onEpochBegin', {});
        if (!(await this.runEpoch(loader, batchesPerEpoch))) break;
        await this.endEpoch(loader);
      }
      await this.foldRunning();
      // Schedule-free: the model keeps the evaluation weights after fit().
      setOptimizerMode(this.optimizer, 'eval');
      const seconds = (performance.now() - started) / 1000;
      const summary: Logs = {
        train_runtime: seconds,
        train_steps_per_second: (this.state.globalStep - startStep) / seconds,
        train_loss: this.totalLoss.count ? this.totalLoss.sum / this.totalLoss.count : NaN,
        epoch: this.state.epoch + this.state.stepInEpoch / stepsPerEpoch,
        step: this.state.globalStep,
      };
      await this.log(summary);
      this.state.isTraining = false;
      await this.fire('onTrainEnd', summary);
      if (this.outputDir && this.plots) {
        const m = await node('Run plots');
        await writeRunPlots(m.path.join(this.outputDir, 'plots'), { logHistory: this.state.logHistory, evaluation: this.lastEvaluation, labels: this.classNames });
      }
      return { globalStep: this.state.globalStep, epoch: this.state.epoch, trainLoss: summary.train_loss, logHistory: this.state.logHistory, evaluation: this.lastEvaluation };
    } finally {
      this.state.isTraining = false;
      this.releaseRun();
    }
  }

  private async runEpoch(loader: TrainLoader, batchesPerEpoch: number): Promise<boolean> {
    const k = this.gradientAccumulationSteps;
    const skip = this.batchInEpoch;
    let b = 0;
    for await (const batch of loader) {
      if (b >= batchesPerEpoch) break;
      if (b < skip) {
        // Resuming mid-epoch: the batches before the checkpoint are drawn (same
        // order, same augmentation stream) and dropped.
        b++;
        continue;
      }
      const { x, y } = splitBatch(batch);
      if (b % k === 0) {
        this.accumulator.groupSize = Math.min(k, batchesPerEpoch - b);
        await this.fire('onStepBegin', {});
      }
      const out = await trainStep({
        model: this.model,
        optimizer: this.optimizer,
        loss: this.loss,
        x,
        y: needTarget(y),
        amp: this.ampDtype ?? false,
        scaler: this.scaler ?? undefined,
        accumulation: k > 1 ? this.accumulator : undefined,
        maxGradNorm: this.maxGradNorm,
        beforeOptimizerStep: this.hasHandler('onBeforeOptimizerStep') ? (grads) => this.fire('onBeforeOptimizerStep', {}, { grads, stepped: true }) : undefined,
      });
      b++;
      this.batchInEpoch = b;
      this.addLoss(out.loss);
      try {
        if (out.boundary) await this.afterOptimizerStep(out);
      } finally {
        out.loss.dispose();
      }
      if (out.boundary && (this.state.shouldStop || this.state.globalStep >= this.state.maxSteps)) return b >= batchesPerEpoch;
    }
    return true;
  }

  private async afterOptimizerStep(out: TrainStepResult): Promise<void> {
    const s = this.state;
    s.globalStep++;
    s.stepInEpoch++;
    if (out.gradNorm) {
      this.lastGradNorm?.dispose();
      this.lastGradNorm = out.gradNorm;
    }
    // A step the GradScaler skipped does not advance a step-interval scheduler.
    if (this.scheduler && this.schedulerInterval === 'step' && !isPlateau(this.scheduler) && out.stepped) this.scheduler.step();
    const logs: Logs = s.globalStep % this.loggingSteps === 0 ? await this.stepLogs() : {};
    await this.fire('onStepEnd', logs, { loss: out.loss, stepped: out.stepped, skipped: out.skipped });
    if (Object.keys(logs).length > 0) await this.log(logs);
    if (s.shouldSave) await this.saveCheckpoint();
  }

  private async endEpoch(loader: TrainLoader): Promise<void> {
    const s = this.state;
    await this.foldRunning();
    const logs: Logs = { epoch: s.epoch + 1, step: s.globalStep, train_loss: this.epochLoss.count ? this.epochLoss.sum / this.epochLoss.count : NaN };
    this.epochLoss = { sum: 0, count: 0 };
    if (this.evalLoader) {
      const collect = this.outputDir && this.plots ? MISCLASSIFIED_FOR_PLOTS : 0;
      Object.assign(logs, evaluationLogs(await this.evaluate(this.evalLoader, { collectMisclassified: collect })));
    }
    if (this.scheduler) {
      if (isPlateau(this.scheduler)) this.scheduler.step(this.requireMonitor(logs));
      else if (this.schedulerInterval === 'epoch') this.scheduler.step();
    }
    logs.learning_rate = this.optimizer.paramGroups[0].lr;
    await this.fire('onEpochEnd', logs);
    await this.log(logs);
    s.epoch++;
    s.stepInEpoch = 0;
    this.batchInEpoch = 0;
    this.epochLoaderState = loader.stateDict?.() ?? null;
    if (s.shouldSave) await this.saveCheckpoint();
  }

  // ---------- losses and logs ----------

  private addLoss(loss: tf.Scalar): void {
    const next = this.running ? tf.add(this.running, loss) : tf.clone(loss);
    this.running?.dispose();
    this.running = next as tf.Scalar;
    this.runningCount++;
  }

  /** Reads the device sum back (one scalar) into the host sums. */
  private async foldRunning(): Promise<void> {
    if (!this.running) return;
    const value = (await this.running.data())[0];
    for (const s of [this.window, this.epochLoss, this.totalLoss]) {
      s.sum += value;
      s.count += this.runningCount;
    }
    this.running.dispose();
    this.running = null;
    this.runningCount = 0;
  }

  private async stepLogs(): Promise<Logs> {
    await this.foldRunning();
    const s = this.state;
    const logs: Logs = { loss: this.window.count ? this.window.sum / this.window.count : NaN };
    this.window = { sum: 0, count: 0 };
    if (this.lastGradNorm) logs.grad_norm = (await this.lastGradNorm.data())[0];
    logs.learning_rate = this.optimizer.paramGroups[0].lr;
    logs.epoch = s.epoch + s.stepInEpoch / (s.stepsPerEpoch || 1);
    logs.step = s.globalStep;
    return logs;
  }

  /** Records a log entry (HF's `log`) and fires `onLog`. */
  async log(logs: Logs): Promise<void> {
    const entry = { ...logs };
    entry.step ??= this.state.globalStep;
    this.state.logHistory.push(entry);
    Object.assign(this.state.latest, entry);
    await this.fire('onLog', entry);
  }

  /**
   * The value of a monitored key: from `logs`, else the latest logged one;
   * 'eval_loss' without an evalLoader means the train loss.
   */
  monitorValue(name: string = this.monitor, logs: Logs = {}): number | undefined {
    const v = logs[name] ?? this.state.latest[name];
    if (v !== undefined) return v;
    if (name === 'eval_loss' && !this.evalLoader) return logs.train_loss ?? this.state.latest.train_loss;
    return undefined;
  }

  private requireMonitor(logs: Logs): number {
    const v = this.monitorValue(this.monitor, logs);
    if (v === undefined) throw new InvalidArgumentError('monitor', this.monitor, `monitor ${JSON.stringify(this.monitor)} is not in the logs (logged: ${Object.keys({ ...this.state.latest, ...logs }).join(', ')})`);
    return v;
  }

  // ---------- callbacks ----------

  private hasHandler(event: CallbackEvent): boolean {
    return this.callbacks.callbacks.some((c) => typeof c[event] === 'function');
  }

  private fire(event: CallbackEvent, logs: Logs, extra: Omit<CallbackContext, 'trainer'> = {}): Promise<void> {
    return this.callbacks.fire(event, this.state, logs, { trainer: this, ...extra });
  }

  // ---------- evaluation and prediction ----------

  /**
   * Runs the model in eval mode over `loader` (default `evalLoader`): the mean
   * loss, and for classification the accuracy and the confusion matrix
   * (`[true][predicted]`). Fires onEvaluateBegin / onEvaluate.
   */
  async evaluate(loader: EvalLoader | undefined = this.evalLoader, options: EvaluateCallOptions = {}): Promise<EvaluationResult> {
    check(loader !== undefined && isIterable(loader), 'loader', loader, 'evaluate(loader): expected a DataLoader or another (async) iterable of [x, y] batches (or an evalLoader option)');
    this.model.setTraining(false);
    const result = await this.inEvalMode(async () => {
      await this.fire('onEvaluateBegin', {});
      return evaluateModel(this.model, loader, { loss: this.loss, metrics: this.metrics, collectMisclassified: options.collectMisclassified });
    });
    this.lastEvaluation = result;
    await this.fire('onEvaluate', evaluationLogs(result), { evaluation: result });
    return result;
  }

  /** Runs `fn` with a schedule-free optimizer in eval mode, back in train mode after it during fit(). */
  private async inEvalMode<T>(fn: () => Promise<T>): Promise<T> {
    if (!hasOptimizerModes(this.optimizer)) return fn();
    setOptimizerMode(this.optimizer, 'eval');
    try {
      return await fn();
    } finally {
      if (this.state.isTraining) setOptimizerMode(this.optimizer, 'train');
    }
  }

  /** The logits (or, with `classes`, the argmax indices) for a tensor or every batch of a loader, in eval mode. */
  predict(input: tf.Tensor | EvalLoader, options: PredictOptions = {}): Promise<tf.Tensor> {
    return this.inEvalMode(() => this.predictNow(input, options));
  }

  private async predictNow(input: tf.Tensor | EvalLoader, options: PredictOptions): Promise<tf.Tensor> {
    this.model.setTraining(false);
    const run = (x: tf.Tensor) =>
      tf.tidy(() => {
        const logits = this.model.forward(x, false);
        return options.classes ? tf.argMax(logits, -1) : logits;
      });
    if (input instanceof tf.Tensor) return run(input);
    check(isIterable(input), 'input', input, 'predict(input): expected a tf.Tensor or an iterable of batches');
    const parts: tf.Tensor[] = [];
    try {
      for await (const batch of input as AsyncIterable<unknown>) parts.push(run(splitBatch(batch).x));
      if (parts.length === 0) throw new InvalidArgumentError('input', 'empty', 'predict(loader): the loader yielded no batches');
      return parts.length === 1 ? parts.pop()! : tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  }

  /** The LR range test (fastai / Lightning); see {@link FindLrOptions}. Leaves model, optimizer and RNG as they were. */
  findLr(options: FindLrOptions): Promise<FindLrResult> {
    return findLr(this, options);
  }

  // ---------- checkpoints ----------

  private targets(loader: TrainLoader | null): CheckpointTargets {
    return {
      model: this.model,
      optimizer: this.optimizer,
      scheduler: this.scheduler,
      scaler: this.scaler,
      loader,
      callbacks: this.callbacks.stateful(),
      owner: this,
    };
  }

  /**
   * Writes `<outputDir>/checkpoint-<globalStep>/` now (what `state.shouldSave`
   * requests), updates `bestMetric` / `bestCheckpoint`, fires onSave, and
   * returns the directory.
   */
  async saveCheckpoint(): Promise<string> {
    if (!this.outputDir) throw new InvalidArgumentError('outputDir', this.outputDir, "Saving a checkpoint needs the trainer's outputDir");
    const m = await node('Checkpoints');
    const s = this.state;
    const dir = m.path.join(this.outputDir, `checkpoint-${s.globalStep}`);
    const metric = this.monitorValue();
    if (metric !== undefined && !Number.isNaN(metric) && (s.bestMetric === null || (this.monitorMode === 'min' ? metric < s.bestMetric : metric > s.bestMetric))) {
      s.bestMetric = metric;
      s.bestCheckpoint = dir;
    }
    const running = this.running ? (await this.running.data())[0] : null;
    const trainerState = {
      epoch: s.epoch,
      globalStep: s.globalStep,
      stepInEpoch: s.stepInEpoch,
      batchInEpoch: this.batchInEpoch,
      stepsPerEpoch: s.stepsPerEpoch,
      maxSteps: s.maxSteps,
      numEpochs: s.numEpochs,
      gradientAccumulationSteps: this.gradientAccumulationSteps,
      bestMetric: s.bestMetric,
      bestCheckpoint: s.bestCheckpoint,
      latest: s.latest,
      logHistory: s.logHistory,
      losses: { running, runningCount: this.runningCount, window: this.window, epoch: this.epochLoss, total: this.totalLoss },
    };
    await writeCheckpoint(dir, this.targets(this.trainLoader), { trainerState, loaderState: this.epochLoaderState });
    s.shouldSave = false;
    await this.fire('onSave', {}, { checkpointDir: dir });
    return dir;
  }

  private async restore(resumeFrom: string, loader: TrainLoader): Promise<void> {
    let dir = resumeFrom;
    if (resumeFrom === 'latest') {
      if (!this.outputDir) throw new InvalidArgumentError('resumeFrom', resumeFrom, "resumeFrom: 'latest' needs the trainer's outputDir");
      dir = await latestCheckpoint(this.outputDir);
    }
    const prepared = await readCheckpoint(dir, this.targets(loader));
    const t = parseTrainerState(dir, prepared.trainerState, this.gradientAccumulationSteps);
    if (t.batchInEpoch > 0 && !prepared.loaderState) {
      throw new CheckpointError(dir, 'data_loader.json', [{ message: `is missing: resuming mid-epoch (batch ${t.batchInEpoch}) needs the loader's position` }]);
    }
    if (prepared.loaderState && typeof loader.loadStateDict !== 'function') {
      throw new CheckpointError(dir, 'data_loader.json', [{ message: 'holds a loader position, but the training loader has no loadStateDict()' }]);
    }
    prepared.apply();
    const s = this.state;
    Object.assign(s, { epoch: t.epoch, globalStep: t.globalStep, stepInEpoch: t.stepInEpoch, logHistory: t.logHistory, latest: t.latest, bestMetric: t.bestMetric, bestCheckpoint: t.bestCheckpoint });
    this.batchInEpoch = t.batchInEpoch;
    this.epochLoaderState = prepared.loaderState;
    this.running = t.losses.running === null ? null : tf.keep(tf.scalar(t.losses.running, 'float32'));
    this.runningCount = t.losses.runningCount;
    this.window = { ...t.losses.window };
    this.epochLoss = { ...t.losses.epoch };
    this.totalLoss = { ...t.losses.total };
  }

  private resetRun(): void {
    this.releaseRun();
    this.state = initialState();
    this.window = { sum: 0, count: 0 };
    this.epochLoss = { sum: 0, count: 0 };
    this.totalLoss = { sum: 0, count: 0 };
    this.batchInEpoch = 0;
    this.epochLoaderState = null;
  }

  private releaseRun(): void {
    this.running?.dispose();
    this.running = null;
    this.runningCount = 0;
    this.lastGradNorm?.dispose();
    this.lastGradNorm = null;
    this.accumulator.reset();
  }
}

function isIterable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function');
}

interface ParsedTrainerState {
  epoch: number;
  globalStep: number;
  stepInEpoch: number;
  batchInEpoch: number;
  bestMetric: number | null;
  bestCheckpoint: string | null;
  latest: Logs;
  logHistory: Logs[];
  losses: { running: number | null; runningCount: number; window: LossSum; epoch: LossSum; total: LossSum };
}

/** Checks trainer_state.json's counters before anything is applied. */
function parseTrainerState(dir: string, raw: Record<string, unknown>, accumulation: number): ParsedTrainerState {
  const file = 'trainer_state.json';
  const problems: Array<{ entry: string; message: string }> = [];
  const int = (key: string) => {
    const v = raw[key];
    if (!Number.isInteger(v) || (v as number) < 0) problems.push({ entry: key, message: `"${key}" must be a non-negative integer, got ${formatValue(v)}` });
  };
  ['epoch', 'globalStep', 'stepInEpoch', 'batchInEpoch'].forEach(int);
  if (raw.gradientAccumulationSteps !== accumulation) {
    problems.push({ entry: 'gradientAccumulationSteps', message: `was written with gradientAccumulationSteps ${formatValue(raw.gradientAccumulationSteps)}; this trainer uses ${accumulation} (the loader position would not line up)` });
  }
  if (!(raw.bestMetric === null || typeof raw.bestMetric === 'number')) problems.push({ entry: 'bestMetric', message: '"bestMetric" must be a number or null' });
  if (!(raw.bestCheckpoint === null || typeof raw.bestCheckpoint === 'string')) problems.push({ entry: 'bestCheckpoint', message: '"bestCheckpoint" must be a string or null' });
  const isLogs = (v: unknown) => isPlainObject(v) && Object.values(v).every((x) => typeof x === 'number' || x === null);
  if (!Array.isArray(raw.logHistory) || !raw.logHistory.every(isLogs)) problems.push({ entry: 'logHistory', message: '"logHistory" must be an array of log entries' });
  if (!isLogs(raw.latest)) problems.push({ entry: 'latest', message: '"latest" must be a log entry' });
  const losses = raw.losses as ParsedTrainerState['losses'] | undefined;
  const sum = (v: unknown) => isPlainObject(v) && typeof v.sum === 'number' && Number.isInteger(v.count);
  if (!isPlainObject(losses) || !(losses.running === null || typeof losses.running === 'number') || !Number.isInteger(losses.runningCount) || !sum(losses.window) || !sum(losses.epoch) || !sum(losses.total)) {
    problems.push({ entry: 'losses', message: '"losses" must hold the running loss sums' });
  }
  if (problems.length) throw new CheckpointError(dir, file, problems);
  // JSON has no NaN: a logged NaN comes back as null.
  const nums = (l: Record<string, unknown>): Logs => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v === null ? NaN : (v as number)]));
  return {
    epoch: raw.epoch as number,
    globalStep: raw.globalStep as number,
    stepInEpoch: raw.stepInEpoch as number,
    batchInEpoch: raw.batchInEpoch as number,
    bestMetric: raw.bestMetric as number | null,
    bestCheckpoint: raw.bestCheckpoint as string | null,
    latest: nums(raw.latest as Record<string, unknown>),
    logHistory: (raw.logHistory as Array<Record<string, unknown>>).map(nums),
    losses: losses!,
  };
}
