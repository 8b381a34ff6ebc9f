# mailsift - Makefile
#
#   make            build every program into bin/
#   make run        install what is missing, build, start with conf/
#   make check      install what is missing, build, run every test
#   make asan       build and run the unit tests under ASan/UBSan
#   make install    PREFIX=/usr/local DESTDIR= (programs, conf, queue)
#   make bench      run the benchmarks in bench/ (throughput, scan)

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/mailsift
SYSCONFDIR ?= /etc/mailsift
QUEUEDIR ?= /var/spool/mailsift
MAIL_OWNER ?= mailsift

CC	?= cc
SAN	?=
ifeq ($(SAN),1)
O	:= build/asan
B	:= build/asan/bin
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
OPT	:= -O1 -g
else
O	:= build/obj
B	:= bin
SANFLAGS :=
OPT	:= -O2 -g
endif

CFLAGS	?= $(OPT)
CFLAGS	+= -std=gnu17 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
	-D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong -Ilib -I/usr/include/libexttextcat $(SANFLAGS)
LDFLAGS	+= $(SANFLAGS)
LDLIBS	:= -lbsd -lpcre2-8 -lpcre2-32 -lmd -larchive -lcares -pthread

LIB_SRC	:= $(filter-out %_test.c,$(wildcard lib/*.c))
LIB_OBJ	:= $(LIB_SRC:%.c=$(O)/%.o)
LIB_A	:= $(O)/libmailsift.a

MAILSIFTD_SRC	:= master/mailsiftd.c master/service.c master/control.c
MAILSIFTCTL_SRC	:= master/mailsiftctl.c
SMTPD_SRC	:= $(wildcard smtpd-in/*.c)
QMGR_SRC	:= qmgr/qmgr.c qmgr/job.c qmgr/dedup.c qmgr/received.c qmgr/bounce.c \
		   qmgr/dirsync.c qmgr/takeover.c qmgr/rjpool.c qmgr/scan.c \
		   qmgr/policy.c qmgr/quarantine.c qmgr/score.c
REINJECT_SRC	:= qmgr/reinject.c qmgr/reinject_smtp.c
SCANNER_SRC	:= scanner/scanner.c scanner/clamd.c scanner/engine.c \
		   scanner/banned.c scanner/clamdproto.c

PROGS	:= $(B)/mailsiftd $(B)/mailsiftctl $(B)/smtpd-in $(B)/qmgr $(B)/reinject \
	   $(B)/scanner $(B)/scorer \
	   $(foreach t,sacheck salearn sapyzor,$(if $(wildcard scorer/$(t).c),$(B)/$(t)))

UNIT_SRC := $(wildcard lib/*_test.c)
UNIT_BIN := $(UNIT_SRC:lib/%.c=$(O)/test/%)
# Unit tests outside lib/ that link libclamav (only these get -lclamav).
CLAM_UNIT_BIN := $(O)/test/engine_test

all: $(PROGS)

$(O)/%.o: %.c $(wildcard lib/*.h) $(wildcard scanner/*.h) $(wildcard scorer/*.h) \
		lib/params.def
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

define prog
$(B)/$(1): $$($(2):%.c=$(O)/%.o) $(LIB_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call prog,mailsiftd,MAILSIFTD_SRC))
$(eval $(call prog,mailsiftctl,MAILSIFTCTL_SRC))
$(eval $(call prog,smtpd-in,SMTPD_SRC))
$(eval $(call prog,qmgr,QMGR_SRC))
$(eval $(call prog,reinject,REINJECT_SRC))

# The scanner is the only program linked with libclamav.
$(B)/scanner: $(SCANNER_SRC:%.c=$(O)/%.o) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lclamav

$(O)/test/%: $(O)/lib/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/test/engine_test: $(O)/scanner/engine_test.o $(O)/scanner/engine.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lclamav

$(O)/test/clamdproto_test: $(O)/scanner/clamdproto_test.o \
		$(O)/scanner/clamdproto.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/test/banned_test: $(O)/scanner/banned_test.o $(O)/scanner/banned.o \
		$(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# scorer/: every X_test.c is a unit test linked with the scorer's modules
# (all of scorer/*.c but the tests, the program's main, scorer.c, and
# the command-line tools: sacheck scores files, salearn trains Bayes,
# sapyzor is a Pyzor client).
SCORER_TOOLS	:= sacheck salearn sapyzor
SCORER_MOD	:= $(filter-out scorer/scorer.c $(SCORER_TOOLS:%=scorer/%.c) \
		   %_test.c,$(wildcard scorer/*.c))
SCORER_UNIT	:= $(patsubst scorer/%.c,$(O)/test/%,$(wildcard scorer/*_test.c))
SCORER_LIBS	:= -lexttextcat-2.0 -ldb -lm
$(O)/test/%_test: $(O)/scorer/%_test.o $(SCORER_MOD:%.c=$(O)/%.o) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(SCORER_LIBS)

$(B)/scorer: $(O)/scorer/scorer.o $(SCORER_MOD:%.c=$(O)/%.o) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(SCORER_LIBS)

define scorer_tool
$(B)/$(1): $(O)/scorer/$(1).o $(SCORER_MOD:%.c=$(O)/%.o) $(LIB_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(SCORER_LIBS)
endef
$(foreach t,$(SCORER_TOOLS),$(eval $(call scorer_tool,$(t))))

unit: $(UNIT_BIN) $(CLAM_UNIT_BIN) $(O)/test/clamdproto_test \
	$(O)/test/banned_test $(SCORER_UNIT)

deps:
	@./tools/setup-deps

# Start mailsift in the foreground with the default configuration.
run: deps all
	./tools/run-default

check: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory SAN=1 all unit
	./tests/run-all

asan:
	@$(MAKE) --no-print-directory SAN=1 all unit
	@set -e; for t in build/asan/test/*; do echo "== $$t"; $$t; done

bench: all
	@./tools/setup-deps bench
	./bench/throughput
	./bench/scan

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSCONFDIR)
	install -m 755 bin/mailsiftd bin/mailsiftctl $(DESTDIR)$(SBINDIR)
	install -m 755 bin/smtpd-in bin/qmgr bin/reinject bin/scanner bin/scorer \
		$(wildcard bin/salearn bin/sapyzor) \
		$(DESTDIR)$(LIBEXECDIR)
	for f in conf/*; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/$${f#conf/} ] || \
		install -m 644 $$f $(DESTDIR)$(SYSCONFDIR)/; \
	done
	sed -i 's|^#*program_directory =.*|program_directory = $(LIBEXECDIR)|' \
		$(DESTDIR)$(SYSCONFDIR)/mailsift.cf
	@if [ -z "$(DESTDIR)" ] && ! getent passwd $(MAIL_OWNER) >/dev/null; then \
		useradd --system --home-dir $(QUEUEDIR) --no-create-home \
		--shell /usr/sbin/nologin $(MAIL_OWNER); fi
	install -d -m 755 $(DESTDIR)$(QUEUEDIR)
	@if [ -z "$(DESTDIR)" ]; then chown $(MAIL_OWNER): $(QUEUEDIR); fi

clean:
	rm -rf build bin

.PHONY: all unit deps run check asan bench install clean
-include $(shell find build -name '*.d' 2>/dev/null)
