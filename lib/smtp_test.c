/*
 * smtp_test.c - unit tests of the SMTP helpers (smtp.c): paths, xtext,
 * reply codes, enhanced status codes and network lists.
 */
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "smtp.h"
#include "test.h"

static const struct {
	const char	*arg, *kw;
	int		 rc;
	const char	*addr, *params;
} paths[] = {
	{ "FROM:<a@b.test>", "FROM", 0, "a@b.test", "" },
	{ "from:<a@b.test>", "FROM", 0, "a@b.test", "" },
	{ "FROM: <a@b.test>", "FROM", 0, "a@b.test", "" },
	{ "FROM:a@b.test", "FROM", 0, "a@b.test", "" },
	{ "FROM:<>", "FROM", 0, "", "" },
	{ "FROM:<> SIZE=10 BODY=8BITMIME", "FROM", 0, "",
	    "SIZE=10 BODY=8BITMIME" },
	{ "FROM:<a@b>   RET=HDRS   ", "FROM", 0, "a@b", "RET=HDRS" },
	{ "TO:<x@y> NOTIFY=NEVER", "TO", 0, "x@y", "NOTIFY=NEVER" },
	{ "FROM:<\"a b\"@c>", "FROM", 0, "\"a b\"@c", "" },
	{ "FROM:<\"a>b\"@c> SIZE=1", "FROM", 0, "\"a>b\"@c", "SIZE=1" },
	{ "FROM:<\"a\\\"> b\"@c>", "FROM", 0, "\"a\\\"> b\"@c", "" },
	{ "FROM:<@r1,@r2:u@d>", "FROM", 0, "u@d", "" },
	{ "FROM:a@b SIZE=1", "FROM", 0, "a@b", "SIZE=1" },
	{ "FROM:<a@b", "FROM", -1, NULL, NULL },
	{ "FROM:<\"a@b>", "FROM", -1, NULL, NULL },
	{ "FROM:<a@b>x", "FROM", -1, NULL, NULL },
	{ "FROM<a@b>", "FROM", -1, NULL, NULL },
	{ "FROM :<a@b>", "FROM", -1, NULL, NULL },
	{ "FROM:", "FROM", -1, NULL, NULL },
	{ "FROM:   ", "FROM", -1, NULL, NULL },
	{ "TO:<a@b>", "FROM", -1, NULL, NULL },
	{ "", "TO", -1, NULL, NULL },
};

/* test_paths - smtp_parse_path */
static void
test_paths(void)
{
	char *addr, *params;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		rc = smtp_parse_path(paths[i].arg, paths[i].kw, &addr, &params);
		TEST_IS_INT(rc, paths[i].rc, "parse_path \"%s\": result",
		    paths[i].arg);
		TEST_IS_STR(addr, paths[i].addr, "parse_path \"%s\": address",
		    paths[i].arg);
		TEST_IS_STR(params, paths[i].params,
		    "parse_path \"%s\": parameters", paths[i].arg);
		xfree(addr);
		xfree(params);
	}
}

static const struct {
	const char	*in;
	int		 valid;
	const char	*decoded;
} xtexts[] = {
	{ "", 1, "" },
	{ "abc", 1, "abc" },
	{ "a+2Bb", 1, "a+b" },
	{ "+3D+20+2B", 1, "= +" },
	{ "rfc822;u+2Bx@d", 1, "rfc822;u+x@d" },
	{ "+E9t+E9", 1, "\xe9t\xe9" },
	{ "a+2b", 0, NULL },
	{ "a+2", 0, NULL },
	{ "a+", 0, NULL },
	{ "+G0", 0, NULL },
	{ "a=b", 0, NULL },
	{ "a b", 0, NULL },
	{ "a\tb", 0, NULL },
	{ "\x01", 0, NULL },
	{ "\x7f", 0, NULL },
	{ "\xe9", 0, NULL },
};

/* test_xtext - smtp_valid_xtext, smtp_xtext_decode, smtp_xtext_encode */
static void
test_xtext(void)
{
	struct buf b = BUF_INIT, back = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(xtexts) / sizeof(xtexts[0]); i++) {
		TEST_IS_INT(smtp_valid_xtext(xtexts[i].in), xtexts[i].valid,
		    "valid_xtext \"%s\"", xtexts[i].in);
		rc = smtp_xtext_decode(xtexts[i].in, &b);
		TEST_IS_INT(rc, xtexts[i].valid ? 0 : -1,
		    "xtext_decode \"%s\": result", xtexts[i].in);
		if (xtexts[i].valid)
			TEST_IS_STR(buf_str(&b), xtexts[i].decoded,
			    "xtext_decode \"%s\": value", xtexts[i].in);
	}
	buf_reset(&b);
	smtp_xtext_encode("a+b=c d\xe9~\x01", &b);
	TEST_IS_STR(buf_str(&b), "a+2Bb+3Dc+20d+E9~+01",
	    "xtext_encode escapes + = space, controls and 8-bit");
	TEST_OK(smtp_valid_xtext(buf_str(&b)), "xtext_encode output is valid");
	smtp_xtext_decode(buf_str(&b), &back);
	TEST_IS_STR(buf_str(&back), "a+b=c d\xe9~\x01", "xtext round trip");
	buf_free(&b);
	buf_free(&back);
}

