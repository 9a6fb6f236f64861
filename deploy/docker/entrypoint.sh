#!/usr/bin/env bash
# Entry point of the Portico image: one image, the command picks the process.
#
#   portico admin        Admin API (node apps/admin/dist/main.js), deployment.role control_plane
#   portico data-plane   data plane (node apps/data-plane/dist/main.js), deployment.role data_plane
#   portico all          both in one container, deployment.role traditional (trials, not production)
#   portico healthcheck  exit 0 when the process started by this container answers (Docker HEALTHCHECK)
#   portico <cmd...>     run anything else (a shell, node ...)
#
# The processes are exactly the ones the e2e suite runs: `node apps/<app>/dist/main.js` with the
# config file named by PORTICO_CONF (default: $PORTICO_HOME/conf/config.yaml). PORTICO_ROLE, read
# by the image's default config, is set from the command unless given.
set -euo pipefail

PORTICO_HOME=${PORTICO_HOME:-$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)}
export PORTICO_CONF=${PORTICO_CONF:-$PORTICO_HOME/conf/config.yaml}
# Which process this container runs, for `portico healthcheck` (a separate exec).
MODE_FILE=${PORTICO_MODE_FILE:-/tmp/portico.mode}
ADMIN=$PORTICO_HOME/apps/admin/dist/main.js
DATA_PLANE=$PORTICO_HOME/apps/data-plane/dist/main.js

log() { printf 'portico: %s\n' "$*" >&2; }
# Best effort: a read-only /tmp only costs the health check its mode (it then assumes data-plane).
remember_mode() { { echo "$1" >"$MODE_FILE"; } 2>/dev/null || true; }

# The image's default config reads the admin key from the environment; an unset key would make
# the admin generate one nobody can read, so refuse to start instead.
require_admin_key() {
  if [ "$PORTICO_CONF" = "$PORTICO_HOME/conf/config.yaml" ] && [ -z "${PORTICO_ADMIN_KEY:-}" ]; then
    log "PORTICO_ADMIN_KEY is required by the image's default config (or mount your own config and set PORTICO_CONF)"
    exit 64
  fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  admin)
    export PORTICO_ROLE=${PORTICO_ROLE:-control_plane}
    require_admin_key
    remember_mode admin
    exec node "$ADMIN" "$@"
    ;;
  data-plane)
    export PORTICO_ROLE=${PORTICO_ROLE:-data_plane}
    remember_mode data-plane
    exec node "$DATA_PLANE" "$@"
    ;;
  all)
    export PORTICO_ROLE=${PORTICO_ROLE:-traditional}
    require_admin_key
    remember_mode all
    node "$ADMIN" "$@" &
    admin=$!
    node "$DATA_PLANE" "$@" &
    dp=$!
    # Forward SIGTERM/SIGINT to both; the data plane drains before it exits.
    stopping=0
    trap 'stopping=1; kill -TERM "$admin" "$dp" 2>/dev/null || true' TERM INT
    status=0
    # The first child to exit stops the other, and its status is the container's; after a
    # signal, the children's own exit statuses count (0 after a clean drain).
    wait -n "$admin" "$dp" || status=$?
    [ "$stopping" -eq 1 ] && status=0
    kill -TERM "$admin" "$dp" 2>/dev/null || true
    for pid in "$admin" "$dp"; do
      while :; do
        s=0
        wait "$pid" || s=$?
        # A trapped signal interrupts `wait`; keep waiting while the child is alive.
        kill -0 "$pid" 2>/dev/null || break
      done
      if [ "$status" -eq 0 ] && [ "$s" -ne 0 ] && [ "$s" -ne 143 ]; then status=$s; fi
    done
    exit "$status"
    ;;
  healthcheck)
    exec node "$PORTICO_HOME/healthcheck.mjs" "$(cat "$MODE_FILE" 2>/dev/null || echo data-plane)"
    ;;
  '' | -h | --help)
    sed -n '2,12p' "${BASH_SOURCE[0]}"
    ;;
  *)
    exec "$cmd" "$@"
    ;;
esac
