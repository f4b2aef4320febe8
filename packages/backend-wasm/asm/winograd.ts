// Winograd F(2×2, 3×3) for the undilated stride-1 3×3 convolutions of
// src/kernels/winograd.ts: each 2×2 block of outputs (a tile) is computed from
// its 4×4 input window with 16 multiplies a channel pair instead of 36, as 16
// independent matrix products (one per point of the 4×4 transform grid) on
// asm/gemm.ts. Each thread takes a range of tiles and goes through it in
// blocks of `tb` tiles, whose transforms and products stay in its cache: the
// input transform of a block, its 16 products, the output transform. Here are
// the transforms:
//   input  V = Bᵀ d B   (4×4 window → 16 values; adds only)
//   filter U = G g Gᵀ   (3×3 → 16; halves)
//   output Y = Aᵀ M A   (16 → 2×2; adds only)
// and, for the filter's gradient, their transposes: dM = A dY Aᵀ and
// dg = Gᵀ dU G. The 16 planes are separate row-major matrices: V [16][tb][C],
// U [16][C][K], M [16][tb][K], over the T = N·⌈OH/2⌉·⌈OW/2⌉ tiles (n, tile
// row, tile column). Channels go 4 to a vector (C and K are multiples of 4).
// Threads never share an output: the filter's gradient sums each thread's
// tiles into a buffer of its own, added up by winogradFilterGrad. Same rules
// as asm/optim.ts: tfjs-wasm's memory, byte offsets, nothing else touched.

import { KC, tile } from './gemm';
import { hi, lo } from './parts';

@inline function ld(p: usize): v128 {
  return v128.load(p);
}

@inline function half(v: v128): v128 {
  return f32x4.mul(v, f32x4.splat(0.5));
}

// Pixel (yy, xx) of an image at `img` (its channel k), or zeros outside it.
@inline function ldz(img: usize, yy: i32, xx: i32, h: u32, w: u32, c: u32): v128 {
  if (yy < 0 || xx < 0 || yy >= <i32>h || xx >= <i32>w) return f32x4.splat(0);
  return v128.load(img + ((<usize>yy * w + <usize>xx) * c << 2));
}

/**
 * V[e][t − t0][c] = (Bᵀ d B)[e] of tile t's window, for tiles [t0, t1): rows
 * 2·ty − top … +3 and columns 2·tx − left … +3 of x [N, H, W, C] (outside the
 * image: zeros); planes `plane` bytes apart.
 */
