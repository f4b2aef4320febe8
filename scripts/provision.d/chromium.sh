#!/usr/bin/env bash
# Debian's Chromium, for the headless WebGPU test in @descent/backend-webgpu
# (SwiftShader gives it a WebGPU adapter without a GPU). Idempotent.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: /usr/bin/chromium is missing and apt-get is not available" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# Refresh the package lists only if apt does not know chromium yet.
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

# Headless pages render no text here, but Chromium warns noisily without any font.
if ! fc-list 2>/dev/null | grep -q .; then
  $SUDO apt-get install -y -qq --no-install-recommends fonts-liberation >/dev/null || true
fi

/usr/bin/chromium --version
