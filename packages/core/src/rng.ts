import { check } from './errors.js';

/** Serializable state of a {@link Generator}: enough to continue bit-identically. */
export interface GeneratorState {
  algorithm: 'xoshiro128**';
  s: [number, number, number, number];
  /** Second Box-Muller value waiting to be returned, if any. */
  spareNormal: number | null;
}

/** splitmix32: spreads one 32-bit seed over the four words of xoshiro's state. */
function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded random generator (xoshiro128**), like `torch.Generator`:
 * the same seed gives the same stream on every platform, and its state can be
 * saved into a checkpoint and restored.
 */
export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed: number = 0) {
    this.manualSeed(seed);
  }

  /** Reseeds this generator (like `torch.Generator.manual_seed`); returns it. */
  manualSeed(seed: number): this {
    check(Number.isFinite(seed), 'seed', seed);
    // Fold seeds above 2^32 in, so that large integer seeds still differ.
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    const next = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
    for (let i = 0; i < 4; i++) this.s[i] = next();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.spare = null;
    return this;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** A uniformly distributed integer in [0, n), without modulo bias. */
  randint(n: number): number {
    check(Number.isInteger(n) && n > 0 && n <= 0x100000000, 'n', n);
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A standard normal sample (Box-Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A random permutation of 0..n-1 (Fisher-Yates), like `torch.randperm`. */
  permutation(n: number): Uint32Array {
    check(Number.isInteger(n) && n >= 0, 'n', n);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /** Shuffles an array in place and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.randint(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** Fills a Float32Array with samples of `fn`. */
  fill(out: Float32Array, fn: (g: this) => number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = fn(this);
    return out;
  }

  /** The generator's state, JSON-safe, for checkpoints; {@link Generator.setState} restores it bit for bit. */
  getState(): GeneratorState {
    return { algorithm: 'xoshiro128**', s: [this.s[0], this.s[1], this.s[2], this.s[3]], spareNormal: this.spare };
  }

  /** Restores a state from {@link Generator.getState}; returns this generator. */
  setState(state: GeneratorState): this {
    check(state?.algorithm === 'xoshiro128**' && Array.isArray(state.s) && state.s.length === 4, 'generator state', state?.algorithm);
    this.s.set(state.s.map((x) => x >>> 0));
    this.spare = state.spareNormal ?? null;
    return this;
  }

  /** An independent copy with the same state. */
  clone(): Generator {
    return new Generator().setState(this.getState());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let defaultGenerator = new Generator(0);

/** The process-wide generator, like torch's default generator. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

/** Seeds the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): Generator {
  defaultGenerator = new Generator(seed);
  return defaultGenerator;
}
