/*
 * dnsbl_test.c - unit tests for dnsbl.c with the in-test DNS responder
 * of lib/dnstest.h as the server: crafted messages (Received chain,
 * originating header, From, URIs) checked for the names asked (each
 * once) and the rules that hit: check_rbl with -lastexternal and
 * bitmask/regex subtests, check_rbl_sub sharing a set's answers,
 * check_rbl_txt, check_rbl_envfrom, urirhssub with a bitmask, a
 * domains_only notrim list, uridnssub with tflags a, askdns on
 * _AUTHORDOMAIN_ and _SENDERDOMAIN_, uridnsbl_skip_domain, private
 * addresses never asked, a message of 2000 URIs bounded, and a silent
 * list costing only the caller's deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns.h"
#include "dnsbl.h"
#include "dnstest.h"
#include "mem.h"
#include "msgtext.h"
#include "relays.h"
#include "saconf.h"
#include "test.h"

static const char rules[] =
    "trusted_networks 81.2.3.4\n"
    "internal_networks 81.2.3.4\n"
    "header RCVD_IN_ZEN eval:check_rbl('zen', 'zen.test.')\n"
    "header RCVD_IN_SBL eval:check_rbl_sub('zen', '127.0.0.2')\n"
    "header RCVD_IN_XBL eval:check_rbl_sub('zen', '^127\\.0\\.0\\.[4567]$')\n"
    "header RCVD_IN_PBL eval:check_rbl_sub('zen', '^127\\.0\\.0\\.1[01]$')\n"
    "header RCVD_IN_CSS eval:check_rbl_sub('zen', '127.0.0.3')\n"
    "header RCVD_IN_LAST eval:check_rbl('zen-lastexternal', 'zen.test.', '2')\n"
    "header RCVD_IN_LAST8 eval:check_rbl('zen-lastexternal', 'zen.test.', '8')\n"
    "header RCVD_IN_SPAMCOP eval:check_rbl_txt('spamcop', 'txtbl.test.', '(?i:SPAMCOP)')\n"
    "header RCVD_IN_DEAD eval:check_rbl('dead', 'silent.test')\n"
    "header ENVBL eval:check_rbl_envfrom('envbl', 'envbl.test')\n"
    "header FROMBL eval:check_rbl_from_domain('frombl', 'frombl.test')\n"
    "urirhssub URIBL_BLACK multi.test. A 2\n"
    "body URIBL_BLACK eval:check_uridnsbl('URIBL_BLACK')\n"
    "urirhssub URIBL_GREY multi.test. A 4\n"
    "body URIBL_GREY eval:check_uridnsbl('URIBL_GREY')\n"
    "urirhssub URIBL_DBL dbl.test. A 127.0.1.2\n"
    "body URIBL_DBL eval:check_uridnsbl('URIBL_DBL')\n"
    "tflags URIBL_DBL net domains_only notrim\n"
    "uridnssub URIBL_SBL_A sbl.test. A 127.0.0.2\n"
    "body URIBL_SBL_A eval:check_uridnsbl('URIBL_SBL_A')\n"
    "tflags URIBL_SBL_A net a\n"
    "uridnsbl_skip_domain example.org\n"
    "askdns ASK_FRESH _AUTHORDOMAIN_.fresh.test. A /^127\\.2\\.0\\.2$/\n"
    "askdns ASK_SPF _SENDERDOMAIN_ TXT /^v=spf1 \\+all$/\n"
    "askdns ASK_DKIM _DKIMDOMAIN_.dkim.test A\n"
    "score RCVD_IN_ZEN 1\nscore RCVD_IN_SBL 1\nscore RCVD_IN_XBL 1\n"
    "score URIBL_BLACK 1\n";

static const char message[] =
    "Received: from relay.isp.example (relay.isp.example [81.2.3.4])\n"
    "\tby mx.local.example (Postfix) with ESMTP id A1B2C3\n"
    "\tfor <u@local.example>; Mon, 1 Jan 2024 10:00:00 +0000\n"
    "Received: from client.dsl.example (client.dsl.example [64.12.34.56])\n"
    "\tby relay.isp.example (Postfix) with SMTP id D4E5F6;\n"
    "\tMon, 1 Jan 2024 09:59:59 +0000\n"
    "Received: from lan (lan [10.1.1.1]) by client.dsl.example (Postfix)"
    " with SMTP id G7; Mon, 1 Jan 2024 09:59:58 +0000\n"
    "X-Originating-IP: [99.1.2.3]\n"
    "From: Alice <alice@Sender.Example.COM>\n"
    "To: u@local.example\n"
    "Subject: offers\n"
    "Message-ID: <x1@sender.example.com>\n"
    "\n"
    "See http://www.spammy.co.uk/buy and http://clean.example.net/ok\n"
    "also http://www.example.org/ and http://10.1.2.3/ and"
    " http://81.2.3.9/x\n";

/* the names the message must cause, each asked once */
static const char *const want_asked[] = {
	"56.34.12.64.zen.test/A",
	"3.2.1.99.zen.test/A",
	"56.34.12.64.txtbl.test/TXT",
	"3.2.1.99.txtbl.test/TXT",
	"56.34.12.64.silent.test/A",
	"3.2.1.99.silent.test/A",
	"bounce.example.org.envbl.test/A",
	"example.com.frombl.test/A",
	"spammy.co.uk.multi.test/A",
	"example.net.multi.test/A",
	"9.3.2.81.multi.test/A",
	"www.spammy.co.uk.dbl.test/A",
	"clean.example.net.dbl.test/A",
	"www.spammy.co.uk/A",
	"clean.example.net/A",
	"100.3.2.81.sbl.test/A",
	"sender.example.com.fresh.test/A",
	"bounce.example.org/TXT",
	NULL
};

