// A training run in the page: the torch-style loop over @descent/trainer's
// trainStep (autocast, GradScaler, optimizer, scheduler), with pause and resume
// between steps, held-out evaluation, and checkpoints that capture everything a
// resumed run needs: weights, optimizer and scheduler state, the GradScaler,
// the RNG and the loader's position.
import * as tf from '@tensorflow/tfjs-core';
import { getDefaultGenerator, manualSeed, stateDictFromBinary, stateDictToBinary } from '@descent/core';
import { GradScaler, type GradScalerState } from '@descent/amp';
import { DataLoader, Subset, type DataLoaderState, type NdArray } from '@descent/data';
import type { Scheduler, SchedulerStateDict } from '@descent/lr-schedule';
import { crossEntropy, loadSafetensorsIntoModule, moduleToSafetensors, type Module } from '@descent/nn';
import { Adam, AdamW, SGD, type BaseOptions, type Optimizer, type OptimizerStateDict } from '@descent/optim';
import { evaluateModel, resolveAmp, toTrainableModel, trainStep, type TrainableModel } from '@descent/trainer';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type BrowserCheckpoint } from './checkpoint-store.js';
import { EVAL_EVERY, EVAL_SAMPLES, LOG_EVERY, type RunConfig } from './config.js';
import { emptyHistory, type History } from './history.js';
import { buildModel, inputShape, transformFor } from './model.js';
import { createScheduler } from './schedules.js';

type Sample = [NdArray, number];
export interface MnistSplits {
  train: { length: number; get(i: number): Sample };
  test: { length: number; get(i: number): Sample };
}

export type SessionStatus = 'ready' | 'running' | 'pausing' | 'paused' | 'done' | 'failed';

export interface SessionEvents {
  status?(status: SessionStatus, session: TrainingSession): void;
  /** A new point in `history` (a logged loss, or an evaluation). */
  log?(session: TrainingSession): void;
  /** After every optimizer step (the step counter). */
  step?(session: TrainingSession): void;
  error?(error: unknown): void;
}

