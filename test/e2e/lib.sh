# Shell functions shared by setup-tools.sh, run.sh and scripts/start.sh (sourced, not run).

# Drops what an outer npm (`npm start`, `npm test`) exports to its scripts, so that nothing of it reaches an install or
# a program that runs under another Node. npm hands its scripts its whole configuration as npm_config_*
# (npm_config_user_agent names the outer Node: code-server's postinstall read Node 20 from it and refused to build),
# the package's facts (npm_package_*), the running script (npm_lifecycle_*), its own paths (npm_execpath,
# npm_node_execpath, NODE, INIT_CWD, npm_command), and PATH entries for the project's node_modules/.bin and npm's
# node-gyp wrapper. A nested npm reads the user's and the global npmrc again by itself. Upper-case NPM_CONFIG_*
# variables are left alone: npm never exports them, so they are the user's own settings.
clean_npm_env() {
  local v d path=
  for v in $(compgen -e); do
    case $v in
      npm_* | INIT_CWD | NODE) unset "$v" ;;
    esac
  done
  local IFS=:
  for d in $PATH; do
    case $d in
      */node_modules/.bin | */node-gyp-bin | '') ;;
      *) path=${path:+$path:}$d ;;
    esac
  done
  export PATH=$path
}

# Succeeds when something accepts connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Says, on stderr, that PORT is taken and by what, and how to choose another port (HOW, e.g. "PORT=8081 npm start").
say_port_in_use() {
  local port=$1 how=$2 who="another program"
  curl -sf -m 2 -o /dev/null "http://127.0.0.1:$port/healthz" && who="a code-server (probably an earlier npm start)"
  echo "Port $port on 127.0.0.1 is already in use by $who, so nothing was started." >&2
  echo "Open http://127.0.0.1:$port/ if that is the editor you want, stop it, or choose another port: $how" >&2
}

# Exit with 130 on INT and 143 on TERM or HUP, once: the EXIT trap does the cleaning up, and a second signal (Ctrl+C
# reaches npm, which passes it on, and this script itself) must not cut it short.
exit_on_signals() {
  trap 'trap "" INT TERM HUP; exit 130' INT
  trap 'trap "" INT TERM HUP; exit 143' TERM HUP
}

# Runs a command in its own process group and waits for it in a way that lets the caller's traps run at once, so a
# signal can stop the whole step (npm, the install scripts and compilers it starts) with stop_step. While it runs:
# when WATCH_PID is set and that process has ended (npm start killed outright), the caller exits (143); every 30 s
# the caller's function `tick` (when defined) is called with the seconds so far. Returns the command's status.
STEP_PID=
in_group() {
  local s=$SECONDS next=30 rc=0
  setsid "$@" &
  STEP_PID=$!
  while kill -0 "$STEP_PID" 2>/dev/null; do
    if [ -n "${WATCH_PID:-}" ] && [ ! -d "/proc/$WATCH_PID" ]; then
      echo "The process that started this one has ended; stopping." >&2
      exit 143
    fi
    sleep 1 &
    wait $! || true
    if ((SECONDS - s >= next)) && declare -F tick >/dev/null; then
      tick $((SECONDS - s))
      next=$((next + 30))
    fi
  done
  wait "$STEP_PID" || rc=$?
  STEP_PID=
  return $rc
}
stop_step() {
  [ -z "$STEP_PID" ] || kill -TERM -- -"$STEP_PID" 2>/dev/null || true
  STEP_PID=
}
