/*
 * mime_test.c - unit tests of mime.c: a table of messages (plain,
 * multipart, nested, forwarded, RFC 2231/2047 names, broken ones),
 * each parsed with LF and with CRLF line ends and compared with the
 * expected structure; transfer decoding; header lookup; the limits
 * (depth, part count) and timing on huge or deep input; a fixed-seed
 * mutation fuzz loop that checks every offset stays inside the input.
 * Inputs: none (self-contained).  The timing bounds (1 s) are
 * multiplied by MAILSIFT_TEST_SLOW when set (e.g. 30 under valgrind).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mem.h"
#include "mime.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* crlf - s with every LF turned into CRLF, in an exact-size copy */
static char *
crlf(const char *s, size_t *len)
{
	struct buf b = BUF_INIT;

	for (; *s; s++) {
		if (*s == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, *s);
	}
	*len = b.len;
	return buf_steal(&b);
}

/* exact - a heap copy of n bytes, unterminated: over-reads show */
static char *
exact(const char *s, size_t n)
{
	return xmemdup(s, n);
}

/*
 * sane - every invariant of a parse result: offsets inside the input,
 * header before body, parents earlier and one level up, children
 * inside the parent's body, strings set where they must be.
 */
static int
sane(const struct mime *m, size_t len)
{
	const struct mime_part *mp, *pp;
	int i;

	if (m->nparts < 1)
		return 0;
	for (i = 0; i < m->nparts; i++) {
		mp = &m->part[i];
		if (mp->hdr_off > len || mp->hdr_len > len - mp->hdr_off ||
		    mp->body_off > len || mp->body_len > len - mp->body_off ||
		    mp->hdr_off + mp->hdr_len > mp->body_off ||
		    mp->type == NULL)
			return 0;
		if (i == 0) {
			if (mp->parent != -1 || mp->depth != 0)
				return 0;
			continue;
		}
		if (mp->parent < 0 || mp->parent >= i)
			return 0;
		pp = &m->part[mp->parent];
		if (mp->depth != pp->depth + 1 ||
		    !(pp->is_multipart || pp->is_message) ||
		    mp->hdr_off < pp->body_off ||
		    mp->body_off + mp->body_len > pp->body_off + pp->body_len)
			return 0;
	}
	return 1;
}

/* summary - one line per part: depth parent type and what is set */
static void
summary(const struct mime *m, struct buf *b)
{
	const struct mime_part *mp;
	int i;

	buf_reset(b);
	for (i = 0; i < m->nparts; i++) {
		mp = &m->part[i];
		buf_addf(b, "%s%d:%d:%s", i ? "|" : "", mp->depth, mp->parent,
		    mp->type);
		if (mp->encoding)
			buf_addf(b, ":e=%s", mp->encoding);
		if (mp->charset)
			buf_addf(b, ":cs=%s", mp->charset);
		if (mp->disposition)
			buf_addf(b, ":d=%s", mp->disposition);
		if (mp->filename)
			buf_addf(b, ":f=%s", mp->filename);
		if (mp->flags)
			buf_addf(b, ":!%x", mp->flags);
	}
}

