#!/usr/bin/env bash
# Start Portico in the foreground: etcd (a local one with data in .data/etcd, unless
# conf/config.yaml points at a reachable etcd), the Admin API and one data plane.
# Installs what is missing first. Ctrl-C (SIGINT) or SIGTERM stops everything.
# Config: conf/config.yaml, or the file named by PORTICO_CONF or `-c <path>`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/setup.sh
source scripts/lib/setup.sh

while [ $# -gt 0 ]; do
  case $1 in
    -c | --conf) PORTICO_CONF=$(realpath "$2"); shift 2 ;;
    -h | --help) sed -n '2,6p' "$0"; exit 0 ;;
    *) log "unknown argument: $1"; exit 2 ;;
  esac
done
export PORTICO_CONF=${PORTICO_CONF:-$ROOT/conf/config.yaml}

ensure_pnpm
ensure_apt /usr/bin/etcd:etcd-server
ensure_node_modules
build_all

conf_info=$(node scripts/lib/conf-info.mjs)
eval "$conf_info"

pids=()
names=()
stopping=0
stop_all() {
  [ $stopping -eq 1 ] && return
  stopping=1
  local i
  # Reverse start order: data plane, admin, then etcd.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    if kill -0 "${pids[i]}" 2>/dev/null; then
      log "stopping ${names[i]} (pid ${pids[i]})"
      kill -TERM "${pids[i]}" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "${pids[i]}" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

launch() { # NAME CMD...
  local name=$1
  shift
  "$@" &
  pids+=($!)
  names+=("$name")
}

if [ "$ETCD_REACHABLE" = 1 ]; then
  log "using etcd at $ETCD_HOSTS"
elif [ "$ETCD_LOCAL" = 1 ] && [ "$ETCD_SCHEME" = http ]; then
  mkdir -p .data
  peer=$((ETCD_PORT + 1))
  log "starting local etcd on 127.0.0.1:$ETCD_PORT (data in .data/etcd, log in .data/etcd.log)"
  arch=$(uname -m)
  [ "$arch" = aarch64 ] && export ETCD_UNSUPPORTED_ARCH=arm64
  launch etcd /usr/bin/etcd --name portico --data-dir "$ROOT/.data/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "portico=http://127.0.0.1:$peer" >>.data/etcd.log 2>&1
  if ! wait_port "$ETCD_PORT" 30 "${pids[-1]}"; then
    log "etcd did not start; last lines of .data/etcd.log:"
    tail -n 20 .data/etcd.log >&2
    exit 1
  fi
else
  log "etcd at $ETCD_HOSTS (from $CONF_PATH) is not reachable"
  exit 1
fi

if [ "$ROLE" != data_plane ]; then
  launch admin node apps/admin/dist/main.js
  wait_port "$ADMIN_PORT" 30 "${pids[-1]}" || { log "the admin did not open port $ADMIN_PORT"; exit 1; }
  log "Admin API on :$ADMIN_PORT; key: yq '.deployment.admin.admin_key[0].key' ${CONF_PATH#"$ROOT"/} | sed 's/\"//g'"
fi
if [ "$ROLE" != control_plane ]; then
  launch data-plane node apps/data-plane/dist/main.js
  wait_port "$NODE_PORT" 30 "${pids[-1]}" || { log "the data plane did not open port $NODE_PORT"; exit 1; }
  log "data plane on :$NODE_PORT"
fi
log "running; Ctrl-C stops everything"

# Foreground until a child exits (then stop the others) or a signal arrives (trap).
set +e
wait -n "${pids[@]}"
status=$?
set -e
log "a process exited with status $status; stopping the others"
exit "$status"
