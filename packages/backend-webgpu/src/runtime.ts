/** True in Node (and Electron's main process), where WebGPU comes from Dawn's `webgpu` package. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}