static const struct {
	const char *rule;
	int hit;
} want_hits[] = {
	{ "RCVD_IN_ZEN", 1 }, { "RCVD_IN_SBL", 1 }, { "RCVD_IN_XBL", 1 },
	{ "RCVD_IN_PBL", 1 }, { "RCVD_IN_CSS", 0 }, { "RCVD_IN_LAST", 1 },
	{ "RCVD_IN_LAST8", 0 }, { "RCVD_IN_SPAMCOP", 1 },
	{ "RCVD_IN_DEAD", 0 }, { "ENVBL", 1 }, { "FROMBL", 0 },
	{ "URIBL_BLACK", 1 }, { "URIBL_GREY", 0 }, { "URIBL_DBL", 1 },
	{ "URIBL_SBL_A", 1 }, { "ASK_FRESH", 1 }, { "ASK_SPF", 1 },
	{ "ASK_DKIM", 0 },
};

static void
zones(struct dnstest *t)
{
	dnstest_add(t, "56.34.12.64.zen.test", 1, "127.0.0.2");
	dnstest_add(t, "56.34.12.64.zen.test", 1, "127.0.0.4");
	dnstest_add(t, "3.2.1.99.zen.test", 1, "127.0.0.10");
	dnstest_add(t, "56.34.12.64.txtbl.test", 16,
	    "Blocked, see |https://www.spamcop.net/bl.shtml?64.12.34.56");
	dnstest_add(t, "bounce.example.org.envbl.test", 1, "127.0.0.2");
	dnstest_add(t, "spammy.co.uk.multi.test", 1, "127.0.0.2");
	dnstest_add(t, "9.3.2.81.multi.test", 1, "127.0.0.2");
	dnstest_add(t, "www.spammy.co.uk.dbl.test", 1, "127.0.1.2");
	dnstest_add(t, "clean.example.net", 1, "81.2.3.100");
	dnstest_add(t, "100.3.2.81.sbl.test", 1, "127.0.0.2");
	dnstest_add(t, "sender.example.com.fresh.test", 1, "127.2.0.2");
	dnstest_add(t, "bounce.example.org", 16, "v=spf1 |+all");
}