static const struct {
	const char	*what;
	const char	*msg;
	const char	*want;		/* summary() */
	const char	*body;		/* decoded body of the last part */
} cases[] = {
	{ "simple text",
	  "From: a@b.example\nSubject: hi\n\nHello\n",
	  "0:-1:text/plain", "Hello\n" },
	{ "multipart/mixed with a base64 attachment",
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/mixed; boundary=\"XX\"\n"
	  "\n"
	  "preamble\n"
	  "--XX\n"
	  "Content-Type: text/plain; charset=UTF-8\n"
	  "\n"
	  "body text\n"
	  "--XX\n"
	  "Content-Type: application/octet-stream\n"
	  "Content-Transfer-Encoding: BASE64\n"
	  "Content-Disposition: attachment; filename=\"a.bin\"\n"
	  "\n"
	  "AQIDBAX/\n"
	  "--XX--\n"
	  "epilogue\n",
	  "0:-1:multipart/mixed|1:0:text/plain:cs=utf-8|"
	  "1:0:application/octet-stream:e=base64:d=attachment:f=a.bin",
	  "\x01\x02\x03\x04\x05\xff" },
	{ "multipart/alternative inside multipart/mixed",
	  "Content-Type: multipart/mixed; boundary=outer\n"
	  "\n"
	  "--outer\n"
	  "Content-Type: multipart/alternative; boundary=outer2\n"
	  "\n"
	  "--outer2\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "plain\n"
	  "--outer2\n"
	  "Content-Type: text/html\n"
	  "Content-Transfer-Encoding: quoted-printable\n"
	  "\n"
	  "<p>caf=C3=A9 =\n"
	  "x</p>  \n"
	  "--outer2--\n"
	  "--outer\n"
	  "Content-Type: image/png; name=x.png\n"
	  "\n"
	  "PNG\n"
	  "--outer--\n",
	  "0:-1:multipart/mixed|1:0:multipart/alternative|2:1:text/plain|"
	  "2:1:text/html:e=quoted-printable|1:0:image/png:f=x.png", "PNG" },
	{ "forwarded message/rfc822 with its own attachment",
	  "Subject: fwd\n"
	  "Content-Type: multipart/mixed; boundary=\"A\"\n"
	  "\n"
	  "--A\n"
	  "\n"
	  "see below\n"
	  "--A\n"
	  "Content-Type: message/rfc822\n"
	  "Content-Disposition: inline\n"
	  "\n"
	  "Subject: inner\n"
	  "Content-Type: multipart/mixed; boundary=\"B\"\n"
	  "\n"
	  "--B\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "inner text\n"
	  "--B\n"
	  "Content-Type: application/x-msdownload; name=\"evil.exe\"\n"
	  "Content-Transfer-Encoding: base64\n"
	  "\n"
	  "TVqQ\n"
	  "--B--\n"
	  "--A--\n",
	  "0:-1:multipart/mixed|1:0:text/plain|1:0:message/rfc822:d=inline|"
	  "2:2:multipart/mixed|3:3:text/plain|"
	  "3:3:application/x-msdownload:e=base64:f=evil.exe", "MZ\x90" },
	{ "RFC 2231 continuations and charset",
	  "Content-Type: application/octet-stream\n"
	  "Content-Disposition: attachment;\n"
	  "\tfilename*1=\".scr\";\n"
	  "\tfilename*0*=UTF-8''%E2%82%AC\n"
	  "\n"
	  "x",
	  "0:-1:application/octet-stream:d=attachment:f=\xe2\x82\xac.scr",
	  "x" },
	{ "RFC 2231 single extended value, windows-1252",
	  "Content-Type: text/plain; name*=windows-1252'en'%80%20%E9.txt\n"
	  "\n",
	  "0:-1:text/plain:f=\xe2\x82\xac \xc3\xa9.txt", "" },
	{ "RFC 2047 filename, B and Q, adjacent words joined",
	  "Content-Type: application/pdf;\n"
	  " name=\"=?UTF-8?B?4oKsLnNjcg==?=\"\n"
	  "Content-Disposition: attachment; filename=\"=?iso-8859-1?Q?caf=E9"
	  "_?=\n =?UTF-8?B?4oKs?= x.pdf\"\n"
	  "\n",
	  "0:-1:application/pdf:d=attachment:f=caf\xc3\xa9 \xe2\x82\xac x.pdf",
	  "" },
	{ "name= on Content-Type only, RFC 2047",
	  "Content-Type: application/octet-stream; name=\"=?UTF-8?B?"
	  "4oKsLnNjcg==?=\"\n\n",
	  "0:-1:application/octet-stream:f=\xe2\x82\xac.scr", "" },
	{ "comments, case, unquoted value with spaces",
	  "content-TYPE: (c) Text/HTML (x) ; CharSet=\"ISO-8859-1\" (y);"
	  " name=my report (1).pdf\n"
	  "CONTENT-DISPOSITION: Attachment\n"
	  "\n",
	  "0:-1:text/html:cs=iso-8859-1:d=attachment:f=my report (1).pdf",
	  "" },
	{ "a comment after an unquoted value is dropped",
	  "Content-Type: text/plain; charset=us-ascii (Plain text)\n\n",
	  "0:-1:text/plain:cs=us-ascii", "" },
	{ "backslash escapes in a quoted string",
	  "Content-Type: text/plain; name=\"a\\\"b\\\\c.txt\"\n\n",
	  "0:-1:text/plain:f=a\"b\\c.txt", "" },
	{ "missing closing boundary",
	  "Content-Type: multipart/mixed; boundary=b\n"
	  "\n"
	  "--b\n"
	  "\n"
	  "one\n"
	  "--b\n"
	  "Content-Type: text/x-two\n"
	  "\n"
	  "two\n",
	  "0:-1:multipart/mixed:!1|1:0:text/plain|1:0:text/x-two", "two\n" },
	{ "an unterminated inner multipart ends with its outer part",
	  "Content-Type: multipart/mixed; boundary=b\n"
	  "\n"
	  "--b\n"
	  "Content-Type: multipart/related; boundary=c\n"
	  "\n"
	  "--c\n"
	  "\n"
	  "in c\n"
	  "--b\n"
	  "Content-Type: text/x-last\n"
	  "\n"
	  "last\n"
	  "--b--\n",
	  "0:-1:multipart/mixed|1:0:multipart/related:!1|2:1:text/plain|"
	  "1:0:text/x-last", "last" },
	{ "delimiters with trailing white space",
	  "Content-Type: multipart/mixed; boundary=b\n"
	  "\n"
	  "--b  \t\n"
	  "\n"
	  "one\n"
	  "--b \n"
	  "\n"
	  "two\n"
	  "--b--   \n",
	  "0:-1:multipart/mixed|1:0:text/plain|1:0:text/plain", "two" },
	{ "a boundary that is a prefix of another line is no delimiter",
	  "Content-Type: multipart/mixed; boundary=b\n"
	  "\n"
	  "--b\n"
	  "Content-Type: multipart/mixed; boundary=bb\n"
	  "\n"
	  "--bb\n"
	  "\n"
	  "inner --b\n"
	  "--bx\n"
	  "--bb--\n"
	  "--b--\n",
	  "0:-1:multipart/mixed|1:0:multipart/mixed|2:1:text/plain",
	  "inner --b\n--bx" },
	{ "no blank line after the headers",
	  "Subject: x\nContent-Type: text/html",
	  "0:-1:text/html", "" },
	{ "a non-header line ends the headers",
	  "Subject: x\nthis is body\n",
	  "0:-1:text/plain:!4", "this is body\n" },
	{ "a part without headers or blank line",
	  "Content-Type: multipart/mixed; boundary=b\n"
	  "\n"
	  "--b\n"
	  "just text\n"
	  "--b--\n",
	  "0:-1:multipart/mixed|1:0:text/plain:!4", "just text" },
	{ "unterminated quoted parameter",
	  "Content-Type: text/plain\n"
	  "Content-Disposition: attachment; filename=\"abc.exe\n"
	  "\n",
	  "0:-1:text/plain:d=attachment:f=abc.exe:!8", "" },
	{ "garbage base64 decodes what it can",
	  "Content-Type: text/plain\n"
	  "Content-Transfer-Encoding: base64\n"
	  "\n"
	  "SGV*sbG8g!d29y\nbGQ=\n",
	  "0:-1:text/plain:e=base64:!10", "Hello world" },
	{ "unknown transfer encoding",
	  "Content-Transfer-Encoding: x-rot13\n\nuryyb",
	  "0:-1:text/plain:e=x-rot13:!10", "uryyb" },
	{ "multipart without boundary parameter",
	  "Content-Type: multipart/mixed\n\nhello\n",
	  "0:-1:multipart/mixed:!2|1:0:text/plain", "hello\n" },
	{ "multipart whose boundary never appears",
	  "Content-Type: multipart/mixed; boundary=zz\n\n--z\nhello\n",
	  "0:-1:multipart/mixed:!2|1:0:text/plain", "--z\nhello\n" },
	{ "empty multipart closed at once",
	  "Content-Type: multipart/mixed; boundary=zz\n\n--zz--\n",
	  "0:-1:multipart/mixed", NULL },
	{ "multipart/digest parts default to message/rfc822",
	  "Content-Type: multipart/digest; boundary=d\n"
	  "\n"
	  "--d\n"
	  "\n"
	  "Subject: one\n"
	  "\n"
	  "1\n"
	  "--d\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "2\n"
	  "--d--\n",
	  "0:-1:multipart/digest|1:0:message/rfc822|2:1:text/plain|"
	  "1:0:text/plain", "2" },
	{ "bad Content-Type falls back to text/plain",
	  "Content-Type: garbage\n\nx",
	  "0:-1:text/plain:!4", "x" },
	{ "message/rfc822 in base64 is not opened",
	  "Content-Type: message/rfc822\n"
	  "Content-Transfer-Encoding: base64\n"
	  "\n"
	  "U3ViamVjdDogeAoKeQo=\n",
	  "0:-1:message/rfc822:e=base64:!10", "Subject: x\n\ny\n" },
	{ "empty message", "", "0:-1:text/plain", "" },
};

