// Optimizer update kernels (packages/optim/KERNELS.md) over tfjs-wasm's heap.
//
// This module imports tfjs-wasm's memory and touches only the tensors whose
// byte offsets it is given: no data segment, no globals, no allocator, no
// runtime (a data segment would be copied over tfjs's heap at instantiation).
// Every pointer is a byte offset of `n` float32 values (Adafactor's factors: one
// per row or column); inputs are only read, outputs are fresh tensors, and the
// one scratch buffer a kernel needs lives in one of its own outputs. Arithmetic is float32 in KERNELS.md's order; wasm
// has no FMA, so each product is rounded as in the composite ops. Attributes
// arrive as f32 parameters, so JS rounds each one once.
//
// Each op is a body `at(i, tail)` inlined into two loops: four lanes per v128,
// then the last n % 4 elements one at a time with the same vector code on a
// splatted value (lane 0 is stored), so the tail rounds exactly like the body.

// Loads four floats at byte offset p, or one float splatted to every lane.
@inline function ld(p: usize, tail: bool): v128 {
  return tail ? f32x4.splat(load<f32>(p)) : v128.load(p, 0, 4);
}

// Stores four floats at p, or lane 0 only.
@inline function st(p: usize, v: v128, tail: bool): void {
  if (tail) store<f32>(p, f32x4.extract_lane(v, 0));
  else v128.store(p, v, 0, 4);
}

@inline function S(x: f32): v128 {
  return f32x4.splat(x);
}

// Loop limits in bytes: the v128 part, then the scalar tail.
@inline function vecEnd(n: u32): usize {
  return (<usize>n << 2) & ~(<usize>15);
}

@inline function end(n: u32): usize {
  return <usize>n << 2;
}

// KERNELS.md's `g`: sign flip (an exact multiply by ±1), then L2 weight decay.
@inline function grad(g: v128, p: v128, sign: v128, wd: v128, decay: bool): v128 {
  g = f32x4.mul(g, sign);
  return decay ? f32x4.add(g, f32x4.mul(wd, p)) : g;
}

@inline function signOf(maximize: u32): v128 {
  return S(maximize ? -1.0 : 1.0);
}

// ---------------------------------------------------------------- SGD

export function sgd(p: usize, g: usize, po: usize, n: u32, maximize: u32, wd_: f32, lr_: f32): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const lr = S(lr_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) sgdAt(i, false, p, g, po, sign, decay, wd, lr);
  for (; i < e; i += 4) sgdAt(i, true, p, g, po, sign, decay, wd, lr);
}

@inline function sgdAt(i: usize, t: bool, p: usize, g: usize, po: usize, sign: v128, decay: bool, wd: v128, lr: v128): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  st(po + i, f32x4.sub(x, f32x4.mul(lr, gg)), t);
}

export function sgdMomentum(
  p: usize, g: usize, b: usize, po: usize, bo: usize, n: u32,
  maximize: u32, wd_: f32, lr_: f32, mu_: f32, damp_: f32, nesterov: u32, init: u32,
): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const lr = S(lr_);
  const mu = S(mu_);
  const damp = S(damp_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) sgdMomentumAt(i, false, p, g, b, po, bo, sign, decay, wd, lr, mu, damp, nesterov != 0, init != 0);
  for (; i < e; i += 4) sgdMomentumAt(i, true, p, g, b, po, bo, sign, decay, wd, lr, mu, damp, nesterov != 0, init != 0);
}

@inline function sgdMomentumAt(
  i: usize, t: bool, p: usize, g: usize, b: usize, po: usize, bo: usize,
  sign: v128, decay: bool, wd: v128, lr: v128, mu: v128, damp: v128, nesterov: bool, init: bool,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  // On the first step the buffer input is a placeholder: never read it.
  const bn = init ? gg : f32x4.add(f32x4.mul(ld(b + i, t), mu), f32x4.mul(damp, gg));
  const d = nesterov ? f32x4.add(gg, f32x4.mul(mu, bn)) : bn;
  st(bo + i, bn, t);
  st(po + i, f32x4.sub(x, f32x4.mul(lr, d)), t);
}

// ---------------------------------------------------------------- Adam, AdamW

// The hot kernel: one loop per (amsgrad, decay) pair, so the loop has no flag tests.
export function adam(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, po: usize, mo: usize, vo: usize, vmaxo: usize, n: u32,
  amsgrad: u32, maximize: u32, wd_: f32, scale_: f32, b1_: f32, c1_: f32, b2_: f32, c2_: f32, eps_: f32, stepSize_: f32, bc2_: f32,
): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  if (amsgrad) {
    if (decay) adamLoop(p, g, m, v, vmax, po, mo, vo, vmaxo, n, true, true, sign, wd_, scale_, b1_, c1_, b2_, c2_, eps_, stepSize_, bc2_);
    else adamLoop(p, g, m, v, vmax, po, mo, vo, vmaxo, n, true, false, sign, wd_, scale_, b1_, c1_, b2_, c2_, eps_, stepSize_, bc2_);
  } else {
    if (decay) adamLoop(p, g, m, v, vmax, po, mo, vo, vmaxo, n, false, true, sign, wd_, scale_, b1_, c1_, b2_, c2_, eps_, stepSize_, bc2_);
    else adamLoop(p, g, m, v, vmax, po, mo, vo, vmaxo, n, false, false, sign, wd_, scale_, b1_, c1_, b2_, c2_, eps_, stepSize_, bc2_);
  }
}

