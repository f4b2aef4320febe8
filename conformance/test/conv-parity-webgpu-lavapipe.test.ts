import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { webgpuAdapter } from '@descent/backend-webgpu';
import { expect } from 'vitest';
import { useDriver } from '@descent/backend-webgpu/testing';
import { runConvParitySuite } from './conv-parity/suite.js';

// Before Dawn starts (on the first useBackend): this process's Vulkan loader sees only lavapipe.
useDriver('lavapipe');
runConvParitySuite('webgpu (lavapipe)', 'webgpu', async () => {
  await useBackend(webgpuAdapter);
  expect(webgpuAdapter.capabilities.info.driver).toBe('lavapipe');
  // Keep every op on the GPU: by default tfjs-webgpu runs small ops on CPU-resident data on the CPU.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
});