function inputTiles(
  x: usize, v: usize, plane: usize, t0: u32, t1: u32, h: u32, w: u32, c: u32, th: u32, tw: u32, top: i32, left: i32,
): void {
  const zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const b = t / (th * tw);
    const ty = (t / tw) % th;
    const tx = t % tw;
    const y0 = <i32>(ty * 2) - top;
    const x0 = <i32>(tx * 2) - left;
    // Byte offsets of the window's 16 pixels (channel 0), or -1 outside the image.
    const inside = y0 >= 0 && x0 >= 0 && y0 + 3 < <i32>h && x0 + 3 < <i32>w;
    const out = v + (<usize>(t - t0) * c << 2);
    for (let k: u32 = 0; k < c; k += 4) {
      // d[i][j]: the window, row i, column j, channels k..k+3.
      let d00 = zero, d01 = zero, d02 = zero, d03 = zero;
      let d10 = zero, d11 = zero, d12 = zero, d13 = zero;
      let d20 = zero, d21 = zero, d22 = zero, d23 = zero;
      let d30 = zero, d31 = zero, d32 = zero, d33 = zero;
      const rowBytes = <usize>w * c << 2;
      const pixBytes = <usize>c << 2;
      if (inside) {
        const p = x + ((<usize>(b * h + <u32>y0) * w + <u32>x0) * c + k << 2);
        d00 = ld(p); d01 = ld(p + pixBytes); d02 = ld(p + 2 * pixBytes); d03 = ld(p + 3 * pixBytes);
        const q = p + rowBytes;
        d10 = ld(q); d11 = ld(q + pixBytes); d12 = ld(q + 2 * pixBytes); d13 = ld(q + 3 * pixBytes);
        const r = q + rowBytes;
        d20 = ld(r); d21 = ld(r + pixBytes); d22 = ld(r + 2 * pixBytes); d23 = ld(r + 3 * pixBytes);
        const s = r + rowBytes;
        d30 = ld(s); d31 = ld(s + pixBytes); d32 = ld(s + 2 * pixBytes); d33 = ld(s + 3 * pixBytes);
      } else {
        // A window over the border: each pixel checked (no chains of branches: V8 keeps these in registers).
        const img = x + (<usize>(b * h) * w * c + k << 2);
        d00 = ldz(img, y0, x0, h, w, c); d01 = ldz(img, y0, x0 + 1, h, w, c); d02 = ldz(img, y0, x0 + 2, h, w, c); d03 = ldz(img, y0, x0 + 3, h, w, c);
        d10 = ldz(img, y0 + 1, x0, h, w, c); d11 = ldz(img, y0 + 1, x0 + 1, h, w, c); d12 = ldz(img, y0 + 1, x0 + 2, h, w, c); d13 = ldz(img, y0 + 1, x0 + 3, h, w, c);
        d20 = ldz(img, y0 + 2, x0, h, w, c); d21 = ldz(img, y0 + 2, x0 + 1, h, w, c); d22 = ldz(img, y0 + 2, x0 + 2, h, w, c); d23 = ldz(img, y0 + 2, x0 + 3, h, w, c);
        d30 = ldz(img, y0 + 3, x0, h, w, c); d31 = ldz(img, y0 + 3, x0 + 1, h, w, c); d32 = ldz(img, y0 + 3, x0 + 2, h, w, c); d33 = ldz(img, y0 + 3, x0 + 3, h, w, c);
      }
      // Bᵀ d: rows.
      const a0 = f32x4.sub(d00, d20), a1 = f32x4.sub(d01, d21), a2 = f32x4.sub(d02, d22), a3 = f32x4.sub(d03, d23);
      const b0 = f32x4.add(d10, d20), b1 = f32x4.add(d11, d21), b2 = f32x4.add(d12, d22), b3 = f32x4.add(d13, d23);
      const c0 = f32x4.sub(d20, d10), c1 = f32x4.sub(d21, d11), c2 = f32x4.sub(d22, d12), c3 = f32x4.sub(d23, d13);
      const e0 = f32x4.sub(d10, d30), e1 = f32x4.sub(d11, d31), e2 = f32x4.sub(d12, d32), e3 = f32x4.sub(d13, d33);
      // (Bᵀ d) B: columns, written to planes 4·row + column.
      const o = out + (<usize>k << 2);
      v128.store(o, f32x4.sub(a0, a2));
      v128.store(o + plane, f32x4.add(a1, a2));
      v128.store(o + 2 * plane, f32x4.sub(a2, a1));
      v128.store(o + 3 * plane, f32x4.sub(a1, a3));
      v128.store(o + 4 * plane, f32x4.sub(b0, b2));
      v128.store(o + 5 * plane, f32x4.add(b1, b2));
      v128.store(o + 6 * plane, f32x4.sub(b2, b1));
      v128.store(o + 7 * plane, f32x4.sub(b1, b3));
      v128.store(o + 8 * plane, f32x4.sub(c0, c2));
      v128.store(o + 9 * plane, f32x4.add(c1, c2));
      v128.store(o + 10 * plane, f32x4.sub(c2, c1));
      v128.store(o + 11 * plane, f32x4.sub(c1, c3));
      v128.store(o + 12 * plane, f32x4.sub(e0, e2));
      v128.store(o + 13 * plane, f32x4.add(e1, e2));
      v128.store(o + 14 * plane, f32x4.sub(e2, e1));
      v128.store(o + 15 * plane, f32x4.sub(e1, e3));
    }
  }
}

