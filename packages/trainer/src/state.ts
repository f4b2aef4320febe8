/** One log entry: numbers keyed by HF's names (`loss`, `learning_rate`, `eval_loss`, `epoch`, `step`). */
export type Logs = Record<string, number>;

/**
 * Where training stands, as HF's `TrainerState`. Callbacks get it with every
 * event and may set `shouldStop` (early stopping) or `shouldSave` (a checkpoint
 * after the current step or epoch).
 */
export interface TrainerState {
  /** Epochs completed: the 0-based index of the epoch running now. */
  epoch: number;
  /** Optimizer steps so far (a step the GradScaler skipped counts, as in HF). */
  globalStep: number;
  /** Optimizer steps so far in this epoch. */
  stepInEpoch: number;
  /** Optimizer steps per epoch (micro-batches / gradientAccumulationSteps, rounded up). */
  stepsPerEpoch: number;
  /** The step count training stops at. */
  maxSteps: number;
  /** Epochs this `fit` runs to. */
  numEpochs: number;
  /** Every log entry so far, oldest first (restored on resume). */
  logHistory: Logs[];
  /** The latest value of every logged key. */
  latest: Logs;
  /** The best monitored value at a checkpoint (HF's `best_metric`), or null. */
  bestMetric: number | null;
  /** The checkpoint directory that holds it (HF's `best_model_checkpoint`), or null. */
  bestCheckpoint: string | null;
  /** Set to stop training after the current step (or epoch end). */
  shouldStop: boolean;
  /** Set to write a checkpoint after the current step or epoch end; reset once written. */
  shouldSave: boolean;
  /** True inside `fit`. */
  isTraining: boolean;
}

export function initialState(): TrainerState {
  return {
    epoch: 0,
    globalStep: 0,
    stepInEpoch: 0,
    stepsPerEpoch: 0,
    maxSteps: 0,
    numEpochs: 0,
    logHistory: [],
    latest: {},
    bestMetric: null,
    bestCheckpoint: null,
    shouldStop: false,
    shouldSave: false,
    isTraining: false,
  };
}
