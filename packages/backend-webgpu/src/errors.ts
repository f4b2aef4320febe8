import { brandErrorClass, DescentError } from '@descent/core';

/** WebGPU cannot start: no `navigator.gpu`, no adapter, or Dawn failed to load. */
export class WebGPUUnavailableError extends DescentError {
  override name = 'WebGPUUnavailableError';
  static {
    brandErrorClass(this, 'WebGPUUnavailableError');
  }
}

export const SOFTWARE_DRIVERS_HINT =
  'On a machine without a GPU install a software Vulkan driver: lavapipe from Mesa >= 25 ' +
  '(Debian 12: add bookworm-backports, then `apt-get install mesa-vulkan-drivers/bookworm-backports libvulkan1`; ' +
  "Debian 12's own Mesa 22 lavapipe is rejected by Dawn), or SwiftShader (libvk_swiftshader.so with its " +
  "vk_swiftshader_icd.json, shipped by Chromium, e.g. Debian's chromium-common in /usr/lib/chromium). " +
  'Select a driver by pointing VK_ICD_FILENAMES at its ICD json (several: separate them with ":").';

export const OTHER_BACKEND_HINT = "Or use another backend: useBackend('wasm').";

export const BROWSER_HINT =
  'WebGPU needs a secure context (https or localhost). In Chromium where WebGPU is off ' +
  '(Linux, headless, no GPU) launch it with --enable-unsafe-webgpu (on Linux also --enable-features=Vulkan); ' +
  'chrome://gpu says why WebGPU is unavailable.';
