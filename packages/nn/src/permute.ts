import type { HostTensor } from '@descent/core';

// Layout conversions between Descent (tfjs) and torch happen on host copies
// when files are written and read, so they allocate no tensors.

/** The shape `tf.transpose(t, perm)` would have. */
export function permuteShape(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.map((axis) => shape[axis]);
}

/** The permutation that undoes `perm`. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((axis, i) => (inv[axis] = i));
  return inv;
}

export function isPermutation(perm: unknown, rank: number): perm is number[] {
  if (!Array.isArray(perm) || perm.length !== rank) return false;
  const seen = new Set(perm);
  return seen.size === rank && perm.every((a) => Number.isInteger(a) && a >= 0 && a < rank);
}

/** A copy of host data in a plain typed array of its own (never a view, never a Node Buffer). */
export function copyHostData(data: HostTensor['data']): HostTensor['data'] {
  if (data instanceof Float32Array) return new Float32Array(data);
  if (data instanceof Int32Array) return new Int32Array(data);
  return new Uint8Array(data);
}

/** `tf.transpose` of a host tensor: a new host tensor in the permuted layout. */
export function permuteHost(h: HostTensor, perm: readonly number[]): HostTensor {
  const rank = h.shape.length;
  const shape = permuteShape(h.shape, perm);
  if (perm.every((axis, i) => axis === i)) return { dtype: h.dtype, shape, data: copyHostData(h.data) };
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= h.shape[i];
  }
  // Walking the output in order, the input index moves by the stride of the input axis behind each output axis.
  const strides = perm.map((axis) => inStrides[axis]);
  const out = new (h.data.constructor as new (n: number) => HostTensor['data'])(h.data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = h.data[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += strides[d];
      if (index[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return { dtype: h.dtype, shape, data: out };
}
