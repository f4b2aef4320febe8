// Registers the tensorflow-backend kernels of @descent/optim's and @descent/amp's
// fused ops under tfjs's kernel names (`Descent<Op>`), by op name, so neither
// package is imported. Each kernel returns its outputs by name; tfjs wants them
// as a list in the op's output order, which OUTPUTS states (the op declarations
// of packages/optim/KERNELS.md and packages/amp/KERNELS.md).
import * as tf from '@tensorflow/tfjs-core';
import { kernelNameOf } from '@descent/core';
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

const KERNELS: ReadonlyArray<[op: string, outputs: readonly string[], kernel: TfKernel]> = [
  ['SgdStep', ['param'], sgdKernel],
  ['SgdMomentumStep', ['param', 'momentumBuffer'], sgdMomentumKernel],
  ['AdamStep', ['param', 'expAvg', 'expAvgSq'], adamKernel],
  ['AdamAmsgradStep', ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'], adamAmsgradKernel],
  ['LambStep', ['param', 'expAvg', 'expAvgSq'], lambKernel],
  ['AdagradStep', ['param', 'sum'], adagradKernel],
  ['RmspropStep', ['param', 'squareAvg'], rmspropPlainKernel],
  ['RmspropCenteredStep', ['param', 'squareAvg', 'gradAvg'], rmspropCenteredKernel],
  ['RmspropMomentumStep', ['param', 'squareAvg', 'momentumBuffer'], rmspropMomentumKernel],
  ['RmspropCenteredMomentumStep', ['param', 'squareAvg', 'gradAvg', 'momentumBuffer'], rmspropCenteredMomentumKernel],
  ['AdadeltaStep', ['param', 'squareAvg', 'accDelta'], adadeltaKernel],
  ['AdamaxStep', ['param', 'expAvg', 'expInf'], adamaxKernel],
  ['NadamStep', ['param', 'expAvg', 'expAvgSq'], nadamKernel],
  ['RadamStep', ['param', 'expAvg', 'expAvgSq'], radamKernel],
  ['LionStep', ['param', 'expAvg'], lionKernel],
  ['AmpUnscale', ['unscaled', 'nonFinite'], ampUnscaleKernel],
  ['AmpRoundHalf', ['y'], ampRoundHalfKernel],
];

/** The fused ops that have a tensorflow kernel here, and each one's outputs in order. */
export const tensorflowKernelOps: ReadonlyArray<{ op: string; outputs: readonly string[] }> = KERNELS.map(([op, outputs]) => ({ op, outputs }));

/**
 * Registers every kernel above for `backendName` (default `tensorflow`), where
 * it has none yet. The adapter's `init()` calls it; call it yourself only if you
 * start tfjs-node without the adapter. Registering needs no libtensorflow: the
 * kernels run only on tfjs-node's backend. Returns the ops registered now.
 */
export function registerTensorflowKernels(backendName: string = TENSORFLOW_BACKEND): string[] {
  const registered: string[] = [];
  for (const [op, outputs, kernel] of KERNELS) {
    const kernelName = kernelNameOf(op);
    if (tf.getKernel(kernelName, backendName)) continue;
    const kernelFunc = (args: Parameters<TfKernel>[0]) => {
      const out = kernel(args);
      return outputs.map((name) => out[name]!);
    };
    tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    registered.push(op);
  }
  return registered;
}
