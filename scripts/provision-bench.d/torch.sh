#!/usr/bin/env bash
# The benchmarks' PyTorch peer: Debian's python3-torch (1.13), and OpenBLAS
# (libopenblas0-pthread), which the peer puts first on LD_LIBRARY_PATH because
# Debian's torch links the slow reference BLAS. Idempotent.
set -euo pipefail
. "$(dirname "$0")/../apt.sh"

OPENBLAS=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
have_all() { /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 && [ -e "$OPENBLAS" ]; }
version() { /usr/bin/python3 -c 'import torch; print(torch.__version__)'; }

if have_all; then
  echo "torch: $(version) and OpenBLAS present"
  exit 0
fi
apt_ensure torch python3-torch libopenblas0-pthread
have_all || { echo "torch: installed, but torch does not import or $OPENBLAS is missing" >&2; exit 1; }
echo "torch: installed $(version) and OpenBLAS"
