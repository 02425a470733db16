#!/usr/bin/env bash
# Runs the whole test suite: builds, then the lit suite (IR tests, verifier
# errors, integration tests) and the GoogleTest unit tests through ctest.
# Ends with one line "amae: N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AMAE_BUILD_DIR:-$root/build}"

"$root/scripts/build.sh" || { echo "amae: 0 passed, 1 failed, 0 skipped"; exit 1; }

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "== lit =="
/usr/lib/llvm-22/bin/lit -sv "$build/test" 2>&1 | tee -a "$log"
lit_rc=${PIPESTATUS[0]}

echo "== ctest =="
(cd "$build" && ctest --output-on-failure 2>&1) | tee "$log.ctest"
ctest_rc=${PIPESTATUS[0]}

# lit: "  Passed: N", "  Failed: N", "  Unsupported: N", "  Expectedly Failed: N".
count() {
  local n
  n=$(grep -E "^ +$1: +[0-9]+" "$log" | sed -E "s/^ +$1: +([0-9]+).*/\1/" | head -1)
  echo "${n:-0}"
}
lit_pass=$(( $(count Passed) + $(count "Expectedly Failed") ))
lit_fail=$(( $(count Failed) + $(count "Unexpectedly Passed") + $(count "Timed Out") ))
lit_skip=$(( $(count Unsupported) + $(count Skipped) ))
# ctest: "100% tests passed, 0 tests failed out of 12" and "N tests skipped"?
ct_line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log.ctest" | tail -1)
ct_total=$(echo "$ct_line" | sed -E 's/.*out of ([0-9]+).*/\1/')
ct_fail=$(echo "$ct_line" | sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/')
ct_skip=$(grep -cE "\*\*\*Skipped|Not Run" "$log.ctest" || true)
rm -f "$log.ctest"
ct_total=${ct_total:-0}; ct_fail=${ct_fail:-1}
ct_pass=$(( ct_total - ct_fail - ct_skip ))

passed=$(( lit_pass + ct_pass ))
failed=$(( lit_fail + ct_fail ))
skipped=$(( lit_skip + ct_skip ))
if [ "$lit_rc" -ne 0 ] && [ "$lit_fail" -eq 0 ]; then failed=$(( failed + 1 )); fi
if [ "$ctest_rc" -ne 0 ] && [ "$ct_fail" -eq 0 ]; then failed=$(( failed + 1 )); fi

echo "amae: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
