# snapscope - record an application's state as a timeline of JSON snapshots.
#
#   make            build/snapscope and build/libsnapscope.a
#   make run        install missing packages (as root), build, open the TUI on a demo store
#   make check      install missing packages (as root), build, run every test
#   make asan       the unit and command-line tests under AddressSanitizer + UBSan
#   make tsan       the concurrency tests under ThreadSanitizer (part of make check)
#   make fuzz       every libFuzzer target for FUZZ_TIME seconds (make check runs fuzz-smoke)
#   make install    PREFIX=/usr/local (DESTDIR honoured)
#
# Layers: tui/ -> model/ -> store/, never back.  store/ and model/ form the
# library; tui/ is the program.  Everything built lands under build/.

PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
PKG_CONFIG ?= pkg-config
BUILD     := build

DEB_PACKAGES := libncurses-dev libsqlite3-dev zlib1g-dev libssl-dev libjansson-dev check pkg-config tmux
LIB_PKGS  := sqlite3 zlib libcrypto jansson
TUI_PKGS  := ncursesw
TEST_PKGS := check

WARN      := -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
             -Wstrict-prototypes -Wmissing-prototypes -Wvla
CSTD      := -std=c11 -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE
OPT       ?= -O2 -g
CFLAGS    ?=
PKG_CFLAGS = $(filter-out -D_XOPEN_SOURCE% -D_DEFAULT_SOURCE,$(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) $(TUI_PKGS) 2>/dev/null))
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) -Istore -Imodel -Itui $(PKG_CFLAGS) $(CFLAGS)
LIB_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null) -lpthread
TUI_LIBS   = $(shell $(PKG_CONFIG) --libs $(TUI_PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
# The suites whose threads share state: automatic capture (a thread writing
# while the caller reads, pauses, triggers, stops) and the subscriber list.
TSAN_SUITES := auto

STORE_SRC := $(wildcard store/*.c)
MODEL_SRC := $(wildcard model/*.c)
TUI_SRC   := $(filter-out tui/main.c,$(wildcard tui/*.c))
TEST_SRC  := $(wildcard tests/check_*.c) tests/testutil.c
LIB_SRC   := $(STORE_SRC) $(MODEL_SRC)

# A static library keeps members by base name: two files called x.c in
# different layers would silently replace one another in the archive.
DUP_NAMES := $(sort $(foreach f,$(notdir $(LIB_SRC) $(TUI_SRC)),$(if $(filter-out 1,$(words $(filter $(f),$(notdir $(LIB_SRC) $(TUI_SRC))))),$(f))))
ifneq ($(DUP_NAMES),)
$(error source files share a base name across layers: $(DUP_NAMES))
endif

# $(call objs,VARIANT-DIR,SOURCES)
objs = $(patsubst %.c,$(1)/obj/%.o,$(2))

.PHONY: all run check check-real screenshots asan unit unit-asan tsan e2e check-layers deps install uninstall clean demo-store help

all: $(BUILD)/snapscope $(BUILD)/libsnapscope.a

help:
	@sed -n '3,11p' Makefile

# ---- build variants: plain (build/) and sanitized (build/asan/) -------------

define variant
$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $(2) -MMD -MP -c $$< -o $$@

$(1)/obj/tests/%.o: tests/%.c $(BUILD)/gen/suites.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -I$(BUILD)/gen $$(TEST_CFLAGS) $(2) -MMD -MP -c $$< -o $$@

$(1)/libsnapscope.a: $(call objs,$(1),$(LIB_SRC))
	@rm -f $$@
	$$(AR) rcs $$@ $$^

$(1)/libsnapscope-tui.a: $(call objs,$(1),$(TUI_SRC))
	@rm -f $$@
	$$(AR) rcs $$@ $$^

$(1)/snapscope: $(call objs,$(1),tui/main.c) $(1)/libsnapscope-tui.a $(1)/libsnapscope.a
	$$(CC) $(2) -o $$@ $$^ $$(TUI_LIBS) $$(LIB_LIBS)

$(1)/check_snapscope: $(call objs,$(1),$(TEST_SRC)) $(1)/libsnapscope-tui.a $(1)/libsnapscope.a
	$$(CC) $(2) -o $$@ $$^ $$(TEST_LIBS) $$(TUI_LIBS) $$(LIB_LIBS)

-include $$(patsubst %.o,%.d,$(call objs,$(1),$(LIB_SRC) $(TUI_SRC) tui/main.c $(TEST_SRC)))
endef

$(eval $(call variant,$(BUILD),))
$(eval $(call variant,$(BUILD)/asan,$(SAN_FLAGS)))
$(eval $(call variant,$(BUILD)/tsan,$(TSAN_FLAGS)))

# Every tests/check_*.c defines `Suite *NAME_suite(void)`; the runner gets the
# list from the sources, so adding a suite is adding a file.
$(BUILD)/gen/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@sed -n 's/^Suite \*\([a-z0-9_]*\)_suite(void)$$/SUITE(\1)/p' $(TEST_SRC) | sort > $@.tmp
	@mv $@.tmp $@

# ---- set-up ------------------------------------------------------------------

# Install the Debian packages pkg-config (or PATH) cannot find; as non-root,
# print the exact command and stop.
deps:
	@missing=""; \
	for m in $(LIB_PKGS) $(TUI_PKGS) $(TEST_PKGS); do \
		$(PKG_CONFIG) --exists $$m 2>/dev/null || missing="$$missing $$m"; \
	done; \
	command -v $(PKG_CONFIG) >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	command -v tmux >/dev/null 2>&1 || missing="$$missing tmux"; \
	if [ -n "$$missing" ]; then \
		echo "deps: missing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PACKAGES); } \
				|| { echo "deps: apt-get failed" >&2; exit 1; }; \
		else \
			echo "deps: run as root:  apt-get install -y $(DEB_PACKAGES)" >&2; exit 1; \
		fi; \
	fi

# ---- running -----------------------------------------------------------------

DEMO_STORE := $(BUILD)/demo.db

demo-store: $(BUILD)/snapscope
	@if [ ! -s $(DEMO_STORE) ]; then \
		./$(BUILD)/snapscope --store $(DEMO_STORE) demo >/dev/null; fi

run: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory demo-store
	./$(BUILD)/snapscope --store $(DEMO_STORE) browse demo

# ---- tests -------------------------------------------------------------------

JOBS ?= $(shell nproc 2>/dev/null || echo 2)

check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all $(BUILD)/check_snapscope \
		$(BUILD)/asan/snapscope $(BUILD)/asan/check_snapscope $(BUILD)/tsan/check_snapscope
	@$(MAKE) --no-print-directory check-layers
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-asan
	@$(MAKE) --no-print-directory tsan
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory e2e

asan: unit-asan

unit: $(BUILD)/check_snapscope $(BUILD)/snapscope
	@echo "== unit and command-line tests"
	SNAPSCOPE_BIN=$(CURDIR)/$(BUILD)/snapscope SNAPSCOPE_THEMES=$(CURDIR)/themes \
		./$(BUILD)/check_snapscope

unit-asan: $(BUILD)/asan/check_snapscope $(BUILD)/asan/snapscope
	@echo "== unit and command-line tests under ASan+UBSan"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	SNAPSCOPE_BIN=$(CURDIR)/$(BUILD)/asan/snapscope SNAPSCOPE_THEMES=$(CURDIR)/themes \
		./$(BUILD)/asan/check_snapscope

# A data race is a failure: TSan halts the test that raced.
tsan: $(BUILD)/tsan/check_snapscope
	@echo "== concurrency tests under ThreadSanitizer"
	@for suite in $(TSAN_SUITES); do \
		TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 CK_RUN_SUITE=$$suite \
			./$(BUILD)/tsan/check_snapscope || exit 1; \
	done

e2e: $(BUILD)/snapscope
	@echo "== terminal tests (tmux)"
	SNAPSCOPE_BIN=$(CURDIR)/$(BUILD)/snapscope SNAPSCOPE_THEMES=$(CURDIR)/themes tests/e2e/run.sh

# Real PNGs of the browser for the README (xterm under Xvfb, ImageMagick
# import; installs its packages as root).
screenshots: $(BUILD)/snapscope
	SNAPSCOPE_BIN=$(CURDIR)/$(BUILD)/snapscope SNAPSCOPE_THEMES=$(CURDIR)/themes \
		tests/screenshots.sh

# The real git-scraped histories of ../shared/data (when present) through
# `capture`, one process per version, read back and checked against Python's
# canonical checksums; not part of `check` because the data may be absent.
check-real: $(BUILD)/snapscope
	SNAPSCOPE_BIN=$(CURDIR)/$(BUILD)/snapscope tests/real/roundtrip.sh

# store/ and model/ never see ncurses; tui/ never sees SQLite or the store API.
check-layers:
	@bad=0; \
	if grep -nE '#[[:space:]]*include[[:space:]]*[<"]((ncursesw/)?n?curses|panel|menu|form|term)\.h[>"]|#[[:space:]]*include[[:space:]]*"(\.\./)?tui/' store/*.[ch] model/*.[ch]; then \
		echo "check-layers: store/ or model/ includes ncurses or tui/" >&2; bad=1; fi; \
	if grep -nE '#[[:space:]]*include[[:space:]]*"(\.\./)?model/|#[[:space:]]*include[[:space:]]*"snapscope\.h"' store/*.[ch]; then \
		echo "check-layers: store/ includes model/" >&2; bad=1; fi; \
	if grep -nE '#[[:space:]]*include[[:space:]]*[<"](sqlite3\.h|ss_store\.h|ss_hash\.h)[>"]' tui/*.[ch] model/snapscope.h model/ss_auto.h model/ss_source.h model/ss_retention.h model/ss_diff.h; then \
		echo "check-layers: tui/ (or a public model header) reaches past the model into the store" >&2; bad=1; fi; \
	if grep -nE '#[[:space:]]*include[[:space:]]*<sqlite3\.h>' model/*.[ch]; then \
		echo "check-layers: model/ includes sqlite3.h; SQL belongs in store/" >&2; bad=1; fi; \
	[ $$bad = 0 ] && echo "check-layers: tui -> model -> store holds"; exit $$bad

# ---- install -----------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/snapscope $(DESTDIR)$(PREFIX)/share/snapscope/themes
	install -m 0755 $(BUILD)/snapscope $(DESTDIR)$(PREFIX)/bin/snapscope
	install -m 0644 $(BUILD)/libsnapscope.a $(DESTDIR)$(PREFIX)/lib/libsnapscope.a
	install -m 0644 model/snapscope.h model/ss_diff.h model/jpath.h model/ss_auto.h model/ss_source.h \
		model/ss_retention.h store/ss_types.h store/ss_status.h \
		$(DESTDIR)$(PREFIX)/include/snapscope/
	for t in themes/*.theme; do [ -f "$$t" ] && install -m 0644 "$$t" $(DESTDIR)$(PREFIX)/share/snapscope/themes/; done; true
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define SS_VERSION_STRING "\(.*\)"/\1/p' model/snapscope.h)|g' \
		snapscope.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/snapscope.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/snapscope $(DESTDIR)$(PREFIX)/lib/libsnapscope.a \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/snapscope.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/snapscope $(DESTDIR)$(PREFIX)/share/snapscope

clean:
	rm -rf $(BUILD)
include tests/bench/bench.mk
-include tests/fuzz/fuzz.mk
