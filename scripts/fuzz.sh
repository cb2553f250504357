#!/usr/bin/env bash
# fuzz.sh SECONDS TARGET...: runs each libFuzzer target (build/fuzz/fuzz_TARGET) for SECONDS
# on its seed corpus (tests/fuzz/corpus/TARGET, read only) plus a working corpus in
# build/fuzz/corpus/TARGET; prints TAP. A crash, leak or sanitizer report fails the target
# and leaves the input in build/fuzz/artifacts/ (replay: build/fuzz/fuzz_TARGET FILE).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=$1; shift
n=0; failed=0
mkdir -p build/fuzz/artifacts
for t in "$@"; do
    n=$((n + 1))
    work="build/fuzz/corpus/$t"; mkdir -p "$work"
    log="build/fuzz/$t.log"
    if build/fuzz/fuzz_"$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
        -timeout=10 -artifact_prefix=build/fuzz/artifacts/"$t"- "$work" \
        "tests/fuzz/corpus/$t" > "$log" 2>&1; then
        runs=$(grep -oE '#[0-9]+' "$log" | tail -1)
        echo "ok $n - fuzz $t: ${seconds} s, ${runs#\#} runs, no crash"
    else
        failed=$((failed + 1))
        echo "not ok $n - fuzz $t (see $log)"
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/# /'
    fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
