import { formatValue, InvalidArgumentError } from '@descent/core';
import { sizeOf, type NdArray, type Value } from '../ndarray.js';
import { expectArray, type Transform } from './transform.js';

/** One sample to a vector, `[28, 28]` to `[784]` (a batch becomes `[n, 784]`). No copy. */
export function flatten(): Transform {
  return {
    name: 'flatten',
    apply: (x: Value) => {
      const a = expectArray(x, 'flatten');
      return { data: a.data, shape: [sizeOf(a.shape)] };
    },
    applyBatch: (x: NdArray) => ({ data: x.data, shape: [x.shape[0], sizeOf(x.shape.slice(1))] }),
  };
}

/** One sample to `shape` (a batch keeps its leading axis). No copy. */
export function reshape(shape: readonly number[]): Transform {
  const target = [...shape];
  // torch's wording, for one sample (a batch's leading axis is not part of it).
  const check = (sample: readonly number[]) => {
    const size = sizeOf(sample);
    if (sizeOf(target) !== size) {
      throw new InvalidArgumentError('shape', target, `reshape: shape '${formatValue(target)}' is invalid for input of size ${size} (a sample of shape ${formatValue(sample)})`);
    }
  };
  return {
    name: 'reshape',
    apply: (x: Value) => {
      const a = expectArray(x, 'reshape');
      check(a.shape);
      return { data: a.data, shape: target };
    },
    applyBatch: (x: NdArray) => {
      check(x.shape.slice(1));
      return { data: x.data, shape: [x.shape[0], ...target] };
    },
  };
}
