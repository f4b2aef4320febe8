import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as source from '../src/index.js';

type Registry = Pick<typeof source, 'registerNativeHalfKernel' | 'unregisterNativeHalfKernel' | 'nativeHalfKernel'>;

// tsup builds ESM and CJS separately, so an app can hold two copies of core
// (an adapter required as CJS, amp imported as ESM). The native-half registry
// must be one: autocast has to see what an adapter registered through the other copy.
describe('the native-half registry', () => {
  it('is shared by the ESM and CJS builds and the source', async () => {
    const dist = new URL('../dist/', import.meta.url);
    if (!existsSync(new URL('index.cjs', dist))) throw new Error('packages/core/dist is missing: build @descent/core first (npm test does)');
    const esm = (await import(/* @vite-ignore */ new URL('index.js', dist).href)) as Registry;
    const cjs = createRequire(import.meta.url)(new URL('index.cjs', dist).pathname) as Registry;
    const factory = () => null;
    cjs.registerNativeHalfKernel('test-backend', 'BatchMatMul', factory);
    expect(esm.nativeHalfKernel('test-backend', 'BatchMatMul')).toBe(factory);
    expect(source.nativeHalfKernel('test-backend', 'BatchMatMul')).toBe(factory);
    esm.unregisterNativeHalfKernel('test-backend');
    expect(cjs.nativeHalfKernel('test-backend', 'BatchMatMul')).toBeUndefined();
  });
});
