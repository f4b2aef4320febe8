import { project } from '../../vitest.shared.ts';

// test/gpu/ needs libtensorflow and an NVIDIA GPU: `npm run test:gpu` (its own config) runs it there.
export default project('backend-cuda', { exclude: ['test/gpu/**', '**/node_modules/**'], setupFiles: ['test/setup-resolution.ts'] });