/**
 * U = G g Gᵀ of a filter g [3, 3, C, K] (HWIO): U [16][C][K], or with
 * `transpose` its planes transposed, Uᵀ [16][K][C] (for the input's
 * gradient, dV = dM · Uᵀ). Part `part` of `parts` takes a range of C.
 */
export function winogradFilter(g: usize, u: usize, c: u32, k: u32, transpose: u32, part: u32, parts: u32): void {
  const c0 = lo(c, part, parts);
  const c1 = hi(c, part, parts);
  const tap = <usize>c * k << 2; // bytes between taps
  const plane = tap;
  for (let ci = c0; ci < c1; ci++) {
    for (let ko: u32 = 0; ko < k; ko += 4) {
      const p = g + ((<usize>ci * k + ko) << 2);
      const g00 = ld(p), g01 = ld(p + tap), g02 = ld(p + 2 * tap);
      const g10 = ld(p + 3 * tap), g11 = ld(p + 4 * tap), g12 = ld(p + 5 * tap);
      const g20 = ld(p + 6 * tap), g21 = ld(p + 7 * tap), g22 = ld(p + 8 * tap);
      // G g: rows 0..3 (columns 0..2).
      const s00 = g00, s01 = g01, s02 = g02;
      const s10 = half(f32x4.add(f32x4.add(g00, g10), g20)), s11 = half(f32x4.add(f32x4.add(g01, g11), g21)), s12 = half(f32x4.add(f32x4.add(g02, g12), g22));
      const s20 = half(f32x4.add(f32x4.sub(g00, g10), g20)), s21 = half(f32x4.add(f32x4.sub(g01, g11), g21)), s22 = half(f32x4.add(f32x4.sub(g02, g12), g22));
      const s30 = g20, s31 = g21, s32 = g22;
      for (let r = 0; r < 4; r++) {
        const a = r == 0 ? s00 : r == 1 ? s10 : r == 2 ? s20 : s30;
        const b = r == 0 ? s01 : r == 1 ? s11 : r == 2 ? s21 : s31;
        const d = r == 0 ? s02 : r == 1 ? s12 : r == 2 ? s22 : s32;
        const u0 = a;
        const u1 = half(f32x4.add(f32x4.add(a, b), d));
        const u2 = half(f32x4.add(f32x4.sub(a, b), d));
        const u3 = d;
        if (!transpose) {
          const o = u + ((<usize>ci * k + ko) << 2) + <usize>(r * 4) * plane;
          v128.store(o, u0);
          v128.store(o + plane, u1);
          v128.store(o + 2 * plane, u2);
          v128.store(o + 3 * plane, u3);
        } else {
          // Plane (r, s) of Uᵀ [K][C], element [ko + lane][ci].
          const stride = <usize>c << 2;
          for (let s = 0; s < 4; s++) {
            const val = s == 0 ? u0 : s == 1 ? u1 : s == 2 ? u2 : u3;
            const o = u + <usize>(r * 4 + s) * plane + ((<usize>ko * c + ci) << 2);
            store<f32>(o, f32x4.extract_lane(val, 0));
            store<f32>(o + stride, f32x4.extract_lane(val, 1));
            store<f32>(o + 2 * stride, f32x4.extract_lane(val, 2));
            store<f32>(o + 3 * stride, f32x4.extract_lane(val, 3));
          }
        }
      }
    }
  }
}

/**
 * y [N, OH, OW, K] = Aᵀ M A of tiles [t0, t1) (+ bias[K]) (then relu), M's
 * planes `plane` bytes apart; outputs past OH or OW (an odd size's last tile)
 * are not written.
 */
