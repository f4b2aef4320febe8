// Every way loading tfjs-node-gpu fails, each on the real package (absent, or
// installed and then broken as users' installs break), and the error it gives:
// what is missing, the exact versions, and the command that fixes it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { createCudaAdapter, CudaBackendError, type CudaErrorCode } from '../src/index.js';
import { realPackageDir, tempInstall, writeAddonNeeding, writeJunkAddon } from './installs.js';

async function initError(options: Parameters<typeof createCudaAdapter>[0]): Promise<CudaBackendError> {
  const err = await createCudaAdapter(options)
    .init()
    .then(() => undefined, (e: unknown) => e);
  expect(err, 'init() should have failed').toBeInstanceOf(CudaBackendError);
  return err as CudaBackendError;
}

function expectCode(err: CudaBackendError, code: CudaErrorCode) {
  expect(err.code, err.message).toBe(code);
}

describe('the package is missing', () => {
  it('names the package, its version, what it downloads and the install command', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'descent-cuda-empty-'));
    const err = await initError({ resolveFrom: empty });
    expectCode(err, 'package-missing');
    expect(err.message).toContain('@tensorflow/tfjs-node-gpu 4.22.0, which was not found');
    expect(err.message).toContain(`looked from ${join(empty, 'noop.js')}`);
    expect(err.message).toContain('`npm install @tensorflow/tfjs-node-gpu@4.22.0`');
    expect(err.message).toContain('libtensorflow 2.9.1 for CUDA 11.2 and cuDNN 8.1');
    expect(err.message).toMatch(/pnpm approve-builds/);
  });

  it('says when only the CPU build is there, and how to use it', async () => {
    const cpu = tempInstall('@tensorflow/tfjs-node');
    const err = await initError({ resolveFrom: cpu.root });
    expectCode(err, 'package-missing');
    expect(err.message).toContain(`@tensorflow/tfjs-node 4.22.0 (the CPU build) is installed at ${cpu.dir}: it cannot use a GPU`);
    expect(err.message).toContain("createCudaAdapter({ package: 'tfjs-node' })");
  });

  it("package: 'tfjs-node' looks for the CPU build", async () => {
    const err = await initError({ package: 'tfjs-node', resolveFrom: mkdtempSync(join(tmpdir(), 'descent-cuda-empty-')) });
    expectCode(err, 'package-missing');
    expect(err.message).toContain('@tensorflow/tfjs-node 4.22.0, which was not found');
    expect(err.message).toContain('`npm install @tensorflow/tfjs-node@4.22.0`');
  });
});

describe('the package is installed but broken', () => {
  it('install script not run (pnpm 10, --ignore-scripts): the addon is missing', async () => {
    // The workspace's own copy: the real package, its install script never run.
    const err = await initError({ resolveFrom: join(import.meta.dirname, '..') });
    expectCode(err, 'addon-missing');
    const dir = realPackageDir('@tensorflow/tfjs-node-gpu');
    expect(err.message).toContain(`is installed at ${dir}, but its native addon ${join(dir, 'lib', 'napi-v8', 'tfjs_binding.node')} is missing`);
    expect(err.message).toContain('downloads libtensorflow 2.9.1');
    expect(err.message).toContain('`npm rebuild @tensorflow/tfjs-node-gpu`');
  });

  it('another version than 4.22.0', async () => {
    const old = tempInstall('@tensorflow/tfjs-node-gpu', { version: '4.20.0' });
    const err = await initError({ resolveFrom: old.root });
    expectCode(err, 'package-version');
    expect(err.message).toContain(`@tensorflow/tfjs-node-gpu 4.20.0 is installed at ${old.dir}; @descent/backend-cuda needs 4.22.0`);
    expect(err.message).toContain('`npm install @tensorflow/tfjs-node-gpu@4.22.0`');
  });

  it('a dependency of the package is missing: the real loader fails to require it', async () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu', { omit: ['@mapbox/node-pre-gyp'] });
    writeJunkAddon(install); // past the addon check, so the real entry runs
    const err = await initError({ resolveFrom: install.root });
    expectCode(err, 'package-dependency');
    expect(err.message).toContain("the module @mapbox/node-pre-gyp it requires is missing");
    expect(err.message).toContain(`rm -rf ${install.dir} && npm install @tensorflow/tfjs-node-gpu@4.22.0`);
    expect((err.cause as Error).message).toMatch(/Cannot find module '@mapbox\/node-pre-gyp'/);
  });

  it('the addon file is no shared library (a cut-off download): dlopen says invalid ELF header', async () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu');
    writeJunkAddon(install);
    const err = await initError({ resolveFrom: install.root });
    expectCode(err, 'addon-invalid');
    expect(err.message).toContain(`native addon ${install.addon} is not a loadable library for linux-x64`);
    expect(err.message).toMatch(/invalid ELF header|file too short/);
    expect(err.message).toContain('Reinstall it');
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
  });

  it('the addon loads but libtensorflow is missing from deps/lib', async () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu');
    writeAddonNeeding(install, ['libtensorflow.so.2', 'libtensorflow_framework.so.2']);
    const err = await initError({ resolveFrom: install.root });
    expectCode(err, 'libtensorflow-missing');
    expect(err.message).toContain(`loads libtensorflow 2.9.1 from ${join(install.dir, 'deps', 'lib')}, but libtensorflow.so.2 is not there`);
    expect(err.message).toContain('does not exist');
    expect((err.cause as Error).message).toContain('libtensorflow.so.2: cannot open shared object file');
  });

  it('a CUDA library the library links against is missing: the exact version and where to get it', async () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu');
    writeAddonNeeding(install, ['libcudart.so.11.0']);
    const err = await initError({ resolveFrom: install.root });
    expectCode(err, 'cuda-libraries');
    expect(err.message).toContain('needs CUDA 11.2 and cuDNN 8.1; loading failed: ');
    expect(err.message).toContain('libcudart.so.11.0: cannot open shared object file');
    expect(err.message).toContain('libcudart.so.11.0 (the CUDA 11.2 runtime) is missing');
    expect(err.message).toContain('libcudnn.so.8 (cuDNN 8.1 (cuDNN 8)) is missing');
    expect(err.message).toContain('conda install -c conda-forge cudatoolkit=11.2 cudnn=8.1.0');
    expect(err.message).toContain('libcudnn8=8.1.1.33-1+cuda11.2');
  });

  it('a failed start can be retried: the adapter keeps no broken state', async () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu');
    const adapter = createCudaAdapter({ resolveFrom: install.root });
    await expect(adapter.init()).rejects.toMatchObject({ code: 'addon-missing' });
    writeJunkAddon(install);
    await expect(adapter.init()).rejects.toMatchObject({ code: 'addon-invalid' });
  });
});

describe('a CPU-only build asked to act as a GPU', () => {
  it("createCudaAdapter({ package: 'tfjs-node', requireGpu: true })", () => {
    let err: unknown;
    try {
      createCudaAdapter({ package: 'tfjs-node', requireGpu: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CudaBackendError);
    expectCode(err as CudaBackendError, 'cpu-build');
    expect((err as Error).message).toContain('@tensorflow/tfjs-node is the CPU build of libtensorflow and cannot run on a GPU');
    expect((err as Error).message).toContain('`npm install @tensorflow/tfjs-node-gpu@4.22.0`');
  });
});
