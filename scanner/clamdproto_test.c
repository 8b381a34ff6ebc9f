/*
 * clamdproto_test.c - unit tests of clamdproto.c: every command in z, n
 * and legacy form, clamd 1.4.6's parsing quirks (keywords as prefixes,
 * the byte skipped before an argument, C-string lines, chomping), the
 * FILDES byte, legacy commands as one packet (NotifyClamd's "RELOAD\0"),
 * framing edge cases (CR, embedded NUL, empty lines, end of input,
 * over-long lines), pipelined requests, INSTREAM fed whole, byte by
 * byte, in every step size and split at every offset, the stream limit,
 * and the reply formats.  Inputs: none; everything is built in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clamdproto.h"
#include "mem.h"
#include "test.h"

/* term_name - a terminator mode for event logs */
static const char *
term_name(enum clamd_term t)
{
	return t == CLAMD_TERM_NUL ? "NUL" : t == CLAMD_TERM_NL ? "NL" :
	    "LEGACY";
}

/*
 * record - log one event as text; consecutive DATA events merge so the
 * log does not depend on how the input was split
 */
static void
record(struct buf *ev, int rc, const struct clamd_request *req)
{
	switch (rc) {
	case CLAMD_REQUEST:
		buf_addf(ev, "REQ %s %s%s%s\n", clamd_cmd_name(req->cmd),
		    term_name(req->term), req->arg ? " " : "",
		    req->arg ? req->arg : "");
		break;
	case CLAMD_DATA:
		if (ev->len < 5 || strcmp(ev->data + ev->len - 5, "DATA\n"))
			buf_adds(ev, "DATA\n");
		break;
	case CLAMD_STREAM_END:
		buf_adds(ev, "END\n");
		break;
	case CLAMD_ERR_TOO_LONG:
		buf_adds(ev, "ERR_TOO_LONG\n");
		break;
	case CLAMD_ERR_SYNTAX:
		buf_addf(ev, "ERR_SYNTAX %s\n", clamd_cmd_name(req->cmd));
		break;
	}
}

/*
 * run - decode in[0..len) in pieces of step bytes (0 = whole), with an
 * extra cut at split (0 = none), then clamd_finish; the event log goes
 * to ev and the stream bytes to data; returns 0 or a broken invariant
 */
static int
run(const char *in, size_t len, size_t step, size_t split, long long max,
    struct buf *ev, struct buf *data)
{
	struct clamd_decoder *d = clamd_decoder_new(max);
	struct clamd_request req;
	const char *dp;
	size_t off = 0, end, used, dlen, pos;
	int rc, bad = 0;

	buf_reset(ev);
	buf_reset(data);
	while (off < len) {
		end = step ? off + step : len;
		if (split && off < split && end > split)
			end = split;
		if (end > len)
			end = len;
		pos = off;
		do {
			rc = clamd_feed(d, in + pos, end - pos, &used, &req,
			    &dp, &dlen);
			if (used > end - pos ||
			    (rc == CLAMD_NEED_MORE && used != end - pos) ||
			    (rc > CLAMD_NEED_MORE && used == 0))
				bad = 1;
			pos += used;
			record(ev, rc, &req);
			if (rc == CLAMD_DATA)
				buf_add(data, dp, dlen);
			if (rc < 0) {
				/* sticky: the same error, nothing taken */
				if (clamd_feed(d, "zPING", 6, &used, &req, &dp,
				    &dlen) != rc || used != 0)
					bad = 1;
				goto out;
			}
		} while (pos < end);
		off = end;
	}
	rc = clamd_finish(d);
	req.cmd = CLAMD_NONE;
	if (rc != CLAMD_NEED_MORE)
		record(ev, rc, &req);
out:
	clamd_decoder_free(d);
	return bad;
}

