# otter — the user-facing verbs. The build itself is Meson + Ninja.
#
#   make run      the notebook tour on a local node, then its live dashboard (otter tour --serve)
#   make test     every test, C tests under ASan + UBSan; ends with "N passed, M failed,
#                 K skipped" (docs/testing.md) and fails if anything failed
#   make bench    otter beside BEAM, results in bench/results/latest.json
#   make fuzz     libFuzzer on the term decoder and the distribution parsers (FUZZ_SECONDS=60 each)
#   make install  the library, headers, pkg-config file and the otter program

BUILD       ?= build
TEST_BUILD  ?= build-test
FUZZ_BUILD  ?= build-fuzz
PREFIX      ?= /usr/local
FUZZ_SECONDS ?= 60

.PHONY: all deps run test bench fuzz install clean

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja: meson.build meson_options.txt
	meson setup --reconfigure $(BUILD) -Dbuildtype=release -Dprefix=$(PREFIX) >/dev/null || \
	  meson setup $(BUILD) -Dbuildtype=release -Dprefix=$(PREFIX)

$(TEST_BUILD)/build.ninja: meson.build meson_options.txt
	meson setup --reconfigure $(TEST_BUILD) -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
	  -Dc_args=-fno-sanitize-recover=all -Dwerror=true >/dev/null || \
	meson setup $(TEST_BUILD) -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
	  -Dc_args=-fno-sanitize-recover=all -Dwerror=true

run: all
	$(BUILD)/otter tour --serve

test: deps $(TEST_BUILD)/build.ninja
	@rm -rf $(TEST_BUILD)/tests/tap $(TEST_BUILD)/meson-logs/testlog.json && mkdir -p $(TEST_BUILD)/tests/tap
	@ninja -C $(TEST_BUILD)
	@meson test -C $(TEST_BUILD) --print-errorlogs --num-processes 2 >$(TEST_BUILD)/meson-test.out 2>&1; \
	  tail -n 25 $(TEST_BUILD)/meson-test.out
	@scripts/test-summary.py --meson-log $(TEST_BUILD)/meson-logs/testlog.json $(TEST_BUILD)/tests/tap \
	  >$(TEST_BUILD)/test-summary.txt; rc=$$?; cat $(TEST_BUILD)/test-summary.txt; exit $$rc

bench: all
	scripts/bench.py --build $(BUILD)

$(FUZZ_BUILD)/build.ninja: meson.build meson_options.txt
	CC=clang meson setup $(FUZZ_BUILD) -Dbuildtype=debugoptimized -Dfuzz=true -Dtests=false \
	  -Db_sanitize=address,undefined -Db_lundef=false

fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	mkdir -p $(FUZZ_BUILD)/corpus && cp tests/fuzz/corpus/* $(FUZZ_BUILD)/corpus/
	$(FUZZ_BUILD)/tests/fuzz/fuzz_decode -max_total_time=$(FUZZ_SECONDS) $(FUZZ_BUILD)/corpus
	mkdir -p $(FUZZ_BUILD)/corpus_dist && cp tests/fuzz/corpus_dist/* $(FUZZ_BUILD)/corpus_dist/
	$(FUZZ_BUILD)/tests/fuzz/fuzz_dist -max_total_time=$(FUZZ_SECONDS) $(FUZZ_BUILD)/corpus_dist

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
