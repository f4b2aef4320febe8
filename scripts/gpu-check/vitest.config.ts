import { project } from '../../vitest.shared.ts';

// scripts/gpu-check.sh in its quick mode on a software Vulkan driver (lavapipe).
export default project('gpu-check', { testTimeout: 900_000 });