function outputTiles(
  mm: usize, plane: usize, bias: usize, y: usize, t0: u32, t1: u32, oh: u32, ow: u32, k: u32, th: u32, tw: u32, relu: bool,
): void {
  const zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const b = t / (th * tw);
    const oy = ((t / tw) % th) * 2;
    const ox = (t % tw) * 2;
    const both = ox + 1 < ow;
    const rows: u32 = oy + 1 < oh ? 2 : 1;
    const src = mm + (<usize>(t - t0) * k << 2);
    const dst = y + ((<usize>(b * oh + oy) * ow + ox) * k << 2);
    const rowBytes = <usize>ow * k << 2;
    const pix = <usize>k << 2;
    for (let ko: u32 = 0; ko < k; ko += 4) {
      const p = src + (<usize>ko << 2);
      const m00 = ld(p), m01 = ld(p + plane), m02 = ld(p + 2 * plane), m03 = ld(p + 3 * plane);
      const m10 = ld(p + 4 * plane), m11 = ld(p + 5 * plane), m12 = ld(p + 6 * plane), m13 = ld(p + 7 * plane);
      const m20 = ld(p + 8 * plane), m21 = ld(p + 9 * plane), m22 = ld(p + 10 * plane), m23 = ld(p + 11 * plane);
      const m30 = ld(p + 12 * plane), m31 = ld(p + 13 * plane), m32 = ld(p + 14 * plane), m33 = ld(p + 15 * plane);
      // Aᵀ M: two rows.
      const q00 = f32x4.add(f32x4.add(m00, m10), m20), q01 = f32x4.add(f32x4.add(m01, m11), m21);
      const q02 = f32x4.add(f32x4.add(m02, m12), m22), q03 = f32x4.add(f32x4.add(m03, m13), m23);
      const q10 = f32x4.sub(f32x4.sub(m10, m20), m30), q11 = f32x4.sub(f32x4.sub(m11, m21), m31);
      const q12 = f32x4.sub(f32x4.sub(m12, m22), m32), q13 = f32x4.sub(f32x4.sub(m13, m23), m33);
      const bv = bias ? ld(bias + (<usize>ko << 2)) : zero;
      let y00 = f32x4.add(f32x4.add(f32x4.add(q00, q01), q02), bv);
      let y01 = f32x4.add(f32x4.sub(f32x4.sub(q01, q02), q03), bv);
      let y10 = f32x4.add(f32x4.add(f32x4.add(q10, q11), q12), bv);
      let y11 = f32x4.add(f32x4.sub(f32x4.sub(q11, q12), q13), bv);
      if (relu) {
        y00 = f32x4.max(y00, zero);
        y01 = f32x4.max(y01, zero);
        y10 = f32x4.max(y10, zero);
        y11 = f32x4.max(y11, zero);
      }
      const o = dst + (<usize>ko << 2);
      v128.store(o, y00);
      if (both) v128.store(o + pix, y01);
      if (rows == 2) {
        v128.store(o + rowBytes, y10);
        if (both) v128.store(o + rowBytes + pix, y11);
      }
    }
  }
}

/**
 * dM[e][t − t0][k] = (A dY Aᵀ)[e] of tile t's 2×2 block of dy [N, OH, OW, K],
 * for tiles [t0, t1) (outputs past OH or OW count as zeros): the output
 * transform's transpose.
 */