/* test_cases - the table, with LF and with CRLF line ends */
static void
test_cases(void)
{
	struct buf s1 = BUF_INIT, s2 = BUF_INIT, out = BUF_INIT;
	struct mime m;
	const struct mime_part *last;
	size_t k, len, blen;
	char *msg;
	int rc;

	for (k = 0; k < NELEM(cases); k++) {
		len = strlen(cases[k].msg);
		msg = exact(cases[k].msg, len);
		rc = mime_parse(&m, msg, len, NULL);
		TEST_OK(rc == 0 && sane(&m, len), "%s: parsed, sane",
		    cases[k].what);
		summary(&m, &s1);
		TEST_IS_STR(buf_str(&s1), cases[k].want, "%s: structure",
		    cases[k].what);
		if (cases[k].body) {
			last = &m.part[m.nparts - 1];
			buf_reset(&out);
			blen = mime_decode(last, msg, &out);
			TEST_OK(blen == out.len && out.len ==
			    strlen(cases[k].body) &&
			    memcmp(out.data, cases[k].body, out.len) == 0,
			    "%s: decoded body (%zu bytes)", cases[k].what,
			    out.len);
		}
		mime_free(&m);
		xfree(msg);

		msg = crlf(cases[k].msg, &len);
		rc = mime_parse(&m, msg, len, NULL);
		summary(&m, &s2);
		TEST_OK(rc == 0 && sane(&m, len) && strcmp(buf_str(&s1),
		    buf_str(&s2)) == 0, "%s: CRLF gives the same structure",
		    cases[k].what);
		if (strcmp(buf_str(&s1), buf_str(&s2)) != 0)
			printf("#   CRLF: %s\n", buf_str(&s2));
		mime_free(&m);
		xfree(msg);
	}
	buf_free(&s1);
	buf_free(&s2);
	buf_free(&out);
}

