// WGSL bodies of @descent/optim's elementwise fused ops, transcribed from
// packages/optim/KERNELS.md in its evaluation order. Inputs are read as
// `<name>[i]`, attributes as `f.<name>` (f32 uniforms), outputs written to
// `out_<name>[i]`; `R()` rounds a value torch keeps as a float32 tensor.
import { fusedOps as ops, type FusedAttrs } from '@descent/core';
import { elementwise, type ElementwiseSpec } from './elementwise.js';
import { lerp, lerpWeight } from './reduce.js';

type Flags = Record<string, boolean>;

/** `maximize` and whether the L2 weight decay term exists. */
const gradFlags = (a: FusedAttrs): Flags => ({ maximize: a.maximize === true, decay: a.weightDecay !== 0 });

/** `p` and `g` of KERNELS.md: the sign flip, then L2 weight decay. */
function grad(flags: Flags): string {
  return `  let p = param[i];
  var g = ${flags.maximize ? '-grad[i]' : 'grad[i]'};
  ${flags.decay ? 'g = R(g + f.weightDecay * p);' : ''}`;
}

const sgd = elementwise({
  decl: ops.SgdStep,
  scalars: ['lr', 'weightDecay'],
  flags: gradFlags,
  body: (fl) => `${grad(fl)}
  out_param[i] = p - f.lr * g;`,
});

const sgdMomentum = elementwise({
  decl: ops.SgdMomentumStep,
  scalars: ['lr', 'weightDecay', 'momentum', 'dampeningComplement'],
  flags: (a) => ({ ...gradFlags(a), nesterov: a.nesterov === true, init: a.init === true }),
  // With init, the momentumBuffer input is a placeholder and is never read.
  body: (fl) => `${grad(fl)}
  let b = ${fl.init ? 'g' : 'R(momentumBuffer[i] * f.momentum + f.dampeningComplement * g)'};
  let d = ${fl.nesterov ? 'g + f.momentum * b' : 'b'};
  out_momentumBuffer[i] = b;
  out_param[i] = p - f.lr * d;`,
});

function adam(amsgrad: boolean): ElementwiseSpec {
  return elementwise({
    decl: amsgrad ? ops.AdamAmsgradStep : ops.AdamStep,
    scalars: ['weightDecay', 'paramScale', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'eps', 'stepSize', 'biasCorrection2Sqrt'],
    flags: gradFlags,
    body: (fl) => `${grad(fl)}
  let m = R(expAvg[i] * f.beta1 + f.oneMinusBeta1 * g);
  let v = R(expAvgSq[i] * f.beta2 + (f.oneMinusBeta2 * g) * g);
  ${amsgrad ? 'let vm = max(maxExpAvgSq[i], v);\n  out_maxExpAvgSq[i] = vm;' : 'let vm = v;'}
  let denom = sqrt(vm) / f.biasCorrection2Sqrt + f.eps;
  out_expAvg[i] = m;
  out_expAvgSq[i] = v;
  out_param[i] = p * f.paramScale - (f.stepSize * m) / denom;`,
  });
}

const adagrad = elementwise({
  decl: ops.AdagradStep,
  scalars: ['clr', 'weightDecay', 'eps'],
  flags: gradFlags,
  body: (fl) => `${grad(fl)}
  let s = R(sum[i] + g * g);
  out_sum[i] = s;
  out_param[i] = p - (f.clr * g) / (sqrt(s) + f.eps);`,
});

function rmsprop(centered: boolean, momentum: boolean): ElementwiseSpec {
  const decls = [ops.RmspropStep, ops.RmspropMomentumStep, ops.RmspropCenteredStep, ops.RmspropCenteredMomentumStep] as const;
  return elementwise({
    decl: decls[(centered ? 2 : 0) + (momentum ? 1 : 0)],
    scalars: ['lr', 'alpha', 'oneMinusAlpha', 'eps', 'weightDecay', ...(momentum ? (['momentum'] as const) : [])],
    flags: gradFlags,
    body: (fl) => `${grad(fl)}
  let sq = R(squareAvg[i] * f.alpha + (f.oneMinusAlpha * g) * g);
  out_squareAvg[i] = sq;
  ${
    centered
      ? `let ga = R(gradAvg[i] * f.alpha + f.oneMinusAlpha * g);
  out_gradAvg[i] = ga;
  // The variance by cancellation: both terms rounded as torch rounds them.
  let avg = sqrt(R(sq - R(ga * ga))) + f.eps;`
      : 'let avg = sqrt(sq) + f.eps;'
  }
  ${
    momentum
      ? `let b = R(momentumBuffer[i] * f.momentum + g / avg);
  out_momentumBuffer[i] = b;
  out_param[i] = p - f.lr * b;`
      : 'out_param[i] = p - (f.lr * g) / avg;'
  }`,
  });
}

