/*
 * hdredit_test.c - unit tests of hdredit.c: the subject tag on plain,
 * folded, repeated, missing and already tagged subjects, messages with
 * no header or no body, input cut short; X-Spam-* fields stripped.
 */
#include <string.h>

#include "buf.h"
#include "hdredit.h"
#include "test.h"

#define TAG	"***UNCHECKED*** "

static const struct {
	const char	*what, *in, *out;
	int		 rc;
	size_t		 skip;		/* of the original header */
} cases[] = {
	{ "plain", "From: a\r\nSubject: hello\r\nTo: b\r\n\r\nbody\r\n",
	    "From: a\r\nSubject: " TAG "hello\r\nTo: b\r\n", 0, 32 },
	{ "no blank after the colon", "Subject:hello\r\n\r\nx\r\n",
	    "Subject: " TAG "hello\r\n", 0, 15 },
	{ "folded", "Subject: a\r\n b\r\nX: y\r\n\r\n",
	    "Subject: " TAG "a\r\n b\r\nX: y\r\n", 0, 22 },
	{ "value on the next line", "Subject:\r\n\tfoo\r\n\r\n",
	    "Subject: " TAG "\r\n\tfoo\r\n", 0, 16 },
	{ "case of the name", "SUBJECT: Hi\r\n\r\n",
	    "SUBJECT: " TAG "Hi\r\n", 0, 13 },
	{ "only the first of two", "Subject: one\r\nSubject: two\r\n\r\n",
	    "Subject: " TAG "one\r\nSubject: two\r\n", 0, 28 },
	{ "already tagged", "Subject: " TAG "hi\r\n\r\n",
	    "Subject: " TAG "hi\r\n", 0, 29 },
	{ "no subject", "From: a\r\n\r\nbody\r\n",
	    "From: a\r\nSubject: ***UNCHECKED***\r\n", 0, 9 },
	{ "X-Subject is not Subject", "X-Subject: a\r\n\r\n",
	    "X-Subject: a\r\nSubject: ***UNCHECKED***\r\n", 0, 14 },
	{ "no header at all", "\r\nbody\r\n",
	    "Subject: ***UNCHECKED***\r\n", 0, 0 },
	{ "a header and no body", "Subject: s\r\n",
	    "Subject: " TAG "s\r\n", 0, 12 },
	{ "cut short", "Subject: s\r\nFrom: a", "", -1, 0 },
	{ "empty", "", "", -1, 0 },
};

int
main(void)
{
	struct buf out = BUF_INIT;
	size_t i, skip;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&out);
		skip = 12345;
		rc = hdr_tag_subject(cases[i].in, strlen(cases[i].in), TAG,
		    &out, &skip);
		TEST_OK(rc == cases[i].rc, "%s: rc %d", cases[i].what, rc);
		if (rc == 0) {
			TEST_OK(strcmp(buf_str(&out), cases[i].out) == 0,
			    "%s: \"%s\"", cases[i].what, buf_str(&out));
			TEST_OK(skip == cases[i].skip, "%s: skip %zu",
			    cases[i].what, skip);
		}
	}
	/* stripping a sender's X-Spam-* fields, folded lines included */
	{
		const char *in = "X-Spam-Flag: NO\r\nFrom: a\r\nx-spam-status:"
		    " No,\r\n\ttests=none\r\nSubject: s\r\nX-Spammy: k\r\n"
		    "\r\nX-Spam-Flag: body\r\n";

		buf_reset(&out);
		rc = hdr_edit(in, strlen(in), "[SPAM] ", "X-Spam-", &out,
		    &skip);
		TEST_OK(rc == 0 && strcmp(buf_str(&out), "From: a\r\n"
		    "Subject: [SPAM] s\r\nX-Spammy: k\r\n") == 0,
		    "strip X-Spam-*: \"%s\"", buf_str(&out));
		buf_reset(&out);
		rc = hdr_edit(in, strlen(in), NULL, "X-Spam-", &out, &skip);
		TEST_OK(rc == 0 && strcmp(buf_str(&out), "From: a\r\n"
		    "Subject: s\r\nX-Spammy: k\r\n") == 0,
		    "strip without a tag: \"%s\"", buf_str(&out));
	}
	buf_free(&out);
	TEST_DONE();
}