/* test_offsets - exact ranges of header blocks and bodies */
static void
test_offsets(void)
{
	static const char msg[] =
	    "Content-Type: multipart/mixed; boundary=b\r\n"
	    "\r\n"
	    "--b\r\n"
	    "X: 1\r\n"
	    "\r\n"
	    "one\r\n"
	    "--b\r\n"
	    "--b--\r\n";
	struct mime m;

	mime_parse(&m, msg, sizeof(msg) - 1, NULL);
	TEST_IS_INT(m.nparts, 3, "offsets: 3 parts");
	TEST_IS_INT(m.part[0].hdr_len, 43, "root header block, CRLF kept");
	TEST_IS_INT(m.part[0].body_off, 45, "root body after the blank line");
	TEST_OK(m.part[1].hdr_off == 50 && m.part[1].hdr_len == 6,
	    "part 1 header block");
	TEST_OK(m.part[1].body_off == 58 && m.part[1].body_len == 3,
	    "part 1 body excludes the CRLF before the delimiter");
	TEST_OK(m.part[2].body_off == 68 && m.part[2].body_len == 0 &&
	    m.part[2].hdr_len == 0, "an empty part between two delimiters");
	mime_free(&m);
}

/* test_header - mime_header: case, folding, absence */
static void
test_header(void)
{
	static const char msg[] =
	    "Subject: hello\r\n"
	    "  folded\r\n"
	    "\tworld  \r\n"
	    "X-Empty:\r\n"
	    "subject: second\r\n"
	    "Name : spaced\r\n"
	    "\r\n"
	    "Subject: in the body\r\n";
	struct buf out = BUF_INIT;
	struct mime m;

	mime_parse(&m, msg, sizeof(msg) - 1, NULL);
	TEST_IS_STR(mime_header(msg, &m.part[0], "SUBJECT", &out),
	    "hello  folded\tworld", "mime_header: first, unfolded, trimmed");
	TEST_IS_STR(mime_header(msg, &m.part[0], "x-empty", &out), "",
	    "mime_header: an empty value");
	TEST_IS_STR(mime_header(msg, &m.part[0], "name", &out), "spaced",
	    "mime_header: space before the colon");
	TEST_OK(mime_header(msg, &m.part[0], "From", &out) == NULL,
	    "mime_header: absent is NULL");
	TEST_OK(mime_header(msg, &m.part[0], "Subjec", &out) == NULL,
	    "mime_header: a prefix is not a match");
	mime_free(&m);
	buf_free(&out);
}

