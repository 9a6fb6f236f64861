# Shared by scripts/start.sh and scripts/test.sh: install what a fresh Debian machine lacks
# (only what is missing), then install workspace dependencies and build. Sourced, not run.

log() { printf '\033[1m[portico]\033[0m %s\n' "$*" >&2; }

# Run as root: directly when we are root (CI), else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_apt BIN:PACKAGE ...  installs each PACKAGE whose BIN is not on this machine.
ensure_apt() {
  local spec bin pkg missing=()
  for spec in "$@"; do
    bin=${spec%%:*}
    pkg=${spec#*:}
    if [[ $bin == /* ]]; then [ -x "$bin" ] && continue; else command -v "$bin" >/dev/null 2>&1 && continue; fi
    missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_pnpm() {
  command -v pnpm >/dev/null 2>&1 && return 0
  log "installing pnpm 10 (npm i -g pnpm@10)"
  as_root npm i -g pnpm@10 >/dev/null
}

# pnpm keeps a copy of the lockfile it installed in node_modules/.pnpm/lock.yaml:
# reinstall only when it differs from pnpm-lock.yaml.
ensure_node_modules() {
  if [ -f node_modules/.pnpm/lock.yaml ] && cmp -s pnpm-lock.yaml node_modules/.pnpm/lock.yaml; then return 0; fi
  log "installing workspace dependencies (pnpm install --frozen-lockfile)"
  CI=true pnpm install --frozen-lockfile --reporter=append-only
}

build_all() {
  log "building (turbo run build)"
  TURBO_TELEMETRY_DISABLED=1 pnpm exec turbo run build --output-logs=errors-only
}

# wait_port PORT SECONDS [PID]  until 127.0.0.1:PORT accepts connections (fails early if PID died).
wait_port() {
  local port=$1 deadline=$((SECONDS + $2)) pid=${3:-}
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

# The e2e suite's Kafka broker (kafka-logger): Java 17 and Maven from Debian, then the broker's
# jars from Maven Central into .cache/kafka/<version>/libs (once; scripts/kafka/resolve.sh).
ensure_kafka() {
  ensure_apt /usr/bin/java:openjdk-17-jre-headless mvn:maven
  bash scripts/kafka/resolve.sh >/dev/null
}
