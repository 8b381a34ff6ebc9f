/*
 * check_test.c - unit tests for check.c: every rule type on crafted
 * messages, metas, tflags multiple/maxhits, score sets, "__" rules,
 * eval binding, and hostile input: a catastrophic regex on a long line
 * (stopped by the match limit, the other rules still run), a 10 MB
 * single-line body, 50 nested multiparts, the time budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "log.h"
#include "mem.h"
#include "saconf.h"
#include "test.h"

static const char rules[] =
    "header   H_SUBJ      Subject =~ /\\bviagra\\b/i\n"
    "score    H_SUBJ      1.5\n"
    "header   H_FROMADDR  From:addr =~ /^joe\\@example\\.com$/\n"
    "score    H_FROMADDR  0.25\n"
    "header   H_TOADDRS   To:addr =~ /^b\\@y\\.z$/m\n"
    "score    H_TOADDRS   0.125\n"
    "header   H_EXISTS    exists:X-Mailer\n"
    "score    H_EXISTS    0.5\n"
    "header   H_MISSING   X-Nope =~ /^$/\n"
    "score    H_MISSING   0.01\n"
    "header   H_NEG       Subject !~ /viagra/i\n"
    "score    H_NEG       7\n"
    "header   H_UNSET     X-Nope =~ /^dflt$/ [if-unset: dflt]\n"
    "score    H_UNSET     0.02\n"
    "header   H_ALL       ALL =~ /^X-Mailer: Foo/m\n"
    "score    H_ALL       0.03\n"
    "body     B_WORD      /cheap pills/\n"
    "score    B_WORD      2\n"
    "body     B_SUBJ      /viagra/i\n"
    "score    B_SUBJ      0.04\n"
    "body     B_NOSUBJ    /viagra/i\n"
    "tflags   B_NOSUBJ    nosubject\n"
    "score    B_NOSUBJ    100\n"
    "body     B_ANCHOR    /^second line/\n"
    "score    B_ANCHOR    0.05\n"
    "body     __B_MULTI   /pill/\n"
    "tflags   __B_MULTI   multiple\n"
    "body     __B_MAX     /pill/\n"
    "tflags   __B_MAX     multiple maxhits=2\n"
    "body     B_COUNTED   /pill/\n"
    "tflags   B_COUNTED   multiple maxhits=3\n"
    "score    B_COUNTED   0.1\n"
    "rawbody  R_QP        /=3D/\n"
    "score    R_QP        9\n"
    "rawbody  R_RAW       /<b>bold<\\/b>/\n"
    "score    R_RAW       0.06\n"
    "full     F_FULL      /^X-Mailer: Foo.*\\r\\n\\r\\n/ms\n"
    "score    F_FULL      0.07\n"
    "uri      U_HOST      /^https?:\\/\\/(?:www\\.)?example\\.org\\//i\n"
    "score    U_HOST      0.08\n"
    "mimeheader M_CT      Content-Type =~ /text\\/html/\n"
    "score    M_CT        0.09\n"
    "meta     META_AND    H_SUBJ && B_WORD\n"
    "score    META_AND    0.11\n"
    "meta     META_CNT    __B_MULTI > 3\n"
    "score    META_CNT    0.12\n"
    "meta     META_MAX    __B_MAX == 2\n"
    "score    META_MAX    0.13\n"
    "meta     META_NOT    !H_SUBJ\n"
    "score    META_NOT    50\n"
    "body     Z_ZERO      /cheap/\n"
    "score    Z_ZERO      0\n"
    "meta     META_ZERO   !Z_ZERO\n"
    "score    META_ZERO   0.14\n"
    "meta     __M_ZSUB    B_WORD\n"
    "score    __M_ZSUB    0\n"
    "meta     META_DEPZ   __M_ZSUB || B_WORD\n"
    "score    META_DEPZ   30\n"
    "body     S_SETS      /cheap/\n"
    "score    S_SETS      1 2 3 4\n"
    "body     E_NONE      eval:no_such_eval_function('a', \"b\", 3)\n"
    "score    E_NONE      1\n"
    "required_score 5\n";

static const char msg[] =
    "From: Joe <joe@example.com>\r\n"
    "To: a@x.y, Bee <b@y.z>\r\n"
    "Subject: buy Viagra now\r\n"
    "X-Mailer: Foo 1.0\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"BB\"\r\n"
    "\r\n"
    "--BB\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "cheap pills pill pill pill =3D\r\n"
    "\r\n"
    "second line http://www.example.org/x\r\n"
    "--BB\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<html><body><b>bold</b> <a href=\"https://example.org/y\">x</a>"
    "</body></html>\r\n"
    "--BB--\r\n";

/* load - a finished rule set from text */
static struct saconf *
load(const char *text)
{
	struct saconf *c = saconf_new(NULL);

	log_set_stderr(0);
	saconf_load_string(c, "check_test.cf", text);
	saconf_finish(c);
	log_set_stderr(1);
	return c;
}

