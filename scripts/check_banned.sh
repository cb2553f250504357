#!/usr/bin/env bash
# check_banned.sh: functions we never use (curl checksrc's list).
set -uo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets)\s*\(' core/*.c db/*.c tui/*.c db/vector/*.c tests/fakes/*.c 2>/dev/null)
if [ -n "$hits" ]; then echo "banned functions:"; echo "$hits"; exit 1; fi
echo "banned: ok"
