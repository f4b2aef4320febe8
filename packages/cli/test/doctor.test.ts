// `descent doctor`: each adapter's report on this machine (wasm and cpu start;
// webgpu on lavapipe; cuda finds the workspace's tfjs-node-gpu, whose install
// script never ran), --adapter / --require / --json, and bad input.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { icdPath } from '@descent/backend-webgpu/testing';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
/** The built `descent` in a child process: Dawn reads the Vulkan driver once per process. */
function descent(env: NodeJS.ProcessEnv, ...argv: string[]) {
  const r = spawnSync('node', [bin, ...argv], { cwd: mkdtempSync(join(tmpdir(), 'descent-doctor-')), encoding: 'utf8', env: { ...process.env, VK_DRIVER_FILES: undefined, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Report {
  name: string;
  status: string;
  summary: string;
  found: [string, string][];
  missing: { what: string; fix: string }[];
}

describe('descent doctor', () => {
  it('--json: every adapter, what it found and what is missing, each with its fix', () => {
    const r = descent({ VK_ICD_FILENAMES: icdPath('lavapipe') }, 'doctor', '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { tfjsCore: string; adapters: Report[] };
    expect(json.tfjsCore).toBe('4.22.0');
    const by = Object.fromEntries(json.adapters.map((a) => [a.name, a]));
    expect(Object.keys(by)).toEqual(['wasm', 'webgpu', 'cuda', 'cpu']);
    expect(by.wasm).toMatchObject({ status: 'ok', missing: [] });
    expect(by.wasm!.found).toContainEqual(['SIMD', 'true']);
    expect(by.cpu).toMatchObject({ status: 'ok', missing: [] });

    expect(by.webgpu!.status).toBe('ok');
    const webgpu = Object.fromEntries(by.webgpu!.found);
    expect(webgpu.driver).toBe('lavapipe');
    expect(webgpu['shader-f16']).toMatch(/^yes/);
    expect(webgpu['Vulkan driver (VK_ICD_FILENAMES)']).toContain(icdPath('lavapipe'));
    expect(webgpu.Dawn).toMatch(/^webgpu \d+\.\d+\.\d+ \(linux-x64\)$/);

    // The workspace has the real tfjs-node-gpu, its install script never run.
    const cuda = by.cuda!;
    expect(cuda.status).toBe('unavailable');
    expect(cuda.found.map(([k]) => k)).toContain('@tensorflow/tfjs-node-gpu');
    const addon = cuda.missing.find((m) => m.what.startsWith("@tensorflow/tfjs-node-gpu's native addon"))!;
    expect(addon.fix).toContain('lib/napi-v8/tfjs_binding.node is missing');
    expect(addon.fix).toContain('npm rebuild @tensorflow/tfjs-node-gpu');
    const libs = cuda.missing.find((m) => m.what === 'the CUDA 11.2 and cuDNN 8.1 libraries')!;
    expect(libs.fix).toContain('libcudart.so.11.0 (the CUDA 11.2 runtime) is missing');
    expect(libs.fix).toContain('conda install -c conda-forge cudatoolkit=11.2 cudnn=8.1.0');
  });

  it('text: a line per adapter, found and missing lines, and the fix', () => {
    const r = descent({ VK_ICD_FILENAMES: '/nonexistent/icd.json' }, 'doctor', '--adapter', 'webgpu,cpu');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^descent doctor: Node v\d+/);
    expect(r.stdout).toMatch(/^webgpu  unavailable  WebGPU through Dawn on Vulkan$/m);
    expect(r.stdout).toContain('  found    Vulkan driver (VK_ICD_FILENAMES): /nonexistent/icd.json: does not exist');
    expect(r.stdout).toContain('  missing  a Vulkan driver (ICD)');
    expect(r.stdout).toMatch(/ {2}missing {2}no WebGPU adapter\n {11}fix: WebGPU: Dawn found no GPU adapter/);
    expect(r.stdout).toMatch(/^cpu {5}ok/m);
    expect(r.stdout).not.toMatch(/^wasm|^cuda/m);
    expect(r.stdout).toContain('only cpu works here.');
  });

  it('--require exits 1 when a required adapter does not work here', async () => {
    const lines: string[] = [];
    const code = await main(['doctor', '--require', 'cuda', '--adapter', 'cpu'], { out: (t) => lines.push(t) });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('descent: --require cuda: cuda does not work here (see above)');
    expect(lines.join('\n')).toMatch(/^cuda {4}unavailable/m);
    expect(await main(['doctor', '--require', 'cpu', '--adapter', 'cpu'], { out: () => {} })).toBe(0);
  });

  it('bad input exits 2 and says what is valid', async () => {
    const lines: string[] = [];
    expect(await main(['doctor', '--adapter', 'cdua'], { out: (t) => lines.push(t) })).toBe(2);
    expect(lines.at(-1)).toBe('descent: invalid value "cdua" for --adapter: did you mean "cuda"? expected one of wasm, webgpu, cuda, cpu');
    expect(await main(['doctor', 'extra'], { out: (t) => lines.push(t) })).toBe(2);
    expect(await main(['doctor', '--help'], { out: (t) => lines.push(t) })).toBe(0);
    expect(lines.at(-1)).toContain('Usage: descent doctor [--adapter NAMES] [--require NAMES] [--json]');
  });
});
