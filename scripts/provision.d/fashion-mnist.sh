#!/usr/bin/env bash
# Debian's dataset-fashion-mnist: the real Fashion-MNIST .gz files, which the
# @descent/datasets-mnist tests check against. Idempotent.
set -euo pipefail

DIR=/usr/share/datasets/fashion-mnist
FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"

have_all() {
  for f in $FILES; do [ -s "$DIR/$f" ] || return 1; done
}

if have_all; then
  echo "fashion-mnist: present in $DIR"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "fashion-mnist: $DIR is missing and apt-get is not available" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# Refresh the package lists only if apt does not know the package yet.
if ! apt-cache show dataset-fashion-mnist >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
install() { $SUDO apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null; }
# Stale package lists name versions the mirror no longer has: refresh once and retry.
install || { $SUDO apt-get update -qq && install; }

have_all || { echo "fashion-mnist: installed, but $DIR lacks the .gz files" >&2; exit 1; }
echo "fashion-mnist: installed into $DIR"
