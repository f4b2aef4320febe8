import * as tf from '@tensorflow/tfjs-core';
import { defineFusedOp } from '@descent/core';
import { effectiveGrad, num } from './common.js';

/** SGD without momentum. See KERNELS.md. */
export const sgdStep = defineFusedOp({
  name: 'SgdStep',
  inputs: ['param', 'grad'] as const,
  outputs: ['param'] as const,
  fallback: ({ param, grad }, attrs) => ({ param: tf.sub(param, tf.mul(effectiveGrad(param, grad, attrs), num(attrs, 'lr'))) }),
});

/** SGD with momentum; `init` marks the first step, when `momentumBuffer` is not read. See KERNELS.md. */
export const sgdMomentumStep = defineFusedOp({
  name: 'SgdMomentumStep',
  inputs: ['param', 'grad', 'momentumBuffer'] as const,
  outputs: ['param', 'momentumBuffer'] as const,
  fallback: ({ param, grad, momentumBuffer }, attrs) => {
    const g = effectiveGrad(param, grad, attrs);
    const momentum = num(attrs, 'momentum');
    const buf = attrs.init ? tf.clone(g) : tf.add(tf.mul(momentumBuffer, momentum), tf.mul(g, num(attrs, 'dampeningComplement')));
    const d = attrs.nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
    return { param: tf.sub(param, tf.mul(d, num(attrs, 'lr'))), momentumBuffer: buf };
  },
});
