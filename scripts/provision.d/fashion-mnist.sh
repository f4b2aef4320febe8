#!/usr/bin/env bash
# Debian's dataset-fashion-mnist: the real Fashion-MNIST .gz files, which the
# @descent/datasets-mnist tests check against. Idempotent.
set -euo pipefail
. "$(dirname "$0")/../apt.sh"

DIR=/usr/share/datasets/fashion-mnist
FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"

have_all() {
  for f in $FILES; do [ -s "$DIR/$f" ] || return 1; done
}

if have_all; then
  echo "fashion-mnist: present in $DIR"
  exit 0
fi

apt_ensure fashion-mnist dataset-fashion-mnist

have_all || { echo "fashion-mnist: installed, but $DIR lacks the .gz files" >&2; exit 1; }
echo "fashion-mnist: installed into $DIR"