static const struct {
	const char	*line;		/* without prefix or terminator */
	const char	*name;		/* as clamd_cmd_name reports it */
	const char	*arg;
	int		 legacy_ok;	/* 0: UNKNOWN without a prefix */
} cmds[] = {
	{ "PING",		"PING",			NULL,	1 },
	{ "VERSION",		"VERSION",		NULL,	1 },
	{ "VERSIONCOMMANDS",	"VERSIONCOMMANDS",	NULL,	0 },
	{ "RELOAD",		"RELOAD",		NULL,	1 },
	{ "SHUTDOWN",		"SHUTDOWN",		NULL,	1 },
	{ "QUIT",		"SHUTDOWN",		NULL,	1 },
	{ "SCAN /tmp/x",	"SCAN",			"/tmp/x", 1 },
	{ "CONTSCAN /var/a b",	"CONTSCAN",		"/var/a b", 1 },
	{ "MULTISCAN /srv",	"MULTISCAN",		"/srv",	1 },
	{ "ALLMATCHSCAN /srv",	"ALLMATCHSCAN",		"/srv",	0 },
	{ "INSTREAM",		"INSTREAM",		NULL,	0 },
	{ "FILDES",		"FILDES",		NULL,	1 },
	{ "STATS",		"STATS",		NULL,	0 },
	{ "IDSESSION",		"IDSESSION",		NULL,	0 },
	{ "END",		"END",			NULL,	0 },
	{ "DETSTATSCLEAR",	"DETSTATSCLEAR",	NULL,	1 },
	{ "DETSTATS",		"DETSTATS",		NULL,	1 },
	{ "ping",		"UNKNOWN",		NULL,	1 },
	{ "FOO",		"UNKNOWN",		NULL,	1 },
	{ "PING extra",		"UNKNOWN",		NULL,	1 },
	{ "PINGX",		"UNKNOWN",		NULL,	1 },
	{ "SCAN",		"UNKNOWN",		NULL,	1 },
	{ "SCAN ",		"SCAN",			"",	1 },
	{ "SCANX/x",		"SCAN",			"/x",	1 },
	{ "CONTSCAN  /a",	"CONTSCAN",		" /a",	1 },
	{ "DETSTATSCLEARX",	"UNKNOWN",		NULL,	1 },
	{ "STREAM",		"UNKNOWN",		NULL,	1 },
	{ "",			"UNKNOWN",		NULL,	1 },
};

/* want_req - the event log line of one request */
static void
want_req(struct buf *w, const char *name, const char *term, const char *arg)
{
	buf_addf(w, "REQ %s %s%s%s\n", name, term, arg ? " " : "",
	    arg ? arg : "");
}

/*
 * test_commands - every command in z, n and legacy (LF and NUL) form; a
 * legacy command is one packet, so it is fed whole only
 */
