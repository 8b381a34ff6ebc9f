/*
 * clamdproto_test.c - unit tests of clamdproto.c: every command in z, n
 * and legacy form, framing edge cases (NotifyClamd's "RELOAD\0", CR,
 * embedded NUL, empty lines, end of input, over-long lines), pipelined
 * requests, INSTREAM fed whole, byte by byte, in every step size and
 * split at every offset, the stream limit, and the reply formats.
 * Inputs: none; everything is built in memory.
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
	rc = clamd_finish(d, &req);
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
	int		 legacy_ok;	/* 0: ERR_SYNTAX, 2: only at LF */
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
	{ "FILDES",		"FILDES",		NULL,	2 },
	{ "STATS",		"STATS",		NULL,	2 },
	{ "IDSESSION",		"IDSESSION",		NULL,	0 },
	{ "END",		"END",			NULL,	0 },
	{ "DETSTATSCLEAR",	"DETSTATSCLEAR",	NULL,	1 },
	{ "DETSTATS",		"DETSTATS",		NULL,	1 },
	{ "ping",		"UNKNOWN",		NULL,	1 },
	{ "FOO",		"UNKNOWN",		NULL,	1 },
	{ "PING extra",		"UNKNOWN",		NULL,	1 },
	{ "SCAN",		"UNKNOWN",		NULL,	1 },
	{ "SCAN ",		"UNKNOWN",		NULL,	1 },
	{ "STREAM",		"UNKNOWN",		NULL,	1 },
	{ "",			"UNKNOWN",		NULL,	-1 },
};

/* want_req - the event log line of one request */
static void
want_req(struct buf *w, const char *name, const char *term, const char *arg)
{
	buf_addf(w, "REQ %s %s%s%s\n", name, term, arg ? " " : "",
	    arg ? arg : "");
}

/* test_commands - every command in z, n and legacy (LF and NUL) form */
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
			if (form < 2)
				want_req(&want, cmds[i].name,
				    form ? "NL" : "NUL", cmds[i].arg);
			else if (cmds[i].legacy_ok == -1)
				;	/* an empty legacy line is skipped */
			else if (cmds[i].legacy_ok == 0 ||
			    (cmds[i].legacy_ok == 2 && form == 3))
				buf_addf(&want, "ERR_SYNTAX %s\n",
				    cmds[i].name);
			else
				want_req(&want, cmds[i].name, "LEGACY",
				    cmds[i].arg);
			if (form < 2 && strcmp(cmds[i].name, "INSTREAM") == 0) {
				/* an empty stream ends it */
				buf_add(&in, "\0\0\0\0", 4);
				buf_adds(&want, "END\n");
			}
			bad = run(in.data, in.len, 0, 0, 0, &ev, &data);
			TEST_IS_STR(ev.data, want.data, "\"%s\" %s",
			    cmds[i].line, forms[form]);
			bad |= run(in.data, in.len, 1, 0, 0, &ev, &data);
			TEST_OK(!bad && strcmp(ev.data, want.data) == 0,
			    "\"%s\" %s byte by byte", cmds[i].line,
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
} framing[] = {
#define IN(s)	s, sizeof(s) - 1
	{ "zPING", IN("zPING\0"), "REQ PING NUL\n" },
	{ "nVERSION", IN("nVERSION\n"), "REQ VERSION NL\n" },
	{ "NotifyClamd RELOAD", IN("RELOAD\0"), "REQ RELOAD LEGACY\n" },
	{ "legacy SCAN", IN("SCAN /tmp/x\n"), "REQ SCAN LEGACY /tmp/x\n" },
	{ "n CR chomped", IN("nSCAN /tmp/x\r\n"), "REQ SCAN NL /tmp/x\n" },
	{ "legacy CR chomped", IN("PING\r\n"), "REQ PING LEGACY\n" },
	{ "z keeps CR and LF", IN("zSCAN /a\nb\r\0"),
	    "REQ SCAN NUL /a\nb\r\n" },
	{ "NUL inside n line", IN("nSCAN /a\0b\n"), "ERR_SYNTAX NONE\n" },
	{ "legacy at end of input", IN("PING"), "REQ PING LEGACY\n" },
	{ "legacy STATS at end of input", IN("STATS"), "ERR_SYNTAX STATS\n" },
	{ "z cut short", IN("zPING"), "ERR_SYNTAX NONE\n" },
	{ "n cut short", IN("nPI"), "ERR_SYNTAX NONE\n" },
	{ "empty input", IN(""), "" },
	{ "FILDES dummy byte skipped", IN("nFILDES\n\0zPING\0"),
	    "REQ FILDES NL\nREQ PING NUL\n" },
	{ "empty prefixed line", IN("z\0"), "REQ UNKNOWN NUL\n" },
	{ "pipelined session", IN("zIDSESSION\0zPING\0zEND\0"),
	    "REQ IDSESSION NUL\nREQ PING NUL\nREQ END NUL\n" },
	{ "mixed prefixes", IN("nIDSESSION\nzVERSION\0nEND\n"),
	    "REQ IDSESSION NL\nREQ VERSION NUL\nREQ END NL\n" },
	{ "session with a stream",
	    IN("zIDSESSION\0zINSTREAM\0\0\0\0\2ab\0\0\0\0zEND\0"),
	    "REQ IDSESSION NUL\nREQ INSTREAM NUL\nDATA\nEND\nREQ END NUL\n" },
	{ "stream cut short", IN("zINSTREAM\0\0\0\0\5ab"),
	    "REQ INSTREAM NUL\nDATA\nERR_SYNTAX NONE\n" },
	{ "header cut short", IN("zINSTREAM\0\0\0"),
	    "REQ INSTREAM NUL\nERR_SYNTAX NONE\n" },
#undef IN
};

