import { describe, expect, it } from 'vitest';
import { optimWasmBytes } from '../src/index.js';
import type { OptimExports } from '../src/optim/module.js';

// The elementwise kernels are float32 throughout, one rounding per operation in
// KERNELS.md's order, so a model that rounds every operation with Math.fround
// must agree bit for bit, in the v128 body and the scalar tail alike. (Against
// the composite fallbacks, at the contract's tolerance: conformance/test/optim/wasm-kernels.test.ts.)
const F = Math.fround;
const CANARY = 12345.5;

/** torch's cpu lerp with a float32 weight (KERNELS.md, Adafactor's section). */
function lerpModel(weight: number): (s: number, e: number) => number {
  const w = F(weight);
  const c = F(1 - w);
  return Math.abs(w) < 0.5 ? (s, e) => F(s + F(F(e - s) * w)) : (s, e) => F(e - F(F(e - s) * c));
}

/** Deterministic values in (-1, 1), a few exact zeros among them. */
function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 11 === 3 ? 0 : Math.sin(seed * 12.9898 + i * 78.233) * 0.999));
}

/**
 * Lays `inputs` (then `outputs` zeroed buffers of n) out from float 16 on, each
 * followed by a canary; `call` gets their byte offsets. Returns the outputs, and
 * checks the inputs and every canary are unchanged.
 */
function run(k: OptimExports, memory: WebAssembly.Memory, inputs: Float32Array[], outputs: number, call: (at: number[]) => void): Float32Array[] {
  const n = inputs[0].length;
  const f = new Float32Array(memory.buffer);
  f.fill(0);
  const at: number[] = [];
  let pos = 16;
  for (let b = 0; b < inputs.length + outputs; b++) {
    at.push(4 * pos);
    if (b < inputs.length) f.set(inputs[b], pos);
    f[pos + n] = CANARY;
    pos += n + 1;
  }
  call(at);
  at.forEach((offset, b) => expect(f[offset / 4 + n], `canary after buffer ${b}`).toBe(CANARY));
  inputs.forEach((x, b) => expect(bits(f.slice(at[b] / 4, at[b] / 4 + n)), `input ${b}`).toEqual(bits(x)));
  return at.slice(inputs.length).map((offset) => f.slice(offset / 4, offset / 4 + n));
}

const bits = (x: Float32Array) => Array.from(new Uint32Array(Float32Array.from(x).buffer));

function expectBits(got: Float32Array, want: number[], what: string): void {
  expect(bits(got), what).toEqual(bits(Float32Array.from(want)));
}

