# tests/fuzz/fuzz.mk - libFuzzer targets (included by the Makefile).
#
#   make fuzz         every target for FUZZ_TIME seconds (default 600), one
#                     after another, growing build/fuzz/corpus/NAME
#   make fuzz-smoke   what CI runs: replay the corpus (-runs=0), then
#                     FUZZ_TIME=15 seconds a target
#   make fuzz-build   only build build/fuzz/fuzz_NAME
#   make fuzz-seed    only (re)make the seed corpora (tests/fuzz/seed.sh)
#   make fuzz-deps    check for clang with a working -fsanitize=fuzzer and,
#                     as root, install it with apt-get
#   FUZZ_TARGETS="state patch" limits the run to some targets.
#
# clang builds its own copy of store/*.c and model/*.c with
# -fsanitize=fuzzer-no-link,address,undefined under build/fuzz/obj/: the gcc
# objects of build/ are never reused.  A crash, a leak, a sanitizer report,
# an input running past FUZZ_TIMEOUT seconds or a failed oracle fails the
# run; the reproducer is kept under build/fuzz/artifacts/NAME/.  How to
# reproduce one is in tests/fuzz/README.

FUZZ_CC       ?= clang
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_TIME     ?= 600
FUZZ_TIMEOUT  ?= 25
FUZZ_RSS_MB   ?= 2048
FUZZ_FLAGS    ?=

FUZZ_ALL      := state escape patch blob import_json import_binary
FUZZ_TARGETS  ?= $(FUZZ_ALL)

FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_PKG_CFLAGS = $(filter-out -D_XOPEN_SOURCE% -D_DEFAULT_SOURCE,$(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) 2>/dev/null))
# The library keeps gcc's warnings but not -Werror: a warning only clang
# gives must not stop fuzzing code that the gcc build accepts.
FUZZ_LIB_CFLAGS = $(CSTD) -O1 -g $(filter-out -Werror,$(WARN)) -Istore -Imodel $(FUZZ_PKG_CFLAGS) \
                  -fsanitize=fuzzer-no-link $(FUZZ_SAN)
# The targets themselves are not instrumented for coverage: their oracles
# (a UTF-8 decoder, a reference inflate) would double the comparison
# tracing and steer the fuzzer towards the test code instead of the library.
FUZZ_TGT_CFLAGS = $(CSTD) -O1 -g $(WARN) -Istore -Imodel $(FUZZ_PKG_CFLAGS) $(FUZZ_SAN)
FUZZ_LDFLAGS  = -fsanitize=fuzzer $(FUZZ_SAN)

FUZZ_LIB_OBJ  := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRC))
FUZZ_TGT_OBJ  := $(patsubst %,$(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o,$(FUZZ_ALL))
FUZZ_STAMP    := $(FUZZ_DIR)/toolchain.ok

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-seed fuzz-deps

# ---- toolchain ---------------------------------------------------------------

# A tiny fuzz target linked with -fsanitize=fuzzer proves clang and its
# libFuzzer runtime (libclang-rt-N-dev on Debian) are there.  As root the
# missing packages are installed; otherwise the command is printed.
FUZZ_PROBE = { d=$$(mktemp -d) && \
	printf '%s\n' '\#include <stddef.h>' '\#include <stdint.h>' \
	  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	  > $$d/probe.c && \
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $$d/probe.c -o $$d/probe >/dev/null 2>&1 && \
	$$d/probe -runs=1 >/dev/null 2>&1; r=$$?; rm -rf $$d; [ $$r = 0 ]; }

fuzz-deps: $(FUZZ_STAMP)

$(FUZZ_STAMP):
	@mkdir -p $(dir $@)
	@if ! $(FUZZ_PROBE); then \
		if command -v $(FUZZ_CC) >/dev/null 2>&1; then \
			major=$$($(FUZZ_CC) -dumpversion 2>/dev/null | cut -d. -f1); \
			pkgs="libclang-rt-$${major:-14}-dev"; \
		else pkgs="clang libclang-rt-14-dev"; fi; \
		echo "fuzz-deps: $(FUZZ_CC) cannot build a libFuzzer target (missing: $$pkgs)"; \
		if [ "$$(id -u)" = 0 ]; then \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang && \
			  major=$$($(FUZZ_CC) -dumpversion | cut -d. -f1) && \
			  { $(FUZZ_PROBE) || DEBIAN_FRONTEND=noninteractive \
			      apt-get install -y -qq libclang-rt-$$major-dev; }; } \
				|| { echo "fuzz-deps: apt-get failed" >&2; exit 1; }; \
			$(FUZZ_PROBE) || { echo "fuzz-deps: still no working -fsanitize=fuzzer" >&2; exit 1; }; \
		else \
			echo "fuzz-deps: run as root:  apt-get install -y $$pkgs" >&2; exit 1; \
		fi; \
	fi
	@$(FUZZ_CC) --version | head -n 1 > $@

