/** torch's next `eta` and `mu` after `step` steps, rounded to float32 as its 0-dim tensors are. */
export function asgdSchedule(step: number, o: { lr: number; lambd: number; alpha: number; t0: number }): { eta: number; mu: number } {
  return {
    eta: Math.fround(o.lr / Math.pow(1 + o.lambd * o.lr * step, o.alpha)),
    mu: Math.fround(1 / Math.max(1, step - o.t0)),
  };
}