@inline function adamLoop(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, po: usize, mo: usize, vo: usize, vmaxo: usize, n: u32,
  ams: bool, decay: bool, sign: v128, wd_: f32, scale_: f32, b1_: f32, c1_: f32, b2_: f32, c2_: f32, eps_: f32, stepSize_: f32, bc2_: f32,
): void {
  const wd = S(wd_);
  const scale = S(scale_);
  const b1 = S(b1_);
  const c1 = S(c1_);
  const b2 = S(b2_);
  const c2 = S(c2_);
  const eps = S(eps_);
  const stepSize = S(stepSize_);
  const bc2 = S(bc2_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) adamAt(i, false, p, g, m, v, vmax, po, mo, vo, vmaxo, ams, decay, sign, wd, scale, b1, c1, b2, c2, eps, stepSize, bc2);
  for (; i < e; i += 4) adamAt(i, true, p, g, m, v, vmax, po, mo, vo, vmaxo, ams, decay, sign, wd, scale, b1, c1, b2, c2, eps, stepSize, bc2);
}

@inline function adamAt(
  i: usize, t: bool, p: usize, g: usize, m: usize, v: usize, vmax: usize, po: usize, mo: usize, vo: usize, vmaxo: usize,
  ams: bool, decay: bool, sign: v128, wd: v128, scale: v128, b1: v128, c1: v128, b2: v128, c2: v128, eps: v128, stepSize: v128, bc2: v128,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const mn = f32x4.add(f32x4.mul(ld(m + i, t), b1), f32x4.mul(c1, gg));
  const vn = f32x4.add(f32x4.mul(ld(v + i, t), b2), f32x4.mul(f32x4.mul(c2, gg), gg));
  let vm = vn;
  if (ams) {
    vm = f32x4.max(ld(vmax + i, t), vn);
    st(vmaxo + i, vm, t);
  }
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(vm), bc2), eps);
  st(mo + i, mn, t);
  st(vo + i, vn, t);
  st(po + i, f32x4.sub(f32x4.mul(x, scale), f32x4.div(f32x4.mul(stepSize, mn), denom)), t);
}

// ---------------------------------------------------------------- LAMB

// Two passes: moments and the raw update (kept in the param output), with the
// squared norms of p and of the update summed in f64; then the trust ratio and
// the update. The grad divisor is read from its tensor (`div`, one float).
export function lamb(
  p: usize, g: usize, m: usize, v: usize, div: usize, po: usize, mo: usize, vo: usize, n: u32,
  lr_: f32, b1_: f32, b3_: f32, b2_: f32, c2_: f32, eps_: f32, bc1_: f32, bc2_: f32, wd_: f32, adapt: u32, trustClip: u32,
): void {
  const d = S(load<f32>(div));
  const decay = wd_ != 0;
  const wd = S(wd_);
  const b1 = S(b1_);
  const b3 = S(b3_);
  const b2 = S(b2_);
  const c2 = S(c2_);
  const eps = S(eps_);
  const bc1 = S(bc1_);
  const bc2 = S(bc2_);
  const ve = vecEnd(n);
  const e = end(n);
  let ww = f64x2.splat(0);
  let uu = f64x2.splat(0);
  let i: usize = 0;
  for (; i < ve; i += 16) {
    const x = ld(p + i, false);
    const u = lambUpdateAt(i, false, x, g, m, v, mo, vo, d, decay, wd, b1, b3, b2, c2, eps, bc1, bc2);
    st(po + i, u, false);
    ww = f64x2.add(ww, sq2(x));
    uu = f64x2.add(uu, sq2(u));
  }
  let ws = f64x2.extract_lane(ww, 0) + f64x2.extract_lane(ww, 1);
  let us = f64x2.extract_lane(uu, 0) + f64x2.extract_lane(uu, 1);
  for (; i < e; i += 4) {
    const x = ld(p + i, true);
    const u = lambUpdateAt(i, true, x, g, m, v, mo, vo, d, decay, wd, b1, b3, b2, c2, eps, bc1, bc2);
    st(po + i, u, true);
    const xs = <f64>f32x4.extract_lane(x, 0);
    const us1 = <f64>f32x4.extract_lane(u, 0);
    ws += xs * xs;
    us += us1 * us1;
  }
  let r: f32 = 1;
  if (adapt) {
    const wn = <f32>Math.sqrt(ws);
    const un = <f32>Math.sqrt(us);
    r = wn > 0 && un > 0 ? wn / un : 1;
    if (trustClip && r > 1) r = 1;
  }
  const rv = S(r);
  const lr = S(lr_);
  i = 0;
  for (; i < ve; i += 16) st(po + i, f32x4.sub(ld(p + i, false), f32x4.mul(lr, f32x4.mul(ld(po + i, false), rv))), false);
  for (; i < e; i += 4) st(po + i, f32x4.sub(ld(p + i, true), f32x4.mul(lr, f32x4.mul(ld(po + i, true), rv))), true);
}

// Sum of squares of four f32 lanes, as two f64 lanes.
@inline function sq2(x: v128): v128 {
  const lo = f64x2.promote_low_f32x4(x);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
  return f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi));
}

@inline function lambUpdateAt(
  i: usize, t: bool, x: v128, g: usize, m: usize, v: usize, mo: usize, vo: usize,
  d: v128, decay: bool, wd: v128, b1: v128, b3: v128, b2: v128, c2: v128, eps: v128, bc1: v128, bc2: v128,
): v128 {
  const gc = f32x4.div(ld(g + i, t), d);
  const mn = f32x4.add(f32x4.mul(ld(m + i, t), b1), f32x4.mul(b3, gc));
  const vn = f32x4.add(f32x4.mul(ld(v + i, t), b2), f32x4.mul(f32x4.mul(c2, gc), gc));
  st(mo + i, mn, t);
  st(vo + i, vn, t);
  let u = f32x4.div(f32x4.div(mn, bc1), f32x4.add(f32x4.div(f32x4.sqrt(vn), bc2), eps));
  if (decay) u = f32x4.add(u, f32x4.mul(wd, x));
  return u;
}

