// How the partitioned kernels split `count` items (tiles, output rows, channels) across `parts` threads: part
// `part` owns [lo, hi), contiguous, the same ranges whichever thread runs it.

@inline export function lo(count: u32, part: u32, parts: u32): u32 {
  return min(count, part * ((count + parts - 1) / parts));
}

@inline export function hi(count: u32, part: u32, parts: u32): u32 {
  return min(count, (part + 1) * ((count + parts - 1) / parts));
}
