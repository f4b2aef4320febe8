export { Trainer, type TrainerOptions, type FitOptions, type FitResult, type EvaluateCallOptions, type PredictOptions } from './trainer.js';
export { trainStep, resolveAmp, type TrainStepOptions, type TrainStepResult, type LossFn, type AmpOption, type TrainerOptimizer } from './train-step.js';
export { GradientAccumulator } from './accumulation.js';
export {
  toTrainableModel,
  snapshotState,
  restoreSnapshot,
  type ModelLike,
  type TrainableModel,
  type FunctionModel,
  type LayersModelLike,
  type LayerVariableLike,
  type ModelStateEntry,
} from './model.js';
export { CallbackList, type Callback, type CallbackContext, type CallbackEvent, type CallbackHandler, type CallbackState } from './callbacks.js';
export type { TrainerState, Logs } from './state.js';
export type { TrainLoader, EvalLoader } from './batch.js';
export { evaluateModel, evaluationLogs, type EvaluationResult, type MetricFn, type Misclassified } from './evaluate.js';
export {
  CheckpointError,
  writeCheckpoint,
  readCheckpoint,
  listCheckpoints,
  latestCheckpoint,
  readTrainerState,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointTargets,
  type CheckpointPayload,
  type CheckpointInfo,
  type PreparedCheckpoint,
} from './checkpoint.js';
export { findLr, sweepLr, steepestIndex, type FindLrOptions, type FindLrResult } from './find-lr.js';
export { writeRunPlots, confusionMatrixSvg, misclassifiedSvg, isGray28, type RunPlotsInput } from './plots.js';
export { encodeGrayPng } from './png.js';
export { ProgressBar, formatDuration, formatEpoch, type ProgressBarOptions, type ProgressStream } from './callbacks/progress-bar.js';
export { MetricsLogger, type MetricsLoggerOptions } from './callbacks/metrics-logger.js';
export { EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './callbacks/model-checkpoint.js';
export { LRMonitor, type LRMonitorOptions } from './callbacks/lr-monitor.js';
export { NaNGuard, NonFiniteLossError, type NaNGuardOptions } from './callbacks/nan-guard.js';
export { Timer } from './callbacks/timer.js';
export { EMA, type EMAOptions } from './callbacks/ema.js';