// ---------------------------------------------------------------- Adagrad

export function adagrad(p: usize, g: usize, s: usize, po: usize, so: usize, n: u32, maximize: u32, wd_: f32, clr_: f32, eps_: f32): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const clr = S(clr_);
  const eps = S(eps_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) adagradAt(i, false, p, g, s, po, so, sign, decay, wd, clr, eps);
  for (; i < e; i += 4) adagradAt(i, true, p, g, s, po, so, sign, decay, wd, clr, eps);
}

@inline function adagradAt(i: usize, t: bool, p: usize, g: usize, s: usize, po: usize, so: usize, sign: v128, decay: bool, wd: v128, clr: v128, eps: v128): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const sn = f32x4.add(ld(s + i, t), f32x4.mul(gg, gg));
  st(so + i, sn, t);
  st(po + i, f32x4.sub(x, f32x4.div(f32x4.mul(clr, gg), f32x4.add(f32x4.sqrt(sn), eps))), t);
}

// ---------------------------------------------------------------- RMSprop

// All four variants; `ga`/`gao` and `b`/`bo` are only touched when centered / momentum.
export function rmsprop(
  p: usize, g: usize, sq: usize, ga: usize, b: usize, po: usize, sqo: usize, gao: usize, bo: usize, n: u32,
  centered: u32, momentum: u32, maximize: u32, wd_: f32, lr_: f32, alpha_: f32, c_: f32, eps_: f32, mu_: f32,
): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const lr = S(lr_);
  const alpha = S(alpha_);
  const c = S(c_);
  const eps = S(eps_);
  const mu = S(mu_);
  const cen = centered != 0;
  const mom = momentum != 0;
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) rmspropAt(i, false, p, g, sq, ga, b, po, sqo, gao, bo, cen, mom, sign, decay, wd, lr, alpha, c, eps, mu);
  for (; i < e; i += 4) rmspropAt(i, true, p, g, sq, ga, b, po, sqo, gao, bo, cen, mom, sign, decay, wd, lr, alpha, c, eps, mu);
}

@inline function rmspropAt(
  i: usize, t: bool, p: usize, g: usize, sq: usize, ga: usize, b: usize, po: usize, sqo: usize, gao: usize, bo: usize,
  cen: bool, mom: bool, sign: v128, decay: bool, wd: v128, lr: v128, alpha: v128, c: v128, eps: v128, mu: v128,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const sqn = f32x4.add(f32x4.mul(ld(sq + i, t), alpha), f32x4.mul(f32x4.mul(c, gg), gg));
  st(sqo + i, sqn, t);
  let avg: v128;
  if (cen) {
    const gan = f32x4.add(f32x4.mul(ld(ga + i, t), alpha), f32x4.mul(c, gg));
    st(gao + i, gan, t);
    avg = f32x4.add(f32x4.sqrt(f32x4.sub(sqn, f32x4.mul(gan, gan))), eps);
  } else {
    avg = f32x4.add(f32x4.sqrt(sqn), eps);
  }
  if (mom) {
    const bn = f32x4.add(f32x4.mul(ld(b + i, t), mu), f32x4.div(gg, avg));
    st(bo + i, bn, t);
    st(po + i, f32x4.sub(x, f32x4.mul(lr, bn)), t);
  } else {
    st(po + i, f32x4.sub(x, f32x4.div(f32x4.mul(lr, gg), avg)), t);
  }
}

// ---------------------------------------------------------------- Adadelta

export function adadelta(
  p: usize, g: usize, sq: usize, acc: usize, po: usize, sqo: usize, acco: usize, n: u32,
  maximize: u32, wd_: f32, lr_: f32, rho_: f32, c_: f32, eps_: f32,
): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const lr = S(lr_);
  const rho = S(rho_);
  const c = S(c_);
  const eps = S(eps_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) adadeltaAt(i, false, p, g, sq, acc, po, sqo, acco, sign, decay, wd, lr, rho, c, eps);
  for (; i < e; i += 4) adadeltaAt(i, true, p, g, sq, acc, po, sqo, acco, sign, decay, wd, lr, rho, c, eps);
}

@inline function adadeltaAt(
  i: usize, t: bool, p: usize, g: usize, sq: usize, acc: usize, po: usize, sqo: usize, acco: usize,
  sign: v128, decay: bool, wd: v128, lr: v128, rho: v128, c: v128, eps: v128,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const a = ld(acc + i, t);
  const sqn = f32x4.add(f32x4.mul(ld(sq + i, t), rho), f32x4.mul(f32x4.mul(c, gg), gg));
  const delta = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(a, eps)), f32x4.sqrt(f32x4.add(sqn, eps))), gg);
  st(sqo + i, sqn, t);
  st(acco + i, f32x4.add(f32x4.mul(a, rho), f32x4.mul(f32x4.mul(c, delta), delta)), t);
  st(po + i, f32x4.sub(x, f32x4.mul(lr, delta)), t);
}

// ---------------------------------------------------------------- Adamax

