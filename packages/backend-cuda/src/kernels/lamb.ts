// LambStep (timm's Lamb; packages/optim/KERNELS.md) as TensorFlow eager ops: the
// two norms are Sum reductions on the device, so the trust ratio is never read back.
import { fusedOps } from '@descent/core';
import { ema, emaSq, tfKernel } from './program.js';

export const lambKernel = tfKernel(fusedOps.LambStep, (p, { param, grad, expAvg, expAvgSq, gradDivisor }, a, info) => {
  const gc = grad.div(gradDivisor);
  const m = ema(expAvg, a.beta1 as number, gc, a.beta3 as number);
  const v = emaSq(expAvgSq, a.beta2 as number, gc, a.oneMinusBeta2 as number);
  let u = m.div(a.biasCorrection1 as number).div(v.sqrt().div(a.biasCorrection2Sqrt as number).add(a.eps as number));
  if ((a.weightDecay as number) !== 0) u = u.add(param.mul(a.weightDecay as number));
  if (a.adapt) {
    const rank = info.param.shape.length;
    const w = p.reduceAll('Sum', param.square(), rank).sqrt();
    const n = p.reduceAll('Sum', u.square(), rank).sqrt();
    const both = p.run('LogicalAnd', [w.greater(0), n.greater(0)], []);
    let r = p.select(both, w.div(n), 1);
    if (a.trustClip) r = r.min(1);
    u = u.mul(r);
  }
  return { param: param.sub(u.mul(a.lr as number)), expAvg: m, expAvgSq: v };
});
