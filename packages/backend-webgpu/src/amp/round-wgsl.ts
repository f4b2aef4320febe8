// WGSL of amp's half rounding, the integer rules of packages/amp/KERNELS.md;
// u32 arithmetic wraps like the JS reference (roundToFloat16 in @descent/core).
export const ROUND_WGSL = /* wgsl */ `
fn amp_f16_bits_as_f32(b: u32) -> u32 {
  let a = b & 0x7fffffffu;
  let s = b & 0x80000000u;
  if (a >= 0x38800000u && a < 0x477ff000u) { return (b + 0xfffu + ((b >> 13u) & 1u)) & 0xffffe000u; }
  if (a >= 0x477ff000u) {
    if (a > 0x7f800000u) { return s | 0x7fc00000u; }
    return s | 0x7f800000u;
  }
  let k = 126u - (a >> 23u);
  if (k > 24u) { return s; }
  let m = (a & 0x7fffffu) | 0x800000u;
  var q = m >> k;
  let rem = m & ((1u << k) - 1u);
  let half = 1u << (k - 1u);
  if (rem > half || (rem == half && (q & 1u) == 1u)) { q = q + 1u; }
  return s | bitcast<u32>(ldexp(f32(q), -24));
}
fn amp_bf16_bits_as_f32(b: u32) -> u32 {
  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffff0000u; }
  return (b + 0x7fffu + ((b >> 16u) & 1u)) & 0xffff0000u;
}
// float32 bits -> float16 bits (of the rounded value).
fn amp_f16_bits(b: u32) -> u32 {
  let r = amp_f16_bits_as_f32(b);
  let s = (r >> 16u) & 0x8000u;
  let a = r & 0x7fffffffu;
  if (a > 0x7f800000u) { return s | 0x7e00u; }
  if (a == 0x7f800000u) { return s | 0x7c00u; }
  if (a >= 0x38800000u) { return s | ((((a >> 23u) - 112u) << 10u) | ((a >> 13u) & 0x3ffu)); }
  return s | u32(ldexp(bitcast<f32>(a), 24));
}
`;