/* test_decode - quoted-printable and base64 details */
static void
test_decode(void)
{
	static const struct {
		const char	*enc, *in, *out;
	} dec[] = {
		{ "quoted-printable", "a=3Db=\r\nc  \r\nd=\n=41 \t",
		    "a=bc\r\ndA" },
		{ "quoted-printable", "x= \r\ny=zz=4", "xy=zz=4" },
		{ "quoted-printable", "caf=c3=a9", "caf\xc3\xa9" },
		{ "base64", "Zm9v\r\nYmFy", "foobar" },
		{ "base64", "Zm9v=Zm9v", "foofoo" },
		{ "base64", "Z", "" },
		{ "7bit", "as =41 is", "as =41 is" },
	};
	struct mime_part mp;
	struct buf out = BUF_INIT;
	size_t k, n;

	for (k = 0; k < NELEM(dec); k++) {
		memset(&mp, 0, sizeof(mp));
		mp.encoding = (char *)dec[k].enc;
		mp.body_len = strlen(dec[k].in);
		buf_reset(&out);
		buf_adds(&out, ">");
		n = mime_decode(&mp, dec[k].in, &out);
		TEST_OK(n == strlen(dec[k].out) && strcmp(out.data + 1,
		    dec[k].out) == 0, "decode case %zu (%s)", k,
		    dec[k].enc);
	}
	buf_free(&out);
}

/* slow - the timing bound: 1 s, times MAILSIFT_TEST_SLOW (valgrind) */
static double
slow(void)
{
	const char *s = getenv("MAILSIFT_TEST_SLOW");

	return s && atof(s) > 1 ? atof(s) : 1.0;
}