function outputGradTiles(
  dy: usize, dm: usize, plane: usize, t0: u32, t1: u32, oh: u32, ow: u32, k: u32, th: u32, tw: u32,
): void {
  const zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const b = t / (th * tw);
    const oy = ((t / tw) % th) * 2;
    const ox = (t % tw) * 2;
    const both = ox + 1 < ow;
    const two = oy + 1 < oh;
    const src = dy + ((<usize>(b * oh + oy) * ow + ox) * k << 2);
    const rowBytes = <usize>ow * k << 2;
    const pix = <usize>k << 2;
    const dst = dm + (<usize>(t - t0) * k << 2);
    for (let ko: u32 = 0; ko < k; ko += 4) {
      const p = src + (<usize>ko << 2);
      const y00 = ld(p);
      const y01 = both ? ld(p + pix) : zero;
      const y10 = two ? ld(p + rowBytes) : zero;
      const y11 = two && both ? ld(p + rowBytes + pix) : zero;
      // A dY: four rows of two.
      const p00 = y00, p01 = y01;
      const p10 = f32x4.add(y00, y10), p11 = f32x4.add(y01, y11);
      const p20 = f32x4.sub(y00, y10), p21 = f32x4.sub(y01, y11);
      const p30 = f32x4.neg(y10), p31 = f32x4.neg(y11);
      // (A dY) Aᵀ: four columns each.
      const o = dst + (<usize>ko << 2);
      v128.store(o, p00);
      v128.store(o + plane, f32x4.add(p00, p01));
      v128.store(o + 2 * plane, f32x4.sub(p00, p01));
      v128.store(o + 3 * plane, f32x4.neg(p01));
      v128.store(o + 4 * plane, p10);
      v128.store(o + 5 * plane, f32x4.add(p10, p11));
      v128.store(o + 6 * plane, f32x4.sub(p10, p11));
      v128.store(o + 7 * plane, f32x4.neg(p11));
      v128.store(o + 8 * plane, p20);
      v128.store(o + 9 * plane, f32x4.add(p20, p21));
      v128.store(o + 10 * plane, f32x4.sub(p20, p21));
      v128.store(o + 11 * plane, f32x4.neg(p21));
      v128.store(o + 12 * plane, p30);
      v128.store(o + 13 * plane, f32x4.add(p30, p31));
      v128.store(o + 14 * plane, f32x4.sub(p30, p31));
      v128.store(o + 15 * plane, f32x4.neg(p31));
    }
  }
}

/**
 * dx += B dV Bᵀ of tiles [t0, t1) (dV's planes `plane` bytes apart): the
 * input transform's transpose, each 4×4 window added into dx [N, H, W, C]
 * where it lies inside the image. Neighbouring windows overlap by two rows or
 * columns, so a part owns whole images.
 */
function inputGradTiles(
  dv: usize, plane: usize, dx: usize, t0: u32, t1: u32, h: u32, w: u32, c: u32, th: u32, tw: u32, top: i32, left: i32,
): void {
  for (let t = t0; t < t1; t++) {
    const b = t / (th * tw);
    const y0 = <i32>(((t / tw) % th) * 2) - top;
    const x0 = <i32>((t % tw) * 2) - left;
    const src = dv + (<usize>(t - t0) * c << 2);
    const img = dx + (<usize>(b * h) * w * c << 2);
    for (let k: u32 = 0; k < c; k += 4) {
      const p = src + (<usize>k << 2);
      const v00 = ld(p), v01 = ld(p + plane), v02 = ld(p + 2 * plane), v03 = ld(p + 3 * plane);
      const v10 = ld(p + 4 * plane), v11 = ld(p + 5 * plane), v12 = ld(p + 6 * plane), v13 = ld(p + 7 * plane);
      const v20 = ld(p + 8 * plane), v21 = ld(p + 9 * plane), v22 = ld(p + 10 * plane), v23 = ld(p + 11 * plane);
      const v30 = ld(p + 12 * plane), v31 = ld(p + 13 * plane), v32 = ld(p + 14 * plane), v33 = ld(p + 15 * plane);
      // B dV: rows (the transpose of Bᵀ's rows d0 − d2, d1 + d2, d2 − d1, d1 − d3).
      const r00 = v00, r01 = v01, r02 = v02, r03 = v03;
      const r10 = f32x4.add(f32x4.sub(v10, v20), v30), r11 = f32x4.add(f32x4.sub(v11, v21), v31);
      const r12 = f32x4.add(f32x4.sub(v12, v22), v32), r13 = f32x4.add(f32x4.sub(v13, v23), v33);
      const r20 = f32x4.sub(f32x4.add(v10, v20), v00), r21 = f32x4.sub(f32x4.add(v11, v21), v01);
      const r22 = f32x4.sub(f32x4.add(v12, v22), v02), r23 = f32x4.sub(f32x4.add(v13, v23), v03);
      const r30 = f32x4.neg(v30), r31 = f32x4.neg(v31), r32 = f32x4.neg(v32), r33 = f32x4.neg(v33);
      for (let i = 0; i < 4; i++) {
        const yy = y0 + i;
        if (yy < 0 || yy >= <i32>h) continue;
        const a = i == 0 ? r00 : i == 1 ? r10 : i == 2 ? r20 : r30;
        const bb = i == 0 ? r01 : i == 1 ? r11 : i == 2 ? r21 : r31;
        const cc = i == 0 ? r02 : i == 1 ? r12 : i == 2 ? r22 : r32;
        const d = i == 0 ? r03 : i == 1 ? r13 : i == 2 ? r23 : r33;
        // (B dV) Bᵀ: the same combination of columns.
        const row = img + ((<usize>yy * w) * c + k << 2);
        addAt(row, x0, w, c, a);
        addAt(row, x0 + 1, w, c, f32x4.add(f32x4.sub(bb, cc), d));
        addAt(row, x0 + 2, w, c, f32x4.sub(f32x4.add(bb, cc), a));
        addAt(row, x0 + 3, w, c, f32x4.neg(d));
      }
    }
  }
}

