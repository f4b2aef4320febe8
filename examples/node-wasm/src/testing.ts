// For the examples' smoke tests: what a run of the seed recipe printed, as numbers.
// The hand-written loop and the Trainer's ProgressBar print the same fields.

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
