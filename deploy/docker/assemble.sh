#!/usr/bin/env bash
# Assemble the image's runtime tree in OUT from a built workspace (run `pnpm build` first):
#   OUT/apps/admin, OUT/apps/data-plane   `pnpm deploy --prod` of each app: its dist/ and a
#                                         node_modules with production dependencies only
#   OUT/conf/config.yaml                  the image's default config (deploy/docker/config.yaml)
#   OUT/portico, OUT/healthcheck.mjs      entry point and Docker health check
# The Dockerfile's build stage runs this, and so does deploy/test/image-runtime.test.ts, which
# then starts the tree as the image would: what runs in the image is what the test ran.
# Usage: deploy/docker/assemble.sh OUT   (uses pnpm's store first, the registry for what it lacks)
set -euo pipefail
out=${1:?usage: assemble.sh OUT}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

for app in admin data-plane; do
  [ -f "apps/$app/dist/main.js" ] || { echo "apps/$app/dist/main.js is missing: build first" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/apps" "$out/conf"
for app in admin data-plane; do
  # --legacy: the workspace does not set inject-workspace-packages, which pnpm 10's default
  # deploy requires; the legacy deploy copies workspace dependencies (with their dist/) in.
  pnpm --filter "@portico/$app" deploy --prod --legacy --prefer-offline --config.confirm-modules-purge=false \
    "$out/apps/$app" >"$out/.deploy-$app.log" 2>&1 || { cat "$out/.deploy-$app.log" >&2; exit 1; }
  rm -f "$out/.deploy-$app.log"
done

# The apps' and workspace packages' sources and build caches are not needed at run time (Node
# never uses the "source" export condition). Third-party packages are left as published.
for dir in "$out"/apps/* "$out"/apps/*/node_modules/.pnpm/@portico+*/node_modules/@portico/*; do
  rm -rf "$dir/src" "$dir/.turbo" "$dir/tsconfig.json" "$dir"/*.tsbuildinfo
done

cp deploy/docker/config.yaml "$out/conf/config.yaml"
cp deploy/docker/entrypoint.sh "$out/portico"
cp deploy/docker/healthcheck.mjs "$out/healthcheck.mjs"
chmod 0755 "$out/portico"