static void
test_commands(void)
{
	struct buf in = BUF_INIT, ev = BUF_INIT, data = BUF_INIT,
	    want = BUF_INIT;
	size_t i;
	int form, bad;
	static const char *const forms[] = { "z", "n", "legacy LF",
	    "legacy NUL" };

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		for (form = 0; form < 4; form++) {
			buf_reset(&in);
			buf_reset(&want);
			if (form == 0)
				buf_addc(&in, 'z');
			else if (form == 1)
				buf_addc(&in, 'n');
			buf_adds(&in, cmds[i].line);
			buf_addc(&in, form == 0 || form == 3 ? '\0' : '\n');
			if (form < 2 || cmds[i].legacy_ok)
				want_req(&want, cmds[i].name, form == 0 ?
				    "NUL" : form == 1 ? "NL" : "LEGACY",
				    cmds[i].arg);
			else
				want_req(&want, "UNKNOWN", "LEGACY", NULL);
			if (strcmp(cmds[i].name, "FILDES") == 0)
				buf_addc(&in, '\0');	/* the fd's byte */
			if (form < 2 && strcmp(cmds[i].name, "INSTREAM") == 0) {
				/* an empty stream ends it */
				buf_add(&in, "\0\0\0\0", 4);
				buf_adds(&want, "END\n");
			}
			bad = run(in.data, in.len, 0, 0, 0, &ev, &data);
			TEST_IS_STR(ev.data, want.data, "\"%s\" %s",
			    cmds[i].line, forms[form]);
			if (form < 2) {
				bad |= run(in.data, in.len, 1, 0, 0, &ev,
				    &data);
				TEST_OK(strcmp(ev.data, want.data) == 0,
				    "\"%s\" %s byte by byte", cmds[i].line,
				    forms[form]);
			}
			TEST_OK(!bad, "\"%s\" %s: invariants", cmds[i].line,
			    forms[form]);
		}
	}
	buf_free(&in);
	buf_free(&ev);
	buf_free(&data);
	buf_free(&want);
}

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
	int		 packet;	/* legacy: one packet, fed whole only */
} framing[] = {
#define IN(s)	s, sizeof(s) - 1
	{ "zPING", IN("zPING\0"), "REQ PING NUL\n", 0 },
	{ "nVERSION", IN("nVERSION\n"), "REQ VERSION NL\n", 0 },
	{ "NotifyClamd RELOAD", IN("RELOAD\0"), "REQ RELOAD LEGACY\n", 1 },
	{ "legacy SCAN", IN("SCAN /tmp/x\n"), "REQ SCAN LEGACY /tmp/x\n", 1 },
	{ "n CR chomped", IN("nSCAN /tmp/x\r\n"), "REQ SCAN NL /tmp/x\n", 0 },
	{ "n CRs chomped", IN("nPING\r\r\n"), "REQ PING NL\n", 0 },
	{ "legacy CR chomped", IN("PING\r\n"), "REQ PING LEGACY\n", 1 },
	{ "legacy CRs chomped", IN("PING\r\r\n"), "REQ PING LEGACY\n", 1 },
	{ "z keeps CR and LF", IN("zSCAN /a\nb\r\0"),
	    "REQ SCAN NUL /a\nb\r\n", 0 },
	{ "a NUL ends an n line", IN("nSCAN /a\0b\n"), "REQ SCAN NL /a\n", 0 },
	{ "a NUL ends a legacy line", IN("PING\0junk"),
	    "REQ PING LEGACY\n", 1 },
	{ "legacy without terminator", IN("PING"), "REQ PING LEGACY\n", 1 },
	{ "legacy STATS", IN("STATS\n"), "REQ UNKNOWN LEGACY\n", 1 },
	{ "legacy empty line", IN("\n"), "REQ UNKNOWN LEGACY\n", 1 },
	{ "legacy lone NUL", IN("\0"), "REQ UNKNOWN LEGACY\n", 1 },
	{ "legacy FILDES, NUL and its byte", IN("FILDES\0\0"),
	    "REQ FILDES LEGACY\n", 1 },
	{ "legacy FILDES, LF and its byte", IN("FILDES\nX"),
	    "REQ FILDES LEGACY\n", 1 },
	{ "legacy FILDES without its byte", IN("FILDES\n"),
	    "ERR_SYNTAX NONE\n", 1 },
	{ "z cut short", IN("zPING"), "ERR_SYNTAX NONE\n", 0 },
	{ "n cut short", IN("nPI"), "ERR_SYNTAX NONE\n", 0 },
	{ "empty input", IN(""), "", 0 },
	{ "FILDES byte consumed", IN("nFILDES\n\0zPING\0"),
	    "REQ FILDES NL\nREQ PING NUL\n", 0 },
	{ "FILDES byte is any byte", IN("zFILDES\0zPING\0"),
	    "REQ FILDES NUL\nREQ PING LEGACY\n", 1 },
	{ "FILDES cut short", IN("zFILDES\0"), "ERR_SYNTAX NONE\n", 0 },
	{ "VERSIONCOMMANDS is no VERSION", IN("zVERSIONCOMMANDS\0"),
	    "REQ VERSIONCOMMANDS NUL\n", 0 },
	{ "empty prefixed line", IN("z\0"), "REQ UNKNOWN NUL\n", 0 },
	{ "pipelined session", IN("zIDSESSION\0zPING\0zEND\0"),
	    "REQ IDSESSION NUL\nREQ PING NUL\nREQ END NUL\n", 0 },
	{ "mixed prefixes", IN("nIDSESSION\nzVERSION\0nEND\n"),
	    "REQ IDSESSION NL\nREQ VERSION NUL\nREQ END NL\n", 0 },
	{ "session with a stream",
	    IN("zIDSESSION\0zINSTREAM\0\0\0\0\2ab\0\0\0\0zEND\0"),
	    "REQ IDSESSION NUL\nREQ INSTREAM NUL\nDATA\nEND\nREQ END NUL\n",
	    0 },
	{ "stream cut short", IN("zINSTREAM\0\0\0\0\5ab"),
	    "REQ INSTREAM NUL\nDATA\nERR_SYNTAX NONE\n", 0 },
	{ "header cut short", IN("zINSTREAM\0\0\0"),
	    "REQ INSTREAM NUL\nERR_SYNTAX NONE\n", 0 },
#undef IN
};

/*
 * test_framing - special inputs, whole, and (but for legacy packets)
 * byte by byte and split anywhere
 */
