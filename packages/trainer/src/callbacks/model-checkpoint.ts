import { check, InvalidArgumentError } from '@descent/core';
import type { Callback, CallbackContext } from '../callbacks.js';
import { listCheckpoints, readTrainerState } from '../checkpoint.js';
import { isPlainObject } from '../json.js';
import { node } from '../node.js';
import type { Logs, TrainerState } from '../state.js';

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** Save every this many optimizer steps. */
  everySteps?: number;
  /** Save at the end of every this many epochs (default 1 when `everySteps` is not given). */
  everyEpochs?: number;
  /** Keep the most recent this many checkpoints (the latest is always kept). Default: all. */
  keepLast?: number;
  /** Also keep the best this many by `monitor`. Default: none beyond `keepLast`. */
  keepBest?: number;
  /** The logged value that ranks checkpoints. Default: the trainer's `monitor`. */
  monitor?: string;
  /** 'min' or 'max'. Default: the trainer's `monitorMode`. */
  mode?: 'min' | 'max';
}

/**
 * Saves checkpoints into the trainer's `outputDir` (`checkpoint-<step>/`) every
 * N steps or epochs, and prunes old ones: the `keepLast` most recent plus the
 * `keepBest` best by `monitor`. The ranking is read from each checkpoint's
 * trainer_state.json, so it survives resumes.
 */
export class ModelCheckpoint implements Callback {
  readonly everySteps?: number;
  readonly everyEpochs?: number;
  readonly keepLast?: number;
  readonly keepBest?: number;
  readonly monitor?: string;
  readonly mode?: 'min' | 'max';
  /** Directories this callback deleted. */
  readonly removed: string[] = [];

  constructor(options: ModelCheckpointOptions = {}) {
    const { everySteps, everyEpochs, keepLast, keepBest, monitor, mode } = options;
    const positive = (name: string, v: number | undefined) => check(v === undefined || (Number.isInteger(v) && v > 0), name, v);
    positive('everySteps', everySteps);
    positive('everyEpochs', everyEpochs);
    positive('keepLast', keepLast);
    positive('keepBest', keepBest);
    check(mode === undefined || mode === 'min' || mode === 'max', 'mode', mode);
    this.everySteps = everySteps;
    this.everyEpochs = everyEpochs ?? (everySteps === undefined ? 1 : undefined);
    Object.assign(this, { keepLast, keepBest, monitor, mode });
  }

  onTrainBegin(_state: TrainerState, _logs: Logs, { trainer }: CallbackContext): void {
    if (!trainer.outputDir) throw new InvalidArgumentError('outputDir', trainer.outputDir, 'ModelCheckpoint needs the trainer\'s outputDir (new Trainer({ outputDir: "runs/x", ... }))');
  }

  onStepEnd(state: TrainerState): void {
    if (this.everySteps && state.globalStep % this.everySteps === 0) state.shouldSave = true;
  }

  onEpochEnd(state: TrainerState): void {
    if (this.everyEpochs && (state.epoch + 1) % this.everyEpochs === 0) state.shouldSave = true;
  }

  async onSave(_state: TrainerState, _logs: Logs, { trainer }: CallbackContext): Promise<void> {
    if (this.keepLast === undefined && this.keepBest === undefined) return;
    const all = await listCheckpoints(trainer.outputDir!);
    const keep = new Set(all.slice(-Math.max(1, this.keepLast ?? 1)).map((c) => c.dir));
    if (this.keepBest) {
      const monitor = this.monitor ?? trainer.monitor;
      const mode = this.mode ?? trainer.monitorMode;
      const ranked: Array<{ dir: string; value: number }> = [];
      for (const c of all) {
        const ts = await readTrainerState(c.dir).catch(() => null);
        const latest = isPlainObject(ts?.latest) ? (ts!.latest as Logs) : {};
        const value = latest[monitor] ?? (monitor === 'eval_loss' && !trainer.evalLoader ? latest.train_loss : undefined);
        if (typeof value === 'number' && !Number.isNaN(value)) ranked.push({ dir: c.dir, value });
      }
      ranked.sort((a, b) => (mode === 'min' ? a.value - b.value : b.value - a.value));
      for (const r of ranked.slice(0, this.keepBest)) keep.add(r.dir);
    }
    const m = await node('ModelCheckpoint');
    for (const c of all) {
      if (keep.has(c.dir)) continue;
      await m.fs.rm(c.dir, { recursive: true, force: true });
      this.removed.push(c.dir);
    }
  }
}
