import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp, fusedOps } from '@descent/core';
import { effectiveGrad, num } from './common.js';

/** SGD without momentum. See KERNELS.md. */
export const sgdStep = defineFusedOp(fusedOps.SgdStep, ({ param, grad }, attrs) => ({ param: tf.sub(param, tf.mul(effectiveGrad(param, grad, attrs), num(attrs, 'lr'))) }));

/** SGD with momentum; `init` marks the first step, when `momentumBuffer` is not read. See KERNELS.md. */
export const sgdMomentumStep = defineFusedOp(fusedOps.SgdMomentumStep, ({ param, grad, momentumBuffer }, attrs) => {
  const g = effectiveGrad(param, grad, attrs);
  const momentum = num(attrs, 'momentum');
  const buf = attrs.init ? tf.clone(g) : tf.add(tf.mul(momentumBuffer, momentum), tf.mul(g, num(attrs, 'dampeningComplement')));
  const d = attrs.nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
  return { param: tf.sub(param, tf.mul(d, num(attrs, 'lr'))), momentumBuffer: buf };
});
