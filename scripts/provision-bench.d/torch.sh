#!/usr/bin/env bash
# The benchmarks' PyTorch peer: Debian's python3-torch (1.13), and OpenBLAS
# (libopenblas0-pthread), which the peer puts first on LD_LIBRARY_PATH because
# Debian's torch links the slow reference BLAS. Idempotent.
set -euo pipefail

OPENBLAS=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3

have_all() {
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 && [ -e "$OPENBLAS" ]
}

if have_all; then
  echo "torch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') and OpenBLAS present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "torch: python3-torch or OpenBLAS is missing and apt-get is not available" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS="python3-torch libopenblas0-pthread"

if ! apt-cache show python3-torch >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
install() { $SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null; }
# Stale package lists name versions the mirror no longer has: refresh once and retry.
install || { $SUDO apt-get update -qq && install; }

have_all || { echo "torch: installed, but torch does not import or $OPENBLAS is missing" >&2; exit 1; }
echo "torch: installed $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') and OpenBLAS"
