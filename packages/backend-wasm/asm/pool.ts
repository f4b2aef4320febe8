// The max-pool gradient (src/kernels/max-pool-grad.ts) over tfjs-wasm's heap.
//
// Like asm/optim.ts: the module imports tfjs-wasm's memory and touches only
// the tensors whose byte offsets it is given; no data segment, no globals, no
// allocator. NHWC float32. Four channels at a time: a window's first maximum
// per channel is tracked in one v128 of values and one of flat indices, with
// a strict greater-than, so the first of equal values wins (cpu and torch's
// rule) and a NaN never replaces a number. Only for windows that do not
// overlap (each dx gets at most one dy, so no sum order to match); the caller
// keeps the other case.

import { hi, lo } from './parts';

@inline function at4(base: u32): v128 {
  return i32x4(base, base + 1, base + 2, base + 3);
}

export function maxPoolGrad(
  x: usize, dy: usize, dx: usize,
  n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32,
  sh: u32, sw: u32, fh: u32, fw: u32, top: i32, left: i32,
): void {
  // dx = 0.
  const bytes = <usize>n * h * w * c * 4;
  const zero = i32x4.splat(0);
  let z: usize = 0;
  for (; z + 16 <= bytes; z += 16) v128.store(dx + z, zero);
  for (; z < bytes; z += 4) store<f32>(dx + z, 0);

  const c4 = c & ~3;
  let o: u32 = 0; // index of the output (n, r, q, 0)
  for (let b: u32 = 0; b < n; b++) {
    for (let r: u32 = 0; r < oh; r++) {
      const rs = <i32>(r * sh) - top;
      const r0 = <u32>max(rs, 0);
      const r1 = <u32>min(rs + <i32>fh, <i32>h);
      for (let q: u32 = 0; q < ow; q++, o += c) {
        const qs = <i32>(q * sw) - left;
        const q0 = <u32>max(qs, 0);
        const q1 = <u32>min(qs + <i32>fw, <i32>w);
        if (r0 >= r1 || q0 >= q1) continue; // a window of padding only
        const first = ((b * h + r0) * w + q0) * c;
        let k: u32 = 0;
        for (; k < c4; k += 4) {
          let best = v128.load(x + (<usize>(first + k) << 2));
          let idx = at4(first + k);
          for (let row = r0; row < r1; row++) {
            for (let col = q0; col < q1; col++) {
              const e = ((b * h + row) * w + col) * c + k;
              if (e == first + k) continue;
              const v = v128.load(x + (<usize>e << 2));
              const gt = f32x4.gt(v, best);
              best = v128.bitselect(v, best, gt);
              idx = v128.bitselect(at4(e), idx, gt);
            }
          }
          const g = dy + (<usize>(o + k) << 2);
          store<f32>(dx + (<usize>i32x4.extract_lane(idx, 0) << 2), load<f32>(g));
          store<f32>(dx + (<usize>i32x4.extract_lane(idx, 1) << 2), load<f32>(g, 4));
          store<f32>(dx + (<usize>i32x4.extract_lane(idx, 2) << 2), load<f32>(g, 8));
          store<f32>(dx + (<usize>i32x4.extract_lane(idx, 3) << 2), load<f32>(g, 12));
        }
        for (; k < c; k++) {
          let best = load<f32>(x + (<usize>(first + k) << 2));
          let idx = first + k;
          for (let row = r0; row < r1; row++) {
            for (let col = q0; col < q1; col++) {
              const e = ((b * h + row) * w + col) * c + k;
              const v = load<f32>(x + (<usize>e << 2));
              if (v > best) {
                best = v;
                idx = e;
              }
            }
          }
          store<f32>(dx + (<usize>idx << 2), load<f32>(dy + (<usize>(o + k) << 2)));
        }
      }
    }
  }
}

/**
 * The common case, windows that tile the input from its corner (window =
 * stride, no padding: the 2×2, stride-2 pool), split across the kernel pool:
 * part `part` of `parts` takes a range of output rows (all images in a row),
 * and writes every dx of their bands itself (no zeroing pass): within a window
 * the first maximum's position gets dy and the others zero, with the same
 * comparisons as maxPoolGrad (strict greater-than from the first element, so
 * a NaN never wins and a NaN first element stays), and a row's columns past
 * the last window get zeros, as do an image's rows past its last window (by
 * the part that has its last output row).
 */
