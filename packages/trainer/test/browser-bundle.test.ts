// The package bundles for browsers: file-system code (checkpoints, metric files,
// plots) is loaded only when it runs, so no Node built-in enters a browser bundle.
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('a browser bundle', () => {
  it('of src/index.ts has no Node built-ins', async () => {
    const result = await build({
      entryPoints: [join(import.meta.dirname, '..', 'src', 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      external: ['@tensorflow/tfjs-core'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:') || /^(fs|zlib|path|crypto|os)$/.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes('tfjs-layers'))).toBe(false);
    const code = result.outputFiles.map((f) => f.text).join('\n');
    expect(code).not.toMatch(/from ["']node:|require\(["']node:/);
    expect(code).toMatch(/class Trainer|Trainer = class/);
  });
});
