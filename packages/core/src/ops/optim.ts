import { declareFusedOp } from '../fused/declaration.js';

// The optimizer updates of @descent/optim, one declaration each: the contract
// of packages/optim/KERNELS.md as data. Attributes are float64 scalars the
// optimizer computed (kernels round each to float32 once) or flags.

const P = ['param', 'grad'] as const;

export const SgdStep = declareFusedOp({
  name: 'SgdStep',
  inputs: P,
  outputs: ['param'],
  attrs: { lr: 'f32', weightDecay: 'f32', maximize: 'bool' },
});

export const SgdMomentumStep = declareFusedOp({
  name: 'SgdMomentumStep',
  inputs: [...P, 'momentumBuffer'],
  outputs: ['param', 'momentumBuffer'],
  attrs: { lr: 'f32', weightDecay: 'f32', maximize: 'bool', momentum: 'f32', dampeningComplement: 'f32', nesterov: 'bool', init: 'bool' },
});

const adamAttrs = {
  maximize: 'bool',
  weightDecay: 'f32',
  paramScale: 'f32',
  beta1: 'f32',
  oneMinusBeta1: 'f32',
  beta2: 'f32',
  oneMinusBeta2: 'f32',
  eps: 'f32',
  stepSize: 'f32',
  biasCorrection2Sqrt: 'f32',
} as const;

export const AdamStep = declareFusedOp({
  name: 'AdamStep',
  inputs: [...P, 'expAvg', 'expAvgSq'],
  outputs: ['param', 'expAvg', 'expAvgSq'],
  attrs: adamAttrs,
});

export const AdamAmsgradStep = declareFusedOp({
  name: 'AdamAmsgradStep',
  inputs: [...P, 'expAvg', 'expAvgSq', 'maxExpAvgSq'],
  outputs: ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'],
  attrs: adamAttrs,
});

export const LambStep = declareFusedOp({
  name: 'LambStep',
  inputs: [...P, 'expAvg', 'expAvgSq', 'gradDivisor'],
  outputs: ['param', 'expAvg', 'expAvgSq'],
  scalarInputs: ['gradDivisor'],
  attrs: {
    lr: 'f32',
    beta1: 'f32',
    beta3: 'f32',
    beta2: 'f32',
    oneMinusBeta2: 'f32',
    eps: 'f32',
    biasCorrection1: 'f32',
    biasCorrection2Sqrt: 'f32',
    weightDecay: 'f32',
    adapt: 'bool',
    trustClip: 'bool',
  },
});

export const AdagradStep = declareFusedOp({
  name: 'AdagradStep',
  inputs: [...P, 'sum'],
  outputs: ['param', 'sum'],
  attrs: { clr: 'f32', weightDecay: 'f32', eps: 'f32', maximize: 'bool' },
});

const rmspropAttrs = { lr: 'f32', alpha: 'f32', oneMinusAlpha: 'f32', eps: 'f32', weightDecay: 'f32', momentum: 'f32', maximize: 'bool' } as const;

export const RmspropStep = declareFusedOp({
  name: 'RmspropStep',
  inputs: [...P, 'squareAvg'],
  outputs: ['param', 'squareAvg'],
  attrs: rmspropAttrs,
});

export const RmspropCenteredStep = declareFusedOp({
  name: 'RmspropCenteredStep',
  inputs: [...P, 'squareAvg', 'gradAvg'],
  outputs: ['param', 'squareAvg', 'gradAvg'],
  attrs: rmspropAttrs,
});

export const RmspropMomentumStep = declareFusedOp({
  name: 'RmspropMomentumStep',
  inputs: [...P, 'squareAvg', 'momentumBuffer'],
  outputs: ['param', 'squareAvg', 'momentumBuffer'],
  attrs: rmspropAttrs,
});

export const RmspropCenteredMomentumStep = declareFusedOp({
  name: 'RmspropCenteredMomentumStep',
  inputs: [...P, 'squareAvg', 'gradAvg', 'momentumBuffer'],
  outputs: ['param', 'squareAvg', 'gradAvg', 'momentumBuffer'],
  attrs: rmspropAttrs,
});

export const AdadeltaStep = declareFusedOp({
  name: 'AdadeltaStep',
  inputs: [...P, 'squareAvg', 'accDelta'],
  outputs: ['param', 'squareAvg', 'accDelta'],
  attrs: { lr: 'f32', rho: 'f32', oneMinusRho: 'f32', eps: 'f32', weightDecay: 'f32', maximize: 'bool' },
});

export const AdamaxStep = declareFusedOp({
  name: 'AdamaxStep',
  inputs: [...P, 'expAvg', 'expInf'],
  outputs: ['param', 'expAvg', 'expInf'],
  attrs: { beta1: 'f32', oneMinusBeta1: 'f32', beta2: 'f32', eps: 'f32', weightDecay: 'f32', clr: 'f32', maximize: 'bool' },
});

export const NadamStep = declareFusedOp({
  name: 'NadamStep',
  inputs: [...P, 'expAvg', 'expAvgSq'],
  outputs: ['param', 'expAvg', 'expAvgSq'],
  attrs: {
    beta1: 'f32',
    oneMinusBeta1: 'f32',
    beta2: 'f32',
    oneMinusBeta2: 'f32',
    eps: 'f32',
    weightDecay: 'f32',
    biasCorrection2: 'f32',
    gradCoef: 'f32',
    avgCoef: 'f32',
  },
});

