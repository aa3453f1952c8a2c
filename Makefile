# otzone: passive OT network sensor.  See README.md.
#
#   make                 build ./otzone (into build/)
#   make sample          install missing packages, build, analyse the sample
#   make check           install missing packages, build, run every test
#   make SAN=address,undefined check   the same with sanitizers (build-san/)
#   make fuzz FUZZ_SECONDS=N           libFuzzer on every target (clang)
#   make bench           benchmarks (figures, not tests)
#   make install PREFIX=/usr/local DESTDIR=
#   make deps            install the Debian packages otzone needs (root)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system

CC ?= cc
SAN ?=
FUZZ_SECONDS ?= 10
FUZZ_CC ?= clang

BUILD := build$(if $(SAN),-san)
WARN = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Werror
OPT ?= -O2 -g
CFLAGS ?=
EXTRA_CFLAGS ?=
CFLAGS += -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) -MMD -MP \
	$(EXTRA_CFLAGS)
ifneq ($(SAN),)
CFLAGS += -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SAN)
else
CFLAGS += -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
LDFLAGS += -pie -Wl,-z,relro,-z,now
endif
# Dissectors read hostile bytes: they also build with -Wconversion.
DIS_CFLAGS = -Wconversion -Wsign-conversion

PKGS = libpcap libndpi libevent sqlite3 yaml-0.1 libpq libgcrypt
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
LIBS = $(PKG_LIBS) -lm -lpthread

# Debian packages: to build and run, and for tests and tools.
DEB_BUILD = build-essential pkg-config libpcap-dev libndpi-dev libevent-dev \
	libsqlite3-dev check libyaml-dev ieee-data libpq-dev libgcrypt20-dev
DEB_TEST = tshark tcpreplay graphviz clang libclang-rt-14-dev python3 \
	iproute2 valgrind libndpi-bin sqlite3 chromium time util-linux \
	e2fsprogs postgresql groff-base rsyslog python3-jsonschema openssl