// dx[row][xx] += v (channels k..k+3 of `row`), where xx lies inside the image.
@inline function addAt(row: usize, xx: i32, w: u32, c: u32, v: v128): void {
  if (xx < 0 || xx >= <i32>w) return;
  const p = row + (<usize>xx * c << 2);
  v128.store(p, f32x4.add(v128.load(p), v));
}

/** Bytes of scratch one part of winogradConv or winogradFilterSums needs: V and M (or dM) of a block of `tb` tiles, and a GEMM panel. */
@inline function partBytes(c: u32, k: u32, tb: u32): usize {
  return (<usize>16 * tb * (c + k) << 2) + (<usize>KC * 32);
}

/**
 * y [N, OH, OW, K] = the 3×3 convolution of x [N, H, W, C] whose filter
 * transform U [16][C][K] is `u` (winogradFilter), the window of output (0, 0)
 * starting at (−top, −left) (+ bias[K]) (then relu). `scratch` holds `parts`
 * × partBytes(c, k, tb) bytes.
 */
export function winogradConv(
  x: usize, u: usize, bias: usize, y: usize, scratch: usize, n: u32, h: u32, w: u32, c: u32, k: u32,
  oh: u32, ow: u32, top: i32, left: i32, tb: u32, relu: u32, part: u32, parts: u32,
): void {
  const th = (oh + 1) >> 1;
  const tw = (ow + 1) >> 1;
  const tiles = n * th * tw;
  const t0 = lo(tiles, part, parts);
  const t1 = hi(tiles, part, parts);
  const v = scratch + <usize>part * partBytes(c, k, tb);
  const mm = v + (<usize>16 * tb * c << 2);
  const pk = mm + (<usize>16 * tb * k << 2);
  for (let s = t0; s < t1; s += tb) {
    const e1 = min(t1, s + tb);
    const cnt = e1 - s;
    const vPlane = <usize>cnt * c << 2;
    const mPlane = <usize>cnt * k << 2;
    inputTiles(x, v, vPlane, s, e1, h, w, c, th, tw, top, left);
    for (let e: u32 = 0; e < 16; e++) {
      tile(v + e * vPlane, <usize>c << 2, 4, u + (<usize>e * c * k << 2), mm + e * mPlane, 0, pk, c, k, 0, cnt, 0, k, false);
    }
    outputTiles(mm, mPlane, bias, y, s, e1, oh, ow, k, th, tw, relu != 0);
  }
}

