/*
 * dotreader_test.c - unit tests of the DATA decoder (dotreader.c).
 *
 * Every case is fed whole, split in two at every offset, split in
 * three at every pair of offsets (short cases) and one byte at a time;
 * each way must give the same result.  Random inputs are also checked
 * against a slow line-by-line reference decoder.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dotreader.h"
#include "mem.h"
#include "test.h"

struct result {
	int		rc;
	struct buf	out;
	long long	dots;
	size_t		used;
};

struct dcase {
	const char	*name;
	const char	*in;
	size_t		 inlen;		/* 0: strlen(in) */
	int		 bare_lf_ok;
	int		 rc;
	const char	*out;
	size_t		 outlen;	/* 0: strlen(out) */
	long long	 dots;
	size_t		 used;		/* 0: all the input */
};

#define NUL_IN	"a\0b\r\n\0\r\n.\r\n"
#define NUL_OUT	"a\0b\r\n\0\r\n"

static const struct dcase cases[] = {
	{ "empty message", ".\r\n", 0, 0, DOTREADER_END, "", 0, 0, 0 },
	{ "one line", "a\r\n.\r\n", 0, 0, DOTREADER_END, "a\r\n", 0, 0, 0 },
	{ "pipelined command after the end", "a\r\n.\r\nQUIT\r\n", 0, 0,
	    DOTREADER_END, "a\r\n", 0, 0, 6 },
	{ "stuffed dot", "..x\r\n.\r\n", 0, 0, DOTREADER_END, ".x\r\n", 0,
	    1, 0 },
	{ "stuffed lone dot", "a\r\n..\r\n.\r\n", 0, 0, DOTREADER_END,
	    "a\r\n.\r\n", 0, 1, 0 },
	{ "three dots", "...\r\n.\r\n", 0, 0, DOTREADER_END, "..\r\n", 0, 1,
	    0 },
	{ "unstuffed leading dot kept", ".x\r\n.\r\n", 0, 0, DOTREADER_END,
	    ".x\r\n", 0, 1, 0 },
	{ "dot space is not the end", ". \r\n.\r\n", 0, 0, DOTREADER_END,
	    ". \r\n", 0, 1, 0 },
	{ "dots inside lines", "a.\r\n.b\r\nc..\r\n.\r\n", 0, 0,
	    DOTREADER_END, "a.\r\n.b\r\nc..\r\n", 0, 1, 0 },
	{ "NUL bytes stored", NUL_IN, sizeof(NUL_IN) - 1, 0, DOTREADER_END,
	    NUL_OUT, sizeof(NUL_OUT) - 1, 0, 0 },
	{ "bare CR stored", "a\rb\r\n.\rx\r\n.\r\n", 0, 0, DOTREADER_END,
	    "a\rb\r\n.\rx\r\n", 0, 1, 0 },
	{ "dot CR CR LF", ".\r\r\n.\r\n", 0, 0, DOTREADER_END, ".\r\r\n", 0,
	    1, 0 },
	{ "CR CR LF", "a\r\r\n.\r\n", 0, 0, DOTREADER_END, "a\r\r\n", 0, 0,
	    0 },
	{ "empty lines", "\r\n\r\n.\r\n", 0, 0, DOTREADER_END, "\r\n\r\n", 0,
	    0, 0 },
	{ "bare LF refused", "a\nb\r\n.\r\n", 0, 0, DOTREADER_BARE_LF, "", 0,
	    0, 2 },
	{ "bare LF on an empty line refused", "a\r\n\n.\r\n", 0, 0,
	    DOTREADER_BARE_LF, "", 0, 0, 4 },
	{ "dot bare LF refused", "a\r\n.\n", 0, 0, DOTREADER_BARE_LF, "",
	    0, 0, 0 },
	{ "bare LF read as CRLF", "a\nb\r\n.\r\n", 0, 1, DOTREADER_END,
	    "a\r\nb\r\n", 0, 0, 0 },
	{ "bare LF empty line read as CRLF", "\n\n.\r\n", 0, 1,
	    DOTREADER_END, "\r\n\r\n", 0, 0, 0 },
	{ "dot bare LF ends", "a\r\n.\nQUIT\n", 0, 1, DOTREADER_END,
	    "a\r\n", 0, 0, 5 },
	{ "stuffed dot bare LF", "..\n.\n", 0, 1, DOTREADER_END, ".\r\n", 0,
	    1, 0 },
	{ "dot CR then bare LF", ".\rx\n.\r\n", 0, 1, DOTREADER_END,
	    ".\rx\r\n", 0, 1, 0 },
	{ "CRLF without the end", "a\r\n", 0, 0, DOTREADER_MORE, "a\r\n", 0,
	    0, 0 },
	{ "dot CR at the end held", "a\r\n.\r", 0, 0, DOTREADER_MORE,
	    "a\r\n", 0, 0, 0 },
	{ "partial line", "a\r\nbc\r", 0, 0, DOTREADER_MORE, "a\r\nbc\r", 0,
	    0, 0 },
	{ "no input", "", 0, 0, DOTREADER_MORE, "", 0, 0, 0 },
};

