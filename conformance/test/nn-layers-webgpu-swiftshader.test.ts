// nn's layer kernels on webgpu (Dawn in Node) with the swiftshader Vulkan driver, against cpu in the same process.
import * as tf from '@tensorflow/tfjs-core';
import { webgpuAdapter } from '@descent/backend-webgpu';
import { useDriver } from '@descent/backend-webgpu/testing';
import { nnLayersSuite } from './nn-layers/suite.js';

// Before Dawn starts (on the first useBackend): this fork's Vulkan loader sees only swiftshader.
useDriver('swiftshader');
// tfjs-webgpu computes small ops on fresh host data on the CPU by default, which would test nothing here.
nnLayersSuite('webgpu-swiftshader', webgpuAdapter, () => tf.env().set('WEBGPU_CPU_FORWARD', false));