export function adamax(
  p: usize, g: usize, m: usize, u: usize, po: usize, mo: usize, uo: usize, n: u32,
  maximize: u32, wd_: f32, b1_: f32, c1_: f32, b2_: f32, eps_: f32, clr_: f32,
): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const b1 = S(b1_);
  const c1 = S(c1_);
  const b2 = S(b2_);
  const eps = S(eps_);
  const clr = S(clr_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) adamaxAt(i, false, p, g, m, u, po, mo, uo, sign, decay, wd, b1, c1, b2, eps, clr);
  for (; i < e; i += 4) adamaxAt(i, true, p, g, m, u, po, mo, uo, sign, decay, wd, b1, c1, b2, eps, clr);
}

@inline function adamaxAt(
  i: usize, t: bool, p: usize, g: usize, m: usize, u: usize, po: usize, mo: usize, uo: usize,
  sign: v128, decay: bool, wd: v128, b1: v128, c1: v128, b2: v128, eps: v128, clr: v128,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const mn = f32x4.add(f32x4.mul(ld(m + i, t), b1), f32x4.mul(c1, gg));
  const un = f32x4.max(f32x4.mul(ld(u + i, t), b2), f32x4.add(f32x4.abs(gg), eps));
  st(mo + i, mn, t);
  st(uo + i, un, t);
  st(po + i, f32x4.sub(x, f32x4.div(f32x4.mul(clr, mn), un)), t);
}

// ---------------------------------------------------------------- NAdam

export function nadam(
  p: usize, g: usize, m: usize, v: usize, po: usize, mo: usize, vo: usize, n: u32,
  wd_: f32, b1_: f32, c1_: f32, b2_: f32, c2_: f32, eps_: f32, bc2_: f32, gradCoef_: f32, avgCoef_: f32,
): void {
  const sign = S(1);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const b1 = S(b1_);
  const c1 = S(c1_);
  const b2 = S(b2_);
  const c2 = S(c2_);
  const eps = S(eps_);
  const bc2 = S(bc2_);
  const gc = S(gradCoef_);
  const ac = S(avgCoef_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) nadamAt(i, false, p, g, m, v, po, mo, vo, sign, decay, wd, b1, c1, b2, c2, eps, bc2, gc, ac);
  for (; i < e; i += 4) nadamAt(i, true, p, g, m, v, po, mo, vo, sign, decay, wd, b1, c1, b2, c2, eps, bc2, gc, ac);
}

@inline function nadamAt(
  i: usize, t: bool, p: usize, g: usize, m: usize, v: usize, po: usize, mo: usize, vo: usize,
  sign: v128, decay: bool, wd: v128, b1: v128, c1: v128, b2: v128, c2: v128, eps: v128, bc2: v128, gc: v128, ac: v128,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const mn = f32x4.add(f32x4.mul(ld(m + i, t), b1), f32x4.mul(c1, gg));
  const vn = f32x4.add(f32x4.mul(ld(v + i, t), b2), f32x4.mul(f32x4.mul(c2, gg), gg));
  const denom = f32x4.add(f32x4.sqrt(f32x4.div(vn, bc2)), eps);
  const p1 = f32x4.sub(x, f32x4.div(f32x4.mul(gc, gg), denom));
  st(mo + i, mn, t);
  st(vo + i, vn, t);
  st(po + i, f32x4.sub(p1, f32x4.div(f32x4.mul(ac, mn), denom)), t);
}

// ---------------------------------------------------------------- RAdam

export function radam(
  p: usize, g: usize, m: usize, v: usize, po: usize, mo: usize, vo: usize, n: u32,
  wd_: f32, lr_: f32, b1_: f32, c1_: f32, b2_: f32, c2_: f32, eps_: f32, bc1_: f32, bc2_: f32, rectify: u32, rect_: f32,
): void {
  const sign = S(1);
  const decay = wd_ != 0;
  const wd = S(wd_);
  const lr = S(lr_);
  const b1 = S(b1_);
  const c1 = S(c1_);
  const b2 = S(b2_);
  const c2 = S(c2_);
  const eps = S(eps_);
  const bc1 = S(bc1_);
  const bc2 = S(bc2_);
  const rect = S(rect_);
  const rf = rectify != 0;
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) radamAt(i, false, p, g, m, v, po, mo, vo, sign, decay, wd, lr, b1, c1, b2, c2, eps, bc1, bc2, rf, rect);
  for (; i < e; i += 4) radamAt(i, true, p, g, m, v, po, mo, vo, sign, decay, wd, lr, b1, c1, b2, c2, eps, bc1, bc2, rf, rect);
}

@inline function radamAt(
  i: usize, t: bool, p: usize, g: usize, m: usize, v: usize, po: usize, mo: usize, vo: usize,
  sign: v128, decay: bool, wd: v128, lr: v128, b1: v128, c1: v128, b2: v128, c2: v128, eps: v128, bc1: v128, bc2: v128, rf: bool, rect: v128,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const mn = f32x4.add(f32x4.mul(ld(m + i, t), b1), f32x4.mul(c1, gg));
  const vn = f32x4.add(f32x4.mul(ld(v + i, t), b2), f32x4.mul(f32x4.mul(c2, gg), gg));
  let u = f32x4.mul(f32x4.div(mn, bc1), lr);
  if (rf) {
    const a = f32x4.mul(f32x4.div(S(1), f32x4.add(f32x4.sqrt(vn), eps)), bc2);
    u = f32x4.mul(f32x4.mul(u, a), rect);
  }
  st(mo + i, mn, t);
  st(vo + i, vn, t);
  st(po + i, f32x4.sub(x, u), t);
}

// ---------------------------------------------------------------- Lion

