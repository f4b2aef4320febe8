// The child-process probe: it loads the package with TensorFlow's logging on and
// reports what the loader threw and what TensorFlow logged.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseCuda, probeTensorflow } from '../src/index.js';
import { describePackage } from '../src/resolve.js';
import { tempInstall, writeJunkAddon } from './installs.js';

describe('probeTensorflow', () => {
  it('runs the real loader in a child and reports its error', () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu');
    const r = probeTensorflow(describePackage('@tensorflow/tfjs-node-gpu', join(install.dir, 'package.json')));
    expect(r.ok).toBe(false);
    expect(r.timedOut).toBe(false);
    expect(r.error).toContain('The Node.js native addon module (tfjs_binding.node) can not be found at path');
  });

  it("captures TensorFlow's log from the child's stderr (TF_CPP_MIN_LOG_LEVEL=0 there)", () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu');
    // An entry that logs one of TensorFlow's dso_loader lines, at the level the probe asks for, then fails as the loader does.
    writeFileSync(
      join(install.dir, 'dist', 'index.js'),
      `if (process.env.TF_CPP_MIN_LOG_LEVEL === '0') process.stderr.write("W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory\\n");\n` +
        "throw new Error('Could not initialize TensorFlow backend.');\n",
    );
    const r = probeTensorflow(describePackage('@tensorflow/tfjs-node-gpu', join(install.dir, 'package.json')), { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
    expect(r.error).toBe('Could not initialize TensorFlow backend.');
    expect(r.log.failedLibraries).toEqual([{ file: 'libcudnn.so.8', dlerror: 'libcudnn.so.8: cannot open shared object file: No such file or directory' }]);
  });
});

describe('diagnoseCuda', () => {
  it('with probe: the real loader fails on a broken addon, and every problem names its fix', () => {
    const install = tempInstall('@tensorflow/tfjs-node-gpu');
    writeJunkAddon(install);
    const d = diagnoseCuda({ resolveFrom: install.root, probe: true, libraries: { env: {}, ldconfig: () => '', commonDirs: [] }, driver: { nvidiaSmi: () => '', readProcVersion: () => '' } });
    expect(d.ok).toBe(false);
    expect(d.installed?.dir).toBe(install.dir);
    expect(d.probe?.ok).toBe(false);
    const codes = d.problems.map((p) => p.code);
    expect(codes[0]).toBe('addon-invalid');
    expect(codes).toContain('cuda-libraries');
    expect(codes).toContain('no-gpu');
    expect(d.problems.find((p) => p.code === 'no-gpu')!.message).toContain('libcuda.so.1 was not found');
  });

  it('without the package: one problem, the install command', () => {
    const d = diagnoseCuda({ resolveFrom: '/', package: 'tfjs-node' });
    expect(d.ok).toBe(false);
    expect(d.problems.map((p) => p.code)).toEqual(['package-missing']);
    expect(d.problems[0]!.message).toContain('`npm install @tensorflow/tfjs-node@4.22.0`');
  });
});