static void
test_framing(void)
{
	struct buf ev = BUF_INIT, data = BUF_INIT;
	size_t i, k;
	int bad;

	for (i = 0; i < sizeof(framing) / sizeof(framing[0]); i++) {
		bad = run(framing[i].in, framing[i].len, 0, 0, 0, &ev, &data);
		TEST_IS_STR(ev.data ? ev.data : "", framing[i].want, "%s",
		    framing[i].name);
		TEST_OK(!bad, "%s: invariants", framing[i].name);
		if (framing[i].packet)
			continue;
		for (k = 1; k <= framing[i].len; k++) {
			bad |= run(framing[i].in, framing[i].len, k, 0, 0, &ev,
			    &data);
			if (strcmp(buf_str(&ev), framing[i].want))
				bad = 1;
			bad |= run(framing[i].in, framing[i].len, 0, k, 0, &ev,
			    &data);
			if (strcmp(buf_str(&ev), framing[i].want))
				bad = 1;
		}
		TEST_OK(!bad, "%s: every step and split", framing[i].name);
	}
	buf_free(&ev);
	buf_free(&data);
}

/* test_idle - clamd_idle along a session with a stream and a FILDES */
static int
test_idle(void)
{
	static const char in[] = "zIDSESSION\0zINSTREAM\0\0\0\0\1a\0\0\0\0"
	    "zFILDES\0\0zPI";
	/* idle before byte i: after each request, and at the start */
	static const size_t idle_at[] = { 0, 11, 30, 39 };
	struct clamd_decoder *d = clamd_decoder_new(0);
	struct clamd_request req;
	const char *dp;
	size_t i, k = 0, used, dlen;
	int ok = 1, want;

	for (i = 0; i < sizeof(in) - 1; i++) {
		want = k < sizeof(idle_at) / sizeof(idle_at[0]) &&
		    idle_at[k] == i;
		if (clamd_idle(d) != want)
			ok = 0;
		k += want;
		(void)clamd_feed(d, in + i, 1, &used, &req, &dp, &dlen);
	}
	if (clamd_idle(d))		/* inside "zPI" */
		ok = 0;
	clamd_decoder_free(d);
	return ok;
}

/*
 * test_packets - a legacy command is what one clamd_feed is given, as
 * clamd takes the first packet: later bytes do not extend it
 */
static void
test_packets(void)
{
	struct buf ev = BUF_INIT, data = BUF_INIT;
	int bad;

	bad = run("PING", 4, 2, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "REQ UNKNOWN LEGACY\nREQ UNKNOWN LEGACY\n",
	    "\"PI\", \"NG\": two unknown legacy commands");
	bad |= run("FILDES\0", 7, 0, 6, 0, &ev, &data);
	TEST_IS_STR(ev.data, "REQ FILDES LEGACY\n",
	    "\"FILDES\", then its byte");
	bad |= run("SCAN /a\nSCAN /b\n", 16, 0, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "REQ SCAN LEGACY /a\nREQ SCAN LEGACY /b\n",
	    "a legacy command ends at its LF");
	TEST_OK(!bad, "packets: invariants");
	TEST_OK(test_idle(), "clamd_idle: only between requests");
	buf_free(&ev);
	buf_free(&data);
}

/* test_long_lines - clamd's command buffer of CLAMD_LINE_MAX bytes */
static void
test_long_lines(void)
{
	struct clamd_decoder *d;
	struct clamd_request req;
	struct buf in = BUF_INIT, ev = BUF_INIT, data = BUF_INIT;
	const char *dp;
	size_t used, dlen;
	int bad, rc;

	/* prefix, line and terminator: exactly the limit */
	buf_addc(&in, 'z');
	while (in.len < CLAMD_LINE_MAX - 1)
		buf_addc(&in, 'A');
	buf_addc(&in, '\0');
	bad = run(in.data, in.len, 0, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "REQ UNKNOWN NUL\n", "z line of %d bytes",
	    CLAMD_LINE_MAX);
	buf_trunc(&in, in.len - 1);
	buf_adds(&in, "A");
	buf_addc(&in, '\0');
	bad |= run(in.data, in.len, 0, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "ERR_TOO_LONG\n", "z line of %d bytes",
	    CLAMD_LINE_MAX + 1);
	bad |= run(in.data, in.len, 1, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "ERR_TOO_LONG\n", "the same, byte by byte");

	buf_reset(&in);
	buf_addc(&in, 'n');
	while (in.len < 100000)
		buf_addc(&in, 'B');
	bad |= run(in.data, in.len, 4096, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "ERR_TOO_LONG\n",
	    "endless line rejected before its end");
	TEST_OK(!bad, "long lines: invariants");

	/* a legacy packet longer than the buffer: its first part */
	buf_reset(&in);
	buf_adds(&in, "SCAN /");
	while (in.len < 5000)
		buf_addc(&in, 'C');
	d = clamd_decoder_new(0);
	rc = clamd_feed(d, in.data, in.len, &used, &req, &dp, &dlen);
	TEST_OK(rc == CLAMD_REQUEST && req.cmd == CLAMD_SCAN &&
	    used == CLAMD_LINE_MAX && strlen(req.arg) == CLAMD_LINE_MAX - 5,
	    "legacy packet of 5000 bytes: SCAN of its first %d",
	    CLAMD_LINE_MAX);
	clamd_decoder_free(d);
	buf_free(&in);
	buf_free(&ev);
	buf_free(&data);
}

