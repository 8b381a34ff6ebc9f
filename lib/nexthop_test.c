/*
 * nexthop_test.c - unit tests of nexthop.c: a table of forward_method
 * values, good and bad.  Inputs: none (self-contained).
 */
#include <string.h>

#include "buf.h"
#include "nexthop.h"
#include "test.h"

#define BAD(s)	{ s, 0, 0, 0, NULL, NULL, NULL, NULL }

static const struct {
	const char	*spec;
	int		 ok, lmtp, is_unix;
	const char	*host, *port, *path, *text;
} cases[] = {
	{ "smtp:[127.0.0.1]:10025", 1, 0, 0, "127.0.0.1", "10025", "",
	    "[127.0.0.1]:10025" },
	{ "smtp:127.0.0.1:10025", 1, 0, 0, "127.0.0.1", "10025", "",
	    "127.0.0.1:10025" },
	{ "smtp:mx.example.com", 1, 0, 0, "mx.example.com", "25", "",
	    "mx.example.com:25" },
	{ "smtp:[mx.example.com]", 1, 0, 0, "mx.example.com", "25", "",
	    "[mx.example.com]:25" },
	{ "smtp:[::1]:10025", 1, 0, 0, "::1", "10025", "", "[::1]:10025" },
	{ "smtp:[ipv6:2001:db8::1]:25", 1, 0, 0, "2001:db8::1", "25", "",
	    "[2001:db8::1]:25" },
	{ "lmtp:[127.0.0.1]:2003", 1, 1, 0, "127.0.0.1", "2003", "",
	    "[127.0.0.1]:2003" },
	{ "lmtp:localhost:2003", 1, 1, 0, "localhost", "2003", "",
	    "localhost:2003" },
	{ "lmtp:localhost", 1, 1, 0, "localhost", "24", "", "localhost:24" },
	{ "lmtp:unix:/var/run/dovecot/lmtp", 1, 1, 1, "", "",
	    "/var/run/dovecot/lmtp", "unix:/var/run/dovecot/lmtp" },
	{ "smtp:[127.0.0.1]:65535", 1, 0, 0, "127.0.0.1", "65535", "",
	    "[127.0.0.1]:65535" },
	BAD("smtp:[127.0.0.1]:010025"),	/* more than 5 digits */
	BAD("smtp:[127.0.0.1]:0"),
	BAD("smtp:[127.0.0.1]:65536"),
	BAD("smtp:[127.0.0.1]:"),
	BAD("smtp:[127.0.0.1]:smtp"),
	BAD("smtp:[127.0.0.1]x"),
	BAD("smtp:[127.0.0.1"),
	BAD("smtp:[]:25"),
	BAD("smtp::25"),
	BAD("smtp:"),
	BAD("smtp:::1"),			/* IPv6 needs brackets */
	BAD("smtp:host:25:26"),
	BAD("smtp:bad host:25"),
	BAD("smtp:unix:/tmp/sock"),		/* unix is lmtp only */
	BAD("lmtp:unix:relative"),
	BAD("lmtp:unix:"),
	BAD("lmtp:unix:/a b"),
	BAD("esmtp:[127.0.0.1]:25"),
	BAD("SMTP:[127.0.0.1]:25"),
	BAD("[127.0.0.1]:10025"),
	BAD(""),
};

int
main(void)
{
	struct nexthop nh;
	struct buf err = BUF_INIT;
	char longpath[200];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&err);
		rc = nexthop_parse(cases[i].spec, &nh, &err);
		if (!cases[i].ok) {
			TEST_OK(rc < 0 && err.len > 0, "\"%s\" rejected (%s)",
			    cases[i].spec, buf_str(&err));
			continue;
		}
		TEST_IS_INT(rc, 0, "\"%s\" accepted", cases[i].spec);
		TEST_IS_INT(nh.lmtp, cases[i].lmtp, "\"%s\" lmtp",
		    cases[i].spec);
		TEST_IS_INT(nh.is_unix, cases[i].is_unix, "\"%s\" unix",
		    cases[i].spec);
		TEST_IS_STR(nh.host, cases[i].host, "\"%s\" host",
		    cases[i].spec);
		TEST_IS_STR(nh.port, cases[i].port, "\"%s\" port",
		    cases[i].spec);
		TEST_IS_STR(nh.path, cases[i].path, "\"%s\" path",
		    cases[i].spec);
		TEST_IS_STR(nh.text, cases[i].text, "\"%s\" text",
		    cases[i].spec);
	}
	memcpy(longpath, "lmtp:unix:/", 11);
	memset(longpath + 11, 'x', sizeof(longpath) - 12);
	longpath[sizeof(longpath) - 1] = '\0';
	buf_reset(&err);
	TEST_OK(nexthop_parse(longpath, &nh, &err) < 0,
	    "over-long unix path rejected");
	buf_free(&err);
	TEST_DONE();
}