export function lion(p: usize, g: usize, m: usize, po: usize, mo: usize, n: u32, lr_: f32, scale_: f32, b1_: f32, c1_: f32, b2_: f32, c2_: f32): void {
  const lr = S(lr_);
  const scale = S(scale_);
  const b1 = S(b1_);
  const c1 = S(c1_);
  const b2 = S(b2_);
  const c2 = S(c2_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) lionAt(i, false, p, g, m, po, mo, lr, scale, b1, c1, b2, c2);
  for (; i < e; i += 4) lionAt(i, true, p, g, m, po, mo, lr, scale, b1, c1, b2, c2);
}

@inline function lionAt(i: usize, t: bool, p: usize, g: usize, m: usize, po: usize, mo: usize, lr: v128, scale: v128, b1: v128, c1: v128, b2: v128, c2: v128): void {
  const gg = ld(g + i, t);
  const mm = ld(m + i, t);
  const c = f32x4.add(f32x4.mul(mm, b1), f32x4.mul(c1, gg));
  // sign(c): 1, -1, or 0 for zero (and NaN).
  const one = S(1);
  const sgn = f32x4.sub(v128.and(f32x4.gt(c, S(0)), one), v128.and(f32x4.lt(c, S(0)), one));
  st(po + i, f32x4.sub(f32x4.mul(ld(p + i, t), scale), f32x4.mul(lr, sgn)), t);
  st(mo + i, f32x4.add(f32x4.mul(mm, b2), f32x4.mul(c2, gg)), t);
}

// ---------------------------------------------------------------- lerp, RMS

// torch's cpu lerp with a float32 weight w (KERNELS.md): `low` is |w| < 0.5, `c` is f32(1 - w).
@inline function lerp(s: v128, e: v128, w: v128, c: v128, low: bool): v128 {
  const diff = f32x4.sub(e, s);
  return low ? f32x4.add(s, f32x4.mul(diff, w)) : f32x4.sub(e, f32x4.mul(diff, c));
}

@inline function lerp1(s: f32, e: f32, w: f32, c: f32, low: bool): f32 {
  const diff = e - s;
  return low ? s + diff * w : e - diff * c;
}

// Σ of both lanes of an f64x2.
@inline function lanes(x: v128): f64 {
  return f64x2.extract_lane(x, 0) + f64x2.extract_lane(x, 1);
}

// RMS(x) = sqrt(Σx²) / sqrt(numel), rounded to f32 (a float32 tensor in torch).
@inline function rmsOf(sumSq: f64, n: u32): f32 {
  return <f32>(Math.sqrt(sumSq) / Math.sqrt(<f64>n));
}

// ---------------------------------------------------------------- Adafactor

// KERNELS.md's three passes in two: the moments and the raw update U (kept in
// the param output) with Σ U² and Σ p² in f64 (α needs RMS(p) only at the end),
// then the apply.

// p' = p * f(paramScale) - U * (α / max(RMS(U) / f(d), 1)), α = max(RMS(p), f(eps2)) * f(rho), with U in po.
@inline function adafactorApply(p: usize, po: usize, n: u32, uSq: f64, pSq: f64, eps2_: f32, rho_: f32, d_: f32, scale_: f32): void {
  const alpha = max<f32>(rmsOf(pSq, n), eps2_) * rho_;
  scaleSub(p, po, po, n, S(scale_), S(alpha / max<f32>(rmsOf(uSq, n) / d_, 1)));
}

// po = p * scale - x * c (x may be po itself): the last step of Adafactor and Muon.
@inline function scaleSub(p: usize, x: usize, po: usize, n: u32, scale: v128, c: v128): void {
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) st(po + i, f32x4.sub(f32x4.mul(ld(p + i, false), scale), f32x4.mul(ld(x + i, false), c)), false);
  for (; i < e; i += 4) st(po + i, f32x4.sub(f32x4.mul(ld(p + i, true), scale), f32x4.mul(ld(x + i, true), c)), true);
}

// U = (1 / sqrt(max(V, f(eps1Sq)))) * g
@inline function adafactorU(vhat: v128, g: v128, floor: v128): v128 {
  return f32x4.mul(f32x4.div(S(1), f32x4.sqrt(f32x4.max(vhat, floor))), g);
}

// A parameter of rank ≤ 1: the full second moment, v' = lerp(v, g², 1 - β₂ₜ).
export function adafactor(
  p: usize, g: usize, v: usize, po: usize, vo: usize, n: u32,
  maximize: u32, w_: f32, rho_: f32, eps1Sq_: f32, eps2_: f32, d_: f32, scale_: f32,
): void {
  const sign = signOf(maximize);
  const low = abs<f32>(w_) < 0.5;
  const w = S(w_);
  const c = S(<f32>1 - w_);
  const floor = S(eps1Sq_);
  const ve = vecEnd(n);
  const e = end(n);
  let uu = f64x2.splat(0);
  let pp = f64x2.splat(0);
  let i: usize = 0;
  for (; i < ve; i += 16) {
    pp = f64x2.add(pp, sq2(ld(p + i, false)));
    uu = f64x2.add(uu, sq2(adafactorAt(i, false, g, v, po, vo, sign, w, c, low, floor)));
  }
  let uSq = lanes(uu);
  let pSq = lanes(pp);
  for (; i < e; i += 4) {
    const x = <f64>load<f32>(p + i);
    const u = <f64>f32x4.extract_lane(adafactorAt(i, true, g, v, po, vo, sign, w, c, low, floor), 0);
    pSq += x * x;
    uSq += u * u;
  }
  adafactorApply(p, po, n, uSq, pSq, eps2_, rho_, d_, scale_);
}

