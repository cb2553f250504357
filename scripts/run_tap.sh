#!/usr/bin/env bash
# run_tap.sh SUITE PROGRAM...: runs cmocka test binaries with TAP output, prints their
# results, and records "passed failed" for the suite in build/results/SUITE.
set -uo pipefail
suite=$1; shift
mkdir -p build/results
passed=0; failed=0; skipped=0
for t in "$@"; do
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1); rc=$?
    ok=$(grep -E '^ok ' <<<"$out" | grep -vc '# *SKIP')
    skip=$(grep -ciE '^(not )?ok .*# *SKIP' <<<"$out")
    bad=$(grep -E '^not ok ' <<<"$out" | grep -vic '# *SKIP')
    skipped=$((skipped + skip))
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
echo "$suite: $passed passed, $failed failed$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
