// RmspropStep and its centered / momentum variants (packages/optim/KERNELS.md) as TensorFlow eager ops.
import { effectiveGrad, ema, emaSq, tfKernel, type TfKernel } from './program.js';

function rmspropKernel(centered: boolean, momentum: boolean): TfKernel {
  const inputs = ['param', 'grad', 'squareAvg', ...(centered ? ['gradAvg'] : []), ...(momentum ? ['momentumBuffer'] : [])];
  return tfKernel(inputs, (p, x, a) => {
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
    return out;
  });
}

export const rmspropPlainKernel = rmspropKernel(false, false);
export const rmspropCenteredKernel = rmspropKernel(true, false);
export const rmspropMomentumKernel = rmspropKernel(false, true);
export const rmspropCenteredMomentumKernel = rmspropKernel(true, true);