@inline function adafactorAt(i: usize, t: bool, g: usize, v: usize, po: usize, vo: usize, sign: v128, w: v128, c: v128, low: bool, floor: v128): v128 {
  const gg = f32x4.mul(ld(g + i, t), sign);
  const vn = lerp(ld(v + i, t), f32x4.mul(gg, gg), w, c, low);
  st(vo + i, vn, t);
  const u = adafactorU(vn, gg, floor);
  st(po + i, u, t);
  return u;
}

// A parameter of shape [batch..., rows, cols]: per matrix, the row and column
// factors, then U from their outer product. Column sums of g² accumulate in f64
// in the matrix's own part of the param output (2·cols of its rows·cols floats,
// so when rows ≥ 2; one row's column sums are its squares), which U overwrites.
export function adafactorFactored(
  p: usize, g: usize, rv: usize, cv: usize, po: usize, rvo: usize, cvo: usize, batch: u32, rows: u32, cols: u32,
  maximize: u32, w_: f32, rho_: f32, eps1_: f32, eps1Sq_: f32, eps2_: f32, d_: f32, scale_: f32,
): void {
  const low = abs<f32>(w_) < 0.5;
  const c_ = <f32>1 - w_;
  const matBytes = <usize>rows * cols << 2;
  let sums = f64x2.splat(0); // Σ U², Σ p²
  for (let b: u32 = 0; b < batch; b++) {
    const at = <usize>b * matBytes;
    const r = <usize>b * rows << 2;
    const k = <usize>b * cols << 2;
    const rowMean = max<f32>(adafactorFactors(g + at, rv + r, cv + k, po + at, rvo + r, cvo + k, rows, cols, w_, c_, low), eps1_);
    sums = f64x2.add(sums, adafactorFactoredU(p + at, g + at, rvo + r, cvo + k, po + at, rows, cols, signOf(maximize), S(rowMean), S(eps1Sq_)));
  }
  adafactorApply(p, po, batch * rows * cols, f64x2.extract_lane(sums, 0), f64x2.extract_lane(sums, 1), eps2_, rho_, d_, scale_);
}

// One matrix's new factors, rowVar'[i] = lerp(rowVar[i], Σ_j g²/cols, w) and
// colVar'[j] = lerp(colVar[j], Σ_i g²/rows, w); returns mean_i rowVar'[i].
@inline function adafactorFactors(g: usize, rv: usize, cv: usize, scratch: usize, rvo: usize, cvo: usize, rows: u32, cols: u32, w: f32, c: f32, low: bool): f32 {
  const sums = rows >= 2;
  const ve = vecEnd(cols);
  const e = end(cols);
  if (sums) memory.fill(scratch, 0, <usize>cols << 3);
  let rowVarSum: f64 = 0;
  for (let i: u32 = 0; i < rows; i++) {
    const gr = g + <usize>i * (<usize>cols << 2);
    let acc = f64x2.splat(0);
    let j: usize = 0;
    for (; j < ve; j += 16) {
      const x = v128.load(gr + j, 0, 4);
      const sq = f32x4.mul(x, x);
      const lo = f64x2.promote_low_f32x4(sq);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(sq, sq, 2, 3, 0, 1));
      acc = f64x2.add(acc, f64x2.add(lo, hi));
      if (sums) {
        const s = scratch + (j << 1); // column j/4's sum at byte 2j, as an f64
        v128.store(s, f64x2.add(v128.load(s, 0, 4), lo), 0, 4);
        v128.store(s + 16, f64x2.add(v128.load(s + 16, 0, 4), hi), 0, 4);
      }
    }
    let rowSum = lanes(acc);
    for (; j < e; j += 4) {
      const x = load<f32>(gr + j);
      const sq = <f64>(x * x);
      rowSum += sq;
      if (sums) {
        const s = scratch + (j << 1);
        store<f64>(s, load<f64>(s) + sq);
      }
    }
    const at = <usize>i << 2;
    const r = lerp1(load<f32>(rv + at), <f32>rowSum / <f32>cols, w, c, low);
    store<f32>(rvo + at, r);
    rowVarSum += <f64>r;
  }
  for (let j: usize = 0; j < e; j += 4) {
    let colSum: f32 = 0;
    if (sums) colSum = <f32>load<f64>(scratch + (j << 1));
    else if (rows == 1) {
      const x = load<f32>(g + j);
      colSum = x * x;
    }
    store<f32>(cvo + j, lerp1(load<f32>(cv + j), colSum / <f32>rows, w, c, low));
  }
  return <f32>rowVarSum / <f32>rows;
}

// U[i,j] = (1 / sqrt(max((rowVar'[i] * colVar'[j]) / rowMean, f(eps1Sq)))) * g[i,j]
// into the param output; returns Σ U² and Σ p² as the lanes of an f64x2.
@inline function adafactorFactoredU(p: usize, g: usize, rvo: usize, cvo: usize, po: usize, rows: u32, cols: u32, sign: v128, mean: v128, floor: v128): v128 {
  const ve = vecEnd(cols);
  const e = end(cols);
  let uu = f64x2.splat(0);
  let pp = f64x2.splat(0);
  let uSq: f64 = 0;
  let pSq: f64 = 0;
  for (let i: u32 = 0; i < rows; i++) {
    const at = <usize>i * (<usize>cols << 2);
    const r = S(load<f32>(rvo + (<usize>i << 2)));
    let j: usize = 0;
    for (; j < ve; j += 16) {
      pp = f64x2.add(pp, sq2(ld(p + at + j, false)));
      uu = f64x2.add(uu, sq2(factoredAt(j, false, g + at, cvo, po + at, sign, r, mean, floor)));
    }
    for (; j < e; j += 4) {
      const x = <f64>load<f32>(p + at + j);
      const u = <f64>f32x4.extract_lane(factoredAt(j, true, g + at, cvo, po + at, sign, r, mean, floor), 0);
      pSq += x * x;
      uSq += u * u;
    }
  }
  return f64x2.replace_lane(f64x2.splat(uSq + lanes(uu)), 1, pSq + lanes(pp));
}

