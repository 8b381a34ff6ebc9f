/*
 * msgtext_test.c - unit tests for msgtext.c: rendered body, rawbody and
 * header values compared with SpamAssassin 4.0.1's own output
 * (get_rendered_body_text_array, get_decoded_body_text_array,
 * PerMsgStatus get) for small messages, plus hostile input: deep
 * nesting, a 10 MB line, invalid charsets, limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mem.h"
#include "msgtext.h"
#include "test.h"

/* Expected output captured from SpamAssassin 4.0.1 (perl, Debian 12). */
static const struct sacase {
	const char *name;
	const char *msg;
	size_t len;
	const char *want;
} sacases[] = {
	{ "m1",
	    "From: \"Joe Q. Public\" <joe@example.com>\r\n"
	    "To: a@b.c,\r\n"
	    "  d@e.f\r\n"
	    "Cc: x@y.z\r\n"
	    "Subject: =?ISO-8859-1?Q?Caf=E9?= =?ISO-8859-1?Q?_ol=E9?=\r\n"
	    "Message-Id: <1@x>\r\n"
	    "X-Multi: one\r\n"
	    "X-Multi: two\r\n"
	    "\r\n"
	    "Hello  world\r\n"
	    "line two\r\n"
	    "\r\n"
	    "\r\n"
	    "para\ttwo\r\n"
	    "",
	    218,
	    "BODY:\n"
	    " [Caf\\xc3\\xa9 ol\\xc3\\xa9\\n]\n"
	    " [Hello world line two\\n]\n"
	    " [para two ]\n"
	    "RAW:\n"
	    " [Hello  world\\nline two\\n\\n\\npara\\ttwo\\n]\n"
	    "GET From: [\"Joe Q. Public\" <joe@example.com>\\n]\n"
	    "GET From:addr: [joe@example.com]\n"
	    "GET From:name: [Joe Q. Public]\n"
	    "GET From:raw: [ \"Joe Q. Public\" <joe@example.com>\\n]\n"
	    "GET To:addr: [a@b.c]\n"
	    "GET To:name: [undef]\n"
	    "GET ToCc: [a@b.c, d@e.f\\nx@y.z\\n]\n"
	    "GET Subject: [Caf\\xc3\\xa9 ol\\xc3\\xa9\\n]\n"
	    "GET Subject:raw: [ =?ISO-8859-1?Q?Caf=E9?= =?ISO-8859-1?Q?_ol"
	    "=E9?=\\n]\n"
	    "GET MESSAGEID: [<1@x>\\n]\n"
	    "GET ALL: [From: \"Joe Q. Public\" <joe@example.com>\\nTo: a@b"
	    ".c, d@e.f\\nCc: x@y.z\\nSubject: Caf\\xc3\\xa9 ol\\xc3\\xa9\\"
	    "nMessage-Id: <1@x>\\nX-Multi: one\\nX-Multi: two\\n]\n"
	    "GET Received: [undef]\n"
	    "GET X-None: [undef]\n"
	    "" },
	{ "m2",
	    "From: Alice <a@x.org>\r\n"
	    "Subject: multi\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"B1\"\r\n"
	    "\r\n"
	    "preamble\r\n"
	    "--B1\r\n"
	    "Content-Type: multipart/alternative; boundary=\"B2\"\r\n"
	    "\r\n"
	    "--B2\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "Gr=C3=BC=C3=9Fe, soft=\r\n"
	    " break\r\n"
	    "--B2\r\n"
	    "Content-Type: text/html; charset=iso-8859-1\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "PGh0bWw+PGJvZHk+PHA+Q2Fm6SA8Yj5ib2xkPC9iPjwvcD48cD5uZXh0Jm5ic"
	    "3A7cGFyYTwvcD48\r\n"
	    "L2JvZHk+PC9odG1sPg==\r\n"
	    "\r\n"
	    "--B2--\r\n"
	    "--B1\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "AAEC\r\n"
	    "--B1\r\n"
	    "Content-Type: text/calendar\r\n"
	    "\r\n"
	    "BEGIN:VCALENDAR\r\n"
	    "--B1\r\n"
	    "Content-Type: text/enriched\r\n"
	    "\r\n"
	    "enriched text\r\n"
	    "--B1--\r\n"
	    "",
	    703,
	    "BODY:\n"
	    " [multi\\n]\n"
	    " [Gr\\xc3\\xbc\\xc3\\x9fe, soft break\\n]\n"
	    " [Caf\\xc3\\xa9 bold\\n]\n"
	    " [next para\\n]\n"
	    " [enriched text ]\n"
	    "RAW:\n"
	    " [Gr\\xc3\\xbc\\xc3\\x9fe, soft break\\n]\n"
	    " [<html><body><p>Caf\\xe9 <b>bold</b></p><p>next&nbsp;para</p"
	    "></body></html>]\n"
	    " [enriched text\\n]\n"
	    "GET From: [Alice <a@x.org>\\n]\n"
	    "GET From:addr: [a@x.org]\n"
	    "GET From:name: [Alice]\n"
	    "GET From:raw: [ Alice <a@x.org>\\n]\n"
	    "GET To:addr: [undef]\n"
	    "GET To:name: [undef]\n"
	    "GET ToCc: [undef]\n"
	    "GET Subject: [multi\\n]\n"
	    "GET Subject:raw: [ multi\\n]\n"
	    "GET MESSAGEID: [undef]\n"
	    "GET ALL: [From: Alice <a@x.org>\\nSubject: multi\\nMIME-Versi"
	    "on: 1.0\\nContent-Type: multipart/mixed; boundary=\"B1\"\\n]\n"
	    "GET Received: [undef]\n"
	    "GET X-None: [undef]\n"
	    "" },
	{ "m3",
	    "Subject: bad \351charset\r\n"
	    "Content-Type: text/plain; charset=x-bogus\r\n"
	    "\r\n"
	    "Caf\351 \223quoted\224 and \201 here\r\n"
	    "",
	    94,
	    "BODY:\n"
	    " [bad \\xc3\\xa9charset\\n]\n"
	    " [Caf\\xc3\\xa9 \\xe2\\x80\\x9cquoted\\xe2\\x80\\x9d and \\xe"
	    "f\\xbf\\xbd here ]\n"
	    "RAW:\n"
	    " [Caf\\xe9 \\x93quoted\\x94 and \\x81 here\\n]\n"
	    "GET From: [undef]\n"
	    "GET From:addr: [undef]\n"
	    "GET From:name: [undef]\n"
	    "GET From:raw: [undef]\n"
	    "GET To:addr: [undef]\n"
	    "GET To:name: [undef]\n"
	    "GET ToCc: [undef]\n"
	    "GET Subject: [bad \\xc3\\xa9charset\\n]\n"
	    "GET Subject:raw: [ bad \\xe9charset\\n]\n"
	    "GET MESSAGEID: [undef]\n"
	    "GET ALL: [Subject: bad \\xc3\\xa9charset\\nContent-Type: text"
	    "/plain; charset=x-bogus\\n]\n"
	    "GET Received: [undef]\n"
	    "GET X-None: [undef]\n"
	    "" },
	{ "m5",
	    "Subject: nul\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "a\000b c\302\240\302\240d\r\n"
	    " \r\n"
	    "  \t\r\n"
	    " e\r\n"
	    "",
	    81,
	    "BODY:\n"
	    " [nul\\n]\n"
	    " [a\\n]\n"
	    " [b c d\\n]\n"
	    " [ e ]\n"
	    "RAW:\n"
	    " [a\\x00b c\\xc2\\xa0\\xc2\\xa0d\\n \\n  \\t\\n e\\n]\n"
	    "GET From: [undef]\n"
	    "GET From:addr: [undef]\n"
	    "GET From:name: [undef]\n"
	    "GET From:raw: [undef]\n"
	    "GET To:addr: [undef]\n"
	    "GET To:name: [undef]\n"
	    "GET ToCc: [undef]\n"
	    "GET Subject: [nul\\n]\n"
	    "GET Subject:raw: [ nul\\n]\n"
	    "GET MESSAGEID: [undef]\n"
	    "GET ALL: [Subject: nul\\nContent-Type: text/plain; charset=ut"
	    "f-8\\n]\n"
	    "GET Received: [undef]\n"
	    "GET X-None: [undef]\n"
	    "" },
	{ "m6",
	    "From: =?UTF-8?B?w4lyaWM=?= <eric@x.fr>, bob@y.z\r\n"
	    "To: \"Smith, John\" (comment) <js@x.org>\r\n"
	    "Subject: plain\r\n"
	    "Subject: second subject\r\n"
	    "Received: from =?utf-8?q?x?= by y\r\n"
	    "Content-Type: text/plain; charset=windows-1252\r\n"
	    "\r\n"
	    "smart \223quotes\224\r\n"
	    "",
	    231,
	    "BODY:\n"
	    " [second subject\\n]\n"
	    " [smart \\xe2\\x80\\x9cquotes\\xe2\\x80\\x9d ]\n"
	    "RAW:\n"
	    " [smart \\x93quotes\\x94\\n]\n"
	    "GET From: [\\xc3\\x89ric <eric@x.fr>, bob@y.z\\n]\n"
	    "GET From:addr: [eric@x.fr]\n"
	    "GET From:name: [\\xc3\\x89ric]\n"
	    "GET From:raw: [ =?UTF-8?B?w4lyaWM=?= <eric@x.fr>, bob@y.z\\n]"
	    "\n"
	    "GET To:addr: [js@x.org]\n"
	    "GET To:name: [Smith, John]\n"
	    "GET ToCc: [\"Smith, John\" (comment) <js@x.org>\\n]\n"
	    "GET Subject: [plain\\nsecond subject\\n]\n"
	    "GET Subject:raw: [ plain\\n second subject\\n]\n"
	    "GET MESSAGEID: [undef]\n"
	    "GET ALL: [From: \\xc3\\x89ric <eric@x.fr>, bob@y.z\\nTo: \"Sm"
	    "ith, John\" (comment) <js@x.org>\\nSubject: plain\\nSubject: "
	    "second subject\\nReceived: from =?utf-8?q?x?= by y\\nContent-"
	    "Type: text/plain; charset=windows-1252\\n]\n"
	    "GET Received: [from =?utf-8?q?x?= by y\\n]\n"
	    "GET X-None: [undef]\n"
	    "" },
	{ "m8",
	    "Subject: t\r\n"
	    "Content-Type: multipart/mixed; boundary=B\r\n"
	    "\r\n"
	    "--B\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "one\r\n"
	    "\r\n"
	    "--B\r\n"
	    "Content-Type: text/calendar\r\n"
	    "\r\n"
	    "cal\r\n"
	    "--B\r\n"
	    "Content-Type: application/x-foo\r\n"
	    "\r\n"
	    "foo\r\n"
	    "--B\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "two\r\n"
	    "--B--\r\n"
	    "",
	    228,
	    "BODY:\n"
	    " [t\\n]\n"
	    " [one\\n]\n"
	    " [two ]\n"
	    "RAW:\n"
	    " [one\\n\\n]\n"
	    " [two\\n]\n"
	    "GET From: [undef]\n"
	    "GET From:addr: [undef]\n"
	    "GET From:name: [undef]\n"
	    "GET From:raw: [undef]\n"
	    "GET To:addr: [undef]\n"
	    "GET To:name: [undef]\n"
	    "GET ToCc: [undef]\n"
	    "GET Subject: [t\\n]\n"
	    "GET Subject:raw: [ t\\n]\n"
	    "GET MESSAGEID: [undef]\n"
	    "GET ALL: [Subject: t\\nContent-Type: multipart/mixed; boundar"
	    "y=B\\n]\n"
	    "GET Received: [undef]\n"
	    "GET X-None: [undef]\n"
	    "" },
	{ "m9",
	    "From: Joe <>\r\n"
	    "To: undisclosed-recipients:;\r\n"
	    "Cc: Group: a@b.c, d@e.f;\r\n"
	    "Subject: g\r\n"
	    "\r\n"
	    "x\r\n"
	    "",
	    87,
	    "BODY:\n"
	    " [g\\n]\n"
	    " [x ]\n"
	    "RAW:\n"
	    " [x\\n]\n"
	    "GET From: [Joe <>\\n]\n"
	    "GET From:addr: [undef]\n"
	    "GET From:name: [Joe]\n"
	    "GET From:raw: [ Joe <>\\n]\n"
	    "GET To:addr: [undef]\n"
	    "GET To:name: [undef]\n"
	    "GET ToCc: [undisclosed-recipients:;\\nGroup: a@b.c, d@e.f;\\n"
	    "]\n"
	    "GET Subject: [g\\n]\n"
	    "GET Subject:raw: [ g\\n]\n"
	    "GET MESSAGEID: [undef]\n"
	    "GET ALL: [From: Joe <>\\nTo: undisclosed-recipients:;\\nCc: G"
	    "roup: a@b.c, d@e.f;\\nSubject: g\\n]\n"
	    "GET Received: [undef]\n"
	    "GET X-None: [undef]\n"
	    "" },
	{ "m12",
	    "Subject: runs\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "a\r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    " \r\n"
	    "b\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "\r\n"
	    "c\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "\t\r\n"
	    "d\r\n"
	    "",
	    271,
	    "BODY:\n"
	    " [runs\\n]\n"
	    " [\\n]\n"
	    " [a\\n]\n"
	    " [b\\n]\n"
	    " [c\\n]\n"
	    " [d ]\n"
	    "RAW:\n"
	    " [\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\"
	    "n\\na\\n \\n \\n \\n \\n \\n \\n \\n \\n \\n \\n \\n \\n \\n "
	    "\\n \\n \\n \\n \\n \\n \\nb\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n"
	    "\\n\\n\\n\\n\\n\\n\\n\\n\\n\\nc\\n\\t\\n\\t\\n\\t\\n\\t\\n\\t"
	    "\\n\\t\\n\\t\\n\\t\\n\\t\\n\\t\\n\\t\\n\\t\\n\\t\\n\\t\\n\\t\\"
	    "n\\t\\n\\t\\n\\t\\n\\t\\n\\t\\nd\\n]\n"
	    "GET From: [undef]\n"
	    "GET From:addr: [undef]\n"
	    "GET From:name: [undef]\n"
	    "GET From:raw: [undef]\n"
	    "GET To:addr: [undef]\n"
	    "GET To:name: [undef]\n"
	    "GET ToCc: [undef]\n"
	    "GET Subject: [runs\\n]\n"
	    "GET Subject:raw: [ runs\\n]\n"
	    "GET MESSAGEID: [undef]\n"
	    "GET ALL: [Subject: runs\\n]\n"
	    "GET Received: [undef]\n"
	    "GET X-None: [undef]\n"
	    "" },
};

