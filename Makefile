# cointrain — build, test, install.  See README.
VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/cointrain

# B is the build directory: `make B=build/asan SAN=1` is the sanitizer build.
B       ?= build
PROVEFLAGS ?= -j2
CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?= -Werror
SANOPTS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS = $(if $(SAN),$(SANOPTS))
# gcc links UBSan's runtime from libubsan.so, whose 6 MB of zeroed globals
# LeakSanitizer reads through at every exit, page by page: cache-get
# --version took 64 ms a run instead of 42 on this 2-core box, paid by
# every program a test runs (ASan pass 356 -> 331 s).  Linked statically, only the
# parts in use come along; UBSan reports exactly as before.  gcc only
# (clang has no such option): the clang pass sets it empty.
SANLDOPTS ?= -static-libubsan
XCFLAGS  = -std=c11 -Wall -Wextra $(WERROR) -MMD -MP $(SANFLAGS)
# -iquote, not -I: lib/features.h must not shadow glibc's <features.h>.
XCPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote lib \
	-DCT_VERSION='"$(VERSION)"' -DCT_DATADIR='"$(DATADIR)"'
# --as-needed: a tool records only the libraries it uses, so cache-get does
# not pay for loading libxgboost at start-up.
XLDFLAGS = -Wl,--as-needed $(SANFLAGS) $(if $(SAN),$(SANLDOPTS))
PKGS     = jansson libarchive libcurl libcrypto
LDLIBS   = -lxgboost -lcsv $(shell pkg-config --libs $(PKGS)) -lm