/* eval - dnsbl_eval as the scorer calls it */
static int
eval(struct saconf *sc, struct dnsbl_msg *m, const char *name)
{
	struct saconf_rule *r = saconf_rule_find(sc, name);
	char *argv[2] = { NULL, NULL };
	int n;

	if (r == NULL || r->eval_func == NULL || !dnsbl_handles(r->eval_func))
		return -1;
	if (strcmp(r->eval_func, "check_uridnsbl") == 0) {
		argv[0] = xstrdup(name);
		n = dnsbl_eval(m, r, 1, argv);
		xfree(argv[0]);
		return n;
	}
	return dnsbl_eval(m, r, 0, argv);
}

/* run - one message through dnsbl_start, the wait, the evals */
static struct relays_conf net;

static struct dnsbl_msg *
run(struct dnsbl_conf *dc, struct dns *d, const char *msg, const char *env,
    double wait, double *took)
{
	struct msgtext mt;
	struct relays rl;
	struct dnsbl_msg *m;
	double t0;

	memset(&mt, 0, sizeof(mt));
	memset(&rl, 0, sizeof(rl));
	msgtext_parse(&mt, msg, strlen(msg));
	relays_parse(&rl, &mt, &net);
	t0 = test_now();
	m = dnsbl_start(dc, d, &mt, &rl, env);
	dns_wait(d, t0 + wait);
	dns_cancel(d);
	*took = test_now() - t0;
	relays_free(&rl);
	msgtext_free(&mt);
	return m;
}

static void
test_message(struct saconf *sc, struct dnsbl_conf *dc, struct dns *d,
    struct dnstest *t)
{
	static char asked[65536];
	struct buf want = BUF_INIT;
	struct dnsbl_msg *m;
	double took;
	size_t i;
	int once = 1;

	m = run(dc, d, message, "bounce@Bounce.Example.ORG", 0.8, &took);
	TEST_OK(took < 0.8 + 0.3 * test_slow(),
	    "a silent list costs the deadline only: %.3f s", took);
	for (i = 0; i < sizeof(want_hits) / sizeof(want_hits[0]); i++)
		TEST_IS_INT(eval(sc, m, want_hits[i].rule), want_hits[i].hit,
		    "%s %s", want_hits[i].rule, want_hits[i].hit ? "hits" :
		    "does not hit");
	dnsbl_msg_free(m);
	for (i = 0; want_asked[i]; i++) {
		buf_addf(&want, "%s\n", want_asked[i]);
		/* a silent server is asked again by the resolver */
		if (strstr(want_asked[i], "silent") == NULL &&
		    dnstest_count(t, strndupa(want_asked[i],
		    strcspn(want_asked[i], "/"))) != 1)
			once = 0;
	}
	dnstest_asked(t, asked, sizeof(asked));
	/* the silent list is tried twice (c-ares's tries): drop repeats */
	{
		struct buf uniq = BUF_INIT;
		char *p, *save = NULL, *last = NULL;

		for (p = strtok_r(asked, "\n", &save); p;
		    p = strtok_r(NULL, "\n", &save)) {
			if (last && strcmp(last, p) == 0)
				continue;
			buf_addf(&uniq, "%s\n", p);
			last = p;
		}
		/* compare as sorted sets */
		{
			char *w[64], *wb = xstrdup(buf_str(&want)), *q;
			struct buf sorted = BUF_INIT;
			int n = 0, j, k;

			for (q = strtok_r(wb, "\n", &save); q && n < 64;
			    q = strtok_r(NULL, "\n", &save))
				w[n++] = q;
			for (j = 0; j < n; j++)
				for (k = j + 1; k < n; k++)
					if (strcmp(w[j], w[k]) > 0) {
						q = w[j];
						w[j] = w[k];
						w[k] = q;
					}
			for (j = 0; j < n; j++)
				buf_addf(&sorted, "%s\n", w[j]);
			TEST_IS_STR(buf_str(&uniq), buf_str(&sorted),
			    "the names asked");
			buf_free(&sorted);
			xfree(wb);
		}
		buf_free(&uniq);
	}
	TEST_OK(once, "each name asked once");
	buf_free(&want);
}

