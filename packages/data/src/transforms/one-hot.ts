import { check, checkPositiveInt } from '@descent/core';
import type { NdArray, Value } from '../ndarray.js';
import type { Transform } from './transform.js';

/** A class index to a float32 one-hot vector of `numClasses` (a target transform). */
export function oneHot(numClasses: number): Transform {
  checkPositiveInt('numClasses', numClasses);
  const encode = (labels: ArrayLike<number>, shape: number[]): NdArray => {
    const out = new Float32Array(labels.length * numClasses);
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i];
      check(Number.isInteger(c) && c >= 0 && c < numClasses, 'label', c, `Invalid label: ${c} (oneHot has ${numClasses} classes)`);
      out[i * numClasses + c] = 1;
    }
    return { data: out, shape };
  };
  return {
    name: 'oneHot',
    apply: (x: Value) => (typeof x === 'number' ? encode([x], [numClasses]) : encode(x.data, [...x.shape, numClasses])),
    applyBatch: (x: NdArray) => encode(x.data, [...x.shape, numClasses]),
  };
}
