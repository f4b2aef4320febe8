// Registers the tensorflow-backend kernels of @descent/optim's and @descent/amp's
// fused ops, against their declarations in @descent/core (fusedOps): each kernel
// returns its outputs by name, as the declaration lists them.
import * as tf from '@tensorflow/tfjs-core';
import { fusedOps, kernelNameOf, registerFusedKernel, type FusedKernelFunc, type FusedOpDeclaration } from '@descent/core';
import { adadeltaKernel } from './adadelta.js';
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

const KERNELS: ReadonlyArray<[FusedOpDeclaration, TfKernel]> = [
  [fusedOps.SgdStep, sgdKernel],
  [fusedOps.SgdMomentumStep, sgdMomentumKernel],
  [fusedOps.AdamStep, adamKernel],
  [fusedOps.AdamAmsgradStep, adamAmsgradKernel],
  [fusedOps.LambStep, lambKernel],
  [fusedOps.AdagradStep, adagradKernel],
  [fusedOps.RmspropStep, rmspropPlainKernel],
  [fusedOps.RmspropCenteredStep, rmspropCenteredKernel],
  [fusedOps.RmspropMomentumStep, rmspropMomentumKernel],
  [fusedOps.RmspropCenteredMomentumStep, rmspropCenteredMomentumKernel],
  [fusedOps.AdadeltaStep, adadeltaKernel],
  [fusedOps.AdamaxStep, adamaxKernel],
  [fusedOps.NadamStep, nadamKernel],
  [fusedOps.RadamStep, radamKernel],
  [fusedOps.LionStep, lionKernel],
  [fusedOps.AmpUnscale, ampUnscaleKernel],
  [fusedOps.AmpRoundHalf, ampRoundHalfKernel],
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
    registerFusedKernel(decl, backendName, kernel as unknown as FusedKernelFunc);
    registered.push(decl.name);
  }
  return registered;
}