/* esc - s[0..n) escaped as the capture script printed it */
static void
esc(struct buf *b, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '\\')
			buf_adds(b, "\\\\");
		else if (c == '\n')
			buf_adds(b, "\\n");
		else if (c == '\r')
			buf_adds(b, "\\r");
		else if (c == '\t')
			buf_adds(b, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			buf_addf(b, "\\x%02x", c);
		else
			buf_addc(b, c);
	}
}

/* dump - t and the header requests in the capture script's format */
static void
dump(const struct msgtext *t, struct buf *b)
{
	static const char *req[] = { "From", "From:addr", "From:name",
	    "From:raw", "To:addr", "To:name", "ToCc", "Subject",
	    "Subject:raw", "MESSAGEID", "ALL", "Received", "X-None" };
	struct buf v = BUF_INIT;
	const char *r;
	size_t i;
	int k;

	buf_adds(b, "BODY:\n");
	for (k = 0; k < t->body.n; k++) {
		buf_adds(b, " [");
		esc(b, t->body.text.data + t->body.off[k], t->body.len[k]);
		buf_adds(b, "]\n");
	}
	buf_adds(b, "RAW:\n");
	for (k = 0; k < t->rawbody.n; k++) {
		buf_adds(b, " [");
		esc(b, t->rawbody.text.data + t->rawbody.off[k],
		    t->rawbody.len[k]);
		buf_adds(b, "]\n");
	}
	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		buf_addf(b, "GET %s: [", req[i]);
		if ((r = msgtext_header(t, req[i], &v)) == NULL)
			buf_adds(b, "undef");
		else
			esc(b, r, v.len);
		buf_adds(b, "]\n");
	}
	buf_free(&v);
}

