import { project } from '../vitest.shared.ts';

export default project('repo', { include: ['*.test.ts'], testTimeout: 180_000, globalSetup: ['./pack.setup.ts'] });