/* add_chunk - append one INSTREAM chunk: big-endian length, data */
static void
add_chunk(struct buf *b, const char *p, unsigned n)
{
	buf_addc(b, (int)(n >> 24 & 0xff));
	buf_addc(b, (int)(n >> 16 & 0xff));
	buf_addc(b, (int)(n >> 8 & 0xff));
	buf_addc(b, (int)(n & 0xff));
	buf_add(b, p, n);
}

/* test_instream - three chunks, every way of splitting them */
static void
test_instream(void)
{
	struct buf in = BUF_INIT, stream = BUF_INIT, ev = BUF_INIT,
	    data = BUF_INIT;
	static const char c2[] = "\0\nzPING\0\0\0\0\0";	/* looks like framing */
	char c3[300];
	const char *want = "REQ INSTREAM NUL\nDATA\nEND\nREQ PING NUL\n";
	size_t i, k;
	int bad = 0, badsplit = 0, badstep = 0;

	for (i = 0; i < sizeof(c3); i++)
		c3[i] = (char)(i * 7 + 1);
	buf_adds(&stream, "hello ");
	buf_add(&stream, c2, sizeof(c2) - 1);
	buf_add(&stream, c3, sizeof(c3));
	buf_add(&in, "zINSTREAM", 10);
	add_chunk(&in, "hello ", 6);
	add_chunk(&in, c2, sizeof(c2) - 1);
	add_chunk(&in, c3, sizeof(c3));
	add_chunk(&in, NULL, 0);
	buf_add(&in, "zPING", 6);

	bad = run(in.data, in.len, 0, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, want, "INSTREAM whole: events");
	TEST_OK(!bad && data.len == stream.len &&
	    memcmp(data.data, stream.data, stream.len) == 0,
	    "INSTREAM whole: %zu bytes reassembled", data.len);

	bad = run(in.data, in.len, 1, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, want, "INSTREAM byte by byte: events");
	TEST_OK(!bad && data.len == stream.len &&
	    memcmp(data.data, stream.data, stream.len) == 0,
	    "INSTREAM byte by byte: data");

	for (k = 1; k < in.len; k++) {
		badsplit |= run(in.data, in.len, 0, k, 0, &ev, &data);
		if (strcmp(buf_str(&ev), want) || data.len != stream.len ||
		    memcmp(data.data, stream.data, stream.len))
			badsplit = 1;
		badstep |= run(in.data, in.len, k, 0, 0, &ev, &data);
		if (strcmp(buf_str(&ev), want) || data.len != stream.len ||
		    memcmp(data.data, stream.data, stream.len))
			badstep = 1;
	}
	TEST_OK(!badsplit, "INSTREAM split at each of %zu offsets", in.len - 1);
	TEST_OK(!badstep, "INSTREAM fed in every step size");

	/* the limit is on the running total, checked at each chunk header */
	bad = run(in.data, in.len, 0, 0, (long long)stream.len, &ev, &data);
	TEST_IS_STR(ev.data, want, "stream exactly at the limit");
	for (k = 0; k <= in.len; k++) {
		bad |= run(in.data, in.len, k, 0, (long long)stream.len - 1,
		    &ev, &data);
		if (strcmp(buf_str(&ev),
		    "REQ INSTREAM NUL\nDATA\nERR_TOO_LONG\n") ||
		    data.len != stream.len - sizeof(c3))
			bad = 1;
	}
	TEST_OK(!bad, "one byte over the limit: ERR_TOO_LONG at chunk 3");

	buf_reset(&in);
	buf_add(&in, "nINSTREAM\n\xff\xff\xff\xff", 14);
	bad = run(in.data, in.len, 0, 0, 10 * 1024 * 1024, &ev, &data);
	TEST_IS_STR(ev.data, "REQ INSTREAM NL\nERR_TOO_LONG\n",
	    "4 GB chunk against a 10 MB limit");
	bad |= run(in.data, in.len, 0, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "REQ INSTREAM NL\nERR_SYNTAX NONE\n",
	    "no limit: the 4 GB chunk is merely cut short");
	TEST_OK(!bad, "big chunk: invariants");

	buf_free(&in);
	buf_free(&stream);
	buf_free(&ev);
	buf_free(&data);
}

