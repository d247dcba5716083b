#!/usr/bin/env bash
# The whole check, as CI runs it: install what is missing (with the Temporal test server), type-check
# everything (sources and tests), then jest against real Temporal, Redis and SMTP.
# Arguments go to jest, e.g. `bash scripts/test.sh test/workflows`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

report() {
  local rc=$?
  echo "[test] $([ "$rc" -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in ${SECONDS}s"
}
trap report EXIT

bash scripts/setup.sh --for-tests --with-browser

echo "[test] tsc --noEmit"
npx --no-install tsc --noEmit -p tsconfig.json
npx --no-install tsc --noEmit -p web/tsconfig.json

echo "[test] jest"
results="$(mktemp -t dealflow-jest-XXXXXX.json)"
rc=0
npx --no-install jest --runInBand --json --outputFile="$results" "$@" || rc=$?
# One plain closing line with the counts ("N passed, N failed"), whatever jest printed above.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" 2>/dev/null || true
rm -f "$results"
exit "$rc"
