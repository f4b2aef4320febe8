// Layer coverage on webgpu (Dawn in Node) with the swiftshader Vulkan driver, against cpu in the same process.
import * as tf from '@tensorflow/tfjs-core';
import { webgpuAdapter } from '@descent/backend-webgpu';
import { useDriver } from '@descent/backend-webgpu/testing';
import { layerCoverageSuite } from './layers/suite.js';

// Before Dawn starts (on the first useBackend): this fork's Vulkan loader sees only swiftshader.
useDriver('swiftshader');
layerCoverageSuite('webgpu-swiftshader', webgpuAdapter, {
  // tfjs-webgpu computes small ops on fresh host data on the CPU by default, which would test nothing here.
  afterActivate: () => tf.env().set('WEBGPU_CPU_FORWARD', false),
});