const adadelta = elementwise({
  decl: ops.AdadeltaStep,
  scalars: ['lr', 'rho', 'oneMinusRho', 'eps', 'weightDecay'],
  flags: gradFlags,
  body: (fl) => `${grad(fl)}
  let sq = R(squareAvg[i] * f.rho + (f.oneMinusRho * g) * g);
  let acc = accDelta[i];
  let delta = R((sqrt(acc + f.eps) / sqrt(sq + f.eps)) * g);
  out_squareAvg[i] = sq;
  out_accDelta[i] = acc * f.rho + (f.oneMinusRho * delta) * delta;
  out_param[i] = p - f.lr * delta;`,
});

const adamax = elementwise({
  decl: ops.AdamaxStep,
  scalars: ['beta1', 'oneMinusBeta1', 'beta2', 'eps', 'weightDecay', 'clr'],
  flags: gradFlags,
  body: (fl) => `${grad(fl)}
  let m = R(expAvg[i] * f.beta1 + f.oneMinusBeta1 * g);
  let u = max(expInf[i] * f.beta2, abs(g) + f.eps);
  out_expAvg[i] = m;
  out_expInf[i] = u;
  out_param[i] = p - (f.clr * m) / u;`,
});

// NAdam and RAdam have no `maximize` in torch 1.13.
const decayOnly = (a: FusedAttrs): Flags => ({ maximize: false, decay: a.weightDecay !== 0 });

const nadam = elementwise({
  decl: ops.NadamStep,
  scalars: ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'eps', 'weightDecay', 'biasCorrection2', 'gradCoef', 'avgCoef'],
  flags: decayOnly,
  body: (fl) => `${grad(fl)}
  let m = R(expAvg[i] * f.beta1 + f.oneMinusBeta1 * g);
  let v = R(expAvgSq[i] * f.beta2 + (f.oneMinusBeta2 * g) * g);
  let denom = sqrt(v / f.biasCorrection2) + f.eps;
  let p1 = R(p - (f.gradCoef * g) / denom);
  out_expAvg[i] = m;
  out_expAvgSq[i] = v;
  out_param[i] = p1 - (f.avgCoef * m) / denom;`,
});

const radam = elementwise({
  decl: ops.RadamStep,
  scalars: ['lr', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'eps', 'weightDecay', 'biasCorrection1', 'biasCorrection2Sqrt', 'rect'],
  flags: (a) => ({ ...decayOnly(a), rectify: a.rectify === true }),
  body: (fl) => `${grad(fl)}
  let m = R(expAvg[i] * f.beta1 + f.oneMinusBeta1 * g);
  let v = R(expAvgSq[i] * f.beta2 + (f.oneMinusBeta2 * g) * g);
  let bm = m / f.biasCorrection1;
  out_expAvg[i] = m;
  out_expAvgSq[i] = v;
  ${
    fl.rectify
      ? `let a = (1.0 / (sqrt(v) + f.eps)) * f.biasCorrection2Sqrt;
  out_param[i] = p - ((bm * f.lr) * a) * f.rect;`
      : 'out_param[i] = p - bm * f.lr;'
  }`,
});