static void
test_empty(struct saconf *sc, struct dnsbl_conf *dc, struct dns *d,
    struct dnstest *t)
{
	struct dnsbl_msg *m;
	double took;

	dnstest_clear_log(t);
	m = run(dc, d, "Subject: nothing\n\nno relays, no links\n", NULL, 2,
	    &took);
	TEST_IS_INT(t->nlog, 0, "a local message: nothing asked");
	TEST_IS_INT(eval(sc, m, "RCVD_IN_ZEN"), 0, "and nothing hits");
	TEST_OK(took < 0.1 * test_slow(), "at once: %.3f s", took);
	dnsbl_msg_free(m);
}

static void
test_many_uris(struct saconf *sc, struct dnsbl_conf *dc, struct dns *d,
    struct dnstest *t)
{
	struct buf msg = BUF_INIT;
	struct dnsbl_msg *m;
	double took;
	int i, uri = 0;

	dnstest_clear_log(t);
	buf_adds(&msg, "Subject: links\n\n");
	for (i = 0; i < 2000; i++)
		buf_addf(&msg, "http://host%d.domain%d.com/\n", i, i);
	m = run(dc, d, buf_str(&msg), NULL, 5, &took);
	for (i = 0; i < t->nlog; i++)
		if (strstr(t->log[i], ".multi.test/"))
			uri++;
	TEST_IS_INT(uri, 20, "2000 URIs: 20 domains asked of a list");
	TEST_OK(t->nlog <= 400, "at most 400 questions: %d", t->nlog);
	TEST_OK(took < 3 * test_slow(), "in %.3f s", took);
	dnsbl_msg_free(m);
	buf_free(&msg);
}

static void
test_handles(void)
{
	TEST_IS_INT(dnsbl_handles("check_rbl"), 1, "handles check_rbl");
	TEST_IS_INT(dnsbl_handles("check_rbl_sub"), 1, "handles check_rbl_sub");
	TEST_IS_INT(dnsbl_handles("check_uridnsbl"), 1,
	    "handles check_uridnsbl");
	TEST_IS_INT(dnsbl_handles("askdns"), 1, "handles askdns");
	TEST_IS_INT(dnsbl_handles("check_rbl_ns_from"), 0,
	    "not check_rbl_ns_from (NS lookups)");
	TEST_IS_INT(dnsbl_handles("check_for_spf"), 0, "not other evals");
}

int
main(void)
{
	struct buf err = BUF_INIT;
	struct dnstest *t;
	struct saconf *sc;
	struct dnsbl_conf *dc;
	struct dns *d;

	log_set_stderr(0);
	relays_conf_init(&net);
	relays_conf_setting(&net, "trusted_networks", "81.2.3.4", &err);
	relays_conf_setting(&net, "internal_networks", "81.2.3.4", &err);
	t = dnstest_start();
	zones(t);
	d = dns_new(dnstest_servers(t), 0.6, &err);
	TEST_OK(d != NULL, "resolver: %s", buf_str(&err));
	sc = saconf_new(NULL);
	saconf_load_string(sc, "dnsbl_test.cf", rules);
	saconf_finish(sc);
	dc = dnsbl_conf_new(sc);
	test_handles();
	test_message(sc, dc, d, t);
	test_empty(sc, dc, d, t);
	test_many_uris(sc, dc, d, t);
	dnsbl_conf_free(dc);
	saconf_free(sc);
	dns_free(d);
	dnstest_stop(t);
	relays_conf_free(&net);
	buf_free(&err);
	TEST_DONE();
}
