import { project } from '../../vitest.shared';

export default project('backend-wasm');
