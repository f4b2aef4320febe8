#!/usr/bin/env bash
# Debian's Chromium, for the headless WebGPU test in @descent/backend-webgpu
# (SwiftShader gives it a WebGPU adapter without a GPU). Idempotent.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  # Debian's launcher script complains on stderr about /dev/shm here; the test passes --disable-dev-shm-usage.
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

apt_install() { $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

# Refresh the package lists only when apt does not know chromium yet, or when
# stale lists point at package versions the mirror no longer has.
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
if ! apt_install chromium; then
  $SUDO apt-get update -qq
  apt_install chromium
fi

# Headless pages render no text here, but Chromium warns noisily without any font.
if [ -z "$(find /usr/share/fonts /usr/local/share/fonts -type f \( -name '*.ttf' -o -name '*.otf' \) 2>/dev/null | head -n 1)" ]; then
  apt_install fonts-liberation || true
fi

echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