/* is_bytes - compare a buffer with exact bytes, NULs included */
static int
is_bytes(const struct buf *b, const char *want, size_t n)
{
	return b->len == n && memcmp(b->data, want, n) == 0;
}

/* test_replies - reply formats as clamd writes them */
static void
test_replies(void)
{
	struct buf out = BUF_INIT;

#define IS(s, ...) do {						\
	TEST_OK(is_bytes(&out, s, sizeof(s) - 1), __VA_ARGS__);		\
	buf_reset(&out);						\
} while (0)
	clamd_reply_result(&out, CLAMD_TERM_NUL, 0, "stream", NULL, NULL);
	IS("stream: OK\0", "stream: OK\\0");
	clamd_reply(&out, CLAMD_TERM_NUL, 1, "PONG");
	IS("1: PONG\0", "1: PONG\\0 in a session");
	clamd_reply_result(&out, CLAMD_TERM_NL, 0, "fd[5]", "Test.EICAR", NULL);
	IS("fd[5]: Test.EICAR FOUND\n", "fd[5]: Test.EICAR FOUND\\n");
	clamd_reply_result(&out, CLAMD_TERM_LEGACY, 0, "fd[5]", NULL,
	    "Not a regular file");
	IS("fd[5]: Not a regular file ERROR\n", "fd[5]: ... ERROR, legacy");
	clamd_reply_result(&out, CLAMD_TERM_NUL, 12, "stream",
	    "Win.Test.EICAR_HDB-1", NULL);
	IS("12: stream: Win.Test.EICAR_HDB-1 FOUND\0", "session FOUND");
	clamd_reply_result(&out, CLAMD_TERM_NL, 0, "/tmp/x", "X", "E");
	IS("/tmp/x: E ERROR\n", "error wins over virname");
	clamd_reply(&out, CLAMD_TERM_NUL, 0, "INSTREAM size limit exceeded. "
	    "ERROR");
	IS("INSTREAM size limit exceeded. ERROR\0", "size limit reply");
	clamd_reply(&out, CLAMD_TERM_LEGACY, 0, "RELOADING");
	clamd_reply(&out, CLAMD_TERM_NUL, 3, "%s", "UNKNOWN COMMAND");
	IS("RELOADING\n3: UNKNOWN COMMAND\0", "replies append");
#undef IS
	clamd_versioncommands(&out, CLAMD_VERSION_STRING);
	TEST_IS_STR(out.data, "ClamAV 1.4.6| COMMANDS: SCAN "
	    "QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN "
	    "MULTISCAN FILDES STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS "
	    "ALLMATCHSCAN", "VERSIONCOMMANDS text");
	buf_reset(&out);
	clamd_versioncommands(&out,
	    "ClamAV 1.4.6/27400/Tue Oct  1 08:21:00 2024");
	TEST_OK(strncmp(out.data, "ClamAV 1.4.6/27400/Tue Oct  1 08:21:00 "
	    "2024| COMMANDS: SCAN QUIT ", 52) == 0,
	    "VERSIONCOMMANDS with a database version");
	TEST_OK(clamd_session_allowed(CLAMD_PING) &&
	    clamd_session_allowed(CLAMD_INSTREAM) &&
	    clamd_session_allowed(CLAMD_END) &&
	    !clamd_session_allowed(CLAMD_RELOAD) &&
	    !clamd_session_allowed(CLAMD_MULTISCAN) &&
	    !clamd_session_allowed(CLAMD_IDSESSION),
	    "commands allowed inside IDSESSION");
	buf_free(&out);
}

int
main(void)
{
	test_commands();
	test_framing();
	test_packets();
	test_long_lines();
	test_instream();
	test_replies();
	TEST_DONE();
}
