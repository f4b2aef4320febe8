import { useDriver } from '@descent/backend-webgpu/testing';
import { webgpuOptimSuite } from './parity-webgpu-suite.js';

// Before Dawn starts (on the first useBackend): this fork's Vulkan loader sees only SwiftShader.
useDriver('swiftshader');
webgpuOptimSuite('swiftshader', 'SwiftShader');
