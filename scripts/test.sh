#!/usr/bin/env bash
# The whole check, as CI runs it: install what is missing (with the Temporal test server), lint, check the
# import boundaries between the layers (.dependency-cruiser.cjs, no wrong-way import, no runtime cycle), type-check
# everything (sources and tests), run the unit lane (test/unit/, no services, seconds), then the
# integration lane (every other test, against real Temporal, Redis and SMTP). Each test runs once.
# A failing unit lane stops the run before the slow lane. See CONTRIBUTING.md, "Test lanes".
# Arguments go to jest in both lanes (a lane with no matching test passes), e.g.
# `bash scripts/test.sh test/workflows` or `bash scripts/test.sh test/unit`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

results_dir="$(mktemp -d -t dealflow-jest-XXXXXX)"
report() {
  local rc=$?
  # One plain closing line with the counts of both lanes ("N passed, N failed"), whatever jest
  # printed above.
  node -e '
    const fs = require("fs");
    const files = process.argv.slice(1).filter((f) => fs.existsSync(f));
    const t = { passed: 0, failed: 0, skipped: 0 };
    for (const f of files) {
      const r = JSON.parse(fs.readFileSync(f, "utf8"));
      t.passed += r.numPassedTests;
      t.failed += r.numFailedTests;
      t.skipped += r.numPendingTests + r.numTodoTests;
    }
    if (files.length) console.log(`jest: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  ' "$results_dir/unit.json" "$results_dir/integration.json" 2>/dev/null || true
  rm -rf "$results_dir"
  echo "[test] $([ "$rc" -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in ${SECONDS}s"
}
trap report EXIT

bash scripts/setup.sh --for-tests --with-browser

# ESLint (type-aware; workflow import rules), knip (dead exports, unlisted dependencies), then
# prettier --check (CONTRIBUTING.md, "Lint and format")
echo "[test] lint"
npm run --silent lint

echo "[test] boundaries (.dependency-cruiser.cjs)"
npx --no-install depcruise --config .dependency-cruiser.cjs config workflows store activities client cli workers devstack bench scripts test

echo "[test] tsc --noEmit"
npx --no-install tsc --noEmit -p tsconfig.json
npx --no-install tsc --noEmit -p web/tsconfig.json

echo "[test] jest: unit lane"
npx --no-install jest -c jest.unit.config.js --passWithNoTests --json --outputFile="$results_dir/unit.json" "$@" || {
  rc=$?
  echo "[test] the unit lane failed: the integration lane is not run"
  exit "$rc"
}

echo "[test] jest: integration lane"
npx --no-install jest -c jest.integration.config.js --runInBand --passWithNoTests --json --outputFile="$results_dir/integration.json" "$@"
