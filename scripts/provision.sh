#!/usr/bin/env bash
# Idempotent machine provisioning for the test suite. Each piece caches its result.
set -euo pipefail
cd "$(dirname "$0")/.."
for p in scripts/provision.d/*.sh; do
  [ -e "$p" ] || continue
  echo "provision: $p"
  bash "$p"
done
