# tests/bench/bench.mk - `make bench` and `make bench-quick`: snapscope
# against git scraping on generated and real state histories (issue 3).
# Included at the end of the Makefile, so it reuses its flags and library.
#
#   make bench         full: 10 KB x 500, 1 MB x 500, 20 MB x BENCH_BIG_STEPS (20),
#                      and 200 versions of each real history in ../shared/data
#                      when present (about 20 minutes on 2 cores)
#   make bench-quick   small sizes, a couple of minutes: keeps the harness alive
#
# Results: stdout and build/bench/results.md.

BENCH_DIR  := $(BUILD)/bench
BENCH_HDRS := model/snapscope.h model/ss_diff.h store/ss_types.h store/ss_status.h

.PHONY: bench bench-quick

$(BENCH_DIR)/gen: tests/bench/gen.c $(BENCH_HDRS) $(BUILD)/libsnapscope.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libsnapscope.a $(LIB_LIBS) -lm

$(BENCH_DIR)/bench: tests/bench/bench.c $(BENCH_HDRS) $(BUILD)/libsnapscope.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libsnapscope.a $(LIB_LIBS) -lm

bench: all $(BENCH_DIR)/gen $(BENCH_DIR)/bench
	tests/bench/run.sh full

bench-quick: all $(BENCH_DIR)/gen $(BENCH_DIR)/bench
	tests/bench/run.sh quick
