# Sourced by the provisioning scripts: Debian packages through apt, as root or with sudo.
#
# apt_ensure WHAT PKG...: installs PKG... (no recommends, quietly), refreshing the
# package lists first when apt does not know the first package yet, and once more
# when the lists are stale (they name versions the mirror no longer has). Fails,
# naming WHAT, when apt-get is missing.
apt_ensure() {
  local what=$1
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$what: missing, and apt-get is not available to install $*" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show "$1" >/dev/null 2>&1; then $sudo apt-get update -qq; fi
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || {
    $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  }
}
