import { project } from '../vitest.shared.ts';

export default project('conformance', { testTimeout: 180_000 });