@inline function factoredAt(j: usize, t: bool, g: usize, cvo: usize, po: usize, sign: v128, r: v128, mean: v128, floor: v128): v128 {
  const vhat = f32x4.div(f32x4.mul(r, ld(cvo + j, t)), mean);
  const u = adafactorU(vhat, f32x4.mul(ld(g + j, t), sign), floor);
  st(po + j, u, t);
  return u;
}

// ---------------------------------------------------------------- Muon

// b' = lerp(b, grad, 1 - μ); u = nesterov ? lerp(grad, b', μ) : b'; update = u / max(‖u‖, f(eps)).
// Two passes: u (kept in the update output) with Σu² in f64, then the division.
export function muonMomentum(g: usize, b: usize, bo: usize, uo: usize, n: u32, w1_: f32, w2_: f32, nesterov: u32, eps_: f32): void {
  const low1 = abs<f32>(w1_) < 0.5;
  const w1 = S(w1_);
  const c1 = S(<f32>1 - w1_);
  const low2 = abs<f32>(w2_) < 0.5;
  const w2 = S(w2_);
  const c2 = S(<f32>1 - w2_);
  const nest = nesterov != 0;
  const ve = vecEnd(n);
  const e = end(n);
  let acc = f64x2.splat(0);
  let i: usize = 0;
  for (; i < ve; i += 16) acc = f64x2.add(acc, sq2(muonAt(i, false, g, b, bo, uo, w1, c1, low1, w2, c2, low2, nest)));
  let sq = lanes(acc);
  for (; i < e; i += 4) {
    const u = <f64>f32x4.extract_lane(muonAt(i, true, g, b, bo, uo, w1, c1, low1, w2, c2, low2, nest), 0);
    sq += u * u;
  }
  const denom = S(max<f32>(<f32>Math.sqrt(sq), eps_));
  i = 0;
  for (; i < ve; i += 16) st(uo + i, f32x4.div(ld(uo + i, false), denom), false);
  for (; i < e; i += 4) st(uo + i, f32x4.div(ld(uo + i, true), denom), true);
}

@inline function muonAt(
  i: usize, t: bool, g: usize, b: usize, bo: usize, uo: usize,
  w1: v128, c1: v128, low1: bool, w2: v128, c2: v128, low2: bool, nesterov: bool,
): v128 {
  const gg = ld(g + i, t);
  const bn = lerp(ld(b + i, t), gg, w1, c1, low1);
  st(bo + i, bn, t);
  const u = nesterov ? lerp(gg, bn, w2, c2, low2) : bn;
  st(uo + i, u, t);
  return u;
}

// p' = p * f(paramScale) - ortho * f(adjustedLr)
export function muonApply(p: usize, o: usize, po: usize, n: u32, scale_: f32, lr_: f32): void {
  scaleSub(p, o, po, n, S(scale_), S(lr_));
}

// ---------------------------------------------------------------- ASGD

// p' = p * f(paramScale) - g * f(eta); ax' = average ? ax + (p' - ax) * f(mu) : p' (ax unread).
// These kernels are bound by memory traffic: a flag tested in the loop costs
// nothing measurable, so unlike Adam's they have one loop (the module stays small).
export function asgd(
  p: usize, g: usize, ax: usize, po: usize, axo: usize, n: u32,
  maximize: u32, wd_: f32, scale_: f32, eta_: f32, mu_: f32, average: u32,
): void {
  const sign = signOf(maximize);
  const decay = wd_ != 0;
  const avg = average != 0;
  const wd = S(wd_);
  const scale = S(scale_);
  const eta = S(eta_);
  const mu = S(mu_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) asgdAt(i, false, p, g, ax, po, axo, avg, decay, sign, wd, scale, eta, mu);
  for (; i < e; i += 4) asgdAt(i, true, p, g, ax, po, axo, avg, decay, sign, wd, scale, eta, mu);
}

@inline function asgdAt(
  i: usize, t: bool, p: usize, g: usize, ax: usize, po: usize, axo: usize,
  avg: bool, decay: bool, sign: v128, wd: v128, scale: v128, eta: v128, mu: v128,
): void {
  const x = ld(p + i, t);
  const gg = grad(ld(g + i, t), x, sign, wd, decay);
  const pn = f32x4.sub(f32x4.mul(x, scale), f32x4.mul(gg, eta));
  st(po + i, pn, t);
  if (avg) {
    const a = ld(ax + i, t);
    st(axo + i, f32x4.add(a, f32x4.mul(f32x4.sub(pn, a), mu)), t);
  } else {
    st(axo + i, pn, t);
  }
}

// ---------------------------------------------------------------- Rprop

// s = g * prev in f32 (a product that underflows to 0 keeps the step size);
// factor = s > 0 ? etaplus : s < 0 ? etaminus : 1; stepSize' = clamp(stepSize * factor);
// prev' = 0 where factor == etaminus (torch's `grad[sign.eq(etaminus)] = 0`), else g;
// p' = p - sign(prev') * stepSize'.
export function rprop(
  p: usize, g: usize, prev: usize, ss: usize, po: usize, prevo: usize, sso: usize, n: u32,
  maximize: u32, minus_: f32, plus_: f32, lo_: f32, hi_: f32,
): void {
  const sign = signOf(maximize);
  const minus = S(minus_);
  const plus = S(plus_);
  const lo = S(lo_);
  const hi = S(hi_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) rpropAt(i, false, p, g, prev, ss, po, prevo, sso, sign, minus, plus, lo, hi);
  for (; i < e; i += 4) rpropAt(i, true, p, g, prev, ss, po, prevo, sso, sign, minus, plus, lo, hi);
}

