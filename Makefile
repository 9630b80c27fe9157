# psock: build, test, demo, install.  `make help` lists the targets.

LUA        ?= lua5.4
LUA_INC    ?= $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
CC         ?= cc
PREFIX     ?= /usr/local
DESTDIR    ?=
LUA_LIBDIR  = $(PREFIX)/lib/lua/5.4
LUA_SHAREDIR = $(PREFIX)/share/lua/5.4

WARN    = -std=c99 -pedantic -Wall -Wextra -Wshadow -Wundef -Wwrite-strings \
          -Wmissing-prototypes -Wstrict-prototypes -Wold-style-definition \
          -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden $(LUA_INC) $(EXTRA_CFLAGS)
# A Lua C module takes the Lua API from the interpreter that loads it:
# never link liblua.
LDFLAGS_SO = -shared
LIBS = -lm

SRCS = $(wildcard csrc/*.c)
HDRS = $(wildcard csrc/*.h)
BUILD ?= build
OBJS = $(SRCS:csrc/%.c=$(BUILD)/obj/%.o)

# Packages the specs need: the interpreter, headers, busted, and real peers.
TEST_PACKAGES = lua5.4 liblua5.4-dev lua-busted lua-check python3 netcat-openbsd socat curl strace valgrind
DEMO_PACKAGES = lua5.4 liblua5.4-dev

ENV = LUA_CPATH="$(BUILD)/?.so;;" LUA_PATH="lua/?.lua;lua/?/init.lua;;"
# busted run by lua5.4 itself (what `busted --lua=lua5.4` does, minus a re-exec)
BUSTED = $(LUA) /usr/bin/busted -o spec/support/summary.lua

# POLLER=poll builds the poller on poll(2) instead of epoll.
ifeq ($(POLLER),poll)
EXTRA_CFLAGS += -DPSOCK_POLLER_POLL
endif

.PHONY: bench deps-bench deps-lint rock deps-rock all poll test demo repl env install uninstall clean asan valgrind lint deps-test deps-demo help

all: $(BUILD)/psock.so

$(BUILD)/obj/%.o: csrc/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/psock.so: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_SO) -o $@ $(OBJS) $(LIBS)

deps-test:
	@sh tools/need-packages.sh $(TEST_PACKAGES)

deps-demo:
	@sh tools/need-packages.sh $(DEMO_PACKAGES)

deps-lint:
	@sh tools/need-packages.sh lua-check

test: deps-test
	@$(MAKE) --no-print-directory all poll
	@sh tools/run-specs.sh $(BUSTED_ARGS)

# The same module with the poller's poll(2) backend, for the specs.
poll:
	@$(MAKE) --no-print-directory BUILD=build/poll EXTRA_CFLAGS=-DPSOCK_POLLER_POLL all

demo: deps-demo
	@$(MAKE) --no-print-directory all
	@$(ENV) sh examples/demo.sh

repl: all
	@$(ENV) $(LUA) -i -e 'psock = require "psock"; print(psock._VERSION .. " loaded as psock")'

env:
	@echo 'export LUA_CPATH="$(CURDIR)/$(BUILD)/?.so;;"'
	@echo 'export LUA_PATH="$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;"'

install: all
	install -d $(DESTDIR)$(LUA_LIBDIR)
	install -m 755 $(BUILD)/psock.so $(DESTDIR)$(LUA_LIBDIR)/psock.so
	for f in lua/psock/*.lua; do [ -e "$$f" ] || continue; \
	  install -D -m 644 "$$f" $(DESTDIR)$(LUA_SHAREDIR)/psock/$${f##*/}; done

uninstall:
	rm -f $(DESTDIR)$(LUA_LIBDIR)/psock.so
	rm -rf $(DESTDIR)$(LUA_SHAREDIR)/psock

# The specs under AddressSanitizer and UndefinedBehaviorSanitizer.  lua5.4
# is not instrumented, so the ASan runtime is preloaded into it.
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
asan: deps-test
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(ASAN_FLAGS)" all
	@$(MAKE) --no-print-directory BUILD=build/poll/asan CFLAGS="$(ASAN_FLAGS)" \
	  EXTRA_CFLAGS=-DPSOCK_POLLER_POLL all
	@LD_PRELOAD="$$($(CC) -print-file-name=libasan.so)" \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  SPEC_BUILD=build/asan SPEC_POLL_BUILD=build/poll/asan \
	  PSOCK_SANITIZED=1 sh tools/run-specs.sh $(BUSTED_ARGS)

# The specs under valgrind memcheck with the garbage collector running all
# the time: no leaks, no invalid accesses, no descriptor left open at exit.
valgrind: deps-test
	@$(MAKE) --no-print-directory all
	@$(ENV) sh tools/valgrind-specs.sh $(BUSTED_ARGS)

lint: deps-lint
	@luacheck --quiet $(wildcard lua spec examples bench)

# The benchmarks of bench/README.md: C, psock, LuaSocket, cqueues, luv and
# Python side by side, a few minutes; the table goes into bench/README.md.
bench: deps-bench all
	@sh bench/run.sh

deps-bench:
	@sh tools/need-packages.sh $(TEST_PACKAGES) lua-socket lua-cqueues lua-luv lua5.3 lua-posix util-linux

# The rockspec builds offline into a throwaway tree, and what it installs
# loads and works.  luarocks builds in a copy so that the checkout stays clean.
rock: deps-rock
	@sh tools/rock-check.sh

deps-rock:
	@sh tools/need-packages.sh luarocks lua5.4 liblua5.4-dev

help:
	@echo "targets: all test demo repl env install uninstall clean asan valgrind lint rock bench"

clean:
	rm -rf build
