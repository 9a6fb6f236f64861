#!/usr/bin/env bash
# Run every test (unit + e2e) after installing what is missing: pnpm, workspace dependencies,
# and the Debian packages the e2e suite drives (etcd-server, redis-server, jq, yq).
# Extra arguments go to vitest (e.g. `./scripts/test.sh --project unit`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/setup.sh
source scripts/lib/setup.sh

ensure_pnpm
ensure_apt /usr/bin/etcd:etcd-server redis-server:redis-server jq:jq yq:yq curl:curl
ensure_node_modules
build_all

log "running vitest"
exec pnpm exec vitest run "$@"