/* test_framing - special inputs, whole, byte by byte, split anywhere */
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

/* test_long_lines - the 1024-byte command line limit */
static void
test_long_lines(void)
{
	struct buf in = BUF_INIT, ev = BUF_INIT, data = BUF_INIT;
	int bad;

	/* z + 1023 bytes: exactly the limit */
	buf_addc(&in, 'z');
	while (in.len < CLAMD_LINE_MAX)
		buf_addc(&in, 'A');
	buf_addc(&in, '\0');
	bad = run(in.data, in.len, 0, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "REQ UNKNOWN NUL\n", "z line of 1024 bytes");
	buf_trunc(&in, in.len - 1);
	buf_adds(&in, "A");
	buf_addc(&in, '\0');
	bad |= run(in.data, in.len, 0, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "ERR_TOO_LONG\n", "z line of 1025 bytes");
	bad |= run(in.data, in.len, 1, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "ERR_TOO_LONG\n", "z line of 1025, byte by byte");

	buf_reset(&in);
	while (in.len < CLAMD_LINE_MAX)
		buf_addc(&in, 'A');
	buf_addc(&in, '\n');
	bad |= run(in.data, in.len, 7, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "REQ UNKNOWN LEGACY\n", "legacy line of 1024");
	buf_reset(&in);
	while (in.len < 100000)
		buf_addc(&in, 'B');
	bad |= run(in.data, in.len, 4096, 0, 0, &ev, &data);
	TEST_IS_STR(ev.data, "ERR_TOO_LONG\n",
	    "endless line rejected before its end");
	TEST_OK(!bad, "long lines: invariants");
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
	TEST_IS_STR(clamd_versioncommands(), "ClamAV 1.4.6| COMMANDS: SCAN "
	    "QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN "
	    "MULTISCAN FILDES STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS "
	    "ALLMATCHSCAN", "VERSIONCOMMANDS text");
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
	test_long_lines();
	test_instream();
	test_replies();
	TEST_DONE();
}