/* hit - did rule name hit in r (counted or "__")?  its count */
static int
hit(const struct saconf *c, const struct check_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nhit; i++)
		if (strcmp(saconf_rule_at(c, r->hit[i].rule)->name, name) == 0)
			return r->hit[i].count;
	for (i = 0; i < r->nsub; i++)
		if (strcmp(saconf_rule_at(c, r->sub[i].rule)->name, name) == 0)
			return r->sub[i].count;
	return 0;
}

/* test_types - each rule type, metas, multiple, score sets */
static void
test_types(void)
{
	struct check_opts o = { .match_limit = 100000, .depth_limit = 10000 };
	struct saconf *c = load(rules);
	struct checker *ck;
	struct check_result r;
	struct buf b = BUF_INIT;
	struct saconf_rule *e;
	double v;

	ck = check_new(c, &o);
	check_message(ck, msg, sizeof(msg) - 1, NULL, &r);
	TEST_OK(hit(c, &r, "H_SUBJ"), "header rule on Subject");
	TEST_OK(hit(c, &r, "H_FROMADDR"), "From:addr");
	TEST_OK(hit(c, &r, "H_TOADDRS"), "To:addr lists every address");
	TEST_OK(hit(c, &r, "H_EXISTS"), "exists:");
	TEST_OK(hit(c, &r, "H_MISSING"), "a missing header matches as \"\"");
	TEST_OK(!hit(c, &r, "H_NEG"), "!~ does not hit when it matches");
	TEST_OK(hit(c, &r, "H_UNSET"), "[if-unset: ...]");
	TEST_OK(hit(c, &r, "H_ALL"), "ALL");
	TEST_OK(hit(c, &r, "B_WORD"), "body rule");
	TEST_OK(hit(c, &r, "B_SUBJ"), "body rules see the Subject");
	TEST_OK(!hit(c, &r, "B_NOSUBJ"), "tflags nosubject skips it");
	TEST_OK(hit(c, &r, "B_ANCHOR"), "body lines: ^ at each line");
	TEST_IS_INT(hit(c, &r, "__B_MULTI"), 4, "tflags multiple counts");
	TEST_IS_INT(hit(c, &r, "__B_MAX"), 2, "maxhits=2 stops at 2");
	TEST_IS_INT(hit(c, &r, "B_COUNTED"), 3, "maxhits=3");
	TEST_OK(!hit(c, &r, "R_QP") && hit(c, &r, "R_RAW"),
	    "rawbody: decoded, HTML not rendered");
	TEST_OK(hit(c, &r, "F_FULL"), "full rule over the raw message");
	TEST_OK(hit(c, &r, "U_HOST"), "uri rule");
	TEST_OK(hit(c, &r, "M_CT"), "mimeheader on a part");
	TEST_OK(hit(c, &r, "META_AND") && hit(c, &r, "META_CNT") &&
	    hit(c, &r, "META_MAX") && !hit(c, &r, "META_NOT"),
	    "metas: &&, counts, !");
	TEST_OK(!hit(c, &r, "Z_ZERO") && hit(c, &r, "META_ZERO"),
	    "a rule scored 0 does not run (0 in metas)");
	TEST_OK(!hit(c, &r, "META_DEPZ"),
	    "a meta naming a meta scored 0 does not run, as SA");
	TEST_OK(hit(c, &r, "S_SETS"), "score set rule hit");
	e = saconf_rule_find(c, "E_NONE");
	TEST_OK(e && e->disabled && strstr(e->disabled,
	    "no_such_eval_function not implemented"),
	    "an unknown eval is disabled with the reason");
	/* score: 1.5+.25+.125+.5+.01+.02+.03+2+.04+.05+.3+.06+.07+.08+.09
	 * +.11+.12+.13+.14+1 */
	TEST_OK(r.score > 6.62 && r.score < 6.64, "score %.3f", r.score);
	TEST_OK(r.is_spam && r.required == 5, "is_spam at 5");
	TEST_OK(r.nsub >= 2 && r.flags == 0 && r.aborted == 0,
	    "\"__\" hits kept apart, no flags");
	check_tests_string(ck, &r, &b);
	TEST_OK(strncmp(buf_str(&b), "B_ANCHOR,B_COUNTED,B_SUBJ,B_WORD,F_FULL",
	    38) == 0 && !strstr(buf_str(&b), "__"), "tests sorted: %s",
	    buf_str(&b));
	check_result_free(&r);
	buf_reset(&b);
	check_disabled_format(ck, &b);
	TEST_OK(strstr(buf_str(&b), "disabled (1): eval no_such_eval_function "
	    "not implemented: E_NONE") != NULL, "disabled rules by reason");
	check_free(ck);

	/* score set 1, and 3 without a Bayes store: a message drops the
	 * Bayes bit as SpamAssassin does when Bayes cannot scan */
	o.score_set = 1;
	ck = check_new(c, &o);
	check_message(ck, msg, sizeof(msg) - 1, NULL, &r);
	v = r.score;
	TEST_OK(r.score_set == 1 && v > 7.62 && v < 7.63, "score set 1: %.3f",
	    v);
	check_result_free(&r);
	check_free(ck);
	o.score_set = 3;
	ck = check_new(c, &o);
	check_message(ck, msg, sizeof(msg) - 1, NULL, &r);
	TEST_OK(r.score_set == 1 && r.score == v, "score set 3 without Bayes: "
	    "set %d, %.3f", r.score_set, r.score);
	TEST_OK(r.bayes < 0 && r.autolearn == CHECK_AL_DISABLED,
	    "no Bayes: no probability, autolearn=%s",
	    check_autolearn_name(r.autolearn));
	check_result_free(&r);
	check_free(ck);
	buf_free(&b);
	saconf_free(c);
}

