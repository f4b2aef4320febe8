// im2row for the convolutions that run on the GEMM (src/kernels/conv2d.ts):
// the patches of an NHWC image as a row-major [N·OH·OW, KH·KW·C]: row p =
// (n, y, x), column = (tap row, tap column, channel) in HWIO's order, so
// patches · W[KH·KW·C, O] is the convolution and patchesᵀ · dy the filter's
// gradient (the GEMM reads A transposed through strides). A tap row whose KW
// taps all lie inside the image, undilated, is one contiguous copy of KW·C
// floats; taps in the padding are zeros. `part` of `parts` writes one
// contiguous range of rows. Same rules as asm/optim.ts: tfjs-wasm's memory,
// byte offsets, nothing else touched.
// memory.copy is a call into the engine, which costs more than the copy for
// the few floats of a narrow image's tap row (a LeNet's first layer: 3).
@inline function copy(dst: usize, src: usize, bytes: usize): void {
  if (bytes > 64) {
    memory.copy(dst, src, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(src + i));
}

export function im2row(
  x: usize, out: usize,
  n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, dh: u32, dw: u32, top: i32, left: i32,
  part: u32, parts: u32,
): void {
  const rows = n * oh * ow;
  const per = (rows + parts - 1) / parts;
  const p0 = min(rows, part * per);
  const p1 = min(rows, p0 + per);
  const tapBytes = <usize>c << 2;
  const spanBytes = <usize>kw * tapBytes;
  let dst = out + <usize>p0 * kh * spanBytes;
  for (let p = p0; p < p1; p++) {
    const b = p / (oh * ow);
    const y = (p / ow) % oh;
    const xo = p % ow;
    const iw0 = <i32>(xo * sw) - left;
    const whole = (dw == 1 || kw == 1) && iw0 >= 0 && iw0 + <i32>((kw - 1) * dw) < <i32>w;
    for (let i: u32 = 0; i < kh; i++, dst += spanBytes) {
      const ih = <i32>(y * sh + i * dh) - top;
      if (ih < 0 || ih >= <i32>h) {
        memory.fill(dst, 0, spanBytes);
        continue;
      }
      const row = x + ((<usize>(b * h + <u32>ih) * w) * c << 2);
      if (whole) {
        copy(dst, row + (<usize>iw0 * c << 2), spanBytes);
        continue;
      }
      let d = dst;
      for (let j: u32 = 0; j < kw; j++, d += tapBytes) {
        const iw = iw0 + <i32>(j * dw);
        if (iw < 0 || iw >= <i32>w) memory.fill(d, 0, tapBytes);
        else copy(d, row + (<usize>iw * c << 2), tapBytes);
      }
    }
  }
}