export function maxPoolGradTiled(
  x: usize, dy: usize, dx: usize, n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, fh: u32, fw: u32, part: u32, parts: u32,
): void {
  const r0 = lo(n * oh, part, parts);
  const r1 = hi(n * oh, part, parts);
  const pix = <usize>c << 2;
  const rowBytes = <usize>w * pix;
  const c4 = c & ~3;
  const used = <usize>ow * fw * pix; // bytes of a dx row that windows cover
  for (let br = r0; br < r1; br++) {
    const b = br / oh;
    const r = br % oh;
    const band = x + (<usize>(b * h + r * fh) * rowBytes);
    const out = dx + (<usize>(b * h + r * fh) * rowBytes);
    const g = dy + (<usize>br * ow * pix);
    for (let q: u32 = 0; q < ow; q++) {
      const col = <usize>q * fw * pix;
      let k: u32 = 0;
      if (fh == 2 && fw == 2) {
        // The 2×2 pool unrolled: the same comparisons, in the same order.
        for (; k < c4; k += 4) {
          const ch = col + (<usize>k << 2);
          const p = band + ch;
          const v1 = v128.load(p + pix), v2 = v128.load(p + rowBytes), v3 = v128.load(p + rowBytes + pix);
          let best = v128.load(p);
          let gt = f32x4.gt(v1, best);
          best = v128.bitselect(v1, best, gt);
          let idx = v128.and(gt, i32x4.splat(1));
          gt = f32x4.gt(v2, best);
          best = v128.bitselect(v2, best, gt);
          idx = v128.bitselect(i32x4.splat(2), idx, gt);
          gt = f32x4.gt(v3, best);
          idx = v128.bitselect(i32x4.splat(3), idx, gt);
          const d = v128.load(g + <usize>q * pix + (<usize>k << 2));
          const o = out + ch;
          v128.store(o, v128.and(d, i32x4.eq(idx, i32x4.splat(0))));
          v128.store(o + pix, v128.and(d, i32x4.eq(idx, i32x4.splat(1))));
          v128.store(o + rowBytes, v128.and(d, i32x4.eq(idx, i32x4.splat(2))));
          v128.store(o + rowBytes + pix, v128.and(d, i32x4.eq(idx, i32x4.splat(3))));
        }
      }
      for (; k < c4; k += 4) {
        const ch = col + (<usize>k << 2);
        let best = v128.load(band + ch);
        let idx = i32x4.splat(0);
        for (let i: u32 = 0; i < fh; i++) {
          for (let j: u32 = 0; j < fw; j++) {
            if (i == 0 && j == 0) continue;
            const v = v128.load(band + <usize>i * rowBytes + <usize>j * pix + ch);
            const gt = f32x4.gt(v, best);
            best = v128.bitselect(v, best, gt);
            idx = v128.bitselect(i32x4.splat(i * fw + j), idx, gt);
          }
        }
        const d = v128.load(g + <usize>q * pix + (<usize>k << 2));
        for (let i: u32 = 0; i < fh; i++) {
          for (let j: u32 = 0; j < fw; j++) {
            v128.store(out + <usize>i * rowBytes + <usize>j * pix + ch, v128.and(d, i32x4.eq(idx, i32x4.splat(i * fw + j))));
          }
        }
      }
      for (; k < c; k++) {
        const ch = col + (<usize>k << 2);
        let best = load<f32>(band + ch);
        let at: u32 = 0;
        for (let i: u32 = 0; i < fh; i++) {
          for (let j: u32 = 0; j < fw; j++) {
            const v = load<f32>(band + <usize>i * rowBytes + <usize>j * pix + ch);
            if (v > best) {
              best = v;
              at = i * fw + j;
            }
          }
        }
        const d = load<f32>(g + <usize>q * pix + (<usize>k << 2));
        for (let i: u32 = 0; i < fh; i++) {
          for (let j: u32 = 0; j < fw; j++) store<f32>(out + <usize>i * rowBytes + <usize>j * pix + ch, i * fw + j == at ? d : 0);
        }
      }
    }
    if (used < rowBytes) for (let i: u32 = 0; i < fh; i++) memory.fill(out + <usize>i * rowBytes + used, 0, rowBytes - used);
    if (r == oh - 1 && oh * fh < h) memory.fill(dx + (<usize>(b * h + oh * fh) * rowBytes), 0, <usize>(h - oh * fh) * rowBytes);
  }
}

/**
 * The max pool itself for windows that tile the input from its corner (as
 * maxPoolGradTiled), split across the kernel pool by output rows: each output
 * is its window's maximum by tfjs cpu's rule, a running maximum from −∞ that a
 * value replaces only when strictly greater (a NaN never does: an all-NaN
 * window gives −∞).
 */
export function maxPoolTiled(
  x: usize, y: usize, n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, fh: u32, fw: u32, part: u32, parts: u32,
): void {
  const r0 = lo(n * oh, part, parts);
  const r1 = hi(n * oh, part, parts);
  const pix = <usize>c << 2;
  const rowBytes = <usize>w * pix;
  const c4 = c & ~3;
  const low = f32x4.splat(-Infinity);
  for (let br = r0; br < r1; br++) {
    const b = br / oh;
    const r = br % oh;
    const band = x + (<usize>(b * h + r * fh) * rowBytes);
    const out = y + (<usize>br * ow * pix);
    for (let q: u32 = 0; q < ow; q++) {
      const col = band + <usize>q * fw * pix;
      let k: u32 = 0;
      if (fh == 2 && fw == 2) {
        // The 2×2 pool unrolled: the same comparisons, in the same order.
        for (; k < c4; k += 4) {
          const p = col + (<usize>k << 2);
          const v0 = v128.load(p), v1 = v128.load(p + pix), v2 = v128.load(p + rowBytes), v3 = v128.load(p + rowBytes + pix);
          let best = v128.bitselect(v0, low, f32x4.gt(v0, low));
          best = v128.bitselect(v1, best, f32x4.gt(v1, best));
          best = v128.bitselect(v2, best, f32x4.gt(v2, best));
          best = v128.bitselect(v3, best, f32x4.gt(v3, best));
          v128.store(out + <usize>q * pix + (<usize>k << 2), best);
        }
      }
      for (; k < c4; k += 4) {
        let best = low;
        for (let i: u32 = 0; i < fh; i++) {
          for (let j: u32 = 0; j < fw; j++) {
            const v = v128.load(col + <usize>i * rowBytes + <usize>j * pix + (<usize>k << 2));
            best = v128.bitselect(v, best, f32x4.gt(v, best));
          }
        }
        v128.store(out + <usize>q * pix + (<usize>k << 2), best);
      }
      for (; k < c; k++) {
        let best: f32 = -Infinity;
        for (let i: u32 = 0; i < fh; i++) {
          for (let j: u32 = 0; j < fw; j++) {
            const v = load<f32>(col + <usize>i * rowBytes + <usize>j * pix + (<usize>k << 2));
            if (v > best) best = v;
          }
        }
        store<f32>(out + <usize>q * pix + (<usize>k << 2), best);
      }
    }
  }
}