/* test_hostile - match limit, huge line, deep nesting, time budget */
static void
test_hostile(void)
{
	static const char cf[] =
	    "body  EVIL   /(?:a|aa)+$/\n"
	    "score EVIL   1\n"
	    "body  EVIL2  /(a+)+$/\n"
	    "score EVIL2  1\n"
	    "header OK_SUBJ Subject =~ /hello/\n"
	    "score OK_SUBJ 1\n"
	    "body  OK_BODY /zzz/\n"
	    "score OK_BODY 1\n"
	    "body  OK_DEEP /deepest/\n"
	    "score OK_DEEP 1\n"
	    "rawbody OK_RAW /zzz/\n"
	    "score OK_RAW 1\n";
	struct check_opts o = { .match_limit = 20000, .depth_limit = 1000 };
	struct saconf *c = load(cf);
	struct checker *ck = check_new(c, &o);
	struct check_result r;
	struct buf m = BUF_INIT;
	double t;
	int i;

	/* catastrophic backtracking on a 2000-byte line */
	buf_adds(&m, "Subject: hello\r\n\r\nzzz\r\n");
	for (i = 0; i < 2000; i++)
		buf_addc(&m, 'a');
	buf_adds(&m, "!\r\n");
	log_set_stderr(0);
	t = test_now();
	check_message(ck, m.data, m.len, NULL, &r);
	t = test_now() - t;
	log_set_stderr(1);
	TEST_OK(r.flags & CHECK_RULE_ABORTED, "match limit reached");
	TEST_IS_INT(r.aborted, 2, "both runaway rules stopped");
	TEST_OK(hit(c, &r, "OK_SUBJ") && hit(c, &r, "OK_BODY") &&
	    hit(c, &r, "OK_RAW"), "the other rules still ran");
	TEST_OK(t < 1.0 * test_slow(), "stopped quickly (%.3f s)", t);
	check_result_free(&r);

	/* a 10 MB single-line body */
	buf_reset(&m);
	buf_adds(&m, "Subject: hello\r\n\r\nzzz ");
	buf_reserve(&m, 10 * 1024 * 1024 + 64);
	for (i = 0; i < 10 * 1024 * 1024; i++)
		buf_addc(&m, "abcdefgh "[i % 9]);
	buf_adds(&m, "\r\n");
	log_set_stderr(0);
	t = test_now();
	check_message(ck, m.data, m.len, NULL, &r);
	t = test_now() - t;
	log_set_stderr(1);
	TEST_OK(hit(c, &r, "OK_SUBJ") && hit(c, &r, "OK_BODY"),
	    "10 MB line: rules hit");
	TEST_OK(t < 5.0 * test_slow(), "10 MB line in %.2f s", t);
	check_result_free(&r);

	/* 50 nested multiparts */
	buf_reset(&m);
	buf_adds(&m, "Subject: hello\r\nMIME-Version: 1.0\r\n");
	for (i = 0; i < 50; i++)
		buf_addf(&m, "Content-Type: multipart/mixed; boundary=\"b%d\""
		    "\r\n\r\n--b%d\r\n", i, i);
	buf_adds(&m, "Content-Type: text/plain\r\n\r\ndeepest zzz\r\n");
	for (i = 49; i >= 0; i--)
		buf_addf(&m, "--b%d--\r\n", i);
	check_message(ck, m.data, m.len, NULL, &r);
	TEST_OK(hit(c, &r, "OK_SUBJ"), "50 nested multiparts: checked");
	check_result_free(&r);
	check_free(ck);

	/* the time budget */
	o.time_budget = 1e-9;
	ck = check_new(c, &o);
	buf_reset(&m);
	buf_adds(&m, "Subject: hello\r\n\r\nzzz\r\n");
	check_message(ck, m.data, m.len, NULL, &r);
	TEST_OK(r.flags & CHECK_TIMEOUT, "time budget spent: CHECK_TIMEOUT");
	check_result_free(&r);
	check_free(ck);
	buf_free(&m);
	saconf_free(c);
}

