// Transpose of the last two axes for 4-byte elements (src/kernels/transpose.ts):
// dst[b, c, r] = src[b, r, c] for `batch` matrices of rows × cols, in 4×4
// blocks through v128 shuffles (tfjs-wasm's Transpose moves one element at a
// time). Same rules as asm/optim.ts: tfjs-wasm's memory, byte offsets, nothing
// else touched. A pure copy: the bits are the source's.
export function transposeLast2(src: usize, dst: usize, batch: u32, rows: u32, cols: u32): void {
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  const sr = <usize>cols << 2; // bytes per source row
  const dr = <usize>rows << 2; // bytes per destination row
  const matrix = <usize>rows * sr;
  for (let m: u32 = 0; m < batch; m++) {
    const s0 = src + <usize>m * matrix;
    const d0 = dst + <usize>m * matrix;
    for (let r: u32 = 0; r < r4; r += 4) {
      const s = s0 + <usize>r * sr;
      for (let c: u32 = 0; c < c4; c += 4) {
        const p = s + (<usize>c << 2);
        const a = v128.load(p);
        const b = v128.load(p + sr);
        const e = v128.load(p + 2 * sr);
        const f = v128.load(p + 3 * sr);
        const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
        const ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
        const ef0 = i32x4.shuffle(e, f, 0, 4, 1, 5);
        const ef1 = i32x4.shuffle(e, f, 2, 6, 3, 7);
        const q = d0 + <usize>c * dr + (<usize>r << 2);
        v128.store(q, i64x2.shuffle(ab0, ef0, 0, 2));
        v128.store(q + dr, i64x2.shuffle(ab0, ef0, 1, 3));
        v128.store(q + 2 * dr, i64x2.shuffle(ab1, ef1, 0, 2));
        v128.store(q + 3 * dr, i64x2.shuffle(ab1, ef1, 1, 3));
      }
    }
    // Edges: the last cols % 4 columns of the blocked rows, then the last rows % 4 rows.
    for (let r: u32 = 0; r < r4; r++) {
      for (let c = c4; c < cols; c++) store<u32>(d0 + ((<usize>c * rows + r) << 2), load<u32>(s0 + ((<usize>r * cols + c) << 2)));
    }
    for (let r = r4; r < rows; r++) {
      for (let c: u32 = 0; c < cols; c++) store<u32>(d0 + ((<usize>c * rows + r) << 2), load<u32>(s0 + ((<usize>r * cols + c) << 2)));
    }
  }
}
