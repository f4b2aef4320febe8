// A float32 GEMM over tfjs-wasm's heap that packs next to nothing (src/kernels/gemm.ts):
// C[M, N] = op(A) · B (+ bias[N]) (then relu), B row-major [K, N], op(A) read
// through strides, so A may be [M, K] or its transpose [K, M]. XNNPACK packs B
// on every call with a new B, which in training is every call (weights change
// each step); this kernel copies just one 8-column panel of B at a time, for
// one block of K rows, into `scratch` (8 kB a part), and reuses it for every
// row of a chunk of A. Register blocks of 4 rows × 8 columns (8 v128
// accumulators); K is summed in order within a block and blocks are added in
// order. `part` of `parts` computes one contiguous range of rows or of column
// panels, so threads never share an output.
// Same rules as asm/optim.ts: tfjs-wasm's memory, byte offsets, nothing else
// touched.

// K rows of B per packed panel, and rows of C per chunk (tile).
export const KC: u32 = 256;
const MC: u32 = 128;

@inline function mad(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline function relu4(v: v128, on: bool): v128 {
  return on ? f32x4.max(v, f32x4.splat(0)) : v;
}

// Initial accumulators of a block of K: the bias (first block), zeros (first,
// no bias) or C so far.
@inline function init4(c: usize, bias: usize, first: bool): v128 {
  return first ? (bias ? v128.load(bias) : f32x4.splat(0)) : v128.load(c);
}

// The blocks: `b` points at row k0, column j of B (or of its packed panel),
// whose rows are `ldb` bytes apart.

// Rows r..r+3, columns j..j+7, K range [k0, k1): 8 accumulators, two B
// vectors, one A splat and a product fit x64's 16 vector registers with room
// to spare (a 6-row block makes V8 spill accumulators to the stack).
@inline function block4x8(
  a: usize, sar: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize, bias: usize,
  r: u32, j: u32, k0: u32, k1: u32, first: bool, last: bool, relu: bool,
): void {
  const cp = c + (<usize>r * ldc) + (<usize>j << 2);
  const bp0 = bias ? bias + (<usize>j << 2) : 0;
  const bp1 = bias ? bp0 + 16 : 0;
  let c00 = init4(cp, bp0, first);
  let c01 = init4(cp + 16, bp1, first);
  let c10 = init4(cp + ldc, bp0, first);
  let c11 = init4(cp + ldc + 16, bp1, first);
  let c20 = init4(cp + 2 * ldc, bp0, first);
  let c21 = init4(cp + 2 * ldc + 16, bp1, first);
  let c30 = init4(cp + 3 * ldc, bp0, first);
  let c31 = init4(cp + 3 * ldc + 16, bp1, first);
  let ap = a + <usize>r * sar + <usize>k0 * sak;
  let bp = b;
  for (let kk = k0; kk < k1; kk++, ap += sak, bp += ldb) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a0 = v128.load32_splat(ap);
    c00 = mad(c00, a0, b0);
    c01 = mad(c01, a0, b1);
    const a1 = v128.load32_splat(ap + sar);
    c10 = mad(c10, a1, b0);
    c11 = mad(c11, a1, b1);
    const a2 = v128.load32_splat(ap + 2 * sar);
    c20 = mad(c20, a2, b0);
    c21 = mad(c21, a2, b1);
    const a3 = v128.load32_splat(ap + 3 * sar);
    c30 = mad(c30, a3, b0);
    c31 = mad(c31, a3, b1);
  }
  v128.store(cp, relu4(c00, last && relu));
  v128.store(cp, relu4(c01, last && relu), 16);
  v128.store(cp + ldc, relu4(c10, last && relu));
  v128.store(cp + ldc, relu4(c11, last && relu), 16);
  v128.store(cp + 2 * ldc, relu4(c20, last && relu));
  v128.store(cp + 2 * ldc, relu4(c21, last && relu), 16);
  v128.store(cp + 3 * ldc, relu4(c30, last && relu));
  v128.store(cp + 3 * ldc, relu4(c31, last && relu), 16);
}

// One row r, columns j..j+7.
@inline function block1x8(
  a: usize, sar: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize, bias: usize,
  r: u32, j: u32, k0: u32, k1: u32, first: bool, last: bool, relu: bool,
): void {
  const cp = c + (<usize>r * ldc) + (<usize>j << 2);
  const bp0 = bias ? bias + (<usize>j << 2) : 0;
  let c0 = init4(cp, bp0, first);
  let c1 = init4(cp + 16, bias ? bp0 + 16 : 0, first);
  let ap = a + <usize>r * sar + <usize>k0 * sak;
  let bp = b;
  for (let kk = k0; kk < k1; kk++, ap += sak, bp += ldb) {
    const a0 = v128.load32_splat(ap);
    c0 = mad(c0, a0, v128.load(bp));
    c1 = mad(c1, a0, v128.load(bp, 16));
  }
  v128.store(cp, relu4(c0, last && relu));
  v128.store(cp, relu4(c1, last && relu), 16);
}