/* test_tags - SA 4.0 captured tags: a named group feeds %{TAG} */
static void
test_tags(void)
{
	static const char cf[] =
	    "header __TO_ADDR To:addr =~ /(?<TO_ADDR>.*)/\n"
	    "uri    U_TAG     m;^https?://.{4,64}email=%{TO_ADDR};i\n"
	    "score  U_TAG     1\n"
	    "uri    U_NOTAG   m;^https?://%{NO_SUCH_TAG};i\n"
	    "score  U_NOTAG   1\n";
	static const char m[] =
	    "To: Bob <bob.x@example.com>\r\nSubject: s\r\n\r\n"
	    "see http://www.example.net/login?email=bob.x@example.com\r\n";
	struct check_opts o = { .match_limit = 100000, .depth_limit = 10000,
	    .capture_tags = 1 };
	struct saconf *c = load(cf);
	struct checker *ck = check_new(c, &o);
	struct check_result r;

	check_message(ck, m, sizeof(m) - 1, NULL, &r);
	TEST_OK(hit(c, &r, "U_TAG"), "%%{TO_ADDR} filled from the To: rule");
	TEST_OK(!hit(c, &r, "U_NOTAG"), "an unset tag: the rule does not run");
	check_result_free(&r);
	check_free(ck);
	saconf_free(c);
	o.capture_tags = 0;
	c = load(cf);
	ck = check_new(c, &o);
	check_message(ck, m, sizeof(m) - 1, NULL, &r);
	TEST_OK(!hit(c, &r, "U_TAG") && saconf_rule_find(c, "U_TAG")->disabled,
	    "capture_tags 0: tag rules stay disabled");
	check_result_free(&r);
	check_free(ck);
	saconf_free(c);
}