/* test_limits - deep nesting, too many parts, huge lines */
static void
test_limits(void)
{
	struct mime_limits lim;
	struct buf b = BUF_INIT, out = BUF_INIT;
	struct mime m;
	double t;
	size_t i;
	int rc, ok;

	/* 50 nested multiparts */
	for (i = 0; i < 50; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=\"b%zu\""
		    "\n\n--b%zu\n", i, i);
	buf_adds(&b, "Content-Type: text/plain\n\nleaf\n");
	for (i = 50; i-- > 0; )
		buf_addf(&b, "--b%zu--\n", i);
	t = test_now();
	rc = mime_parse(&m, b.data, b.len, NULL);
	t = test_now() - t;
	TEST_OK(rc == -1 && (m.flags & MIME_TOO_DEEP) && sane(&m, b.len),
	    "50 levels: -1, MIME_TOO_DEEP");
	TEST_IS_INT(m.nparts, 31, "depths 0..30 kept");
	TEST_OK(m.part[30].depth == 30 && m.part[30].is_multipart &&
	    (m.part[30].flags & MIME_TOO_DEEP) &&
	    !(m.part[29].flags & MIME_TOO_DEEP), "the part at depth 30 is "
	    "flagged and not opened");
	TEST_OK(t < slow(), "50 levels in %.3f s", t);
	mime_free(&m);

	/* a chain of 100000 message/rfc822: no C stack used per level */
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "Content-Type: message/rfc822\n\n");
	buf_adds(&b, "Subject: bottom\n\nhi\n");
	lim.max_depth = 1000000;
	lim.max_parts = 1000000;
	t = test_now();
	rc = mime_parse(&m, b.data, b.len, &lim);
	t = test_now() - t;
	TEST_OK(rc == 0 && m.nparts == 100001 && m.part[100000].depth ==
	    100000 && sane(&m, b.len), "100000 nested messages, no limit: "
	    "all parsed");
	TEST_OK(t < slow(), "in %.3f s", t);
	mime_free(&m);
	rc = mime_parse(&m, b.data, b.len, NULL);
	TEST_OK(rc == -1 && m.nparts == 31 && (m.flags & MIME_TOO_DEEP),
	    "the same with default limits: 31 parts, MIME_TOO_DEEP");
	mime_free(&m);

	/* 2000 empty parts */
	buf_reset(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=e\n\n");
	for (i = 0; i < 2000; i++)
		buf_adds(&b, "--e\n");
	buf_adds(&b, "--e--\n");
	rc = mime_parse(&m, b.data, b.len, NULL);
	TEST_OK(rc == -1 && m.nparts == 1000 && (m.flags & MIME_TOO_MANY) &&
	    sane(&m, b.len), "2000 empty parts: 1000 kept, MIME_TOO_MANY");
	mime_free(&m);
	lim.max_depth = 0;
	lim.max_parts = 5000;
	rc = mime_parse(&m, b.data, b.len, &lim);
	for (ok = 1, i = 1; i < (size_t)m.nparts; i++)
		if (m.part[i].body_len || m.part[i].hdr_len)
			ok = 0;
	TEST_OK(rc == 0 && m.nparts == 2001 && ok && m.flags == 0,
	    "with max_parts 5000: 2001 parts, all empty");
	mime_free(&m);

	/* a 10 MB single-line body, plain and base64 in a multipart */
	buf_reset(&b);
	buf_adds(&b, "Content-Type: text/plain\n\n");
	for (i = 0; i < 10 * 1024 * 1024 / 64; i++)
		buf_adds(&b, "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
		    "QUFBQUFBQUFBQUFB");
	t = test_now();
	rc = mime_parse(&m, b.data, b.len, NULL);
	t = test_now() - t;
	TEST_OK(rc == 0 && m.nparts == 1 && m.part[0].body_len == 10 * 1024 *
	    1024, "10 MB single line: one part");
	TEST_OK(t < slow(), "in %.3f s", t);
	mime_free(&m);

	buf_reset(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	    "Content-Transfer-Encoding: base64\n\n");
	for (i = 0; i < 10 * 1024 * 1024 / 64; i++)
		buf_adds(&b, "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
		    "QUFBQUFBQUFBQUFB");
	buf_adds(&b, "\n--q--\n");
	t = test_now();
	rc = mime_parse(&m, b.data, b.len, NULL);
	buf_reset(&out);
	if (m.nparts == 2)
		mime_decode(&m.part[1], b.data, &out);
	t = test_now() - t;
	for (ok = out.len == 10 * 1024 * 1024 / 4 * 3, i = 0; ok &&
	    i < out.len; i++)
		if (out.data[i] != 'A')
			ok = 0;
	TEST_OK(rc == 0 && m.nparts == 2 && m.flags == 0 && ok,
	    "10 MB base64 line in a multipart: parsed and decoded");
	TEST_OK(t < slow(), "in %.3f s", t);
	mime_free(&m);

	/* a 10 MB line made of near-delimiters */
	buf_reset(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=q\n\n--q\n\n");
	for (i = 0; i < 10 * 1024 * 1024 / 4; i++)
		buf_adds(&b, "--qx");
	t = test_now();
	rc = mime_parse(&m, b.data, b.len, NULL);
	t = test_now() - t;
	TEST_OK(rc == 0 && m.nparts == 2 && (m.flags &
	    MIME_BROKEN_UNTERMINATED), "10 MB of \"--qx\": one part");
	TEST_OK(t < slow(), "in %.3f s", t);
	mime_free(&m);

	/* a 10 MB header of encoded-word openers and parameters */
	buf_reset(&b);
	buf_adds(&b, "Content-Type: text/plain; name=\"");
	for (i = 0; i < 10 * 1024 * 1024 / 8; i++)
		buf_adds(&b, "=?a?b?x ");
	buf_adds(&b, "\"; ");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "name*0=x; ");
	buf_adds(&b, "\n\n");
	t = test_now();
	rc = mime_parse(&m, b.data, b.len, NULL);
	t = test_now() - t;
	TEST_OK(rc == 0 && m.nparts == 1 && m.part[0].filename &&
	    (m.flags & MIME_BROKEN_PARAM), "10 MB hostile Content-Type");
	TEST_OK(t < slow(), "in %.3f s", t);
	mime_free(&m);

	buf_free(&b);
	buf_free(&out);
}

