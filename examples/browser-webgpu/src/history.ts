// What the charts show, kept in checkpoints so a restored run's charts go on.
export interface History {
  /** Train loss: the mean over the LOG_EVERY steps ending at `step[i]`. */
  step: number[];
  loss: number[];
  /** The lr of the optimizer step `step[i]`. */
  lr: number[];
  /** Held-out loss and accuracy (0..1) after step `evalStep[i]`. */
  evalStep: number[];
  evalLoss: number[];
  evalAccuracy: number[];
}

export function emptyHistory(): History {
  return { step: [], loss: [], lr: [], evalStep: [], evalLoss: [], evalAccuracy: [] };
}