/* test_large - a pattern over PCRE2's size limit is split, not lost */
static void
test_large(void)
{
	struct buf cf = BUF_INIT;
	struct check_opts o = { .match_limit = 100000, .depth_limit = 10000 };
	struct saconf *c;
	struct checker *ck;
	struct check_result r;
	static const char yes[] = "Subject: s\r\n\r\nsay word19997x now\r\n";
	static const char no[] = "Subject: s\r\n\r\nsay word20001x now\r\n";
	int i;

	buf_adds(&cf, "body BIG /(?:^|\\s)(?:");
	for (i = 0; i < 20000; i++)
		buf_addf(&cf, "%sword%dx", i ? "|" : "", i);
	buf_adds(&cf, ")[\\s.,]/i\nscore BIG 1\n");
	c = load(buf_str(&cf));
	ck = check_new(c, &o);
	TEST_OK(saconf_rule_find(c, "BIG")->disabled == NULL,
	    "a too large alternation is split in parts");
	check_message(ck, yes, sizeof(yes) - 1, NULL, &r);
	TEST_OK(hit(c, &r, "BIG"), "a word of the last parts matches");
	check_result_free(&r);
	check_message(ck, no, sizeof(no) - 1, NULL, &r);
	TEST_OK(!hit(c, &r, "BIG"), "a word of none does not");
	check_result_free(&r);
	check_free(ck);
	saconf_free(c);
	buf_free(&cf);
}

/* test_mimeheader - parts' headers decoded, raw, range */
static void
test_mimeheader(void)
{
	static const char cf[] =
	    "mimeheader M_DEC  Content-Type =~ /name=\"caf\xc3\xa9\\.zip\"/\n"
	    "score      M_DEC  1\n"
	    "mimeheader M_RAW  Content-Type:raw =~ /=\\?utf-8\\?Q\\?caf=C3=A9/i\n"
	    "score      M_RAW  1\n"
	    "mimeheader M_ROOT Content-Type =~ /multipart/\n"
	    "tflags     M_ROOT range=2-\n"
	    "score      M_ROOT 1\n";
	static const char m[] =
	    "Subject: s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
	    "--b\r\nContent-Type: application/zip;\r\n"
	    " name=\"=?utf-8?Q?caf=C3=A9?=.zip\"\r\n\r\nUEsDBA==\r\n--b--\r\n";
	struct check_opts o = { .match_limit = 100000, .depth_limit = 10000 };
	struct saconf *c = load(cf);
	struct checker *ck = check_new(c, &o);
	struct check_result r;

	check_message(ck, m, sizeof(m) - 1, NULL, &r);
	TEST_OK(hit(c, &r, "M_DEC"), "mimeheader: a part's header, decoded");
	TEST_OK(hit(c, &r, "M_RAW"), "mimeheader :raw: as written");
	TEST_OK(!hit(c, &r, "M_ROOT"), "range=2- skips the message header");
	check_result_free(&r);
	check_free(ck);
	saconf_free(c);
}

