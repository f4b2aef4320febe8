// With no usable Vulkan driver the adapter must fail loudly and say what is
// missing and how to get it. VK_ICD_FILENAMES points at a file that does not
// exist; this file runs in its own vitest fork, so no other test sees it.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { describe, expect, it } from 'vitest';
import { createWebGPUAdapter, WebGPUUnavailableError } from '../src/index.js';

const missing = '/nonexistent/descent-test/no_such_icd.json';
process.env.VK_ICD_FILENAMES = missing;

describe('webgpu without a Vulkan driver', () => {
  it('init() names the missing driver file and the ways to get one', async () => {
    const adapter = createWebGPUAdapter();
    const err = await adapter.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WebGPUUnavailableError);
    const message = (err as Error).message;
    expect(message).toContain('Dawn found no GPU adapter');
    expect(message).toContain(`VK_ICD_FILENAMES=${missing}`);
    expect(message).toContain(`${missing} does not exist`);
    expect(message).toMatch(/lavapipe from Mesa >= 25/);
    expect(message).toContain('mesa-vulkan-drivers/bookworm-backports');
    expect(message).toMatch(/SwiftShader \(libvk_swiftshader\.so/);
    expect(message).toContain("useBackend('wasm')");
    expect(tf.getBackend()).not.toBe('webgpu');
  });

  it('useBackend rejects with the same error and a later init retries', async () => {
    const adapter = createWebGPUAdapter({ powerPreference: 'low-power' });
    await expect(useBackend(adapter)).rejects.toThrow(/powerPreference "low-power"\).*no_such_icd\.json does not exist/s);
    await expect(adapter.init()).rejects.toThrow(WebGPUUnavailableError);
  });

  it('rejects bad options, naming the parameter and value', () => {
    expect(() => createWebGPUAdapter({ powerPreference: 'fast' as never })).toThrow(/Invalid powerPreference: "fast"/);
    expect(() => createWebGPUAdapter({ dawnFlags: 'backend=vulkan' as never })).toThrow(/Invalid dawnFlags: "backend=vulkan"/);
  });
});
