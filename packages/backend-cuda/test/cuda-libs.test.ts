// The library scan on real folders: what the loader can find, what is there under
// another major version, and what sits where the loader does not look.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUDA_LIBRARIES, findCudaLibraries } from '../src/index.js';
import { describeMissing, parseLdconfig } from '../src/cuda-libs.js';

function folderWith(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'descent-cuda-libs-'));
  for (const f of files) writeFileSync(join(dir, f), '');
  return dir;
}

const noCache = () => '';

describe('findCudaLibraries', () => {
  it('lists every library libtensorflow 2.9.1 opens, with the exact names', () => {
    expect(CUDA_LIBRARIES.map((l) => l.file)).toEqual([
      'libcudart.so.11.0',
      'libcublas.so.11',
      'libcublasLt.so.11',
      'libcufft.so.10',
      'libcurand.so.10',
      'libcusolver.so.11',
      'libcusparse.so.11',
      'libcudnn.so.8',
    ]);
  });

  it('finds libraries on LD_LIBRARY_PATH and reports the rest missing', () => {
    const dir = folderWith(['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11']);
    const r = findCudaLibraries({ env: { LD_LIBRARY_PATH: dir }, ldconfig: noCache });
    expect(r.libraries.find((l) => l.file === 'libcudart.so.11.0')!.loadable).toBe(join(dir, 'libcudart.so.11.0'));
    expect(r.missing.map((l) => l.file)).toEqual(['libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8']);
    expect(r.ldLibraryPath).toEqual([dir]);
  });

  it('finds libraries in the ldconfig cache', () => {
    const dir = folderWith(['libcudnn.so.8']);
    const cache = `2 libs found in cache \`/etc/ld.so.cache'\n\tlibcudnn.so.8 (libc6,x86-64) => ${dir}/libcudnn.so.8\n\tlibcudnn.so.8 (libc6) => /usr/lib32/libcudnn.so.8\n`;
    const r = findCudaLibraries({ env: {}, ldconfig: () => cache });
    expect(r.libraries.find((l) => l.file === 'libcudnn.so.8')!.loadable).toBe(`${dir}/libcudnn.so.8`);
  });

  it('names another major version (CUDA 12, cuDNN 9) as not loadable, once per real file', () => {
    const dir = folderWith(['libcudart.so.12.4.127', 'libcudnn.so.9.1.0']);
    symlinkSync(join(dir, 'libcudart.so.12.4.127'), join(dir, 'libcudart.so.12'));
    symlinkSync(join(dir, 'libcudnn.so.9.1.0'), join(dir, 'libcudnn.so.9'));
    const r = findCudaLibraries({ env: { LD_LIBRARY_PATH: dir }, ldconfig: noCache, commonDirs: [] });
    const cudart = r.missing.find((l) => l.file === 'libcudart.so.11.0')!;
    expect(cudart.otherVersions).toEqual([join(dir, 'libcudart.so.12')]);
    const text = describeMissing(r.missing);
    expect(text).toContain(`libcudart.so.11.0 (the CUDA 11.2 runtime) is missing; only another version is there (${join(dir, 'libcudart.so.12')}), which libtensorflow 2.9.1 does not load`);
    expect(text).toContain(`libcudnn.so.8 (cuDNN 8.1 (cuDNN 8)) is missing; only another version is there (${join(dir, 'libcudnn.so.9')})`);
  });

  it('says when a library is installed where the loader does not look', () => {
    const root = mkdtempSync(join(tmpdir(), 'descent-cuda-toolkit-'));
    const lib64 = join(root, 'cuda-11.2', 'lib64');
    mkdirSync(lib64, { recursive: true });
    writeFileSync(join(lib64, 'libcudart.so.11.0'), '');
    const r = findCudaLibraries({ env: {}, ldconfig: noCache, extraDirs: [lib64] });
    const cudart = r.missing.find((l) => l.file === 'libcudart.so.11.0')!;
    expect(cudart.unreachable).toBe(join(lib64, 'libcudart.so.11.0'));
    expect(describeMissing([cudart])).toBe(
      `libcudart.so.11.0 (the CUDA 11.2 runtime) is at ${join(lib64, 'libcudart.so.11.0')}, where the loader does not look (add that folder to LD_LIBRARY_PATH)`,
    );
  });

  it('reads conda environments and the driver library', () => {
    const conda = mkdtempSync(join(tmpdir(), 'descent-cuda-conda-'));
    mkdirSync(join(conda, 'lib'));
    writeFileSync(join(conda, 'lib', 'libcurand.so.10'), '');
    const driver = folderWith(['libcuda.so.1']);
    const r = findCudaLibraries({ env: { CONDA_PREFIX: conda, LD_LIBRARY_PATH: driver }, ldconfig: noCache });
    expect(r.missing.find((l) => l.file === 'libcurand.so.10')!.unreachable).toBe(join(conda, 'lib', 'libcurand.so.10'));
    expect(r.driverLibrary).toBe(join(driver, 'libcuda.so.1'));
  });

  it('parses ldconfig -p as this machine prints it', () => {
    const text = "835 libs found in cache `/etc/ld.so.cache'\n\tlibz3.so.4 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz3.so.4\n";
    expect([...parseLdconfig(text)]).toEqual([['libz3.so.4', '/lib/x86_64-linux-gnu/libz3.so.4']]);
  });
});