describe('the elementwise kernels round like a Math.fround model, body and tail', () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const k = new WebAssembly.Instance(new WebAssembly.Module(optimWasmBytes(false)), { env: { memory } }).exports as unknown as OptimExports;
  const SIZES = [1, 6, 37, 1001];

  it('ASGD, averaging or not (then ax is not read: NaN there stays out of the result)', () => {
    for (const n of SIZES) {
      for (const [maximize, wd, average] of [[0, 0, 1], [1, 0.01, 1], [0, 0.02, 0], [1, 0, 0]]) {
        const [p, g] = [values(n, 1), values(n, 2)];
        const ax = average ? values(n, 3) : new Float32Array(n).fill(NaN);
        const [scale, eta, mu] = [F(1 - 1e-4 * 0.05), F(0.05), F(0.37)];
        const [po, axo] = run(k, memory, [p, g, ax], 2, (at) => k.asgd(at[0], at[1], at[2], at[3], at[4], n, maximize, wd, scale, eta, mu, average));
        const wantP: number[] = [];
        const wantAx: number[] = [];
        for (let i = 0; i < n; i++) {
          let gg = F(g[i] * (maximize ? -1 : 1));
          if (wd !== 0) gg = F(gg + F(F(wd) * p[i]));
          const pn = F(F(p[i] * scale) - F(gg * eta));
          wantP.push(pn);
          wantAx.push(average ? F(ax[i] + F(F(pn - ax[i]) * mu)) : pn);
        }
        const what = `n = ${n}, maximize ${maximize}, wd ${wd}, average ${average}`;
        expectBits(po, wantP, `param, ${what}`);
        expectBits(axo, wantAx, `ax, ${what}`);
      }
    }
  });

  it('Rprop: factor from the float32 product (one that underflows to 0 keeps the step size), prev zeroed where it shrank', () => {
    for (const n of SIZES) {
      for (const [maximize, lo, hi] of [[0, 1e-6, 50], [1, 4e-3, 6e-3]]) {
        const p = values(n, 4);
        const g = values(n, 5);
        const prev = values(n, 6);
        const size = Float32Array.from(values(n, 7), (x) => 1e-3 + 0.01 * x * x);
        // Element 0: g·prev = 1e-50 > 0 in float64, 0 in float32.
        g[0] = 1e-25;
        prev[0] = 1e-25;
        const [minus, plus] = [F(0.5), F(1.2)];
        const [po, prevo, sizeo] = run(k, memory, [p, g, prev, size], 3, (at) =>
          k.rprop(at[0], at[1], at[2], at[3], at[4], at[5], at[6], n, maximize, minus, plus, lo, hi),
        );
        const want: number[][] = [[], [], []];
        for (let i = 0; i < n; i++) {
          const gg = F(g[i] * (maximize ? -1 : 1));
          const s = F(gg * prev[i]);
          const factor = s > 0 ? plus : s < 0 ? minus : 1;
          const next = Math.min(Math.max(F(size[i] * factor), F(lo)), F(hi));
          const held = factor === minus ? 0 : gg;
          want[0].push(F(p[i] - F(Math.sign(held) * next)));
          want[1].push(held);
          want[2].push(next);
        }
        const what = `n = ${n}, maximize ${maximize}, bounds [${lo}, ${hi}]`;
        expectBits(po, want[0], `param, ${what}`);
        expectBits(prevo, want[1], `prev, ${what}`);
        expectBits(sizeo, want[2], `stepSize, ${what}`);
        expect(sizeo[0]).toBe(Math.min(Math.max(size[0], F(lo)), F(hi)));
        expect(prevo[0]).toBe(F(maximize ? -1e-25 : 1e-25));
        // Some elements flipped sign (prev' = +0 there) and some kept it.
        if (n > 6) expect(want[1].some((x) => Object.is(x, 0)) && want[1].some((x) => x !== 0)).toBe(true);
      }
    }
  });

  it("schedule-free AdamW, with and without inner momentum and weight decay, lerp's weight on either side of 0.5", () => {
    for (const n of SIZES) {
      for (const [momentum, wd, ckp1] of [[0, 0, 0.3], [0, 0.01, 0.7], [1, 0, 1], [1, 0.02, 0.25]]) {
        const y = values(n, 8);
        const g = values(n, 9);
        const z = values(n, 10);
        const v = Float32Array.from(values(n, 11), (x) => 1e-4 + 0.01 * x * x);
        const m = momentum ? Float32Array.from(values(n, 12), (x) => 0.1 * x) : undefined;
        const [b2, c2, bc2, eps, yCoef, lr, b1, c1, bc1] = [0.999, 0.001, 0.05, 1e-8, -4e-4, 1e-3, 0.9, 0.1, 0.3].map(F);
        const inputs = m ? [y, g, z, v, m] : [y, g, z, v];
        const outs = run(k, memory, inputs, inputs.length - 1, (at) => {
          const [mIn, mOut] = m ? [at[4], at[8]] : [0, 0];
          const o = m ? at.slice(5) : at.slice(4);
          k.scheduleFree(at[0], at[1], at[2], at[3], mIn, o[0], o[1], o[2], mOut, n, momentum, b2, c2, bc2, eps, wd, ckp1, yCoef, lr, b1, c1, bc1);
        });
        const lerp = lerpModel(ckp1);
        const want: number[][] = [[], [], [], []];
        for (let i = 0; i < n; i++) {
          const vn = F(F(v[i] * b2) + F(F(g[i] * c2) * g[i]));
          const denom = F(F(Math.sqrt(F(vn / bc2))) + eps);
          let u: number;
          if (m) {
            const mn = F(F(m[i] * b1) + F(g[i] * c1));
            want[3].push(mn);
            u = F(F(mn / bc1) / denom);
          } else {
            u = F(g[i] / denom);
          }
          if (wd !== 0) u = F(u + F(y[i] * F(wd)));
          want[0].push(F(lerp(y[i], z[i]) + F(u * yCoef)));
          want[1].push(F(z[i] - F(u * lr)));
          want[2].push(vn);
        }
        const what = `n = ${n}, momentum ${momentum}, wd ${wd}, ckp1 ${ckp1}`;
        ['param', 'z', 'expAvgSq', 'expAvg'].slice(0, outs.length).forEach((name, o) => expectBits(outs[o], want[o], `${name}, ${what}`));
      }
    }
  });
});
