#!/usr/bin/env bash
# Install LiteLLM's proxy (the bench peer) into a venv under <repo>/.cache/litellm-venv.
# Idempotent: a venv that already has the pinned version is left as it is.
#   bash bench/litellm/install.sh            # install / check
#   BENCH_LITELLM_VENV=/path bash ...        # another venv location
# The version is pinned; releases 1.82.7, 1.82.8 and 1.107.0 were compromised on PyPI and pulled,
# so move the pin only to a release checked to be clean.
set -euo pipefail
LITELLM_VERSION="1.81.13"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${BENCH_LITELLM_VENV:-$root/.cache/litellm-venv}"
py="${PYTHON:-python3}"

have() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('litellm') == '$LITELLM_VERSION' else 1)" 2>/dev/null; }

if have && [ -x "$venv/bin/litellm" ]; then
  echo "litellm $LITELLM_VERSION already installed in $venv"
  exit 0
fi
mkdir -p "$(dirname "$venv")"
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION"
have
echo "litellm $LITELLM_VERSION installed in $venv"