const lion = elementwise({
  decl: ops.LionStep,
  scalars: ['lr', 'paramScale', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2'],
  // Lion's weight decay is decoupled (paramScale) and it has no maximize.
  body: () => `  let m = expAvg[i];
  let g = grad[i];
  let c = m * f.beta1 + f.oneMinusBeta1 * g;
  out_param[i] = param[i] * f.paramScale - f.lr * sign(c);
  out_expAvg[i] = m * f.beta2 + f.oneMinusBeta2 * g;`,
});

// Muon's end (its momentum has a norm: muon.ts); both products rounded, as the fallback's tensors are.
const muonApply = elementwise({
  decl: ops.MuonApply,
  scalars: ['paramScale', 'adjustedLr'],
  body: () => '  out_param[i] = R(param[i] * f.paramScale) - R(ortho[i] * f.adjustedLr);',
});

// ASGD: while mu is 1 (average false), ax is a copy of the new param and its input is never read.
const asgd = elementwise({
  decl: ops.AsgdStep,
  scalars: ['weightDecay', 'paramScale', 'eta', 'mu'],
  flags: (a) => ({ ...gradFlags(a), average: a.average === true }),
  body: (fl) => `${grad(fl)}
  let p1 = R(p * f.paramScale) - g * f.eta;
  out_param[i] = p1;
  out_ax[i] = ${fl.average ? 'ax[i] + (p1 - ax[i]) * f.mu' : 'p1'};`,
});

// Rprop: the sign of g·prev, a float32 product (a tiny one is 0: the step size stays);
// where it is negative the grad is zeroed, and WGSL's sign(0) = 0 then rests the element.
// Comparisons and min/max take T on both sides (f32, or vec4<f32> splatted).
const rprop = elementwise({
  decl: ops.RpropStep,
  scalars: ['etaminus', 'etaplus', 'stepSizeMin', 'stepSizeMax'],
  flags: (a) => ({ maximize: a.maximize === true }),
  body: (fl) => `  let g = ${fl.maximize ? '-grad[i]' : 'grad[i]'};
  let s = g * prev[i];
  let factor = select(select(T(1.0), T(f.etaminus), s < T(0.0)), T(f.etaplus), s > T(0.0));
  let size = min(max(stepSize[i] * factor, T(f.stepSizeMin)), T(f.stepSizeMax));
  let held = select(g, T(0.0), s < T(0.0));
  out_stepSize[i] = size;
  out_prev[i] = held;
  out_param[i] = param[i] - sign(held) * size;`,
});

// Schedule-free AdamW: lerp(y, z, ckp1) takes one of torch's two forms, chosen once per step
// on f(ckp1) (a shader variant); its complement f(1 - f(ckp1)) is a uniform.
function scheduleFree(momentum: boolean): ElementwiseSpec {
  return elementwise({
    decl: momentum ? ops.ScheduleFreeAdamWMomentumStep : ops.ScheduleFreeAdamWStep,
    scalars: ['beta2', 'oneMinusBeta2', 'biasCorrection2', 'eps', 'weightDecay', 'ckp1', 'yCoef', 'lr', ...(momentum ? (['innerMomentum', 'oneMinusInnerMomentum', 'biasCorrection1'] as const) : [])],
    derived: { ckp1Complement: (a) => lerpWeight(a.ckp1).complement },
    flags: (a) => ({ decay: a.weightDecay !== 0, low: lerpWeight(a.ckp1).low }),
    body: (fl) => `  let g = grad[i];
  let y = param[i];
  let z0 = z[i];
  let v = R(expAvgSq[i] * f.beta2 + (g * f.oneMinusBeta2) * g);
  out_expAvgSq[i] = v;
  let denom = sqrt(v / f.biasCorrection2) + f.eps;
  ${
    momentum
      ? `let m = R(expAvg[i] * f.innerMomentum + g * f.oneMinusInnerMomentum);
  out_expAvg[i] = m;
  var u = (m / f.biasCorrection1) / denom;`
      : 'var u = g / denom;'
  }
  ${fl.decay ? 'u = R(u + y * f.weightDecay);' : ''}
  out_param[i] = R(${lerp(fl.low, 'y', 'z0', 'f.ckp1', 'f.ckp1Complement')}) + u * f.yCoef;
  out_z[i] = z0 - u * f.lr;`,
  });
}

/** Every elementwise optim op (all but those with reductions: LAMB, Adafactor, MuonMomentum). */
export const elementwiseOps: readonly ElementwiseSpec[] = [
  sgd,
  sgdMomentum,
  adam(false),
  adam(true),
  adagrad,
  rmsprop(false, false),
  rmsprop(true, false),
  rmsprop(false, true),
  rmsprop(true, true),
  adadelta,
  adamax,
  nadam,
  radam,
  lion,
  muonApply,
  asgd,
  rprop,
  scheduleFree(false),
  scheduleFree(true),
];
