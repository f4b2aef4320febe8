import { registerFusedKernel, registerKernelInstaller } from '../../fused/kernel.js';
import * as ops from '../../ops/optim.js';
import { AmpRoundHalf, AmpUnscale } from '../../ops/amp.js';
import { hostKernel } from './host-kernel.js';
import { sgd, sgdMomentum } from './sgd.js';
import { adam, adamAmsgrad } from './adam.js';
import { lamb } from './lamb.js';
import { adadelta, adagrad, rmsprop } from './adaptive.js';
import { adamax, nadam, radam } from './adam-variants.js';
import { lion } from './lion.js';
import { adafactor, adafactorFactored } from './adafactor.js';
import { muonApply, muonMomentum } from './muon.js';
import { asgd } from './asgd.js';
import { rprop } from './rprop.js';
import { scheduleFreeAdamW, scheduleFreeAdamWMomentum } from './schedule-free.js';
import { hostRoundKernel, hostUnscaleKernel } from './amp.js';

const CPU = 'cpu';

/**
 * Registers the cpu backend's kernels of every fused op (optimizer updates,
 * amp's unscale and rounding): plain-JS loops over the backend's typed arrays,
 * in the order KERNELS.md fixes. Attributes and new state values are rounded to
 * float32; other intermediates stay in float64 (a Math.fround per operation
 * would double a step's time, and only moves results by an ulp).
 */
export function registerCpuFusedKernels(): void {
  registerFusedKernel(ops.SgdStep, CPU, hostKernel(ops.SgdStep, sgd));
  registerFusedKernel(ops.SgdMomentumStep, CPU, hostKernel(ops.SgdMomentumStep, sgdMomentum));
  registerFusedKernel(ops.AdamStep, CPU, hostKernel(ops.AdamStep, adam));
  registerFusedKernel(ops.AdamAmsgradStep, CPU, hostKernel(ops.AdamAmsgradStep, adamAmsgrad));
  registerFusedKernel(ops.LambStep, CPU, hostKernel(ops.LambStep, lamb));
  registerFusedKernel(ops.AdagradStep, CPU, hostKernel(ops.AdagradStep, adagrad));
  registerFusedKernel(ops.RmspropStep, CPU, hostKernel(ops.RmspropStep, rmsprop(false, false)));
  registerFusedKernel(ops.RmspropCenteredStep, CPU, hostKernel(ops.RmspropCenteredStep, rmsprop(true, false)));
  registerFusedKernel(ops.RmspropMomentumStep, CPU, hostKernel(ops.RmspropMomentumStep, rmsprop(false, true)));
  registerFusedKernel(ops.RmspropCenteredMomentumStep, CPU, hostKernel(ops.RmspropCenteredMomentumStep, rmsprop(true, true)));
  registerFusedKernel(ops.AdadeltaStep, CPU, hostKernel(ops.AdadeltaStep, adadelta));
  registerFusedKernel(ops.AdamaxStep, CPU, hostKernel(ops.AdamaxStep, adamax));
  registerFusedKernel(ops.NadamStep, CPU, hostKernel(ops.NadamStep, nadam));
  registerFusedKernel(ops.RadamStep, CPU, hostKernel(ops.RadamStep, radam));
  registerFusedKernel(ops.LionStep, CPU, hostKernel(ops.LionStep, lion));
  registerFusedKernel(ops.AdafactorStep, CPU, hostKernel(ops.AdafactorStep, adafactor));
  registerFusedKernel(ops.AdafactorFactoredStep, CPU, hostKernel(ops.AdafactorFactoredStep, adafactorFactored));
  registerFusedKernel(ops.MuonMomentum, CPU, hostKernel(ops.MuonMomentum, muonMomentum));
  registerFusedKernel(ops.MuonApply, CPU, hostKernel(ops.MuonApply, muonApply));
  registerFusedKernel(ops.AsgdStep, CPU, hostKernel(ops.AsgdStep, asgd));
  registerFusedKernel(ops.RpropStep, CPU, hostKernel(ops.RpropStep, rprop));
  registerFusedKernel(ops.ScheduleFreeAdamWStep, CPU, hostKernel(ops.ScheduleFreeAdamWStep, scheduleFreeAdamW));
  registerFusedKernel(ops.ScheduleFreeAdamWMomentumStep, CPU, hostKernel(ops.ScheduleFreeAdamWMomentumStep, scheduleFreeAdamWMomentum));
  registerFusedKernel(AmpUnscale, CPU, hostUnscaleKernel);
  registerFusedKernel(AmpRoundHalf, CPU, hostRoundKernel);
}

// The first fused call on cpu registers them, also when the app chose cpu with tf.setBackend.
registerKernelInstaller(CPU, registerCpuFusedKernels);
