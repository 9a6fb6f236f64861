#!/usr/bin/env bash
# Run every test (unit + e2e) after installing what is missing: pnpm, workspace dependencies,
# the Debian packages the e2e suite drives (etcd-server, redis-server, jq, yq, prometheus), and the
# Kafka broker's jars (Java 17 + Maven from Debian, the jars from Maven Central into .cache/kafka).
# Extra arguments go to vitest (e.g. `./scripts/test.sh --project unit`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/setup.sh
source scripts/lib/setup.sh

ensure_pnpm
ensure_apt /usr/bin/etcd:etcd-server redis-server:redis-server jq:jq yq:yq curl:curl /usr/bin/prometheus:prometheus
ensure_kafka
ensure_node_modules
build_all

# Tests are code too: type-check every source, test and e2e file (tsconfig.check.json).
log "type-checking sources and tests (tsc -p tsconfig.check.json)"
pnpm exec tsc -p tsconfig.check.json

# Formatting and lint (biome.jsonc): any unformatted file or lint error fails the run.
log "checking format and lint (biome ci)"
pnpm exec biome ci . --colors=off --max-diagnostics=50

log "running vitest"
report=$(mktemp -t portico-vitest-XXXXXX.json)
trap 'rm -f "$report"' EXIT
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line any CI can read: "N passed, N failed, N skipped".
if [ -s "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests || 0)} skipped`);
  ' "$report" || true
fi
exit "$status"
