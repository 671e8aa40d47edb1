#!/bin/bash
# npm start: build, package, install the editor tools on first run, and open the examples in a real VS Code
# (code-server) at http://127.0.0.1:$PORT/ (default 8080) with the packaged extension installed.
# package.json runs it with `exec`, so that a TERM to npm reaches this script; Ctrl+C, TERM or HUP stop whatever step
# is running (an install, the packaging, the editor) and leave no temporary folder behind. A second start on the
# same port says so and stops. VSIX=file.vsix starts that package instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
source test/e2e/lib.sh
export PORT=${PORT:-8080}
TOOLS=${TOOLS:-$HOME/.cache/vscode-e2e-tools}
mkdir -p "$TOOLS"

exec 9>>"$TOOLS/start-$PORT.lock"
if ! flock -n 9; then
  echo "npm start is already running for port $PORT (pid $(cat "$TOOLS/start-$PORT.lock")): it is installing the" >&2
  echo "editor tools or serving http://127.0.0.1:$PORT/. Use that one, stop it, or start another editor on a free" >&2
  echo "port: PORT=8081 npm start" >&2
  exit 1
fi
echo $$ >"$TOOLS/start-$PORT.lock"
if port_in_use "$PORT"; then
  say_port_in_use "$PORT" "PORT=8081 npm start"
  exit 1
fi

# Each step runs in its own process group (in_group), so that a signal stops all of it, and stops when npm is gone.
trap 'stop_step' EXIT
exit_on_signals
WATCH_PID=$PPID

echo "Checking the editor tools in $TOOLS (the first start installs them: about 7 minutes)…"
in_group bash test/e2e/setup-tools.sh
if [ -z "${VSIX:-}" ]; then
  echo "Building and packaging the extension…"
  in_group npm run -s package >/dev/null
  VSIX="$PWD/oci-manifest-$(node -p 'require("./package.json").version').vsix"
fi
trap - EXIT INT TERM HUP
VSIX=$VSIX TOOLS=$TOOLS exec bash test/e2e/run.sh serve --folder "$PWD/examples"
