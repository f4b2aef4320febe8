// relu's gradient, dy · step(y), as tfjs computes it (Multiply of dy and
// Step of the layer's output, src/kernels/relu-grad.ts): step is 1 where
// y > 0, NaN where y is NaN, else 0, and the product is rounded as Multiply
// rounds it, so the bits are the composite's. One pass instead of two kernels
// and a [N, H, W, C] mask in between. Elementwise over `n` floats, so the
// kernel pool splits it. Same rules as asm/optim.ts.
@inline function at(dy: usize, y: usize, out: usize, i: usize): void {
  const v = v128.load(y + i);
  // 1 where y > 0 (the mask's bits and those of 1.0), then NaN where y is NaN.
  let s = v128.and(f32x4.gt(v, f32x4.splat(0)), f32x4.splat(1));
  s = v128.bitselect(f32x4.splat(NaN), s, f32x4.ne(v, v));
  v128.store(out + i, f32x4.mul(v128.load(dy + i), s));
}

export function reluGrad(dy: usize, y: usize, out: usize, n: u32): void {
  const bytes = <usize>n << 2;
  const body = bytes & ~15;
  let i: usize = 0;
  for (; i < body; i += 16) at(dy, y, out, i);
  for (; i < bytes; i += 4) {
    const v = load<f32>(y + i);
    const s: f32 = v > 0 ? 1 : v != v ? NaN : 0;
    store<f32>(out + i, load<f32>(dy + i) * s);
  }
}
