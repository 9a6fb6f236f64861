#!/usr/bin/env bash
# The timed random run of issue 18 against the built admin + a data plane over a real etcd:
#   e2e/fuzz/run-admin-fuzz.sh [seconds]   (default 60; PORTICO_FUZZ_CONCURRENCY, PORTICO_FUZZ_SEED)
# Prints one `admin fuzz report {...}` line: requests, statuses, 5xx, transport errors, refused keys.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export PORTICO_FUZZ_SECONDS="${1:-${PORTICO_FUZZ_SECONDS:-60}}"
export PORTICO_FUZZ_SEED="${PORTICO_FUZZ_SEED:-$RANDOM$RANDOM}"
exec pnpm exec vitest run --project e2e e2e/fuzz/admin.test.ts -t 'random run'
