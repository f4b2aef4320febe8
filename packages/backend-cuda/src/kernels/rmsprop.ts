// RmspropStep and its centered / momentum variants (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { fusedOps } from '@descent/core';
import type { AttrSpec, FusedKernelFunc, FusedOpDeclaration } from '@descent/core';
import { effectiveGrad, ema, emaSq, tfKernel, type Handle } from './program.js';

// The four variants share one body, written over the widest declaration (a
// variant's absent inputs are never read, its absent outputs never written).
function rmspropKernel<I extends string, O extends string, A extends AttrSpec>(decl: FusedOpDeclaration<I, O, A>, centered: boolean, momentum: boolean): FusedKernelFunc<I, O, A> {
  const widest = decl as unknown as typeof fusedOps.RmspropCenteredMomentumStep;
  const kernel = tfKernel(widest, (p, x, a) => {
    const g = effectiveGrad(p, x.param!, x.grad!, a);
    const alpha = a.alpha as number;
    const oneMinusAlpha = a.oneMinusAlpha as number;
    const sq = emaSq(x.squareAvg!, alpha, g, oneMinusAlpha);
    const ga = centered ? ema(x.gradAvg!, alpha, g, oneMinusAlpha) : null;
    const avg = (ga ? sq.sub(ga.mul(ga)) : sq).sqrt().add(a.eps as number);
    const out: Record<string, ReturnType<typeof g.mul>> = { squareAvg: sq };
    if (ga) out.gradAvg = ga;
    if (momentum) {
      const b = x.momentumBuffer!.mul(a.momentum as number).add(g.div(avg));
      out.momentumBuffer = b;
      out.param = x.param!.sub(b.mul(a.lr as number));
    } else {
      out.param = x.param!.sub(g.mul(a.lr as number).div(avg));
    }
    return out as Record<keyof typeof out & ('param' | 'squareAvg' | 'gradAvg' | 'momentumBuffer'), Handle>;
  });
  return kernel as unknown as FusedKernelFunc<I, O, A>;
}

export const rmspropPlainKernel = rmspropKernel(fusedOps.RmspropStep, false, false);
export const rmspropCenteredKernel = rmspropKernel(fusedOps.RmspropCenteredStep, true, false);
export const rmspropMomentumKernel = rmspropKernel(fusedOps.RmspropMomentumStep, false, true);
export const rmspropCenteredMomentumKernel = rmspropKernel(fusedOps.RmspropCenteredMomentumStep, true, true);
