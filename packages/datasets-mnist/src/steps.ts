// One loading pipeline for both worlds: it is written as a generator that yields
// the values it needs (a digest, gunzipped bytes), which are plain values in Node's
// synchronous path and promises with WebCrypto and DecompressionStream.

import { DescentError } from '@descent/core';

export type Step = Generator<unknown, unknown, unknown>;

/** Runs a pipeline whose every step is synchronous. */
export function runSync<T>(g: Generator<unknown, T, unknown>): T {
  let r = g.next();
  while (!r.done) {
    if (r.value instanceof Promise) throw new DescentError('runSync: an asynchronous step in a synchronous load (a bug in @descent/datasets-mnist: the Node codec is synchronous)');
    r = g.next(r.value);
  }
  return r.value;
}

/** Runs a pipeline, awaiting steps that are promises; rejections are thrown into the pipeline. */
export async function runAsync<T>(g: Generator<unknown, T, unknown>): Promise<T> {
  let r = g.next();
  while (!r.done) {
    let value: unknown;
    try {
      value = await r.value;
    } catch (err) {
      r = g.throw(err);
      continue;
    }
    r = g.next(value);
  }
  return r.value;
}