static const char fuzz_seed[] =
    "From: a@b.example\n"
    "Subject: =?UTF-8?Q?fuzz?=\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\n"
    "\n"
    "--XX\n"
    "Content-Type: multipart/alternative; boundary=YY\n"
    "\n"
    "--YY\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "caf=C3=A9 =\n"
    "x\n"
    "--YY--\n"
    "--XX\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner\n"
    "Content-Type: multipart/mixed; boundary=\"ZZ\"\n"
    "\n"
    "--ZZ\n"
    "Content-Type: application/octet-stream; name=\"=?UTF-8?B?4oKs?=\"\n"
    "Content-Disposition: attachment; filename*0*=UTF-8''%E2%82%AC;\n"
    " filename*1=\".scr\" (c)\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAECAwQF/w==\n"
    "--ZZ--\n"
    "--XX\n"
    "Content-Type: multipart/digest; boundary=D\n"
    "\n"
    "--D\n"
    "\n"
    "Subject: d\n"
    "\n"
    "x\n"
    "--D--\n"
    "--XX--\n";

static const char *const fuzz_tokens[] = {
	"\n", "\r\n", "\n\n", "--XX", "--YY", "--ZZ--", "--D", "\"", ";",
	"=?", "?=", "(", ")", "\\", "*0*=", "%", "=", " ", "\t", ":",
	"Content-Type: multipart/mixed; boundary=XX\n",
	"Content-Type: message/rfc822\n\n", "\0",
};

