#!/usr/bin/env bash
# tap_suite.sh SUITE COMMAND...: runs a command that prints TAP, shows its output, and records
# "passed failed" for the suite in build/results/SUITE (a non-zero exit without a failed test
# counts as one failure).
set -uo pipefail
suite=$1; shift
mkdir -p build/results
log="build/results/$suite.log"
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -E '^ok ' "$log" | grep -vic '# *SKIP')
failed=$(grep -E '^not ok ' "$log" | grep -vic '# *SKIP')
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed $failed" > "build/results/$suite"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
