#!/usr/bin/env bash
# Runs the docs suites inside a private mount + network namespace (as root):
#   unshare --mount --net -- bash e2e/docs/ns-run.sh [vitest args...]
# * network namespace: a fresh loopback, so the docs' fixed ports (9080, 9180) and the
#   impersonated providers on 443 never collide with anything on the host;
# * mount namespace: /etc/hosts is bind-mounted over with one mapping every provider host
#   (api.openai.com, api.deepseek.com, ...) to 127.0.0.1, so the printed commands and Portico
#   reach the mocks unmodified. Nothing outside the namespace sees either change.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
ip link set lo up
hosts=$(mktemp /tmp/portico-docs-hosts.XXXXXX)
{
  echo "127.0.0.1 localhost"
  echo "::1 localhost ip6-localhost ip6-loopback"
  for h in api.openai.com api.deepseek.com api.anthropic.com openrouter.ai api.aimlapi.com \
    generativelanguage.googleapis.com aiplatform.googleapis.com api7-auzre-openai.openai.azure.com \
    ai-plugin-developer.openai.azure.com yourhost.com \
    comprehend.us-east-1.amazonaws.com api.lakera.ai httpbin.org dashscope.aliyuncs.com; do
    echo "127.0.0.1 $h"
  done
} >"$hosts"
mount --make-rprivate /
mount --bind "$hosts" /etc/hosts
trap 'rm -f "$hosts"' EXIT
node "$ROOT/node_modules/vitest/vitest.mjs" run --config e2e/docs/vitest.docs.config.ts "$@"