# ---- build -------------------------------------------------------------------

# Objects depend on this file too: a change of flags rebuilds them.
$(FUZZ_DIR)/obj/%.o: %.c tests/fuzz/fuzz.mk | $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/tests/fuzz/%.o: tests/fuzz/%.c tests/fuzz/fuzz.mk | $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_TGT_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/libsnapscope.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libsnapscope.a
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(LIB_LIBS)

# Kept between runs (make would delete them as intermediate files).
.SECONDARY: $(FUZZ_TGT_OBJ)
-include $(patsubst %.o,%.d,$(FUZZ_LIB_OBJ) $(FUZZ_TGT_OBJ))

fuzz-build: $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))

# ---- corpora -----------------------------------------------------------------

# Seeds come from the project's own data and from the gcc-built program
# (demo states, exports); they are added to build/fuzz/corpus/NAME under
# their content's hash, so re-seeding never duplicates and never drops what
# fuzzing found.
fuzz-seed: $(BUILD)/snapscope
	@SNAPSCOPE_BIN=$(CURDIR)/$(BUILD)/snapscope tests/fuzz/seed.sh $(FUZZ_DIR)/corpus

# ---- runs --------------------------------------------------------------------

# $(1): extra libFuzzer options; $(2): what the run is called.  Each target
# runs in turn; a failing one does not stop the others, the whole run fails
# at the end with the reproducers listed.
define fuzz_run
	@mkdir -p $(FUZZ_DIR)/artifacts $(FUZZ_DIR)/logs
	@failed=""; \
	for t in $(FUZZ_TARGETS); do \
		corpus=$(FUZZ_DIR)/corpus/$$t; art=$(FUZZ_DIR)/artifacts/$$t; \
		log=$(FUZZ_DIR)/logs/$$t.log; mkdir -p $$corpus $$art; : > $$log.start; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		echo "== fuzz_$$t ($(2))"; \
		if ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		   UBSAN_OPTIONS=$${UBSAN_OPTIONS:-print_stacktrace=1} \
		   ./$(FUZZ_DIR)/fuzz_$$t $(1) -rss_limit_mb=$(FUZZ_RSS_MB) -timeout=$(FUZZ_TIMEOUT) \
			-artifact_prefix=$$art/ -print_final_stats=1 $$dict $(FUZZ_FLAGS) $$corpus \
			> $$log 2>&1; then \
			grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)' $$log \
				| tr '\n' ' '; echo; \
		else \
			tail -n 60 $$log; failed="$$failed $$t"; \
			echo "fuzz_$$t FAILED; log: $$log; reproducer(s):"; \
			find $$art -type f -newer $$log.start | sed 's|^|  |'; \
			echo "  replay: ./$(FUZZ_DIR)/fuzz_$$t $$art/FILE"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed" >&2; exit 1; fi; \
	echo "fuzz: $(2): no failure in $(FUZZ_TARGETS)"
endef

fuzz: fuzz-build fuzz-seed
	$(call fuzz_run,-max_total_time=$(FUZZ_TIME),$(FUZZ_TIME) s each)

# FUZZ_TIME=N on the command line still wins over the 15 s here.
fuzz-smoke: FUZZ_TIME = 15
fuzz-smoke: fuzz-build fuzz-seed
	$(call fuzz_run,-runs=0,corpus replay)
	$(call fuzz_run,-max_total_time=$(FUZZ_TIME),$(FUZZ_TIME) s each)
