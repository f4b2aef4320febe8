import type { GPUDeviceLike } from './program.js';

// WGSL requires `enable f16;` to open a module, but tfjs-backend-webgpu puts its
// own declarations before a program's user code. This wraps the device's
// createShaderModule once so that the directive moves to the top of any module
// that has it (modules without it pass through unchanged).

const wrapped = new WeakSet<object>();

/** Makes `device` accept tfjs programs that say `enable f16;`. Idempotent. */
export function hoistEnableF16(device: GPUDeviceLike): void {
  if (wrapped.has(device)) return;
  const create = device.createShaderModule.bind(device);
  device.createShaderModule = (desc) => create(desc.code.includes('enable f16;') ? { ...desc, code: `enable f16;\n${desc.code.replace(/enable f16;/g, '')}` } : desc);
  wrapped.add(device);
}

/** Whether {@link hoistEnableF16} has wrapped `device`. */
export function enableF16Hoisted(device: GPUDeviceLike): boolean {
  return wrapped.has(device);
}