/**
 * dx [N, H, W, C] of the convolution winogradConv computes, from dy
 * [N, OH, OW, K] and the filter transform's planes transposed, Uᵀ [16][K][C]
 * (winogradFilter with `transpose`): per block of tiles dM = A dY Aᵀ, the 16
 * products dV_e = dM_e · Uᵀ_e, and dx += B dV Bᵀ. Parts take whole images
 * (their windows overlap) and zero their own dx first. `scratch` as in
 * winogradConv.
 */
export function winogradConvBackpropInput(
  dy: usize, ut: usize, dx: usize, scratch: usize, n: u32, h: u32, w: u32, c: u32, k: u32,
  oh: u32, ow: u32, top: i32, left: i32, tb: u32, part: u32, parts: u32,
): void {
  const th = (oh + 1) >> 1;
  const tw = (ow + 1) >> 1;
  const b0 = lo(n, part, parts);
  const b1 = hi(n, part, parts);
  if (b0 >= b1) return;
  const image = <usize>h * w * c << 2;
  memory.fill(dx + <usize>b0 * image, 0, <usize>(b1 - b0) * image);
  const t0 = b0 * th * tw;
  const t1 = b1 * th * tw;
  const dv = scratch + <usize>part * partBytes(c, k, tb);
  const dm = dv + (<usize>16 * tb * c << 2);
  const pk = dm + (<usize>16 * tb * k << 2);
  for (let s = t0; s < t1; s += tb) {
    const e1 = min(t1, s + tb);
    const cnt = e1 - s;
    const vPlane = <usize>cnt * c << 2;
    const mPlane = <usize>cnt * k << 2;
    outputGradTiles(dy, dm, mPlane, s, e1, oh, ow, k, th, tw);
    for (let e: u32 = 0; e < 16; e++) {
      tile(dm + e * mPlane, <usize>k << 2, 4, ut + (<usize>e * k * c << 2), dv + e * vPlane, 0, pk, k, c, 0, cnt, 0, c, false);
    }
    inputGradTiles(dv, vPlane, dx, s, e1, h, w, c, th, tw, top, left);
  }
}

/**
 * The filter gradient's sums dU[e] = Σ_t V[e][t]ᵀ · dM[e][t] over this part's
 * tiles, into its own [16][C][K] at du + 16 + part · 16·C·K·4 (zeros if it has
 * none); part 0 writes `parts` at du for winogradFilterGrad. x [N, H, W, C],
 * dy [N, OH, OW, K]; `scratch` as in winogradConv.
 */
export function winogradFilterSums(
  x: usize, dy: usize, du: usize, scratch: usize, n: u32, h: u32, w: u32, c: u32, k: u32,
  oh: u32, ow: u32, top: i32, left: i32, tb: u32, part: u32, parts: u32,
): void {
  const th = (oh + 1) >> 1;
  const tw = (ow + 1) >> 1;
  const tiles = n * th * tw;
  const t0 = lo(tiles, part, parts);
  const t1 = hi(tiles, part, parts);
  if (part == 0) store<u32>(du, parts);
  const sums = du + 16 + (<usize>part * 16 * c * k << 2);
  if (t0 >= t1) {
    memory.fill(sums, 0, <usize>16 * c * k << 2);
    return;
  }
  const v = scratch + <usize>part * partBytes(c, k, tb);
  const dm = v + (<usize>16 * tb * c << 2);
  const pk = dm + (<usize>16 * tb * k << 2);
  for (let s = t0; s < t1; s += tb) {
    const e1 = min(t1, s + tb);
    const cnt = e1 - s;
    const vPlane = <usize>cnt * c << 2;
    const mPlane = <usize>cnt * k << 2;
    inputTiles(x, v, vPlane, s, e1, h, w, c, th, tw, top, left);
    outputGradTiles(dy, dm, mPlane, s, e1, oh, ow, k, th, tw);
    // V_e [cnt, C] read transposed: rows are channels (4 bytes apart), the sum runs over tiles (C·4 apart).
    for (let e: u32 = 0; e < 16; e++) {
      tile(v + e * vPlane, 4, <usize>c << 2, dm + e * mPlane, sums + (<usize>e * c * k << 2), 0, pk, cnt, k, 0, c, 0, k, false, s != t0);
    }
  }
}

