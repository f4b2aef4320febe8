/**
 * Optimizers whose parameters hold different points for training and for
 * evaluation (schedule-free AdamW: `train()` / `eval()`). The Trainer switches
 * them as HF's Trainer does: train mode for steps, eval mode for evaluate() and
 * predict(), and eval mode once fit() ends, so the model holds the weights to use.
 * Other optimizers have no such methods, and this does nothing.
 */
export function setOptimizerMode(optimizer: object, mode: 'train' | 'eval'): void {
  const fn = (optimizer as Record<string, unknown>)[mode];
  if (typeof fn === 'function') (fn as () => void).call(optimizer);
}

/** Whether the optimizer switches weights between modes (it has both `train()` and `eval()`). */
export function hasOptimizerModes(optimizer: object): boolean {
  const o = optimizer as Record<string, unknown>;
  return typeof o.train === 'function' && typeof o.eval === 'function';
}