TOOLS   = $(patsubst tools/%.c,%,$(wildcard tools/*.c))
SCRIPTS = $(patsubst tools/%.sh,%,$(wildcard tools/*.sh))
LIBOBJ  = $(patsubst lib/%.c,$(B)/lib/%.o,$(wildcard lib/*.c))
UNITS   = $(patsubst test/unit/%.c,$(B)/test/%,$(wildcard test/unit/*.c))
# Fuzz drivers: test/fuzz/fuzz_NAME.c (LLVMFuzzerTestOneInput), seeds in
# test/fuzz/NAME/.  make check replays every seed through a plain main();
# make fuzz runs each driver under libFuzzer for FUZZ_SECONDS.
FUZZERS = $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c))
REPLAYS = $(addprefix $(B)/fuzz/replay_,$(FUZZERS))
FUZZ_SECONDS ?= 600
# Drivers that write files (restore) run 50 times faster on a tmpfs.
FUZZ_TMPDIR ?= $(if $(wildcard /dev/shm),/dev/shm,/tmp)
BINS    = $(addprefix $(B)/bin/,$(TOOLS) $(SCRIPTS))

all: $(BINS)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(XCPPFLAGS) $(CPPFLAGS) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(XCPPFLAGS) $(CPPFLAGS) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/test/%.o: test/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(XCPPFLAGS) $(CPPFLAGS) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libcointrain.a: $(LIBOBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(B)/bin/%: $(B)/tools/%.o $(B)/libcointrain.a
	@mkdir -p $(@D)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcointrain.a $(LDLIBS)

$(B)/bin/%: tools/%.sh
	@mkdir -p $(@D)
	sed 's|@DATADIR@|$(DATADIR)|g; s|@VERSION@|$(VERSION)|g' $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

$(B)/test/%: $(B)/test/%.o $(B)/libcointrain.a
	$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcointrain.a -lcmocka $(LDLIBS)

$(B)/fuzz/%.o: test/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(XCPPFLAGS) $(CPPFLAGS) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/fuzz/replay_%: $(B)/fuzz/fuzz_%.o $(B)/fuzz/replay.o $(B)/libcointrain.a
	$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $< $(B)/fuzz/replay.o $(B)/libcointrain.a $(LDLIBS)

deps:
	@scripts/install-deps

# The programs' tests run against the build tree: CT_BIN for the binaries,
# CT_SHARE for share/.  Unit tests speak TAP through cmocka.
# TEST_FILES: the shell tests to run (every one by default); the unit
# tests always run.  `make test` is one build's tests (B=build/asan SAN=1:
# the sanitizer build's).
ALL_T  = $(wildcard test/*.t)
# ASan keeps freed memory from reuse to catch a use after free: 64 MB of
# it, not the default 256 MB, which every search and training filled
# with pages touched afresh (test/80 under ASan: 119 -> 100 s).  No
# effect without ASan.
ASANOPTS ?= quarantine_size_mb=64
TESTENV = CT_SHARE=$(abspath share) CT_TOP=$(CURDIR) LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp \
	ASAN_OPTIONS=$(ASANOPTS) CMOCKA_MESSAGE_OUTPUT=TAP
TEST_FILES ?= $(ALL_T)
# CT_SANITIZER: a sanitizer build's tests measure a rate (false alarms
# on random walks) over 2 replicates, not 10 or 20 (test/lib.sh,
# replicates); FULL=1 runs them all.
CT_SANITIZER = $(if $(filter 1,$(FULL)),,$(if $(SAN),1))
test: testbin
	CT_BIN=$(abspath $(B)/bin) CT_UNITS=$(abspath $(B)/test) CT_FUZZ=$(abspath $(B)/fuzz) \
	CT_SANITIZER=$(CT_SANITIZER) $(TESTENV) prove --exec '' $(PROVEFLAGS) $(TEST_FILES) $(UNITS)

# What a build's tests need, and $(B)/t/NAME.t for each test/NAME.t: the
# test run against this build (it sets CT_BIN, CT_UNITS, CT_FUZZ and
# CT_SANITIZER), so one prove can run the tests of three builds side by
# side.  Written at every make, as FULL may differ.
WRAPS = $(patsubst test/%.t,$(B)/t/%.t,$(ALL_T))
testbin: all $(UNITS) $(REPLAYS) $(WRAPS)
$(B)/t/%.t: test/%.t FORCE
	@mkdir -p $(@D)
	@printf '#!/bin/sh\n# test/%s against the build in %s\nexport CT_BIN=%s/bin CT_UNITS=%s/test CT_FUZZ=%s/fuzz CT_SANITIZER=%s\nexec %s "$$@"\n' \
		'$*.t' '$(B)' '$(abspath $(B))' '$(abspath $(B))' '$(abspath $(B))' '$(CT_SANITIZER)' '$(abspath $<)' >$@.tmp
	@chmod +x $@.tmp && mv $@.tmp $@
FORCE:

# Three builds: plain; gcc's ASan+UBSan; clang's UBSan, which also checks
# float-to-integer casts (gcc's does not).  Every test runs against the
# plain build.  The engine's tests (run-batch's rounds, locks, kills,
# config and Slurm engine, driving fake trainers: shell, and the C
# programs every other test runs too) are left out of the sanitizer
# builds; clang's also leaves out the batch's plumbing (ledger, backup,
# notify, cron, a batch end to end, install, drift in a batch, the
# browser, the walkthrough), whose arithmetic on floats the other tests
# make, and train-coin's kill -9 trials (test/20-train-resume: processes
# killed and resumed, the same training test/20-train-coin runs in it).
# FULL=1: every test against every build (about 25 minutes on a 2-core
# box, against 13).
ENGINE_T = $(addprefix test/,53-run-batch.t 54-run-batch-kill.t 58-run-batch-config.t \
	62-run-batch-order.t 70-slurm.t 71-cluster-home.t 72-slurm-recovery.t)
PLUMB_T  = $(addprefix test/,50-ledger.t 52-model-backup.t 55-notify.t 56-cron.t 57-batch-e2e.t \
	59-install.t 61-run-batch-drift.t 64-dashboard-browser.t 66-walkthrough.t)
ASAN_T   = $(if $(filter 1,$(FULL)),$(ALL_T),$(filter-out $(ENGINE_T),$(ALL_T)))
CLANG_T  = $(if $(filter 1,$(FULL)),$(ALL_T),$(filter-out $(ENGINE_T) $(PLUMB_T) test/20-train-resume.t,$(ALL_T)))
CLANGSAN = -fsanitize=undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
# The three builds' tests run in one prove -j2, not one after another:
# the Slurm tests wait on the cluster for half their time, and each
# build's last long test ran alone while the other core idled (170 s of
# a 900 s check).  prove starts them in this order: the longest first (as
# timed on a 2-core box), so no long one starts last; the rest after.
CHECK_SLOW = build/asan/t/80-tune-coin.t build/t/53-run-batch.t build/t/72-slurm-recovery.t \
	build/t/70-slurm.t build/t/80-tune-coin.t build/asan/t/60-check-drift.t \
	build/asan/t/20-train-coin.t build/clang/t/80-tune-coin.t build/asan/t/30-cache.t \
	build/t/54-run-batch-kill.t build/t/62-run-batch-order.t build/asan/t/12-fetch-rest.t \
	build/t/58-run-batch-config.t build/t/60-check-drift.t build/clang/t/20-train-coin.t
CHECK_T = $(patsubst test/%,build/t/%,$(ALL_T)) $(patsubst test/%,build/asan/t/%,$(ASAN_T)) \
	$(patsubst test/%,build/clang/t/%,$(CLANG_T))
CHECK_FILES = $(filter $(CHECK_T),$(CHECK_SLOW)) $(filter-out $(CHECK_SLOW),$(CHECK_T)) \
	$(foreach b,build build/asan build/clang,$(patsubst test/unit/%.c,$b/test/%,$(wildcard test/unit/*.c)))
# Each build is made on every core (JOBS) before the tests start.  The
# tests then run one more at a time than there are cores: a fifth of a
# -j2 check's time one core idled while tests waited (the Slurm cluster,
# a run's lock, a minute's turn); -j3 on 2 cores took 47 s less.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CHECKFLAGS ?= -j$(shell echo $$(($(JOBS) + 1)))
check: deps
	$(MAKE) -j$(JOBS) testbin
	$(MAKE) -j$(JOBS) B=build/asan SAN=1 CFLAGS='-O1 -g' testbin
	$(MAKE) -j$(JOBS) B=build/clang CC=clang SAN=1 SANOPTS='$(CLANGSAN)' SANLDOPTS= CFLAGS='-O1 -g' testbin
	$(TESTENV) prove --exec '' $(CHECKFLAGS) $(CHECK_FILES)

# libFuzzer (clang) with ASan+UBSan: each driver for FUZZ_SECONDS, from its
# seeds; new inputs go to build/fuzz-run/corpus/NAME, crashes to
# build/fuzz-run/crash-NAME-*.
FUZZB = build/fuzz-run
FUZZSAN = -fsanitize=fuzzer-no-link,address,undefined,float-cast-overflow -fno-sanitize-recover=all
fuzz: deps
	$(MAKE) B=$(FUZZB) CC=clang SAN=1 SANOPTS='$(FUZZSAN)' CFLAGS='-O1 -g' $(FUZZB)/libcointrain.a \
		$(patsubst %,$(FUZZB)/fuzz/fuzz_%.o,$(FUZZERS))
	@rm -f $(FUZZB)/crash-* $(FUZZB)/leak-* $(FUZZB)/timeout-* $(FUZZB)/oom-*
	@set -e; for f in $(FUZZERS); do \
		clang -fsanitize=fuzzer,address,undefined -o $(FUZZB)/fuzz-$$f $(FUZZB)/fuzz/fuzz_$$f.o \
			$(FUZZB)/libcointrain.a $(LDLIBS); \
		mkdir -p $(FUZZB)/corpus/$$f; \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		TMPDIR=$(FUZZ_TMPDIR) $(FUZZB)/fuzz-$$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -close_fd_mask=3 \
			-artifact_prefix=$(FUZZB)/crash-$$f- -print_final_stats=1 \
			$(FUZZB)/corpus/$$f test/fuzz/$$f 2>&1 | tail -n 12; \
	done; \
	found=$$(find $(FUZZB) -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \)); \
	if [ -n "$$found" ]; then echo "$$found"; \
		echo "fuzz: findings above (replay: build/fuzz/replay_NAME FILE)"; exit 1; fi

demo: deps all
	CT_BIN=$(abspath $(B)/bin) CT_SHARE=$(abspath share) scripts/demo

bench:
	@scripts/install-deps --bench
	$(MAKE) all
	CT_BIN=$(abspath $(B)/bin) CT_SHARE=$(abspath share) bench/run

# Paths are quoted (a PREFIX may hold a space) and modes explicit, whatever
# the installer's umask.  share/ and cron/ go through scripts/install-share,
# which keeps the configuration files an operator edited (FILE.new beside).
MANS = $(wildcard man/*.[1578])
install: all
	install -d -m 755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man5" \
		"$(DESTDIR)$(MANDIR)/man7" "$(DESTDIR)$(MANDIR)/man8"
	install -m 755 $(BINS) "$(DESTDIR)$(BINDIR)"
	for f in $(MANS); do install -m 644 "$$f" "$(DESTDIR)$(MANDIR)/man$${f##*.}"; done
	scripts/install-share install "$(DESTDIR)$(DATADIR)"

# What install put there; share/ keeps the edited configuration files and
# any file install did not write, and says so; a crontab block that still
# runs the programs removed is warned about, not edited.
uninstall:
	@case "$(DATADIR)" in */cointrain) ;; *) echo "uninstall: DATADIR=$(DATADIR) is not a cointrain directory" >&2; exit 1 ;; esac
	for f in $(notdir $(BINS)); do rm -f "$(DESTDIR)$(BINDIR)/$$f"; done
	for f in $(notdir $(MANS)); do rm -f "$(DESTDIR)$(MANDIR)/man$${f##*.}/$$f"; done
	scripts/install-share uninstall "$(DESTDIR)$(DATADIR)" "$(DESTDIR)$(BINDIR)"

clean:
	rm -rf build

.PHONY: all deps test testbin check FORCE fuzz demo bench install uninstall clean
.SECONDARY:
-include $(wildcard $(B)/*/*.d)