@inline function rpropAt(
  i: usize, t: bool, p: usize, g: usize, prev: usize, ss: usize, po: usize, prevo: usize, sso: usize,
  sign: v128, minus: v128, plus: v128, lo: v128, hi: v128,
): void {
  const zero = S(0);
  const one = S(1);
  const gg = f32x4.mul(ld(g + i, t), sign);
  const s = f32x4.mul(gg, ld(prev + i, t));
  const factor = v128.bitselect(plus, v128.bitselect(minus, one, f32x4.lt(s, zero)), f32x4.gt(s, zero));
  // pmin/pmax are one x86 instruction each (min/max order ±0 and NaN in several: 2.0 → 1.1 ms
  // on 1M); on positive sizes and non-NaN bounds they clamp exactly as min(max(x, lo), hi).
  const size = f32x4.pmin(f32x4.pmax(f32x4.mul(ld(ss + i, t), factor), lo), hi);
  const held = v128.andnot(gg, f32x4.eq(factor, minus)); // +0 where the factor is etaminus
  const sgn = f32x4.sub(v128.and(f32x4.gt(held, zero), one), v128.and(f32x4.lt(held, zero), one));
  st(sso + i, size, t);
  st(prevo + i, held, t);
  st(po + i, f32x4.sub(ld(p + i, t), f32x4.mul(sgn, size)), t);
}

// ---------------------------------------------------------------- schedule-free AdamW

// Both variants: `m`/`mo` (the inner momentum) are touched only when `momentum`.
// v' = v * f(beta2) + (g * f(1 - beta2)) * g; denom = sqrt(v' / f(bc2)) + f(eps);
// u = momentum ? (m' / f(bc1)) / denom : g / denom, m' = m * f(b1) + g * f(1 - b1);
// u += y * f(wd); y' = lerp(y, z, ckp1) + u * f(yCoef); z' = z - u * f(lr).
export function scheduleFree(
  p: usize, g: usize, z: usize, v: usize, m: usize, po: usize, zo: usize, vo: usize, mo: usize, n: u32,
  momentum: u32, b2_: f32, c2_: f32, bc2_: f32, eps_: f32, wd_: f32, ckp1_: f32, yCoef_: f32, lr_: f32, b1_: f32, c1_: f32, bc1_: f32,
): void {
  const mom = momentum != 0;
  const decay = wd_ != 0;
  const b2 = S(b2_);
  const c2 = S(c2_);
  const bc2 = S(bc2_);
  const eps = S(eps_);
  const wd = S(wd_);
  // lerp's branch is chosen once, on the f32 weight.
  const low = abs<f32>(ckp1_) < 0.5;
  const w = S(ckp1_);
  const c = S(<f32>1 - ckp1_);
  const yCoef = S(yCoef_);
  const lr = S(lr_);
  const b1 = S(b1_);
  const c1 = S(c1_);
  const bc1 = S(bc1_);
  const ve = vecEnd(n);
  const e = end(n);
  let i: usize = 0;
  for (; i < ve; i += 16) scheduleFreeAt(i, false, p, g, z, v, m, po, zo, vo, mo, mom, decay, b2, c2, bc2, eps, wd, w, c, low, yCoef, lr, b1, c1, bc1);
  for (; i < e; i += 4) scheduleFreeAt(i, true, p, g, z, v, m, po, zo, vo, mo, mom, decay, b2, c2, bc2, eps, wd, w, c, low, yCoef, lr, b1, c1, bc1);
}

@inline function scheduleFreeAt(
  i: usize, t: bool, p: usize, g: usize, z: usize, v: usize, m: usize, po: usize, zo: usize, vo: usize, mo: usize,
  mom: bool, decay: bool, b2: v128, c2: v128, bc2: v128, eps: v128, wd: v128, w: v128, c: v128, low: bool, yCoef: v128, lr: v128,
  b1: v128, c1: v128, bc1: v128,
): void {
  const gg = ld(g + i, t);
  const y = ld(p + i, t);
  const zz = ld(z + i, t);
  const vn = f32x4.add(f32x4.mul(ld(v + i, t), b2), f32x4.mul(f32x4.mul(gg, c2), gg));
  st(vo + i, vn, t);
  const denom = f32x4.add(f32x4.sqrt(f32x4.div(vn, bc2)), eps);
  let u: v128;
  if (mom) {
    const mn = f32x4.add(f32x4.mul(ld(m + i, t), b1), f32x4.mul(gg, c1));
    st(mo + i, mn, t);
    u = f32x4.div(f32x4.div(mn, bc1), denom);
  } else {
    u = f32x4.div(gg, denom);
  }
  if (decay) u = f32x4.add(u, f32x4.mul(y, wd));
  st(po + i, f32x4.add(lerp(y, zz, w, c, low), f32x4.mul(u, yCoef)), t);
  st(zo + i, f32x4.sub(zz, f32x4.mul(u, lr)), t);
}

// ---------------------------------------------------------------- GEMM
// Compiled into this module so that the kernel pool's threads run it too.

export { gemm } from './gemm';
export { im2row } from './im2row';
export { reluGrad } from './relu';
export { maxPoolGradTiled, maxPoolTiled } from './pool';
export { winogradConv, winogradConvBackpropInput, winogradFilter, winogradFilterGrad, winogradFilterSums } from './winograd';