/* test_sa - the captured messages give SA's output byte for byte */
static void
test_sa(void)
{
	struct msgtext t;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(sacases) / sizeof(sacases[0]); i++) {
		msgtext_parse(&t, sacases[i].msg, sacases[i].len);
		buf_reset(&b);
		dump(&t, &b);
		TEST_IS_STR(buf_str(&b), sacases[i].want, "%s as SA 4.0.1",
		    sacases[i].name);
		msgtext_free(&t);
	}
	buf_free(&b);
}

/* lens - the line lengths of l as "a,b,c" */
static void
lens(const struct msgtext_lines *l, struct buf *b)
{
	int k;

	buf_reset(b);
	for (k = 0; k < l->n; k++)
		buf_addf(b, "%s%zu", k ? "," : "", l->len[k]);
}

/* test_split - long lines split as SA (lengths captured from SA) */
static void
test_split(void)
{
	struct msgtext t;
	struct buf m = BUF_INIT, b = BUF_INIT;
	int i;

	buf_adds(&m, "Subject: q\xe2\x80\x99s\r\nContent-Type: text/plain; "
	    "charset=us-ascii\r\n\r\n");
	for (i = 0; i < 1000; i++)
		buf_adds(&m, "word ");
	buf_adds(&m, "\r\n");
	for (i = 0; i < 5000; i++)
		buf_addc(&m, 'x');
	buf_adds(&m, "\r\n");
	msgtext_parse(&t, m.data, m.len);
	lens(&t.body, &b);
	TEST_IS_STR(buf_str(&b), "6,2045,2045,910,2048,2048,905",
	    "body lines cut at a space, else at 2048");
	lens(&t.rawbody, &b);
	TEST_IS_STR(buf_str(&b), "2050,2951,2049,2952",
	    "rawbody paragraphs cut at newline or space");
	msgtext_free(&t);

	buf_reset(&m);
	buf_adds(&m, "Subject: long\r\n\r\n");
	for (i = 0; i < 10000; i++)
		buf_addc(&m, 'x');
	buf_addc(&m, '>');
	for (i = 0; i < 3000; i++)
		buf_addc(&m, 'y');
	buf_adds(&m, "\r\n");
	msgtext_parse(&t, m.data, m.len);
	lens(&t.body, &b);
	TEST_IS_STR(buf_str(&b), "5,2048,2048,2048,2048,2048,2048,714",
	    "no space: 2048-byte body lines");
	lens(&t.rawbody, &b);
	TEST_IS_STR(buf_str(&b), "2049,2049,2049,3854,3001",
	    "rawbody cut at '>' within the window");
	msgtext_free(&t);
	buf_free(&m);
	buf_free(&b);
}