/* feed_cuts - decode c's input split at the given offsets */
static void
feed_cuts(const char *in, size_t len, int ok, const size_t *cut, int ncut,
    struct result *r)
{
	struct dotreader dr;
	size_t pos = 0, end, u;
	int k;

	dotreader_init(&dr, ok);
	buf_reset(&r->out);
	r->rc = DOTREADER_MORE;
	for (k = 0; k <= ncut && r->rc == DOTREADER_MORE; k++) {
		end = k < ncut ? cut[k] : len;
		if (end < pos)
			continue;
		r->rc = dotreader_feed(&dr, in + pos, end - pos, &u, &r->out);
		if (r->rc == DOTREADER_MORE && u != end - pos)
			r->rc = -1;	/* MORE must take everything */
		pos += u;
	}
	r->dots = dr.dot_lines;
	r->used = pos;
}

/*
 * same_out - outputs and dot counts agree; after a refused bare LF they
 * do not matter (the message is thrown away).
 */
static int
same_out(const struct result *a, const struct result *b)
{
	return a->rc == DOTREADER_BARE_LF || (a->dots == b->dots &&
	    a->out.len == b->out.len &&
	    memcmp(buf_str(&a->out), buf_str(&b->out), a->out.len) == 0);
}

/* same - two results agree */
static int
same(const struct result *a, const struct result *b)
{
	return a->rc == b->rc && a->used == b->used && same_out(a, b);
}

/* splits_agree - every 2- and 3-way split and bytewise feeding agree */
static int
splits_agree(const char *in, size_t len, int ok, const struct result *want,
    int three, size_t *where)
{
	struct result r = { 0, BUF_INIT, 0, 0 };
	size_t cut[2], i, j, *bytes;
	int good = 1;

	for (i = 0; good && i <= len; i++) {
		cut[0] = i;
		feed_cuts(in, len, ok, cut, 1, &r);
		good = same(&r, want);
		*where = i;
		for (j = i; three && good && j <= len; j++) {
			cut[1] = j;
			feed_cuts(in, len, ok, cut, 2, &r);
			good = same(&r, want);
			*where = i * 1000 + j;
		}
	}
	bytes = xcalloc(len + 1, sizeof(*bytes));
	for (i = 0; i < len; i++)
		bytes[i] = i + 1;
	if (good) {
		feed_cuts(in, len, ok, bytes, (int)len, &r);
		good = same(&r, want);
		*where = (size_t)-1;
	}
	xfree(bytes);
	buf_free(&r.out);
	return good;
}

/* test_case - one table case, fed in every way */
static void
test_case(const struct dcase *c)
{
	struct result r = { 0, BUF_INIT, 0, 0 }, want;
	size_t len = c->inlen ? c->inlen : strlen(c->in), where = 0;

	want.rc = c->rc;
	buf_init(&want.out);
	buf_add(&want.out, c->out, c->outlen ? c->outlen : strlen(c->out));
	want.dots = c->dots;
	want.used = c->used ? c->used : len;
	feed_cuts(c->in, len, c->bare_lf_ok, NULL, 0, &r);
	TEST_IS_INT(r.rc, want.rc, "%s: result", c->name);
	TEST_OK(same_out(&r, &want), "%s: output", c->name);
	if (r.rc != DOTREADER_BARE_LF)
		TEST_IS_INT(r.dots, want.dots, "%s: dot lines", c->name);
	TEST_IS_INT(r.used, want.used, "%s: input used", c->name);
	TEST_OK(splits_agree(c->in, len, c->bare_lf_ok, &want, 1, &where),
	    "%s: same result for every split (first bad %zu)", c->name, where);
	buf_free(&r.out);
	buf_free(&want.out);
}