DIS_SRC := $(wildcard dissectors/*.c)
STORE_SRC := $(wildcard store/*.c)
SENSOR_SRC := $(filter-out sensor/main.c,$(wildcard sensor/*.c))
DIS_OBJ := $(DIS_SRC:%.c=$(BUILD)/%.o)
STORE_OBJ := $(STORE_SRC:%.c=$(BUILD)/%.o)
SENSOR_OBJ := $(SENSOR_SRC:%.c=$(BUILD)/%.o)

# Unit tests named after a dissector link libdissect.a alone, so that a
# forbidden dependency fails to link.
DIS_NAMES := $(basename $(notdir $(DIS_SRC))) cursor
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_DIS := $(filter $(addprefix $(BUILD)/tests/test_,$(DIS_NAMES)),$(UNIT_BIN))
UNIT_ALL := $(filter-out $(UNIT_DIS),$(UNIT_BIN))
TOOLS_SRC := $(wildcard tests/bench/*.c)
TOOLS_BIN := $(TOOLS_SRC:tests/bench/%.c=$(BUILD)/tools/%)
FUZZ_SRC := $(filter-out tests/fuzz/fuzz_common.c,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(basename $(notdir $(FUZZ_SRC)))

.PHONY: all deps sample check check-unit check-golden check-shared \
	check-scripts \
	check-deps check-long fuzz fuzz-smoke bench install clean \
	golden-update tools

all: otzone

otzone: $(BUILD)/otzone
	ln -sf $(BUILD)/otzone otzone

$(BUILD)/libdissect.a: $(DIS_OBJ)
	$(AR) rcs $@ $^
$(BUILD)/libstore.a: $(STORE_OBJ)
	$(AR) rcs $@ $^
$(BUILD)/libsensor.a: $(SENSOR_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/otzone: $(BUILD)/sensor/main.o $(BUILD)/libsensor.a \
		$(BUILD)/libstore.a $(BUILD)/libdissect.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/dissectors/%.o: dissectors/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DIS_CFLAGS) -c -o $@ $<
$(BUILD)/store/%.o: store/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<
$(BUILD)/sensor/%.o: sensor/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(UNIT_DIS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o \
		$(BUILD)/tests/unit/rec_sink.o $(BUILD)/libdissect.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)
$(UNIT_ALL): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o \
		$(BUILD)/tests/unit/rec_sink.o $(BUILD)/libsensor.a \
		$(BUILD)/libstore.a $(BUILD)/libdissect.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

# Fuzz targets built with GCC and a replay main(), run over the seeds.
$(BUILD)/fuzz-replay/%: $(BUILD)/tests/fuzz/%.o \
		$(BUILD)/tests/fuzz/fuzz_common.o \
		$(BUILD)/tests/fuzz/replay_main.o $(BUILD)/libsensor.a \
		$(BUILD)/libstore.a $(BUILD)/libdissect.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# libFuzzer binaries: make BUILD=build-fuzz CC=clang SAN=address,undefined
# EXTRA_CFLAGS=-fsanitize=fuzzer-no-link build-fuzz/fuzz/fuzz_X
$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/fuzz_common.o \
		$(BUILD)/libsensor.a $(BUILD)/libstore.a $(BUILD)/libdissect.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

$(BUILD)/tools/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LDFLAGS) $(LIBS)

tools: $(TOOLS_BIN)

# --- dependencies --------------------------------------------------------
deps:
	@sh tests/deps.sh $(DEB_BUILD) -- $(DEB_TEST)

# --- the README's two commands -------------------------------------------
sample: deps
	@$(MAKE) --no-print-directory all
	@rm -f sample.db
	./otzone --db sample.db read pcaps/sample-plant.pcap
	./otzone --db sample.db assets
	./otzone --db sample.db flows
	./otzone --db sample.db zones

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-deps check-unit fuzz-smoke \
		check-golden check-scripts check-shared

check-unit: $(UNIT_BIN) $(BUILD)/otzone
	@sh tests/run-unit.sh $(UNIT_BIN)

check-golden: $(BUILD)/otzone
	@sh tests/golden/run.sh $(BUILD)/otzone

# Long tests (valgrind over every capture, ...): tests/<area>/check-long.sh.
check-long: deps
	@$(MAKE) --no-print-directory all
	@pass=0; fail=0; for s in tests/*/check-long.sh; do [ -f "$$s" ] || \
	  continue; if sh "$$s" "$(CURDIR)/$(BUILD)/otzone"; then \
	  pass=$$((pass + 1)); else echo "check-long: $$s FAILED"; \
	  fail=$$((fail + 1)); fi; done; \
	echo "check-long: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# Every tests/<area>/check.sh, given the binary (zones, policy, ...).
check-scripts: $(BUILD)/otzone
	@sh tests/run-scripts.sh $(BUILD)/otzone

check-shared: $(BUILD)/otzone
	@sh tests/shared/run.sh $(BUILD)/otzone

golden-update: $(BUILD)/otzone
	@sh tests/golden/run.sh $(BUILD)/otzone --update

# No dissector may include capture, database, event or nDPI headers, nor
# reach into sensor/ or store/; store/ may not use pcap, libevent, nDPI
# or libpq (PostgreSQL is sensor/central.c's).
check-deps:
	@bad=$$(grep -nE '#include *[<"](pcap|sqlite3|event2|ndpi|yaml)|#include *"\.\./(sensor|store)/' dissectors/*.[ch]; \
	  grep -nE '#include *[<"](pcap|event2|ndpi|libpq)' store/*.[ch]); \
	if [ -n "$$bad" ]; then echo "check-deps: forbidden include:"; \
	  echo "$$bad"; exit 1; fi; echo "check-deps: module boundaries ok"

# libFuzzer (clang) when present; always the GCC replay over the seeds.
fuzz-smoke: $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay/%)
	@sh tests/fuzz/run.sh smoke $(BUILD) $(FUZZ_NAMES)

fuzz:
	@sh tests/fuzz/run.sh long build-fuzz $(FUZZ_NAMES) -- $(FUZZ_SECONDS)

bench: all tools
	@sh tests/bench/run.sh $(BUILD)

# --- install ----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/otzone \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/otzone $(DESTDIR)$(BINDIR)/otzone
	install -m 0644 sensor/otzone.1 $(DESTDIR)$(MANDIR)/man1/otzone.1
	for f in etc/*; do [ -f "$$f" ] && install -m 0644 "$$f" \
		$(DESTDIR)$(SYSCONFDIR)/otzone/; done; true
	for f in systemd/*.service; do [ -f "$$f" ] && install -m 0644 \
		"$$f" $(DESTDIR)$(UNITDIR)/; done; true

clean:
	rm -rf build build-san build-fuzz otzone sample.db

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
