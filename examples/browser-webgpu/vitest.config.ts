import { project } from '../../vitest.shared.ts';

export default project('example-browser-webgpu', { testTimeout: 120_000 });
