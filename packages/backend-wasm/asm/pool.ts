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