static const struct {
	const char	*reply;
	int		 code;
	const char	*enh;		/* NULL: none */
} replies[] = {
	{ "250 2.1.0 Ok", 250, "2.1.0" },
	{ "250-2.0.0 first line", 250, "2.0.0" },
	{ "550 5.7.1 Message content rejected", 550, "5.7.1" },
	{ "451 4.3.0", 451, "4.3.0" },
	{ "250 2.123.456 long parts", 250, "2.123.456" },
	{ "250", 250, NULL },
	{ "250 Ok", 250, NULL },
	{ "250 5.1.0 class differs", 250, NULL },
	{ "250 2.1 two parts", 250, NULL },
	{ "250 2.1.0.1 four parts", 250, NULL },
	{ "250 2..0 empty part", 250, NULL },
	{ "250 2.1. trailing dot", 250, NULL },
	{ "250 2.1.0x junk", 250, NULL },
	{ "2501 no separator", 0, NULL },
	{ "199 too low", 0, NULL },
	{ "600 too high", 0, NULL },
	{ "25a letters", 0, NULL },
	{ "2", 0, NULL },
	{ "", 0, NULL },
};

/* test_replies - smtp_reply_code and smtp_reply_enh */
static void
test_replies(void)
{
	char enh[32];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		TEST_IS_INT(smtp_reply_code(replies[i].reply), replies[i].code,
		    "reply_code \"%s\"", replies[i].reply);
		rc = smtp_reply_enh(replies[i].reply, enh, sizeof(enh));
		TEST_IS_INT(rc, replies[i].enh != NULL,
		    "reply_enh \"%s\": found", replies[i].reply);
		if (rc && replies[i].enh)
			TEST_IS_STR(enh, replies[i].enh,
			    "reply_enh \"%s\": value", replies[i].reply);
	}
	TEST_IS_INT(smtp_reply_enh("250 2.1.0 Ok", enh, 5), 0,
	    "reply_enh refuses a short buffer");
	TEST_IS_INT(smtp_reply_enh("250 2.1.0 Ok", enh, 6), 1,
	    "reply_enh fits an exact buffer");
}

static const struct {
	const char	*list, *addr;
	int		 match;
} nets[] = {
	{ "127.0.0.0/8 ::1/128", "127.0.0.1", 1 },
	{ "127.0.0.0/8 ::1/128", "127.255.1.2", 1 },
	{ "127.0.0.0/8 ::1/128", "128.0.0.1", 0 },
	{ "127.0.0.0/8 ::1/128", "::1", 1 },
	{ "127.0.0.0/8 ::1/128", "IPv6:::1", 1 },
	{ "127.0.0.0/8 ::1/128", "::2", 0 },
	{ "10.0.0.0/8, 192.168.1.0/24", "192.168.1.255", 1 },
	{ "10.0.0.0/8, 192.168.1.0/24", "192.168.2.1", 0 },
	{ "10.0.0.0/8,192.168.1.0/24", "10.9.8.7", 1 },
	{ "192.168.0.0/23", "192.168.1.7", 1 },
	{ "192.168.0.0/23", "192.168.2.7", 0 },
	{ "10.1.2.3", "10.1.2.3", 1 },
	{ "10.1.2.3", "10.1.2.4", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	{ "[2001:db8::]/32", "2001:db8:1::5", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	{ "2001:db8::/33", "2001:db8:8000::1", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "127.0.0.1", 0 },
	{ "10.0.0.0/33", "10.0.0.1", 0 },
	{ "10.0.0.0/-1", "10.0.0.1", 0 },
	{ "garbage", "10.0.0.1", 0 },
	{ "[::1", "::1", 0 },
	{ "", "127.0.0.1", 0 },
	{ "127.0.0.0/8", "not-an-address", 0 },
	{ "127.0.0.0/8", "", 0 },
};

/* test_netlist - smtp_netlist_match */
static void
test_netlist(void)
{
	size_t i;

	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		TEST_IS_INT(smtp_netlist_match(nets[i].list, nets[i].addr),
		    nets[i].match, "netlist \"%s\" ~ \"%s\"", nets[i].list,
		    nets[i].addr);
}

/* main - run every test */
int
main(void)
{
	test_paths();
	test_xtext();
	test_replies();
	test_netlist();
	TEST_DONE();
}
