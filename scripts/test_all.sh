#!/usr/bin/env bash
# test_all.sh: what `make test` runs. Every suite runs even when an earlier one fails; the last
# line is the total: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
# The end-to-end tests read wide characters off the screen: make sure the locale is UTF-8.
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
*UTF-8* | *utf8* | *UTF8* | *utf-8*) ;;
*) export LANG=C.UTF-8; unset LC_ALL LC_CTYPE ;;
esac
rm -rf build/results; mkdir -p build/results
start=$(date +%s)
suites=(unit asan vector db scaleout screen e2e fuzz install)
run() {
    local name=$1; shift
    echo "== $name"
    "$@" || true
    [ -f "build/results/$name" ] || echo "0 1" > "build/results/$name"
}
if ! make -s -j"$(nproc)" all fakes >build/results/build.log 2>&1; then
    cat build/results/build.log
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi
run unit make -s --no-print-directory unit
mv -f build/results/unit-debug build/results/unit 2>/dev/null
run asan make -s --no-print-directory -j"$(nproc)" asan
mv -f build/results/unit-asan build/results/asan 2>/dev/null
run vector tests/vector/run.sh
run db tests/db/run.sh
run scaleout scripts/tap_suite.sh scaleout tests/scaleout/run.sh
run screen env UPDATE=0 CCA_FAKE_LLM=build/debug/fake_llm_server scripts/tap_suite.sh screen tests/screen/run.sh
run e2e env CCA_FAKE_LLM=build/debug/fake_llm_server scripts/tap_suite.sh e2e tests/tmux/run.sh
run fuzz make -s --no-print-directory fuzz-smoke
# make install into a temporary root, the Debian packages, the shared host (root only)
run install env CCA_FAKE_LLM=build/debug/fake_llm_server scripts/tap_suite.sh install tests/install/run.sh
passed=0; failed=0
echo "== summary ($(( $(date +%s) - start )) s)"
for s in "${suites[@]}"; do
    read -r p f < "build/results/$s"
    printf '  %-8s %4d passed, %d failed\n' "$s" "$p" "$f"
    passed=$((passed + p)); failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
