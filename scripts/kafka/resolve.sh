#!/usr/bin/env bash
# Resolve the Apache Kafka broker (org.apache.kafka:kafka_2.13 and its runtime dependencies, as
# pinned in scripts/kafka/pom.xml) from Maven Central into .cache/kafka/<version>/libs, once.
# Prints that directory on stdout (Maven's output goes to stderr). Used by scripts/lib/setup.sh
# (scripts/test.sh) and by packages/testkit/src/kafka.ts when the cache is missing.
# PORTICO_KAFKA_CACHE overrides the cache root.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
POM="$HERE/pom.xml"
VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
CACHE=${PORTICO_KAFKA_CACHE:-$ROOT/.cache/kafka}
DIR="$CACHE/$VERSION"
# The marker holds a hash of the pom: editing the pom (a new version, an extra jar) re-resolves.
STAMP=$(sha256sum "$POM" | cut -c1-16)
if [ "$(cat "$DIR/libs/.complete" 2>/dev/null)" = "$STAMP" ]; then
  echo "$DIR/libs"
  exit 0
fi
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9 # concurrent test workers resolve once; the others wait and reuse the result
if [ "$(cat "$DIR/libs/.complete" 2>/dev/null)" != "$STAMP" ]; then
  command -v mvn >/dev/null 2>&1 || { echo "kafka: mvn not found (install Debian's maven)" >&2; exit 1; }
  echo "kafka: resolving org.apache.kafka:kafka_2.13:$VERSION with Maven into $DIR/libs" >&2
  rm -rf "$DIR/libs.tmp" "$DIR/libs"
  mvn -B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$DIR/libs.tmp" >&2
  echo "$STAMP" >"$DIR/libs.tmp/.complete"
  mv "$DIR/libs.tmp" "$DIR/libs"
fi
echo "$DIR/libs"