export const RadamStep = declareFusedOp({
  name: 'RadamStep',
  inputs: [...P, 'expAvg', 'expAvgSq'],
  outputs: ['param', 'expAvg', 'expAvgSq'],
  attrs: {
    lr: 'f32',
    beta1: 'f32',
    oneMinusBeta1: 'f32',
    beta2: 'f32',
    oneMinusBeta2: 'f32',
    eps: 'f32',
    weightDecay: 'f32',
    biasCorrection1: 'f32',
    biasCorrection2Sqrt: 'f32',
    rectify: 'bool',
    rect: 'f32',
  },
});

export const LionStep = declareFusedOp({
  name: 'LionStep',
  inputs: [...P, 'expAvg'],
  outputs: ['param', 'expAvg'],
  attrs: { lr: 'f32', paramScale: 'f32', beta1: 'f32', oneMinusBeta1: 'f32', beta2: 'f32', oneMinusBeta2: 'f32' },
});

const adafactorAttrs = {
  maximize: 'bool',
  /** `1 − β₂ₜ = t^beta2Decay`, the lerp weight of the second moments. */
  oneMinusBeta2: 'f32',
  /** The relative step `min(lr, 1/√t)`. */
  rho: 'f32',
  eps1: 'f32',
  /** `eps1²`, the floor of the second-moment estimate. */
  eps1Sq: 'f32',
  eps2: 'f32',
  d: 'f32',
  /** `1 − lr·weightDecay`. */
  paramScale: 'f32',
} as const;

/** Adafactor for a parameter of rank ≤ 1: a full second moment `variance`. Two reductions: RMS(p) and RMS(update). */
export const AdafactorStep = declareFusedOp({
  name: 'AdafactorStep',
  inputs: [...P, 'variance'],
  outputs: ['param', 'variance'],
  attrs: adafactorAttrs,
});

/**
 * Adafactor for a parameter of rank ≥ 2: the second moment factored over the last
 * two axes into `rowVar` (`[..., n, 1]`) and `colVar` (`[..., 1, m]`).
 */
export const AdafactorFactoredStep = declareFusedOp({
  name: 'AdafactorFactoredStep',
  inputs: [...P, 'rowVar', 'colVar'],
  outputs: ['param', 'rowVar', 'colVar'],
  attrs: adafactorAttrs,
  reducedAxes: { rowVar: -1, colVar: -2 },
});

/**
 * Muon's elementwise front: momentum (`lerp`), Nesterov, and the Frobenius
 * normalisation that starts Newton-Schulz, so the matmuls get `x` directly.
 */
export const MuonMomentum = declareFusedOp({
  name: 'MuonMomentum',
  inputs: ['grad', 'momentumBuffer'],
  outputs: ['momentumBuffer', 'update'],
  attrs: { oneMinusMomentum: 'f32', momentum: 'f32', nesterov: 'bool', eps: 'f32' },
});

/** Muon's elementwise end: decoupled weight decay and the orthogonalized step, `p·paramScale − adjustedLr·O`. */
export const MuonApply = declareFusedOp({
  name: 'MuonApply',
  inputs: ['param', 'ortho'],
  outputs: ['param'],
  attrs: { paramScale: 'f32', adjustedLr: 'f32' },
});

/** ASGD (torch 1.13's `_single_tensor_asgd`): an SGD step with decay, then the average `ax`. */
export const AsgdStep = declareFusedOp({
  name: 'AsgdStep',
  inputs: [...P, 'ax'],
  outputs: ['param', 'ax'],
  attrs: {
    maximize: 'bool',
    weightDecay: 'f32',
    /** `1 − lambd·eta`. */
    paramScale: 'f32',
    eta: 'f32',
    mu: 'f32',
    /** `mu != 1`: average; otherwise `ax` is a copy of the new param (its input is not read). */
    average: 'bool',
  },
});

/** Rprop (torch 1.13's `_single_tensor_rprop`): per-element step sizes from the signs of successive gradients. */
export const RpropStep = declareFusedOp({
  name: 'RpropStep',
  inputs: [...P, 'prev', 'stepSize'],
  outputs: ['param', 'prev', 'stepSize'],
  attrs: { etaminus: 'f32', etaplus: 'f32', stepSizeMin: 'f32', stepSizeMax: 'f32', maximize: 'bool' },
});

const scheduleFreeAttrs = {
  beta2: 'f32',
  oneMinusBeta2: 'f32',
  biasCorrection2: 'f32',
  eps: 'f32',
  weightDecay: 'f32',
  /** `c_{k+1}`, the weight of `z` in `y`'s interpolation. */
  ckp1: 'f32',
  /** `lr·(β₁(1 − c_{k+1}) − 1)`, the reference's coefficient of the update in `y`. */
  yCoef: 'f32',
  lr: 'f32',
} as const;

/** Schedule-free AdamW (facebookresearch/schedule_free's `AdamWScheduleFree.step`): the parameter holds `y`. */
export const ScheduleFreeAdamWStep = declareFusedOp({
  name: 'ScheduleFreeAdamWStep',
  inputs: [...P, 'z', 'expAvgSq'],
  outputs: ['param', 'z', 'expAvgSq'],
  attrs: scheduleFreeAttrs,
});

/** Schedule-free AdamW with the inner momentum `expAvg` (`innerMomentum > 0`). */
export const ScheduleFreeAdamWMomentumStep = declareFusedOp({
  name: 'ScheduleFreeAdamWMomentumStep',
  inputs: [...P, 'z', 'expAvgSq', 'expAvg'],
  outputs: ['param', 'z', 'expAvgSq', 'expAvg'],
  attrs: { ...scheduleFreeAttrs, innerMomentum: 'f32', oneMinusInnerMomentum: 'f32', biasCorrection1: 'f32' },
});