/** Runs async work one piece at a time, so a prediction or a checkpoint never lands inside a training step. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

function makeOptimizer(config: RunConfig, model: Module): Optimizer<BaseOptions> {
  const params = model.parameters();
  if (config.optimizer === 'adamw') return new AdamW(params, { lr: config.lr, weightDecay: 0.01 });
  if (config.optimizer === 'sgd') return new SGD(params, { lr: config.lr, momentum: 0.9 });
  return new Adam(params, { lr: config.lr });
}

/** A macrotask boundary, so the page repaints and handles clicks between steps (MessageChannel is not throttled like setTimeout). */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class TrainingSession {
  readonly model: Module;
  readonly trainable: TrainableModel;
  readonly optimizer: Optimizer<BaseOptions>;
  readonly scheduler: Scheduler;
  readonly scaler: GradScaler | null;
  /** The autocast dtype in use, or null for float32 (`amp: 'auto'` resolves on the active backend). */
  readonly precision: 'float16' | null;
  readonly loader: DataLoader<Sample>;
  private readonly evalLoader: DataLoader<Sample>;
  history: History = emptyHistory();
  step = 0;
  epoch = 0;
  batchInEpoch = 0;
  status: SessionStatus = 'ready';
  /** Steps per second over the last logged window. */
  stepsPerSecond = 0;
  private epochLoaderState: DataLoaderState;
  private readonly mutex = new Mutex();
  private pauseWanted = false;
  private closed = false;
  private wake?: () => void;
  private whenIdle: Array<() => void> = [];
  private running?: Promise<void>;
  private windowStart = { step: 0, time: 0 };
  /** The summed losses of the steps since the last log (on the device), and how many. */
  private lossSum: tf.Tensor | null = null;
  private lossCount = 0;

  constructor(
    readonly config: RunConfig,
    data: MnistSplits,
    private readonly events: SessionEvents = {},
  ) {
    manualSeed(config.seed); // the initial weights
    this.model = buildModel(config.model);
    this.trainable = toTrainableModel(this.model);
    this.optimizer = makeOptimizer(config, this.model);
    this.scheduler = createScheduler(config.schedule, this.optimizer);
    const amp = resolveAmp(config.amp === 'off' ? false : config.amp);
    this.precision = amp === 'float16' ? 'float16' : null;
    this.scaler = this.precision ? new GradScaler() : null;
    const transform = transformFor(config.model);
    this.loader = new DataLoader(data.train, { batchSize: config.batchSize, shuffle: true, seed: config.seed, transform });
    const held = new Subset(data.test, Array.from({ length: Math.min(EVAL_SAMPLES, data.test.length) }, (_, i) => i));
    this.evalLoader = new DataLoader(held, { batchSize: 500, transform });
    this.epochLoaderState = this.loader.stateDict();
  }

  /** Steps whose losses are summed on the device but not logged yet (one tensor holds their sum). */
  get unloggedSteps(): number {
    return this.lossCount;
  }

  get lr(): number {
    return this.optimizer.paramGroups[0].lr;
  }

  /** Starts the loop, or resumes it after a pause. */
  start(): void {
    if (this.closed || this.status === 'done' || this.status === 'failed' || this.status === 'running') return;
    this.pauseWanted = false;
    this.setStatus('running');
    if (this.wake) {
      this.wake();
      return;
    }
    this.running ??= this.loop().catch((err: unknown) => {
      this.setStatus('failed');
      this.settle();
      this.events.error?.(err);
    });
  }

  /** Asks the loop to stop before its next step; resolves once it waits there (or has ended). */
  pause(): Promise<void> {
    if (this.status !== 'running' && this.status !== 'pausing') return Promise.resolve();
    this.pauseWanted = true;
    this.setStatus('pausing');
    return new Promise((resolve) => this.whenIdle.push(resolve));
  }

  /** Softmax probabilities of one 28×28 image (normalized, row-major), between training steps. */
  predict(pixels: Float32Array): Promise<Float32Array> {
    return this.mutex.run(async () => {
      this.model.eval();
      const probs = tf.tidy(() => tf.softmax(this.model.forward(tf.tensor(pixels, inputShape(this.config.model)))));
      try {
        return (await probs.data()) as Float32Array;
      } finally {
        probs.dispose();
        this.model.train();
      }
    });
  }

  /** Accuracy and loss on the held-out images (the first EVAL_SAMPLES of the test split). */
  evaluate(): Promise<{ loss: number; accuracy: number }> {
    return this.mutex.run(() => this.evaluateNow());
  }

  private async evaluateNow(): Promise<{ loss: number; accuracy: number }> {
    this.model.eval();
    try {
      const r = await evaluateModel(this.trainable, this.evalLoader, { loss: crossEntropy });
      return { loss: r.loss, accuracy: r.accuracy ?? NaN };
    } finally {
      this.model.train();
    }
  }

  private setStatus(status: SessionStatus): void {
    this.status = status;
    this.events.status?.(status, this);
  }

  /** Waits here while paused; false once the session is closed. */
  private async gate(): Promise<boolean> {
    if (this.pauseWanted && !this.closed) {
      this.setStatus('paused');
      this.settle();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
      this.windowStart = { step: this.step, time: performance.now() };
    }
    return !this.closed;
  }

  private settle(): void {
    for (const resolve of this.whenIdle.splice(0)) resolve();
  }

  private async loop(): Promise<void> {
    const { steps } = this.config;
    this.windowStart = { step: this.step, time: performance.now() };
    while (this.step < steps) {
      if (this.batchInEpoch === 0) this.epochLoaderState = this.loader.stateDict();
      const skip = this.batchInEpoch;
      let b = 0;
      for await (const [x, y] of this.loader) {
        // Resuming mid-epoch: the batches before the checkpoint are drawn in the same order and dropped.
        if (b++ < skip) continue;
        if (!(await this.gate())) break;
        await this.mutex.run(async () => {
          const lr = this.lr;
          const out = await trainStep({ model: this.trainable, optimizer: this.optimizer, x, y, amp: this.precision ?? false, scaler: this.scaler ?? undefined });
          // As @descent/trainer: a step the GradScaler skipped does not advance the schedule.
          if (out.stepped) this.scheduler.step();
          this.step++;
          this.batchInEpoch = b;
          const prev = this.lossSum;
          this.lossSum = prev ? tf.add(prev, out.loss) : out.loss.clone();
          prev?.dispose();
          out.loss.dispose();
          this.lossCount++;
          if (this.step % LOG_EVERY === 0 || this.step === steps) {
            // The only read of the loss: every LOG_EVERY steps, averaged over them.
            const mean = (await this.lossSum.data())[0] / this.lossCount;
            this.lossSum.dispose();
            this.lossSum = null;
            this.lossCount = 0;
            const now = performance.now();
            this.stepsPerSecond = ((this.step - this.windowStart.step) * 1000) / Math.max(1, now - this.windowStart.time);
            this.windowStart = { step: this.step, time: now };
            this.history.step.push(this.step);
            this.history.loss.push(mean);
            this.history.lr.push(lr);
            if (this.step % EVAL_EVERY === 0 || this.step === steps) await this.recordEvaluation();
            this.events.log?.(this);
          }
        });
        this.events.step?.(this);
        await yieldToPage();
        if (this.step >= steps) break;
      }
      if (this.closed) break;
      if (this.batchInEpoch >= this.loader.length) {
        this.epoch++;
        this.batchInEpoch = 0;
      }
    }
    if (!this.closed) this.setStatus('done');
    this.settle();
  }

  private async recordEvaluation(): Promise<void> {
    const { loss, accuracy } = await this.evaluateNow();
    this.history.evalStep.push(this.step);
    this.history.evalLoss.push(loss);
    this.history.evalAccuracy.push(accuracy);
  }

  /** Everything a resumed run needs, between steps (a running loop is not paused for it). */
  checkpoint(backend: string): Promise<BrowserCheckpoint> {
    return this.mutex.run(async () => ({
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      savedAt: Date.now(),
      backend,
      config: structuredClone(this.config),
      step: this.step,
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      // The loop takes it before each epoch draws its order (the loader's own state then moves on).
      loaderState: structuredClone(this.epochLoaderState),
      rng: getDefaultGenerator().getState(),
      lossWindow: { sum: this.lossSum ? (await this.lossSum.data())[0] : 0, count: this.lossCount },
      model: await moduleToSafetensors(this.model),
      // Serialized right away: the live state tensors are replaced by the next step.
      optimizer: await stateDictToBinary(this.optimizer.stateDict() as never),
      scheduler: structuredClone(this.scheduler.stateDict()) as Record<string, unknown>,
      scaler: this.scaler ? (structuredClone(this.scaler.stateDict()) as unknown as Record<string, unknown>) : null,
      history: structuredClone(this.history),
    }));
  }

  /** A paused session at the checkpoint's step; `start()` resumes it. Throws, changing nothing, on a checkpoint that does not fit. */
  static restore(checkpoint: BrowserCheckpoint, data: MnistSplits, events: SessionEvents = {}): TrainingSession {
    const session = new TrainingSession(checkpoint.config, data, events);
    try {
      // Each load checks names, shapes and dtypes before it changes anything.
      loadSafetensorsIntoModule(session.model, checkpoint.model);
      session.optimizer.loadStateDict(stateDictFromBinary(checkpoint.optimizer) as unknown as OptimizerStateDict);
      session.scheduler.loadStateDict(checkpoint.scheduler as unknown as SchedulerStateDict);
      if (session.scaler && checkpoint.scaler) session.scaler.loadStateDict(checkpoint.scaler as unknown as GradScalerState);
      getDefaultGenerator().setState(checkpoint.rng);
      session.loader.loadStateDict(checkpoint.loaderState);
    } catch (err) {
      session.dispose();
      throw err;
    }
    session.epochLoaderState = checkpoint.loaderState;
    session.step = checkpoint.step;
    session.epoch = checkpoint.epoch;
    session.batchInEpoch = checkpoint.batchInEpoch;
    session.history = structuredClone(checkpoint.history);
    // The log window in progress, so the next logged mean covers the same steps as in the run that went on.
    session.lossSum = checkpoint.lossWindow.count ? tf.scalar(checkpoint.lossWindow.sum) : null;
    session.lossCount = checkpoint.lossWindow.count;
    session.status = checkpoint.step >= checkpoint.config.steps ? 'done' : 'paused';
    return session;
  }

  /** Stops the loop (if any) and frees every tensor of the run. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    // The loop ends at its next gate (the loader disposes its batches on the way out).
    await this.running;
    this.dispose();
  }

  private dispose(): void {
    this.lossSum?.dispose();
    this.model.dispose();
    this.optimizer.dispose();
  }
}