/* test_charsets - conversion choices */
static void
test_charsets(void)
{
	struct buf b = BUF_INIT;

	msgtext_to_utf8("iso-8859-1", "caf\xe9", 4, &b);
	TEST_IS_STR(buf_str(&b), "caf\xc3\xa9", "latin-1");
	buf_reset(&b);
	msgtext_to_utf8("iso-8859-1", "\x93q\x94", 3, &b);
	TEST_IS_STR(buf_str(&b), "\xe2\x80\x9cq\xe2\x80\x9d",
	    "iso-8859-1 read as windows-1252");
	buf_reset(&b);
	msgtext_to_utf8("koi8-r", "\xf0\xd2\xc9", 3, &b);
	TEST_IS_STR(buf_str(&b), "\xd0\x9f\xd1\x80\xd0\xb8", "koi8-r");
	buf_reset(&b);
	msgtext_to_utf8("iso-8859-1", "\xc3\xa9", 2, &b);
	TEST_IS_STR(buf_str(&b), "\xc3\xa9", "valid UTF-8 wins");
	buf_reset(&b);
	msgtext_to_utf8("x/../../etc", "a\x81", 2, &b);
	TEST_IS_STR(buf_str(&b), "a\xef\xbf\xbd",
	    "insane charset: windows-1252 last resort, U+FFFD");
	buf_reset(&b);
	msgtext_to_utf8(NULL, "plain", 5, &b);
	TEST_IS_STR(buf_str(&b), "plain", "no charset, ASCII");
	buf_reset(&b);
	msgtext_to_utf8("utf-16", "\xff\xfe" "a\0", 4, &b);
	TEST_IS_STR(buf_str(&b), "a", "UTF-16 with BOM");
	buf_free(&b);
}