/* test_networks - trusted_networks in the configuration reach relays.c */
static void
test_networks(void)
{
	static const char rules_cf[] =
	    "header T_TRUSTED X-Spam-Relays-Trusted =~ /ip=203\\.0\\.113\\.5 /\n"
	    "score  T_TRUSTED 1\n"
	    "header T_UNTRUSTED X-Spam-Relays-Untrusted =~ /ip=203\\.0\\.113\\.5 /\n"
	    "score  T_UNTRUSTED 1\n";
	static const char m[] =
	    "Received: from mx.example.net (mx.example.net [203.0.113.5])\r\n"
	    "\tby mail.example.org (Postfix) with ESMTP id 4AB12C3D\r\n"
	    "\tfor <bob@example.org>; Thu, 26 Nov 2026 10:12:44 +0100 (CET)\r\n"
	    "Subject: s\r\n\r\nhi\r\n";
	struct check_opts o = { .match_limit = 100000, .depth_limit = 10000 };
	struct buf cf = BUF_INIT;
	struct saconf *c;
	struct checker *ck;
	struct check_result r;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		buf_reset(&cf);
		buf_adds(&cf, rules_cf);
		if (pass)
			buf_adds(&cf, "trusted_networks 203.0.113.0/24\n");
		c = load(buf_str(&cf));
		ck = check_new(c, &o);
		check_message(ck, m, sizeof(m) - 1, NULL, &r);
		TEST_OK(hit(c, &r, pass ? "T_TRUSTED" : "T_UNTRUSTED") &&
		    !hit(c, &r, pass ? "T_UNTRUSTED" : "T_TRUSTED"),
		    pass ? "trusted_networks makes the relay trusted" :
		    "without trusted_networks a public relay is untrusted");
		check_result_free(&r);
		check_free(ck);
		saconf_free(c);
	}
	buf_free(&cf);
}

/*
 * test_literals - the literal-set filter never hides a match: patterns
 * whose sets come from alternations, optional or quantified parts,
 * look-arounds, escapes, POSIX classes and "{" that is no quantifier
 */
static void
test_literals(void)
{
	static const struct {
		const char *re;
		int hits;
	} t[] = {
		{ "/(?:zzzz|quick)\\s+brown/i", 1 },
		{ "/(?:xyzzy)?the\\s/", 1 },
		{ "/(?:xyzzy){0}the\\s/", 1 },
		{ "/(?i)WORLD/", 1 },
		{ "/[[:alpha:]]+ fox \\{jumps\\}/", 1 },
		{ "/fox \\{jumps}/", 1 },
		{ "/(?<w>quick) (?=brown)brown/i", 1 },
		{ "/ab{,3}cd/", 1 },
		{ "/lazy\\x20dogs/", 1 },
		{ "/(?:over|under)+ 12/", 1 },
		{ "/(?:qu|xx)ick/i", 1 },
		{ "/the\\ Quick/", 1 },
		{ "/(?-i:b)rown/i", 1 },
		{ "/(?:abc|bcd|cde)*Hello/", 1 },
		{ "/(?:quick|(?:slow|fast)er) brown/i", 1 },
		{ "/jum(?:ps)?\\}/", 1 },
		{ "/ov+er 12/", 1 },
		{ "/(?!over)\\w+ 12/", 1 },
		{ "/(?:brown|red)++ fox/", 1 },
		{ "/quick\\s+purple/i", 0 },
		{ "/(?:purple|green) fox/", 0 },
	};
	static const char m[] =
	    "Subject: s\r\n\r\n"
	    "Hello World, the Quick brown fox {jumps} over 12 lazy dogs.\r\n"
	    "second: ab{,3}cd end\r\n";
	struct check_opts o = { .match_limit = 100000, .depth_limit = 10000 };
	struct buf cf = BUF_INIT, name = BUF_INIT;
	struct saconf *c;
	struct checker *ck;
	struct check_result r;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		buf_addf(&cf, "body L_%zu %s\nscore L_%zu 1\n", i, t[i].re, i);
	c = load(buf_str(&cf));
	ck = check_new(c, &o);
	check_message(ck, m, sizeof(m) - 1, NULL, &r);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&name);
		buf_addf(&name, "L_%zu", i);
		TEST_IS_INT(hit(c, &r, buf_str(&name)) != 0, t[i].hits,
		    "literal filter: %s", t[i].re);
	}
	check_result_free(&r);
	check_free(ck);
	saconf_free(c);
	buf_free(&cf);
	buf_free(&name);
}

/* main - every group of tests, then the plan */
int
main(void)
{
	test_types();
	test_hostile();
	test_tags();
	test_large();
	test_mimeheader();
	test_networks();
	test_literals();
	TEST_DONE();
}
