#!/usr/bin/env bash
# npm run test:citus [vitest args]: the metrics, rules, tags, funnel, retention and ingestion
# suites (and the Citus EXPLAIN test) against a local Citus cluster — a coordinator and two
# workers from ../shared/citus (build.sh installs the extension once, needs root; cluster.sh
# starts and stops the nodes). Each test database is created on every node and distributed
# (src/db/citus.ts). Not part of .ci/run: minutes, and it needs the Citus build.
# `npm run test:citus -- test/metrics` runs those paths instead; `-…` options go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
citus="${STRATUM_CITUS_DIR:-$(cd ../shared/citus 2>/dev/null && pwd || echo /work/shared/citus)}"
[ -x "$citus/cluster.sh" ] || { echo "no Citus scripts at $citus (set STRATUM_CITUS_DIR)" >&2; exit 2; }
bash "$citus/build.sh"
url="$(bash "$citus/cluster.sh" start)"
trap 'bash "$citus/cluster.sh" stop >/dev/null' EXIT
suites=(test/metrics test/rules test/tags test/analytics/funnel.test.ts test/analytics/analyses.test.ts
  test/ingest test/citus)
# Test paths replace the default suites; options (-…) are passed on, beside them.
paths=() options=()
for arg in "$@"; do if [[ "$arg" == -* ]]; then options+=("$arg"); else paths+=("$arg"); fi; done
[ "${#paths[@]}" -gt 0 ] && suites=("${paths[@]}")
STRATUM_TEST_CITUS=1 TEST_DATABASE_URL="$url" npx vitest run "${suites[@]}" "${options[@]}"
