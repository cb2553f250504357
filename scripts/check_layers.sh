#!/usr/bin/env bash
# check_layers.sh: the include rules of STYLE.md section 3, as a grep.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
report() { echo "layers: $1"; bad=1; }
for f in $(grep -lE '#include *[<"](n?curses|ncursesw/|libpq-fe|postgresql/)' core/*.[ch] 2>/dev/null); do report "$f: core/ must not include curses or libpq"; done
for f in $(grep -lE '#include *[<"](libpq-fe|postgresql/|curl/)' tui/*.[ch] 2>/dev/null); do report "$f: tui/ must not include libpq or curl"; done
for f in $(grep -lE '#include *[<"](n?curses|ncursesw/|curl/)' db/*.[ch] 2>/dev/null); do report "$f: db/ must not include curses or curl"; done
for f in $(grep -lE '#include *"db/' tui/*.[ch] core/*.[ch] 2>/dev/null); do report "$f: only cli/ includes db/"; done
for f in $(grep -lE '#include *"cli/' tui/*.[ch] core/*.[ch] db/*.[ch] 2>/dev/null); do report "$f: nothing outside cli/ includes cli/"; done
for f in $(grep -lE '#include *"tui/' core/*.[ch] db/*.[ch] 2>/dev/null); do report "$f: core/ and db/ never include tui/"; done
for f in $(grep -lE '#include *[<"](n?curses|ncursesw/|libpq-fe|postgresql/|curl/)' cli/*.[ch] 2>/dev/null); do report "$f: cli/ goes through core/, db/ and tui/, never curses, libpq or curl"; done
for f in $(grep -lE '#include *[<"]curl/' core/*.[ch] 2>/dev/null); do [ "$f" = core/http.c ] || report "$f: only core/http.c includes curl"; done
for f in $(grep -lE '#include *[<"](cjson/)?cJSON.h' core/*.[ch] tui/*.[ch] db/*.[ch] cli/*.[ch] 2>/dev/null); do case "$f" in core/llm_*.c|core/json.c) ;; *) report "$f: cJSON only in core/llm_*.c and core/json.c";; esac; done
for f in $(grep -lE '#include *[<"]sodium' core/*.[ch] tui/*.[ch] db/*.[ch] cli/*.[ch] 2>/dev/null); do case "$f" in core/secret.c|core/hash.c) ;; *) report "$f: libsodium only in core/secret.c and core/hash.c";; esac; done
for f in $(grep -lE '#include *"tui/curses.h"' tui/*.c 2>/dev/null); do case "$f" in tui/term.c|tui/input.c|tui/render.c|tui/screen_dump.c|tui/theme.c) ;; *) report "$f: curses only in term, input, render, theme, screen_dump";; esac; done
[ $bad = 0 ] && echo "layers: ok"
exit $bad
