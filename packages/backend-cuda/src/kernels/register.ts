// Registers the tensorflow-backend kernels of @descent/optim's and @descent/amp's
// fused ops, against their declarations in @descent/core (fusedOps): each kernel
// returns its outputs by name, as the declaration lists them.
import * as tf from '@tensorflow/tfjs-core';
import { fusedOps, kernelNameOf, registerFusedKernel, type AttrSpec, type FusedKernelFunc, type FusedOpDeclaration } from '@descent/core';
import { adadeltaKernel } from './adadelta.js';
import { adafactorFactoredKernel, adafactorKernel } from './adafactor.js';
import { muonApplyKernel, muonMomentumKernel } from './muon.js';
import { asgdKernel } from './asgd.js';
import { rpropKernel } from './rprop.js';
import { scheduleFreeAdamWKernel, scheduleFreeAdamWMomentumKernel } from './schedule-free.js';
import { adagradKernel } from './adagrad.js';
import { adamAmsgradKernel, adamKernel } from './adam.js';
import { adamaxKernel } from './adamax.js';
import { ampRoundHalfKernel } from './amp-round-half.js';
import { ampUnscaleKernel } from './amp-unscale.js';
import { lambKernel } from './lamb.js';
import { lionKernel } from './lion.js';
import { nadamKernel } from './nadam.js';
import type { TfKernel } from './program.js';
import { radamKernel } from './radam.js';
import { rmspropCenteredKernel, rmspropCenteredMomentumKernel, rmspropMomentumKernel, rmspropPlainKernel } from './rmsprop.js';
import { sgdKernel, sgdMomentumKernel } from './sgd.js';

/** tfjs-node's backend name. */
export const TENSORFLOW_BACKEND = 'tensorflow';

/** A declaration and its kernel, checked against each other, types erased for the table. */
function entry<I extends string, O extends string, A extends AttrSpec>(decl: FusedOpDeclaration<I, O, A>, kernel: FusedKernelFunc<I, O, A>): [FusedOpDeclaration, TfKernel] {
  return [decl, kernel as unknown as TfKernel];
}

const KERNELS: ReadonlyArray<[FusedOpDeclaration, TfKernel]> = [
  entry(fusedOps.SgdStep, sgdKernel),
  entry(fusedOps.SgdMomentumStep, sgdMomentumKernel),
  entry(fusedOps.AdamStep, adamKernel),
  entry(fusedOps.AdamAmsgradStep, adamAmsgradKernel),
  entry(fusedOps.LambStep, lambKernel),
  entry(fusedOps.AdagradStep, adagradKernel),
  entry(fusedOps.RmspropStep, rmspropPlainKernel),
  entry(fusedOps.RmspropCenteredStep, rmspropCenteredKernel),
  entry(fusedOps.RmspropMomentumStep, rmspropMomentumKernel),
  entry(fusedOps.RmspropCenteredMomentumStep, rmspropCenteredMomentumKernel),
  entry(fusedOps.AdadeltaStep, adadeltaKernel),
  entry(fusedOps.AdamaxStep, adamaxKernel),
  entry(fusedOps.NadamStep, nadamKernel),
  entry(fusedOps.RadamStep, radamKernel),
  entry(fusedOps.LionStep, lionKernel),
  entry(fusedOps.AdafactorStep, adafactorKernel),
  entry(fusedOps.AdafactorFactoredStep, adafactorFactoredKernel),
  entry(fusedOps.MuonMomentum, muonMomentumKernel),
  entry(fusedOps.MuonApply, muonApplyKernel),
  entry(fusedOps.AsgdStep, asgdKernel),
  entry(fusedOps.RpropStep, rpropKernel),
  entry(fusedOps.ScheduleFreeAdamWStep, scheduleFreeAdamWKernel),
  entry(fusedOps.ScheduleFreeAdamWMomentumStep, scheduleFreeAdamWMomentumKernel),
  entry(fusedOps.AmpUnscale, ampUnscaleKernel),
  entry(fusedOps.AmpRoundHalf, ampRoundHalfKernel),
];

/** The fused ops that have a tensorflow kernel here. */
export const tensorflowKernelOps: readonly string[] = KERNELS.map(([decl]) => decl.name);

/**
 * Registers every kernel above for `backendName` (default `tensorflow`), where
 * it has none yet. The adapter's `init()` calls it; call it yourself only if you
 * start tfjs-node without the adapter. Registering needs no libtensorflow: the
 * kernels run only on tfjs-node's backend. Returns the ops registered now.
 */
export function registerTensorflowKernels(backendName: string = TENSORFLOW_BACKEND): string[] {
  const registered: string[] = [];
  for (const [decl, kernel] of KERNELS) {
    if (tf.getKernel(kernelNameOf(decl.name), backendName)) continue;
    registerFusedKernel(decl, backendName, kernel);
    registered.push(decl.name);
  }
  return registered;
}