/* test_headers - modifiers and pseudo-headers not in the SA cases */
static void
test_headers(void)
{
	static const char msg[] =
	    "From: bob@example.org (Bob)\r\n"
	    "To: =?utf-8?q?J=C3=B6rg?= <j@x.de>\r\n"
	    "X-Message-Id: <xm@x>\r\n"
	    "Message-Id: <m@x>\r\n"
	    "X-A: 1\r\n"
	    "X-A: 2\r\n"
	    "Subject: =?utf-8?B?w6k=?=  =?utf-8?B?w6k=?= x\r\n"
	    "\r\n"
	    "body\r\n";
	struct msgtext t;
	struct buf b = BUF_INIT;

	msgtext_parse(&t, msg, sizeof(msg) - 1);
	TEST_IS_STR(msgtext_header(&t, "From:addr", &b), "bob@example.org",
	    "addr-spec with a comment");
	TEST_IS_STR(msgtext_header(&t, "To:name", &b), "J\xc3\xb6rg",
	    "encoded display name decoded");
	TEST_IS_STR(msgtext_header(&t, "To:name:raw", &b),
	    "=?utf-8?q?J=C3=B6rg?=", "raw display name");
	TEST_IS_STR(msgtext_header(&t, "MESSAGEID", &b), "<xm@x>\n<m@x>\n",
	    "MESSAGEID order");
	TEST_IS_STR(msgtext_header(&t, "x-a", &b), "1\n2\n",
	    "any case, all occurrences");
	TEST_IS_STR(msgtext_header(&t, "X-A:first", &b), "1\n", ":first");
	TEST_IS_STR(msgtext_header(&t, "X-A:last", &b), "2\n", ":last");
	TEST_IS_STR(msgtext_header(&t, "Subject", &b), "\xc3\xa9\xc3\xa9 x\n",
	    "adjacent encoded words joined");
	TEST_IS_STR(msgtext_header(&t, "Cc", &b), NULL, "absent: NULL");
	TEST_IS_STR(msgtext_header(&t, "ToCc:addr", &b), "j@x.de",
	    "ToCc:addr");
	TEST_IS_STR(t.body.text.data, "\xc3\xa9\xc3\xa9 x\nbody ",
	    "subject first");
	msgtext_free(&t);

	/* values checked against SA 4.0.1's get() */
	msgtext_parse(&t, "To: v-list@x.org, RPM-List <rpm@x.net>\r\n"
	    "Cc: <Undisclosed Recipients@x.com>, ok@y.org\r\n\r\nb\r\n",
	    91);
	TEST_IS_STR(msgtext_header(&t, "To:name", &b), "RPM-List",
	    ":name: the first mailbox that has a name");
	TEST_IS_STR(msgtext_header(&t, "To:addr", &b), "v-list@x.org",
	    ":addr: the first mailbox");
	TEST_IS_STR(msgtext_header(&t, "Cc:addr", &b), "ok@y.org",
	    ":addr: spaces in <> are no address");
	msgtext_free(&t);
	buf_free(&b);
}

