// scripts/gpu-check.sh as a lent GPU machine runs it, in quick mode on lavapipe:
// pack the bundle (Node, the bundled check, Dawn, the Vulkan loader, MNIST), run
// it from the bundle with the bundle's own Node, and read the report.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelCases } from '@descent/optim/testing';

const root = join(import.meta.dirname, '..', '..', '..');
const script = join(root, 'scripts', 'gpu-check.sh');
const work = mkdtempSync(join(tmpdir(), 'gpu-check-'));
const bundle = join(work, 'bundle');
const out = join(work, 'out');

beforeAll(() => {
  // Level 0 keeps packing fast here; the real pack uses xz -6 (about 42 MiB in all).
  execFileSync('bash', [script, 'pack', bundle, '--xz-level', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}, 900_000);

describe('scripts/gpu-check.sh', () => {
  it('the bundle holds everything a machine without network or Node needs', () => {
    for (const f of ['check.mjs', 'node.xz', 'node_modules/webgpu/index.js', 'node_modules/webgpu/dist/linux-x64/dawn.node.xz', 'lib/libvulkan.so.1', 'mnist/train-images-idx3-ubyte.gz', 'mnist/t10k-labels-idx1-ubyte.gz', 'torch_adam.py', 'manifest.json']) {
      expect(existsSync(join(bundle, f)), f).toBe(true);
    }
  });

  it('--quick on lavapipe: every check passes and the JSON and markdown reports are written', () => {
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const r = spawnSync('bash', [script, '--quick', '--driver', 'lavapipe', '--bundle', bundle, '--out', out, '--python', python], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'gpu-check.json'), 'utf8'));
    expect(report.pass).toBe(true);
    expect(report.mode).toBe('quick');
    // It ran on the bundle's Node and the chosen driver.
    expect(readFileSync(join(out, 'environment.txt'), 'utf8')).toMatch(/^node: v\d+\.\d+\.\d+ \(.*gpu-check-node-\d+\)$/m);
    expect(report.adapter.info.driver).toBe('lavapipe');
    const c = report.checks;
    expect(c.matmul.rows).toHaveLength(5);
    for (const row of [...c.matmul.rows, ...c.gradients.rows]) expect(row.relError).toBeLessThan(1e-4);
    expect(c.gradients.rows).toHaveLength(8);
    // Every optim op, each with its kernel on this backend.
    expect(c.optimizer.kernels.map((k: { op: string }) => k.op)).toEqual(kernelCases().map((k) => k.op.name));
    for (const k of c.optimizer.kernels) expect(k, k.op).toMatchObject({ kernel: true, mismatches: 0, mutatedInputs: 0 });
    expect(c.optimizer.adamSteps.relError).toBeLessThan(1e-5);
    expect(c.adamBench.rows.map((row: { who: string }) => row.who)).toEqual(['Descent Adam', 'tf.train.adam']);
    // PyTorch where this machine has it (Debian's python3-torch), else why not.
    expect(c.adamBench.torch.info?.torch ?? c.adamBench.torch.error).toBeTruthy();
    expect(c.mnist).toMatchObject({ samples: 2048, steps: 32, leakedTensors: 0 });
    expect(c.mnist.testAccuracy).toBeGreaterThan(0.8);
    // lavapipe offers shader-f16: autocast's matmul ran as native f16.
    expect(c.f16.offered).toBe(true);
    expect(c.f16.equalFraction).toBeGreaterThan(0.99);
    const md = readFileSync(join(out, 'gpu-check.md'), 'utf8');
    expect(md).toContain('**All checks passed.**');
    expect(md).toContain('## One MNIST epoch of the trainer');
  });

  it('says what is missing instead of running half', () => {
    const noOut = spawnSync('bash', [script, '--bundle', bundle], { encoding: 'utf8' });
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toContain('--out DIR is required');
    const noBundle = spawnSync('bash', [script, '--bundle', join(work, 'nothing'), '--out', out], { encoding: 'utf8' });
    expect(noBundle.status).toBe(2);
    expect(noBundle.stderr).toContain("run 'scripts/gpu-check.sh pack' where the repo is built, and carry that folder");
  });
});
