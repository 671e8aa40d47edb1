#!/bin/bash
# Debian tools the verification tests use for real: umoci and skopeo make and copy OCI image layouts,
# docker-registry serves them on loopback (each test starts and stops its own), htpasswd makes the bcrypt
# password file for the basic-auth registry, zstd makes and checks zstd layers for the archive and layer tests.
# Idempotent: nothing happens when they are all present.
set -euo pipefail
if command -v umoci >/dev/null && command -v skopeo >/dev/null && command -v docker-registry >/dev/null &&
  command -v htpasswd >/dev/null && command -v zstd >/dev/null; then
  exit 0
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "[test-setup] installing umoci, skopeo, docker-registry, apache2-utils and zstd from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq umoci skopeo docker-registry apache2-utils zstd >/dev/null
