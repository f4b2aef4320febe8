import type * as tf from '@tensorflow/tfjs-core';
import { TorchScalar as S } from './torch-scalar.js';

// torch 1.13's torch/optim/lbfgs.py `_cubic_interpolate` and `_strong_wolfe`, ported
// from torch/optim's polyinterp.lua and lswolfe.lua. Losses are Python floats there,
// directional derivatives 0-dim float32 tensors, and step lengths either: TorchScalar
// keeps each in its own precision so every branch goes as torch's does.

/** The minimizer of the cubic through `(x1, f1, g1)` and `(x2, f2, g2)`, clamped to `bounds` (default: the two points). */
export function cubicInterpolate(x1: S, f1: S, g1: S, x2: S, f2: S, g2: S, bounds?: [S, S]): S {
  const [xminBound, xmaxBound] = bounds ?? (x1.le(x2) ? [x1, x2] : [x2, x1]);
  // d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2); d2_square = d1**2 - g1 * g2
  const d1 = g1.add(g2).sub(f1.sub(f2).mul(3).div(x1.sub(x2)));
  const d2Square = d1.mul(d1).sub(g1.mul(g2));
  if (d2Square.ge(0)) {
    const d2 = d2Square.sqrt();
    const minPos = x1.le(x2)
      ? x2.sub(x2.sub(x1).mul(g2.add(d2).sub(d1).div(g2.sub(g1).add(d2.mul(2)))))
      : x1.sub(x1.sub(x2).mul(g1.add(d2).sub(d1).div(g1.sub(g2).add(d2.mul(2)))));
    return S.min(S.max(minPos, xminBound), xmaxBound);
  }
  return xminBound.add(xmaxBound).div(2);
}

/** The loss and flat gradient at step length `t` along the search direction, and their directional derivative (float32). */
export type DirectionalEvaluate = (t: number) => Promise<{ f: number; g: tf.Tensor1D; gtd: number }>;

export interface StrongWolfeResult {
  f: number;
  /** The gradient at the accepted point: a new tensor, owned by the caller. */
  g: tf.Tensor1D;
  t: S;
  evals: number;
}

/**
 * torch's `_strong_wolfe`: brackets a step length satisfying the strong Wolfe
 * conditions from `t`, then zooms into the bracket by cubic interpolation.
 * `g` (the gradient at `t = 0`) is borrowed; every gradient `evaluate` returns is
 * owned here and freed, except the one returned. `f` is a loss (float), `gtd` and
 * `dNorm` float32 tensors' values.
 */
export async function strongWolfe(
  evaluate: DirectionalEvaluate,
  t: S,
  dNorm: number,
  fStart: number,
  g: tf.Tensor1D,
  gtdStart: number,
  { c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25 } = {},
): Promise<StrongWolfeResult> {
  const owned = new Set<tf.Tensor>();
  const f = S.float(fStart);
  const gtd = S.f32(gtdStart);
  const dNormT = S.f32(dNorm);
  const at = async (step: S) => {
    const r = await evaluate(step.value);
    owned.add(r.g);
    return { f: S.float(r.f), g: r.g, gtd: S.f32(r.gtd) };
  };
  // f + c1 * t * gtd, and -c2 * gtd, as torch evaluates them
  const armijo = (step: S) => f.add(S.float(c1).mul(step).mul(gtd));
  const curvature = S.float(-c2).mul(gtd);

  let { f: fNew, g: gNew, gtd: gtdNew } = await at(t);
  let evals = 1;

  let tPrev = S.float(0);
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: S[] = [];
  let bracketF: S[] = [];
  let bracketG: tf.Tensor1D[] = [];
  let bracketGtd: S[] = [];
  while (lsIter < maxLs) {
    if (fNew.gt(armijo(t)) || (lsIter > 1 && fNew.ge(fPrev))) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (gtdNew.abs().le(curvature)) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew.ge(0)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    // interpolate
    const minStep = t.add(t.sub(tPrev).mul(0.01));
    const maxStep = t.mul(10);
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    // next step
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    ({ f: fNew, g: gNew, gtd: gtdNew } = await at(t));
    evals++;
    lsIter++;
  }
  // reached max number of iterations?
  if (lsIter === maxLs) [bracket, bracketF, bracketG] = [[S.float(0), t], [f, fNew], [g, gNew]];

  // zoom phase: refine the bracket until a point satisfies the criteria
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0].le(bracketF[bracketF.length - 1]) ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    // line-search bracket is so small
    if (bracket[1].sub(bracket[0]).abs().mul(dNormT).lt(toleranceChange)) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    // t too close to an end of the bracket: move it 0.1·|bracket| inside, unless the last step made progress
    const hi = S.max(bracket[0], bracket[1]);
    const lo = S.min(bracket[0], bracket[1]);
    const eps = hi.sub(lo).mul(0.1);
    if (S.min(hi.sub(t), t.sub(lo)).lt(eps)) {
      if (insufProgress || t.ge(hi) || t.le(lo)) {
        t = t.sub(hi).abs().lt(t.sub(lo).abs()) ? hi.sub(eps) : lo.add(eps);
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    ({ f: fNew, g: gNew, gtd: gtdNew } = await at(t));
    evals++;
    lsIter++;
    if (fNew.gt(armijo(t)) || fNew.ge(bracketF[lowPos])) {
      // Armijo condition not satisfied or not lower than the lowest point
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew;
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0].le(bracketF[1]) ? [0, 1] : [1, 0];
    } else {
      if (gtdNew.abs().le(curvature)) {
        done = true; // Wolfe conditions satisfied
      } else if (gtdNew.mul(bracket[highPos].sub(bracket[lowPos])).ge(0)) {
        // old high becomes new low
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      // new point becomes new low
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew;
      bracketGtd[lowPos] = gtdNew;
    }
  }
  let result = bracketG[lowPos];
  if (!owned.has(result)) {
    // the start's gradient (borrowed) won: hand back a copy of it
    result = result.clone();
  }
  for (const x of owned) if (x !== result) x.dispose();
  return { f: bracketF[lowPos].value, g: result, t: bracket[lowPos], evals };
}
