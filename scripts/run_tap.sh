#!/usr/bin/env bash
# run_tap.sh SUITE PROGRAM...: runs cmocka test binaries with TAP output, prints their
# results, and records "passed failed" for the suite in build/results/SUITE.
set -uo pipefail
suite=$1; shift
mkdir -p build/results
passed=0; failed=0
for t in "$@"; do
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1); rc=$?
    ok=$(grep -cE '^ok ' <<<"$out")
    bad=$(grep -cE '^not ok ' <<<"$out")
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        bad=1   # crashed or failed outside a test
    fi
    passed=$((passed + ok)); failed=$((failed + bad))
    if [ "$bad" -gt 0 ]; then
        printf '%s\n' "$out" | grep -vE '^ok ' | sed "s|^|  $(basename "$t"): |"
    fi
    printf '  %-28s %3d passed, %d failed\n' "$(basename "$t")" "$ok" "$bad"
done
echo "$passed $failed" > "build/results/$suite"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
