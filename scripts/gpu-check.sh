#!/usr/bin/env bash
# The GPU check for a lent GPU machine (NVIDIA, Vulkan, no network, no Node):
# WebGPU through Dawn on the real GPU against tfjs's cpu backend (matmul,
# gradients, every optimizer kernel, Adam steps), the Adam-step benchmark beside
# PyTorch on the same GPU, one MNIST epoch of the trainer, and native f16 under
# autocast where the adapter offers shader-f16. Writes gpu-check.json and
# gpu-check.md to --out. Installs nothing and downloads nothing.
#
#   scripts/gpu-check.sh pack [DIR] [--xz-level N]   # here, after the build: packs .cache/gpu-check
#   scripts/gpu-check.sh --out DIR            # there: runs the packed check (carry .cache/gpu-check)
#   scripts/gpu-check.sh --quick --driver lavapipe --out DIR   # a quick run on a software driver
#
# Options: --quick (small sizes, 2048 MNIST images), --driver auto|nvidia|lavapipe|swiftshader
# (auto: VK_ICD_FILENAMES if set, else the NVIDIA ICD if there is one, else the loader's
# default), --bundle DIR (default .cache/gpu-check), --python PATH (PyTorch's interpreter).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$here/.cache/gpu-check"
out=""
quick=""
driver="auto"
python="python3"

if [[ "${1:-}" == "pack" ]]; then
  shift
  exec node "$here/scripts/gpu-check/bundle.mjs" "$@"
fi

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --quick) quick="--quick"; shift ;;
    --driver) driver="$2"; shift 2 ;;
    --bundle) bundle="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$out" ]] || { echo "gpu-check: --out DIR is required" >&2; exit 2; }
[[ -f "$bundle/check.mjs" ]] || { echo "gpu-check: no bundle in $bundle: run 'scripts/gpu-check.sh pack' where the repo is built, and carry that folder" >&2; exit 2; }
mkdir -p "$out"

# xz, else Python's lzma (an image may lack xz-utils but have python3).
unxz_to() {
  if command -v xz >/dev/null; then xz -dc "$1" >"$2.tmp"; else "$python" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1" >"$2.tmp"; fi && mv "$2.tmp" "$2"
}

# Node: the bundle's own (xz), else one on the PATH.
node_bin="$(command -v node || true)"
if [[ -f "$bundle/node.xz" ]]; then
  node_bin="${TMPDIR:-/tmp}/gpu-check-node-$(cksum <"$bundle/node.xz" | cut -d' ' -f1)"
  if [[ ! -x "$node_bin" ]]; then
    unxz_to "$bundle/node.xz" "$node_bin" && chmod +x "$node_bin"
  fi
fi
[[ -n "$node_bin" ]] || { echo "gpu-check: no Node (the bundle has no node.xz and none is on the PATH)" >&2; exit 2; }

# Dawn's binary travels xz-compressed.
dawn="$bundle/node_modules/webgpu/dist/linux-x64/dawn.node"
if [[ -f "$dawn.xz" && ! -f "$dawn" ]]; then unxz_to "$dawn.xz" "$dawn"; fi

# The Vulkan loader: the system's, else the bundle's copy.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# The Vulkan driver (ICD).
icd_index="$here/.cache/webgpu-drivers/icd.json"
pick_icd() { node_icd="$("$node_bin" -e "const j=require(process.argv[1]); process.stdout.write(j[process.argv[2]] ?? '')" "$icd_index" "$1" 2>/dev/null || true)"; }
case "$driver" in
  lavapipe|swiftshader)
    [[ -f "$icd_index" ]] || { echo "gpu-check: $icd_index is missing (scripts/provision.d/webgpu.sh writes it)" >&2; exit 2; }
    pick_icd "$driver"; export VK_ICD_FILENAMES="$node_icd"; unset VK_DRIVER_FILES ;;
  nvidia|auto)
    if [[ "$driver" == nvidia || -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]]; then
      for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
        if [[ -f "$f" ]]; then export VK_ICD_FILENAMES="$f"; unset VK_DRIVER_FILES; break; fi
      done
      [[ "$driver" != nvidia || -n "${VK_ICD_FILENAMES:-}" ]] || { echo "gpu-check: no nvidia_icd.json found" >&2; exit 2; }
    fi ;;
  *) echo "gpu-check: --driver must be auto, nvidia, lavapipe or swiftshader" >&2; exit 2 ;;
esac

{ echo "node: $("$node_bin" --version) ($node_bin)"; echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"; echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"; cat "$bundle/manifest.json" 2>/dev/null || true; nvidia-smi 2>&1 || true; } >"$out/environment.txt"

exec "$node_bin" "$bundle/check.mjs" --out "$out" $quick --data "$bundle/mnist" --torch-script "$bundle/torch_adam.py" --python "$python"