/* test_hostile - deep nesting, huge lines, many parts stay bounded */
static void
test_hostile(void)
{
	struct msgtext t;
	struct buf m = BUF_INIT;
	clock_t c0;
	int i;

	buf_adds(&m, "Subject: deep\r\n");
	for (i = 0; i < 50; i++)
		buf_addf(&m, "Content-Type: multipart/mixed; boundary=b%d\r\n"
		    "\r\n--b%d\r\n", i, i);
	buf_adds(&m, "Content-Type: text/plain\r\n\r\ninner\r\n");
	msgtext_parse(&t, m.data, m.len);
	TEST_OK(t.body.n >= 1 && t.mime_flags != 0,
	    "50-level nesting parsed within limits (%d lines, flags %#x)",
	    t.body.n, t.mime_flags);
	msgtext_free(&t);

	buf_reset(&m);
	buf_adds(&m, "Subject: big\r\nContent-Type: text/html; charset=x\r\n"
	    "\r\n");
	for (i = 0; i < 10 * 1024 * 1024; i++)
		buf_addc(&m, i % 7 ? 'a' : '\xe9');
	c0 = clock();
	msgtext_parse(&t, m.data, m.len);
	TEST_OK(t.body.text.len <= MSGTEXT_BODY_SCAN + 3 * 1025 + 64,
	    "10 MB line: body cut to the scan size (%zu)", t.body.text.len);
	TEST_OK(t.rawbody.text.len <= MSGTEXT_RAW_SCAN + 1025,
	    "10 MB line: rawbody cut (%zu)", t.rawbody.text.len);
	TEST_OK(t.flags & MSGTEXT_TRUNCATED, "truncation flagged");
	TEST_OK(clock() - c0 < 20 * CLOCKS_PER_SEC, "linear time");
	msgtext_free(&t);

	buf_reset(&m);
	buf_adds(&m, "Subject: many\r\nContent-Type: multipart/mixed; "
	    "boundary=z\r\n\r\n");
	for (i = 0; i < 3000; i++)
		buf_adds(&m, "--z\r\nContent-Type: text/plain; "
		    "charset=\"\\\"bad\"\r\n\r\n\xff\xfe\x81x\r\n");
	buf_adds(&m, "--z--\r\n");
	msgtext_parse(&t, m.data, m.len);
	TEST_OK(t.body.n >= 2 && t.body.text.len < 3000 * 10,
	    "many parts, invalid charsets: bounded (%zu bytes)",
	    t.body.text.len);
	msgtext_free(&t);

	buf_reset(&m);
	for (i = 0; i < 4000; i++)
		buf_addf(&m, "X-E: =?%s?q?=E9?= =?x-%d?b?6Q==?=%s",
		    i % 2 ? "koi8-r" : "iso-8859-2", i,
		    i % 40 == 39 ? "\r\n" : "\r\n ");
	buf_adds(&m, "\r\nbody\r\n");
	c0 = clock();
	msgtext_parse(&t, m.data, m.len);
	TEST_OK(t.nhdr == 100 && clock() - c0 < 10 * CLOCKS_PER_SEC,
	    "4000 encoded words in assorted charsets: %d fields, %.2fs",
	    t.nhdr, (double)(clock() - c0) / CLOCKS_PER_SEC);
	msgtext_free(&t);

	msgtext_parse(&t, "", 0);
	TEST_OK(t.body.n == 1 && t.nhdr == 0, "empty message: one line");
	TEST_IS_STR(t.body.text.data, "\n", "empty message: empty subject");
	msgtext_free(&t);
	buf_free(&m);
}