/* test_long_line - a 100 KB line is stored whole, split anywhere */
static void
test_long_line(void)
{
	struct result r = { 0, BUF_INIT, 0, 0 }, want = { 0, BUF_INIT, 0, 0 };
	struct buf in = BUF_INIT;
	size_t cut, i;
	int good = 1;

	buf_adds(&in, "..");
	for (i = 0; i < 100000; i++)
		buf_addc(&in, (char)('a' + i % 26));
	buf_adds(&in, "\r\n.\r\n");
	feed_cuts(in.data, in.len, 0, NULL, 0, &want);
	TEST_IS_INT(want.rc, DOTREADER_END, "long line: end found");
	TEST_IS_INT(want.out.len, 100003, "long line: stored whole");
	TEST_IS_INT(want.dots, 1, "long line: one dot line");
	for (i = 0; good && i < 200; i++) {
		cut = i < 100 ? i : in.len - (i - 100);
		feed_cuts(in.data, in.len, 0, &cut, 1, &r);
		good = same(&r, &want);
	}
	TEST_OK(good, "long line: same result split near either end");
	buf_free(&in);
	buf_free(&r.out);
	buf_free(&want.out);
}

/*
 * ref_line - store one line (without its end) as the reader does; an
 * unfinished line that may still be the end marker is held back.
 */
static void
ref_line(const char *s, size_t n, int finished, struct result *r)
{
	if (n == 0 || (!finished && s[0] == '.' && (n == 1 ||
	    (n == 2 && s[1] == '\r'))))
		return;
	if (s[0] == '.')
		r->dots++;
	if (n >= 2 && s[0] == '.' && s[1] == '.')
		buf_add(&r->out, s + 1, n - 1);
	else
		buf_add(&r->out, s, n);
}

/* ref_decode - slow line-by-line decoder the fast one must agree with */
static void
ref_decode(const char *in, size_t len, int ok, struct result *r)
{
	size_t pos = 0, n;
	const char *nl, *s;

	buf_reset(&r->out);
	r->dots = 0;
	r->rc = DOTREADER_MORE;
	while ((nl = memchr(in + pos, '\n', len - pos)) != NULL) {
		s = in + pos;
		n = (size_t)(nl - s);
		pos += n + 1;
		if ((n == 0 || s[n - 1] != '\r') && !ok) {
			r->rc = DOTREADER_BARE_LF;
			break;
		}
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 1 && s[0] == '.') {
			r->rc = DOTREADER_END;
			break;
		}
		ref_line(s, n, 1, r);
		buf_add(&r->out, "\r\n", 2);
	}
	if (r->rc == DOTREADER_MORE) {
		ref_line(in + pos, len - pos, 0, r);
		pos = len;
	}
	r->used = pos;
}

/* test_random - random inputs: reference agreement, split agreement */
static void
test_random(void)
{
	static const char alpha[] = "..\r\r\n\na\0";
	struct result r = { 0, BUF_INIT, 0, 0 }, want = { 0, BUF_INIT, 0, 0 };
	char in[48];
	size_t len, i, where;
	int iter, ok, bad_ref = 0, bad_split = 0;

	srandom(4242);
	for (iter = 0; iter < 4000; iter++) {
		len = (size_t)(random() % (long)sizeof(in));
		for (i = 0; i < len; i++)
			in[i] = alpha[random() % (long)(sizeof(alpha) - 1)];
		ok = iter & 1;
		ref_decode(in, len, ok, &want);
		feed_cuts(in, len, ok, NULL, 0, &r);
		if (!same(&r, &want))
			bad_ref++;
		if (!splits_agree(in, len, ok, &want, iter < 500, &where))
			bad_split++;
	}
	TEST_IS_INT(bad_ref, 0, "random: agrees with the reference decoder");
	TEST_IS_INT(bad_split, 0, "random: every split gives the same result");
	buf_free(&r.out);
	buf_free(&want.out);
}

/* test_after_end - a finished reader takes nothing more */
static void
test_after_end(void)
{
	struct dotreader dr;
	struct buf out = BUF_INIT;
	size_t used;

	dotreader_init(&dr, 0);
	TEST_IS_INT(dotreader_feed(&dr, ".\r\n", 3, &used, &out),
	    DOTREADER_END, "after end: end");
	TEST_IS_INT(dotreader_feed(&dr, "x\r\n", 3, &used, &out),
	    DOTREADER_END, "after end: still end");
	TEST_IS_INT(used, 0, "after end: takes no input");
	dotreader_init(&dr, 0);
	TEST_IS_INT(dotreader_feed(&dr, "\n", 1, &used, &out),
	    DOTREADER_BARE_LF, "after bare LF: refused");
	TEST_IS_INT(dotreader_feed(&dr, ".\r\n", 3, &used, &out),
	    DOTREADER_BARE_LF, "after bare LF: stays refused");
	buf_free(&out);
}

/* main - run every test */
int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	test_long_line();
	test_random();
	test_after_end();
	TEST_DONE();
}