// One element (the last n % 8 columns).
@inline function block1x1(
  a: usize, sar: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize, bias: usize,
  r: u32, j: u32, k0: u32, k1: u32, first: bool, last: bool, relu: bool,
): void {
  const cp = c + (<usize>r * ldc) + (<usize>j << 2);
  let acc: f32 = first ? (bias ? load<f32>(bias + (<usize>j << 2)) : 0) : load<f32>(cp);
  let ap = a + <usize>r * sar + <usize>k0 * sak;
  let bp = b;
  for (let kk = k0; kk < k1; kk++, ap += sak, bp += ldb) acc += load<f32>(ap) * load<f32>(bp);
  store<f32>(cp, last && relu && acc < 0 ? 0 : acc);
}

/**
 * C = op(A) · B (+ bias) (then relu), or C += op(A) · B, for rows [r0, r1) and columns [j0, j1)
 * (j0 a multiple of 8; j1 a multiple of 8 or n). Rows go in chunks of MC, so
 * that a chunk's C and A stay in L2 while the panels sweep across them (for
 * a tall C, row by row over the whole height, every panel would write half
 * of each cache line and evict it before the next panel wrote the other half).
 */
export function tile(
  a: usize, sar: usize, sak: usize, b: usize, c: usize, bias: usize, pk: usize,
  k: u32, n: u32, r0: u32, r1: u32, j0: u32, j1: u32, relu: bool, accumulate: bool = false,
): void {
  const ldb = <usize>n << 2;
  const ldc = ldb;
  const j8 = j0 + ((j1 - j0) & ~7);
  for (let k0: u32 = 0; k0 < k || k0 == 0; k0 += KC) {
    const k1 = min(k, k0 + KC);
    // With `accumulate`, C holds a sum to add to (asm/winograd.ts's filter gradient, block by block).
    const first = k0 == 0 && !accumulate;
    const last = k1 == k;
    for (let m0 = r0; m0 < r1; m0 += MC) {
      const m1 = min(r1, m0 + MC);
      const m4 = m0 + ((m1 - m0) & ~3);
      for (let j = j0; j < j8; j += 8) {
        // The panel's rows sit ldb apart in B; copied together, a power-of-two
        // ldb no longer maps them all onto a few L1 sets.
        let src = b + <usize>k0 * ldb + (<usize>j << 2);
        let dst = pk;
        for (let kk = k0; kk < k1; kk++, src += ldb, dst += 32) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
        }
        let r = m0;
        for (; r < m4; r += 4) block4x8(a, sar, sak, pk, 32, c, ldc, bias, r, j, k0, k1, first, last, relu);
        for (; r < m1; r++) block1x8(a, sar, sak, pk, 32, c, ldc, bias, r, j, k0, k1, first, last, relu);
      }
      for (let r = m0; r < m1; r++) {
        for (let j = j8; j < j1; j++) block1x1(a, sar, sak, b + <usize>k0 * ldb + (<usize>j << 2), ldb, c, ldc, bias, r, j, k0, k1, first, last, relu);
      }
    }
    if (k == 0) break;
  }
}

/**
 * `C[m, n] = op(A) · B (+ bias) (then relu)`; `transA`: A is stored [k, m].
 * `bias` is 0 or a byte offset of n floats; `scratch` holds `parts` × KC × 8
 * floats (GEMM_SCRATCH_FLOATS each). This call computes part `part` of
 * `parts`: a range of rows when C is tall (each thread's C contiguous) or has
 * fewer than 2 panels a part, else a range of 8-column panels.
 */
export function gemm(a: usize, b: usize, bias: usize, c: usize, scratch: usize, m: u32, k: u32, n: u32, transA: u32, relu: u32, part: u32, parts: u32): void {
  const pk = scratch + <usize>part * KC * 32;
  const sar: usize = transA ? 4 : <usize>k << 2;
  const sak: usize = transA ? <usize>m << 2 : 4;
  const panels = (n + 7) >> 3;
  if (m < MC * parts && panels >= 2 * parts) {
    const per = (panels + parts - 1) / parts;
    const j0 = min(n, part * per * 8);
    const j1 = min(n, (part + 1) * per * 8);
    if (j0 < j1) tile(a, sar, sak, b, c, bias, pk, k, n, 0, m, j0, j1, relu != 0);
  } else {
    const per = ((m + parts - 1) / parts + 3) & ~3;
    const r0 = min(m, part * per);
    const r1 = min(m, (part + 1) * per);
    if (r0 < r1) tile(a, sar, sak, b, c, bias, pk, k, n, r0, r1, 0, n, relu != 0);
  }
}