/* has_uri - is u in the list? */
static int
has_uri(const struct uri_list *l, const char *u)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], u) == 0)
			return 1;
	return 0;
}

/* test_kept - MIME tree, HTML parts, the uri list, list-context get */
static void
test_kept(void)
{
	static const char msg[] =
	    "From: A <a@x.example.com>\r\n"
	    "To: one@a.com, \"Two\" <two@b.org>\r\n"
	    "Subject: see www.example.com/page now\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"q\"\r\n"
	    "\r\n"
	    "--q\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "go to http://Example.ORG/%41b?x=1 or mail me@example.net\r\n"
	    "--q\r\n"
	    "Content-Type: text/html\r\n"
	    "\r\n"
	    "<a href=\"http://html.example.com/\">x</a>"
	    "<img src=\"/rel/pic.gif\">\r\n"
	    "--q--\r\n";
	struct msgtext t;
	struct buf b = BUF_INIT;
	const char *v;

	msgtext_parse(&t, msg, sizeof(msg) - 1);
	TEST_IS_INT(t.mime.nparts, 3, "MIME tree kept (3 parts)");
	TEST_OK(t.src.len > 0 && t.mime.part[2].body_off < t.src.len &&
	    strncmp(t.src.data + t.mime.part[2].body_off, "<a href", 7) == 0,
	    "part offsets point into src");
	TEST_IS_INT(t.nhtml, 1, "one HTML part kept");
	TEST_OK(t.nhtml == 1 && t.html_part[0] == 2 &&
	    t.html[0].nuri == 2, "its index and its URIs");
	TEST_OK(has_uri(&t.uris, "http://www.example.com/page"),
	    "schemeless URI from the Subject line");
	TEST_OK(has_uri(&t.uris, "http://Example.ORG/%41b?x=1") &&
	    has_uri(&t.uris, "http://Example.ORG/Ab?x=1"),
	    "text URI and its canonical variant");
	TEST_OK(has_uri(&t.uris, "mailto:me@example.net"), "address");
	TEST_OK(has_uri(&t.uris, "http://html.example.com/"), "HTML URI");
	TEST_OK(has_uri(&t.uris, "/rel/pic.gif"),
	    "relative HTML URI kept as found, as SA");
	v = msgtext_header_list(&t, "To:addr", &b);
	TEST_IS_STR(v, "one@a.com\ntwo@b.org", "To:addr in list context");
	v = msgtext_header(&t, "To:addr", &b);
	TEST_IS_STR(v, "one@a.com", "To:addr in scalar context");
	v = msgtext_header_list(&t, "To:name", &b);
	TEST_IS_STR(v, "Two", "To:name in list context");
	v = msgtext_header_list(&t, "X-None:addr", &b);
	TEST_OK(v == NULL, "no header: NULL");
	buf_free(&b);
	msgtext_free(&t);
}

