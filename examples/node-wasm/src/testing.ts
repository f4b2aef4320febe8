// For the examples' smoke tests: what a run of the seed recipe printed, as numbers.
// The hand-written loop and the Trainer's ProgressBar print the same fields.
import { expect } from 'vitest';

export interface LoggedStep {
  step: number;
  loss: number;
  lr: number;
  /** tf.memory().numTensors when the line was printed. */
  tensors: number;
}

export interface RunLog {
  /** The `backend: <name> (...)` line's name. */
  backend: string;
  steps: LoggedStep[];
  /** Each epoch's test accuracy in [0, 1]. */
  accuracy: number[];
}

export function parseRunLog(out: string): RunLog {
  const backend = /^backend: (\S+)/m.exec(out)?.[1];
  if (!backend) throw new Error(`no "backend:" line in the output:\n${out}`);
  const steps = [...out.matchAll(/ step (\d+)\/\d+ loss (\S+) lr (\S+) .*tensors (\d+)$/gm)].map((m) => ({
    step: Number(m[1]),
    loss: Number(m[2]),
    lr: Number(m[3]),
    tensors: Number(m[4]),
  }));
  const accuracy = [...out.matchAll(/ eval_accuracy (\S+)/g)].map((m) => Number(m[1]));
  return { backend, steps, accuracy };
}

/**
 * What every smoke run of the recipe must show: `logs` loss lines, the last loss under 60% of the first
 * (untrained, the cross-entropy of 10 classes is ln 10 = 2.30), the last test accuracy above 85%, and one
 * tensor count per log position (mid-epoch, epoch end: a loader's prefetched batches differ between them).
 */
export function expectTrains(log: RunLog, logs = 6): void {
  const losses = log.steps.map((s) => s.loss);
  expect(losses).toHaveLength(logs);
  expect(losses[0]!).toBeLessThan(1.5);
  expect(losses.at(-1)!).toBeLessThan(0.6 * losses[0]!);
  expect(log.accuracy.at(-1)!).toBeGreaterThan(0.85);
  for (const at of [50, 0]) expect(new Set(log.steps.filter((s) => s.step % 100 === at).map((s) => s.tensors)).size).toBe(1);
}