/* rnd - xorshift64, fixed seed: the fuzz run is repeatable */
static uint64_t
rnd(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ULL;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* mutate - a few random edits of b */
static void
mutate(struct buf *b)
{
	struct buf t = BUF_INIT;
	size_t pos, n, k;
	const char *tok;
	int edits = 1 + (int)(rnd() % 8);

	while (edits--) {
		pos = b->len ? rnd() % (b->len + 1) : 0;
		switch (rnd() % 5) {
		case 0:		/* flip a byte */
			if (pos < b->len)
				b->data[pos] = (char)rnd();
			break;
		case 1:		/* delete a run */
			n = rnd() % 16;
			if (pos + n > b->len)
				n = b->len - pos;
			memmove(b->data + pos, b->data + pos + n,
			    b->len - pos - n);
			buf_trunc(b, b->len - n);
			break;
		case 2:		/* insert a token */
		case 3:
			k = rnd() % NELEM(fuzz_tokens);
			tok = fuzz_tokens[k];
			buf_reset(&t);
			buf_add(&t, b->data, pos);
			buf_add(&t, tok, *tok ? strlen(tok) : 1);
			buf_add(&t, b->data + pos, b->len - pos);
			buf_reset(b);
			buf_add(b, t.data, t.len);
			break;
		default:	/* duplicate a run */
			n = rnd() % 64;
			if (pos + n > b->len)
				n = b->len - pos;
			buf_reset(&t);
			buf_add(&t, b->data, pos + n);
			buf_add(&t, b->data + pos, b->len - pos);
			buf_reset(b);
			buf_add(b, t.data, t.len);
			break;
		}
	}
	buf_free(&t);
}

/* test_fuzz - random mutations and random bytes never break anything */
static void
test_fuzz(void)
{
	static const char alphabet[] = "ab-\n\r:;=\" \t\x80\xff";
	struct buf b = BUF_INIT, out = BUF_INIT;
	struct mime_limits lim = { 4, 50 };
	struct mime m;
	int iter, i, bad = 0, mutations = 0;
	char *msg;
	size_t len, k;

	for (iter = 0; iter < 20000; iter++) {
		buf_reset(&b);
		buf_add(&b, fuzz_seed, sizeof(fuzz_seed) - 1);
		/* some inputs compound several rounds of edits */
		for (k = 0; k < 1 + (size_t)(iter % 3); k++)
			mutate(&b);
		mutations++;
		len = b.len;
		msg = exact(b.data, len);
		mime_parse(&m, msg, len, iter % 2 ? &lim : NULL);
		if (!sane(&m, len)) {
			if (bad++ < 5)
				printf("#   insane result at iteration %d\n",
				    iter);
		}
		for (i = 0; i < m.nparts; i++) {
			buf_reset(&out);
			mime_decode(&m.part[i], msg, &out);
			mime_header(msg, &m.part[i], "content-type", &out);
		}
		mime_free(&m);
		xfree(msg);
	}
	TEST_OK(bad == 0, "%d mutated messages: offsets always inside the "
	    "input", mutations);

	for (iter = 0, bad = 0; iter < 5000; iter++) {
		buf_reset(&b);
		len = rnd() % 512;
		for (k = 0; k < len; k++)
			buf_addc(&b, alphabet[rnd() % (sizeof(alphabet) - 1)]);
		msg = exact(b.data, len);
		mime_parse(&m, msg, len, NULL);
		if (!sane(&m, len))
			bad++;
		for (i = 0; i < m.nparts; i++) {
			buf_reset(&out);
			mime_decode(&m.part[i], msg, &out);
		}
		mime_free(&m);
		xfree(msg);
	}
	TEST_OK(bad == 0, "5000 random messages: sane");
	buf_free(&b);
	buf_free(&out);
}

/* main - run every area */
int
main(void)
{
	test_cases();
	test_offsets();
	test_header();
	test_decode();
	test_limits();
	test_fuzz();
	TEST_DONE();
}