/* test_freemail_strip - FreeMail _parse_body's edit of the lines */
static void
test_freemail_strip(void)
{
	static const char msg[] =
	    "Subject: s\r\n\r\n"
	    "list Sightings@lists.sourceforge.net https://lists.x.net/y\r\n"
	    "\r\n"
	    "write <joe@example.com> or see http://a.example.com/?u=x@y.com"
	    " or mailto:ann@example.com> or bob@example.com fax: 1\r\n";
	struct msgtext t;

	msgtext_parse(&t, msg, sizeof(msg) - 1);
	msgtext_freemail_strip(&t);
	TEST_IS_INT(t.body.n, 3, "line count kept");
	TEST_OK(t.body.n == 3 && t.body.len[1] == 22 && memcmp(t.body.text.data +
	    t.body.off[1], "list  //lists.x.net/y\n", 22) == 0,
	    "address before \"https:\" cut");
	TEST_OK(t.body.n == 3 && t.body.len[2] == 70 && memcmp(t.body.text.data +
	    t.body.off[2], "write   or see   or mailto:ann@example.com> or "
	    "bob@example.com fax: 1 ", 70) == 0,
	    "<address> and URL with @ cut only");
	msgtext_free(&t);
}

int
main(void)
{
	test_kept();
	test_freemail_strip();
	test_sa();
	test_split();
	test_charsets();
	test_headers();
	test_hostile();
	TEST_DONE();
}
