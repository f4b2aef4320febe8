#!/usr/bin/env bash
# Software Vulkan drivers for @descent/backend-webgpu in Node (Dawn's `webgpu`
# package needs a Vulkan ICD; this machine has no GPU):
#   - lavapipe: Mesa 25 from bookworm-backports (Debian 12's own Mesa 22 is
#     rejected by Dawn); faster, and offers shader-f16.
#   - SwiftShader: the Vulkan ICD Chromium ships in Debian's chromium-common.
# Writes .cache/webgpu-drivers/icd.json = {"swiftshader": <icd json>, "lavapipe": <icd json>},
# which tests and benchmarks read to set VK_ICD_FILENAMES per driver.
# Idempotent: a second run only checks the files and exits.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="$ROOT/.cache/webgpu-drivers"
INDEX="$CACHE/icd.json"
SS_DIR="$CACHE/swiftshader"
BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.sources
export DEBIAN_FRONTEND=noninteractive

log() { echo "webgpu: $*"; }
die() { echo "webgpu: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else die "must run as root (or with sudo) to install Vulkan drivers"; fi
fi
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)

lavapipe_icd() {
  # The file name carries the architecture in older Mesa (lvp_icd.x86_64.json), not in Mesa 25 (lvp_icd.json).
  dpkg-query -L mesa-vulkan-drivers 2>/dev/null | grep -E '/lvp_icd(\.[^/]*)?\.json$' | head -n1 || true
}
lavapipe_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
# Mesa >= 25 (the backport); 22.x from bookworm proper does not satisfy Dawn.
lavapipe_ok() {
  local v; v="$(lavapipe_version)"
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25 && [ -f "$(lavapipe_icd)" ] \
    && dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q 'ok installed'
}
# The json holds an absolute library_path: a moved checkout needs it rewritten.
swiftshader_ok() {
  [ -f "$SS_DIR/libvk_swiftshader.so" ] && grep -qF "\"$SS_DIR/libvk_swiftshader.so\"" "$SS_DIR/vk_swiftshader_icd.json" 2>/dev/null
}

write_index() {
  mkdir -p "$CACHE"
  printf '{\n  "swiftshader": "%s",\n  "lavapipe": "%s"\n}\n' "$SS_DIR/vk_swiftshader_icd.json" "$(lavapipe_icd)" >"$INDEX.tmp"
  mv "$INDEX.tmp" "$INDEX"
}

if lavapipe_ok && swiftshader_ok; then
  write_index
  log "drivers already provisioned (lavapipe $(lavapipe_version), SwiftShader in $SS_DIR); index $INDEX"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get is not available; install a Vulkan ICD by hand (see packages/backend-webgpu/README.md)"

# --- bookworm-backports source, reusing the mirror of the existing bookworm entry ---
has_backports() {
  grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
add_backports() {
  local uris="" signed=""
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: take the stanza whose Suites list holds plain "bookworm".
    local stanza
    stanza="$(awk 'BEGIN { RS = "" } /(^|\n)Suites:([^\n]*[ \t])?bookworm([ \t]|\n|$)/ && /(^|\n)Types:[^\n]*deb([ \t]|\n|$)/ { print; exit }' "$f")"
    if [ -n "$stanza" ]; then
      uris="$(printf '%s\n' "$stanza" | sed -n 's/^URIs:[[:space:]]*//p' | head -n1)"
      signed="$(printf '%s\n' "$stanza" | sed -n 's/^Signed-By:[[:space:]]*//p' | head -n1)"
      [ -n "$uris" ] && break
    fi
  done
  if [ -z "$uris" ] && [ -f /etc/apt/sources.list ]; then
    # One-line format: deb [options] URI bookworm components...
    uris="$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") { print $i; exit } }' /etc/apt/sources.list)"
  fi
  [ -n "$uris" ] || die "found no bookworm entry in /etc/apt/sources.list{,.d} to derive bookworm-backports from"
  [ -n "$signed" ] || signed=/usr/share/keyrings/debian-archive-keyring.gpg
  log "adding bookworm-backports from the existing bookworm mirror ($BACKPORTS_LIST)"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uris" "$signed" | $SUDO tee "$BACKPORTS_LIST" >/dev/null
}
has_backports || add_backports

# Refresh the lists only if apt does not yet know the backported Mesa or chromium-common.
# (Output is captured first: grep -q closing the pipe early would trip pipefail.)
madison="$(apt-cache madison mesa-vulkan-drivers 2>/dev/null || true)"
if [[ "$madison" != *bookworm-backports* ]] || ! apt-cache show chromium-common >/dev/null 2>&1; then
  log "apt-get update"
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=300 >/dev/null
fi

# --- lavapipe ---
if lavapipe_ok; then
  log "lavapipe already installed (mesa-vulkan-drivers $(lavapipe_version))"
else
  # Only the named package comes from backports (its default priority is 100);
  # apt pulls the dependency versions it needs (libdrm) and nothing more.
  log "installing mesa-vulkan-drivers from bookworm-backports and libvulkan1"
  $SUDO apt-get install "${APT_OPTS[@]}" mesa-vulkan-drivers/bookworm-backports libvulkan1 >/dev/null
  lavapipe_ok || die "mesa-vulkan-drivers $(lavapipe_version) installed, but no usable lavapipe ICD (lvp_icd.*.json) was found"
  log "installed mesa-vulkan-drivers $(lavapipe_version); ICD $(lavapipe_icd)"
fi

# --- SwiftShader ---
if swiftshader_ok; then
  log "SwiftShader already in $SS_DIR"
else
  mkdir -p "$SS_DIR"
  if [ -f /usr/lib/chromium/libvk_swiftshader.so ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
    log "copying SwiftShader from the installed chromium-common ($(dpkg-query -W -f='${Version}' chromium-common 2>/dev/null || echo '?'))"
    src=/usr/lib/chromium
  else
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    chmod 777 "$tmp" # apt's _apt sandbox user writes the download here
    log "downloading chromium-common to extract SwiftShader"
    (cd "$tmp" && apt-get download -q -o DPkg::Lock::Timeout=300 chromium-common >/dev/null)
    dpkg-deb -x "$tmp"/chromium-common_*.deb "$tmp/root"
    src="$tmp/root/usr/lib/chromium"
    [ -f "$src/libvk_swiftshader.so" ] || die "chromium-common has no libvk_swiftshader.so"
  fi
  cp "$src/libvk_swiftshader.so" "$SS_DIR/"
  # Chromium's own Vulkan loader, for machines without libvulkan1.
  [ -f "$src/libvulkan.so.1" ] && cp "$src/libvulkan.so.1" "$SS_DIR/"
  # An absolute library_path, so the json works wherever it is read from.
  sed -E "s#\"library_path\"[[:space:]]*:[[:space:]]*\"[^\"]*\"#\"library_path\": \"$SS_DIR/libvk_swiftshader.so\"#" \
    "$src/vk_swiftshader_icd.json" >"$SS_DIR/vk_swiftshader_icd.json"
  log "SwiftShader ICD $SS_DIR/vk_swiftshader_icd.json"
fi

write_index
log "wrote $INDEX"
cat "$INDEX"
