// im2col for the filter gradient (src/kernels/conv-backprop-filter.ts): the
// transposed patches of an NHWC image, [KH·KW·C, N·OH·OW]: row r = (tap,
// channel) in HWIO's order, column p = (n, y, x); zeros where a tap falls in
// the padding. Written column by column, so each pass reads x's channels in
// order and the KH·KW·C rows being written stay in cache. Same rules as
// asm/optim.ts: tfjs-wasm's memory, byte offsets, nothing else touched.
export function im2col(
  x: usize, out: usize,
  n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, dh: u32, dw: u32, top: i32, left: i32,
): void {
  const rowBytes = (<usize>n * oh * ow) << 2;
  let p: usize = 0;
  for (let b: u32 = 0; b < n; b++) {
    for (let y: u32 = 0; y < oh; y++) {
      for (let xo: u32 = 0; xo < ow; xo++, p++) {
        let dst = out + (p << 2);
        for (let i: u32 = 0; i < kh; i++) {
          const ih = <i32>(y * sh + i * dh) - top;
          for (let j: u32 = 0; j < kw; j++) {
            const iw = <i32>(xo * sw + j * dw) - left;
            const inside = ih >= 0 && ih < <i32>h && iw >= 0 && iw < <i32>w;
            const src = inside ? x + ((<usize>((b * h + <u32>ih) * w + <u32>iw) * c) << 2) : 0;
            for (let k: u32 = 0; k < c; k++, dst += rowBytes) store<f32>(dst, inside ? load<f32>(src + (<usize>k << 2)) : 0);
          }
        }
      }
    }
  }
}

// col2im for the input gradient (src/kernels/conv-backprop-input.ts): the
// adjoint of im2col. dx = 0, then each row of cols [N·OH·OW, KH·KW·C] (tap,
// then channel) is added into the image positions its taps read; taps in the
// padding are dropped. Rows are added in order, each tap's channels four at a
// time.
export function col2im(
  cols: usize, dx: usize,
  n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, dh: u32, dw: u32, top: i32, left: i32,
): void {
  memory.fill(dx, 0, <usize>n * h * w * c * 4);
  const c4 = c & ~3;
  let src = cols;
  for (let b: u32 = 0; b < n; b++) {
    for (let y: u32 = 0; y < oh; y++) {
      for (let xo: u32 = 0; xo < ow; xo++) {
        for (let i: u32 = 0; i < kh; i++) {
          const ih = <i32>(y * sh + i * dh) - top;
          for (let j: u32 = 0; j < kw; j++, src += <usize>c << 2) {
            const iw = <i32>(xo * sw + j * dw) - left;
            if (ih < 0 || ih >= <i32>h || iw < 0 || iw >= <i32>w) continue;
            const dst = dx + ((<usize>((b * h + <u32>ih) * w + <u32>iw) * c) << 2);
            let k: u32 = 0;
            for (; k < c4; k += 4) {
              const o = <usize>k << 2;
              v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
            }
            for (; k < c; k++) {
              const o = <usize>k << 2;
              store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
            }
          }
        }
      }
    }
  }
}