// Plane e's vector at p, summed over the `count` parts' buffers (`stride` bytes apart), in part order.
@inline function sum(p: usize, count: u32, stride: usize): v128 {
  let acc = v128.load(p);
  for (let i: u32 = 1; i < count; i++) acc = f32x4.add(acc, v128.load(p + <usize>i * stride));
  return acc;
}

/**
 * dg [3, 3, C, K] = Gᵀ dU G, dU the sum of winogradFilterSums's buffers at
 * `du`: the filter transform's transpose. Parts take ranges of C.
 */
export function winogradFilterGrad(du: usize, dg: usize, c: u32, k: u32, part: u32, parts: u32): void {
  const c0 = lo(c, part, parts);
  const c1 = hi(c, part, parts);
  const plane = <usize>c * k << 2;
  const count = load<u32>(du);
  const stride = 16 * plane;
  for (let ci = c0; ci < c1; ci++) {
    for (let ko: u32 = 0; ko < k; ko += 4) {
      const p = du + 16 + ((<usize>ci * k + ko) << 2);
      // h = Gᵀ dU: three rows of four.
      const u00 = sum(p, count, stride), u01 = sum(p + plane, count, stride), u02 = sum(p + 2 * plane, count, stride), u03 = sum(p + 3 * plane, count, stride);
      const u10 = sum(p + 4 * plane, count, stride), u11 = sum(p + 5 * plane, count, stride), u12 = sum(p + 6 * plane, count, stride), u13 = sum(p + 7 * plane, count, stride);
      const u20 = sum(p + 8 * plane, count, stride), u21 = sum(p + 9 * plane, count, stride), u22 = sum(p + 10 * plane, count, stride), u23 = sum(p + 11 * plane, count, stride);
      const u30 = sum(p + 12 * plane, count, stride), u31 = sum(p + 13 * plane, count, stride), u32 = sum(p + 14 * plane, count, stride), u33 = sum(p + 15 * plane, count, stride);
      const s0 = half(f32x4.add(u10, u20)), s1 = half(f32x4.add(u11, u21)), s2 = half(f32x4.add(u12, u22)), s3 = half(f32x4.add(u13, u23));
      const h00 = f32x4.add(u00, s0), h01 = f32x4.add(u01, s1), h02 = f32x4.add(u02, s2), h03 = f32x4.add(u03, s3);
      const h10 = half(f32x4.sub(u10, u20)), h11 = half(f32x4.sub(u11, u21)), h12 = half(f32x4.sub(u12, u22)), h13 = half(f32x4.sub(u13, u23));
      const h20 = f32x4.add(s0, u30), h21 = f32x4.add(s1, u31), h22 = f32x4.add(s2, u32), h23 = f32x4.add(s3, u33);
      const o = dg + ((<usize>ci * k + ko) << 2);
      for (let i = 0; i < 3; i++) {
        const a = i == 0 ? h00 : i == 1 ? h10 : h20;
        const b = i == 0 ? h01 : i == 1 ? h11 : h21;
        const d = i == 0 ? h02 : i == 1 ? h12 : h22;
        const e = i == 0 ? h03 : i == 1 ? h13 : h23;
        const m = half(f32x4.add(b, d));
        const row = o + <usize>(i * 3) * plane;
        v128.store(row, f32x4.add(a, m));
        v128.store(row + plane, half(f32x4.sub(b, d)));
        v128.store(row + 2 * plane, f32x4.add(m, e));
      }
    }
  }
}
