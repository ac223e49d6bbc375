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
XCFLAGS  = -std=c11 -Wall -Wextra $(WERROR) -MMD -MP $(SANFLAGS)
# -iquote, not -I: lib/features.h must not shadow glibc's <features.h>.
XCPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote lib \
	-DCT_VERSION='"$(VERSION)"' -DCT_DATADIR='"$(DATADIR)"'
# --as-needed: a tool records only the libraries it uses, so cache-get does
# not pay for loading libxgboost at start-up.
XLDFLAGS = -Wl,--as-needed $(SANFLAGS)
PKGS     = jansson libarchive libcurl libcrypto
LDLIBS   = -lxgboost -lcsv $(shell pkg-config --libs $(PKGS)) -lm

TOOLS   = $(patsubst tools/%.c,%,$(wildcard tools/*.c))
SCRIPTS = $(patsubst tools/%.sh,%,$(wildcard tools/*.sh))
LIBOBJ  = $(patsubst lib/%.c,$(B)/lib/%.o,$(wildcard lib/*.c))
UNITS   = $(patsubst test/unit/%.c,$(B)/test/%,$(wildcard test/unit/*.c))
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

deps:
	@scripts/install-deps

# The programs' tests run against the build tree: CT_BIN for the binaries,
# CT_SHARE for share/.  Unit tests speak TAP through cmocka.
test: all $(UNITS)
	CT_BIN=$(abspath $(B)/bin) CT_SHARE=$(abspath share) CT_UNITS=$(abspath $(B)/test) \
	CT_TOP=$(CURDIR) LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp \
	CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(PROVEFLAGS) $(wildcard test/*.t) $(UNITS)

check: deps
	$(MAKE) test
	$(MAKE) B=build/asan SAN=1 CFLAGS='-O1 -g' test

demo: deps all
	CT_BIN=$(abspath $(B)/bin) CT_SHARE=$(abspath share) scripts/demo

bench: deps all
	CT_BIN=$(abspath $(B)/bin) CT_SHARE=$(abspath share) bench/run

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	cp $(BINS) $(DESTDIR)$(BINDIR)/
	for f in man/*.[157]; do s=$${f##*.}; cp $$f $(DESTDIR)$(MANDIR)/man$$s/; done
	cp -R share/. $(DESTDIR)$(DATADIR)/
	mkdir -p $(DESTDIR)$(DATADIR)/cron
	cp cron/install cron/cointrain.crontab $(DESTDIR)$(DATADIR)/cron/

clean:
	rm -rf build

.PHONY: all deps test check demo bench install clean
.SECONDARY:
-include $(wildcard $(B)/*/*.d)
