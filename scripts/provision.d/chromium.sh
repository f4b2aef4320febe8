#!/usr/bin/env bash
# Debian's Chromium, for the headless WebGPU test in @descent/backend-webgpu
# (SwiftShader gives it a WebGPU adapter without a GPU). Idempotent.
set -euo pipefail
. "$(dirname "$0")/../apt.sh"

if [ -x /usr/bin/chromium ]; then
  # Debian's launcher script complains on stderr about /dev/shm here; the test passes --disable-dev-shm-usage.
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi

apt_ensure chromium chromium

# Headless pages render no text here, but Chromium warns noisily without any font.
if [ -z "$(find /usr/share/fonts /usr/local/share/fonts -type f \( -name '*.ttf' -o -name '*.otf' \) 2>/dev/null | head -n 1)" ]; then
  apt_ensure fonts fonts-liberation || true
fi

echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
