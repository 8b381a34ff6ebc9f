/*
 * bayes_test.c - unit tests for bayes.c and bayestok.c: each token
 * class on crafted messages (header prefixes and pseudo-headers, the
 * last two Received, ignored fields, body breakouts, invisible text,
 * URIs, long words), the combining math against values worked out by
 * hand, learn/forget/already/moved counts, the minimum-count gate,
 * expiry, reopening, and a hostile message under a time bound; the
 * mailsift token style (word pairs of the body, only there) and a
 * store of one style refused under the other.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bayes.h"
#include "bayestok.h"
#include "buf.h"
#include "mem.h"
#include "msgtext.h"
#include "saconf.h"
#include "test.h"

/* tokens - the token texts of msg, with conf lines cf (may be NULL) */
static struct bayestok
tokens(const char *msg, const char *cf)
{
	struct bayestok_conf c;
	struct bayestok t;
	struct msgtext mt;
	struct buf err = BUF_INIT;
	char *dup, *line, *save = NULL, *sp;

	bayestok_conf_init(&c);
	if (cf != NULL) {
		dup = xstrdup(cf);
		for (line = strtok_r(dup, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			sp = strchr(line, ' ');
			*sp = '\0';
			bayestok_conf_setting(&c, line, sp + 1, &err);
		}
		xfree(dup);
	}
	bayestok_conf_finish(&c);
	msgtext_parse(&mt, msg, strlen(msg));
	bayestok_run(&c, &mt, 1, &t);
	msgtext_free(&mt);
	bayestok_conf_free(&c);
	buf_free(&err);
	return t;
}

/* has - is token s among t? */
static int
has(const struct bayestok *t, const char *s)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->text[i], s) == 0)
			return 1;
	return 0;
}

/* has_prefix - any token starting with p? */
static int
has_prefix(const struct bayestok *t, const char *p)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strncmp(t->text[i], p, strlen(p)) == 0)
			return 1;
	return 0;
}

static const char *const msg_headers =
    "Received: from top.example.net by mx.example.org; "
    "Mon, 2 Sep 2002 10:00:00 +0000\n"
    "Received: from middle.example.net by top.example.net; "
    "Mon, 2 Sep 2002 09:59:00 +0000\n"
    "Received: from bottom.example.net (bottom.example.net "
    "[192.0.2.7]) by middle.example.net; Mon, 2 Sep 2002 09:58:00 +0000\n"
    "From: \"Alice Sender\" <alice@mail.example.com>\n"
    "To: bob@example.org\n"
    "Subject: Quarterly numbers\n"
    "Date: Mon, 2 Sep 2002 09:57:00 +0000\n"
    "Message-ID: <abcdef123@host.example.com>\n"
    "X-Mailer: FancyMailer 5.0\n"
    "X-Tracking: zorglub\n"
    "X-Custom: secretvalue\n"
    "Precedence: bulk\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Hello there, the report is attached.\n";

/* test_header_tokens - prefixes, pseudo-headers, Received, ignores */
static void
test_header_tokens(void)
{
	struct bayestok t = tokens(msg_headers, "bayes_ignore_header X-Custom");

	TEST_OK(has(&t, "HX-Tracking:zorglub"), "unknown field: H<name>:");
	TEST_OK(has(&t, "H*F:U*alice") && has(&t, "H*F:D*mail.example.com") &&
	    has(&t, "H*F:D*example.com") && has(&t, "H*F:D*com"),
	    "From: U*, D* and parent domains under H*F:");
	TEST_OK(has(&t, "H*F:N*Alice") && has(&t, "H*F:N*Sender"),
	    "From: display name words as N*");
	TEST_OK(has(&t, "H*Ad:U*alice") && has(&t, "H*Ad:U*bob"),
	    "From and To under the *Ad pseudo-header");
	TEST_OK(has(&t, "HTo:D*example.org"), "To keeps its own name");
	TEST_OK(has(&t, "H*MI:abcdef123") && has(&t, "H*M:abcdef123"),
	    "Message-ID under *MI and *M");
	TEST_OK(has(&t, "H*UA:FancyMailer") && has(&t, "H*x:FancyMailer"),
	    "X-Mailer under *UA and *x");
	TEST_OK(has(&t, "H*r:sk:bottom.") && has(&t, "H*r:sk:middle."),
	    "the last two Received fields (long words as sk:)");
	TEST_OK(!has(&t, "H*r:mx.example.org"), "not the first Received");
	TEST_OK(has(&t, "H*r:192.0.2") && has(&t, "H*r:ip*192.0.2.7"),
	    "Received IPs: /24 and ip*");
	TEST_OK(!has_prefix(&t, "HSubject:") && !has_prefix(&t, "HDate:"),
	    "Subject and Date fields are ignored");
	TEST_OK(!has_prefix(&t, "HX-Custom:"), "bayes_ignore_header");
	TEST_OK(has(&t, "HPrecedence:bulk"), "other fields are kept");
	TEST_OK(!has_prefix(&t, "HMIME-Version:"), "MIME-Version 1.0 dropped");
	TEST_OK(has(&t, "H*ct:plain") && !has(&t, "H*ct:text"),
	    "Content-Type: gray words dropped");
	TEST_OK(has_prefix(&t, "Hx-spam-relays-external:") ||
	    has_prefix(&t, "H*RU:"), "relay pseudo-headers");
	TEST_OK(has(&t, "quarterly") && has(&t, "numbers"),
	    "the Subject is body text (title case lowered)");
	bayestok_free(&t);
}

/* test_body_tokens - the body breakouts */
static void
test_body_tokens(void)
{
	struct bayestok t = tokens("Subject: x\n\n"
	    "Hello world. Visit www.Example.com today!\n"
	    "Mail me at joe@shop.example.net, ok? Free!! $100,000 go\n"
	    "supercalifragilisticexpialidocious wait...what a--b\n",
	    NULL);

	TEST_OK(has(&t, "hello") && !has(&t, "Hello"),
	    "title case at the line start lowered");
	TEST_OK(has(&t, "Visit") && has(&t, "visit"), "word and lower case");
	TEST_OK(!has(&t, "world"), "stopword dropped");
	TEST_OK(has(&t, "UD:www.Example.com") && has(&t, "UD:Example.com") &&
	    has(&t, "UD:com"), "UD: and its parents");
	TEST_OK(has(&t, "www.example.com") && has(&t, "wwwexamplecom"),
	    "lower-cased and stripped variants");
	TEST_OK(has(&t, "U*joe") && has(&t, "D*shop.example.net") &&
	    has(&t, "D*example.net") && has(&t, "D*net"),
	    "mail address: U*, D*, parents");
	TEST_OK(has(&t, "Free!!") && has(&t, "Free") && has(&t, "free!!") &&
	    has(&t, "free"), "decomposition of Free!!");
	TEST_OK(has(&t, "$100,000") && has(&t, "100000"),
	    "money kept, digits variant");
	TEST_OK(!has(&t, "go") && !has(&t, "ok?") && !has(&t, "ok"),
	    "tokens under 3 bytes dropped");
	TEST_OK(!has(&t, "the") && has(&t, "today!") && has(&t, "today"),
	    "stopwords dropped, others kept");
	TEST_OK(has(&t, "sk:superca"), "long word: sk: + 7 characters");
	TEST_OK(has(&t, "wait") && has(&t, "what") && !has(&t, "...") &&
	    !has(&t, "wait...what"), "... splits words (and is trimmed)");
	TEST_OK(!has(&t, "a--b") && !has(&t, "--"), "-- splits words");
	bayestok_free(&t);
}

/* has_pair - does t hold any word pair token? */
static int
has_pair(const struct bayestok *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strstr(t->text[i], "2:") != NULL &&
		    strchr(t->text[i], ' ') != NULL)
			return 1;
	return 0;
}

/* test_pairs - bayes_token_style mailsift: pairs of body words */
static void
test_pairs(void)
{
	const char *msg = "Subject: cheap pills\nFrom: Joe Bloggs <j@x.test>\n"
	    "Content-Type: text/html\n\n"
	    "<html><body><p>Hello world. Visit www.Example.com today!</p>\n"
	    "<p>Mail me now</p><div style=\"display:none\">hidden words "
	    "here</div></body></html>\n";
	struct bayestok_conf c;
	struct buf err = BUF_INIT;
	struct bayestok sa = tokens(msg, NULL), ms;
	size_t i, nsa = 0;

	ms = tokens(msg, "bayes_token_style mailsift");
	TEST_OK(!has_pair(&sa), "sa style: no pairs");
	TEST_OK(has(&ms, "2:hello Visit"), "pair over a stopword");
	TEST_OK(has(&ms, "2:Visit www.Example.com") &&
	    has(&ms, "2:www.Example.com today!"), "pairs of the final words");
	TEST_OK(!has(&ms, "2:today! mail") && !has(&ms, "2:today mail"),
	    "no pair across paragraphs");
	TEST_OK(has(&ms, "2:cheap pills"), "subject (first visible line)");
	TEST_OK(has(&ms, "I*:2:hidden words"), "invisible text: I*: pairs");
	TEST_OK(!has(&ms, "H*F:2:Joe Bloggs") && !has(&ms, "2:Joe Bloggs"),
	    "no header pairs");
	for (i = 0; i < sa.n; i++)
		nsa += has(&ms, sa.text[i]);
	TEST_OK(nsa == sa.n, "every sa token kept: %zu of %zu", nsa, sa.n);
	bayestok_free(&sa);
	bayestok_free(&ms);
	bayestok_conf_init(&c);
	TEST_IS_INT(bayestok_conf_setting(&c, "bayes_token_style", "SA",
	    &err), 1, "style sa (any case)");
	TEST_IS_INT(c.style, BAYESTOK_SA, "style sa set");
	TEST_IS_INT(bayestok_conf_setting(&c, "bayes_token_style", "bigram",
	    &err), -1, "unknown style refused: %s", buf_str(&err));
	TEST_IS_INT(c.style, BAYESTOK_SA, "unknown style: unchanged");
	bayestok_conf_free(&c);
	buf_free(&err);
}

/* test_invisible_uri - invisible HTML text under I*:, URIs, UTF-8 */
static void
test_invisible_uri(void)
{
	struct bayestok t = tokens("Subject: x\n"
	    "Content-Type: text/html; charset=utf-8\n\n"
	    "<html><body>visible words here "
	    "<span style=\"display:none\">hiddenword</span> "
	    "<a href=\"http://www.spam.example/verylongpathsegmentnumber1\">"
	    "click</a> "
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe6\x96\x87"
	    "\xe7\xab\xa0\xe3\x81\xa7\xe3\x81\x99"
	    "</body></html>\n", NULL);

	TEST_OK(has(&t, "visible") && has(&t, "words"), "visible text");
	TEST_OK(has(&t, "I*:hiddenword") && !has(&t, "hiddenword"),
	    "invisible text only under I*:");
	TEST_OK(has(&t, "verylongpathsegmentnumber1") &&
	    !has(&t, "sk:verylon"), "URI words: long ones kept whole");
	TEST_OK(has(&t, "UD:www.spam.example") && has(&t, "UD:spam.example") &&
	    has(&t, "UD:example"), "URI host breakouts");
	TEST_OK(has(&t, "u8:\xe6\x97\xa5") && has(&t, "u8:\xe8\xaa\x9e"),
	    "long UTF-8 text: u8: per character");
	bayestok_free(&t);
}

/* test_math - token probability and combining by hand */
static void
test_math(void)
{
	double p[150], want, s, h, sm, hm;
	int i;

	/* s=10, h=0 of 200/200: p=1, f=(0.01614+10)/10.03 */
	TEST_OK(fabs(bayes_token_prob(200, 200, 10, 0, 1) -
	    (0.030 * 0.538 + 10.0) / 10.030) < 1e-12, "f(w) spammy");
	/* s=1, h=3 of 100 spam / 300 ham: p = 300/(300+300) = .5 */
	TEST_OK(fabs(bayes_token_prob(100, 300, 1, 3, 1) -
	    (0.030 * 0.538 + 4 * 0.5) / 4.030) < 1e-12, "f(w) with priors");
	TEST_OK(bayes_token_prob(200, 200, 1, 0, 1) > 0.98,
	    "hapax counts with bayes_use_hapaxes");
	TEST_OK(bayes_token_prob(200, 200, 1, 0, 0) < 0,
	    "hapax ignored without");
	TEST_OK(bayes_token_prob(200, 200, 0, 0, 1) < 0, "unknown token");
	/* two tokens of .99, equal priors: halfv 2 in closed form */
	p[0] = p[1] = 0.99;
	sm = -log(0.5 * 0.01 * 0.01);
	hm = -log(0.5 * 0.99 * 0.99);
	s = 1 - exp(-sm) * (1 + sm);
	h = 1 - exp(-hm) * (1 + hm);
	want = (s - h + 1) / 2;
	TEST_OK(fabs(bayes_combine(100, 100, p, 2) - want) < 1e-12,
	    "chi-square of two .99 tokens: %.9f", want);
	TEST_OK(fabs(want - 0.919512) < 1e-5, "hand value 0.9195");
	/* one token, priors 1:3 */
	p[0] = 0.2;
	sm = -log(0.25 * 0.8);
	hm = -log(0.75 * 0.2);
	want = ((1 - fmin(exp(-sm), 1)) - (1 - fmin(exp(-hm), 1)) + 1) / 2;
	TEST_OK(fabs(bayes_combine(100, 300, p, 1) - want) < 1e-12,
	    "one token with priors");
	/* 150 very spammy tokens: the product underflows, result is 1 */
	for (i = 0; i < 150; i++)
		p[i] = 0.999999;
	TEST_OK(bayes_combine(200, 200, p, 150) > 0.999999,
	    "underflow handled (spam)");
	for (i = 0; i < 150; i++)
		p[i] = 0.000001;
	TEST_OK(bayes_combine(200, 200, p, 150) < 1e-6,
	    "underflow handled (ham)");
}

/* message - a distinct message number n, spammy or hammy */
static char *
message(int n, int spam, int day)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "Received: from h%d.example.net by mx.example.org; "
	    "%d Sep 2002 10:00:00 +0000\n"
	    "From: %s%d@%s.example\nTo: you@example.org\n"
	    "Subject: message %d\nDate: %d Sep 2002 10:00:00 +0000\n\n",
	    n, day, spam ? "deals" : "friend", n, spam ? "cheap" : "home", n,
	    day);
	if (spam)
		buf_addf(&b, "Viagra casino lottery winner unique%d prize "
		    "money offer cheap pills\n", n);
	else
		buf_addf(&b, "Meeting agenda lunch tomorrow unique%d project "
		    "review notes family\n", n);
	return buf_steal(&b);
}

/* learn - learn message n; the BAYES_* result */
static int
learn(struct bayes *b, const char *msg, int spam)
{
	struct msgtext mt;
	int rc;

	msgtext_parse(&mt, msg, strlen(msg));
	rc = spam < 0 ? bayes_forget(b, &mt, msg, strlen(msg)) :
	    bayes_learn(b, &mt, msg, strlen(msg), spam);
	msgtext_free(&mt);
	return rc;
}

/* classify - bayes_classify of msg */
static int
classify(struct bayes *b, const char *msg, double *p)
{
	struct msgtext mt;
	int rc;

	msgtext_parse(&mt, msg, strlen(msg));
	rc = bayes_classify(b, &mt, msg, strlen(msg), p);
	msgtext_free(&mt);
	return rc;
}

/* settings - a saconf with text */
static struct saconf *
settings(const char *text)
{
	static const char *const plugins[] = {
		"Mail::SpamAssassin::Plugin::Bayes", NULL
	};
	struct saconf_opts o;
	struct saconf *c;

	memset(&o, 0, sizeof(o));
	o.plugins = plugins;
	o.can = saconf_sa401_can;
	c = saconf_new(&o);
	saconf_load_string(c, "test", text);
	saconf_finish(c);
	return c;
}

/* test_store - counts, the gate, forget, moved, reopen, expiry */
static void
test_store(void)
{
	char dir[] = "/tmp/bayes_test.XXXXXX", *m, *m2;
	struct saconf *conf = settings("bayes_min_spam_num 5\n"
	    "bayes_min_ham_num 5\nbayes_auto_expire 0\n");
	struct bayes *b;
	struct bayes_stats st;
	struct bayes_check ck;
	struct buf err = BUF_INIT, cmd = BUF_INIT;
	double p = -1;
	time_t oldest;
	uint64_t half;
	long n;
	int i, rc;

	TEST_OK(mkdtemp(dir) != NULL, "temporary directory");
	b = bayes_open(dir, saconf_settings(conf), 0, &err);
	TEST_OK(b != NULL, "open a new store: %s", buf_str(&err));
	if (b == NULL)
		return;
	m = message(1000, 1, 2);
	TEST_IS_INT(classify(b, m, &p), 0, "empty store: no verdict");
	for (i = 0; i < 4; i++) {
		m2 = message(i, 1, 2);
		TEST_IS_INT(learn(b, m2, 1), BAYES_LEARNED, "learn spam %d", i);
		xfree(m2);
		m2 = message(100 + i, 0, 2);
		TEST_IS_INT(learn(b, m2, 0), BAYES_LEARNED, "learn ham %d", i);
		xfree(m2);
	}
	TEST_IS_INT(classify(b, m, &p), 0, "4 of 5 needed: no verdict");
	m2 = message(4, 1, 3);
	learn(b, m2, 1);
	xfree(m2);
	m2 = message(104, 0, 3);
	learn(b, m2, 0);
	TEST_IS_INT(classify(b, m, &p), 1, "5 and 5: a verdict");
	TEST_OK(p > 0.9, "spammy message: %f", p);
	TEST_IS_INT(classify(b, m2, &p), 1, "hammy message: a verdict");
	TEST_OK(p < 0.1, "hammy message: %f", p);
	TEST_IS_INT(learn(b, m2, 0), BAYES_ALREADY, "learned twice: already");
	bayes_stats(b, &st);
	TEST_OK(st.nspam == 5 && st.nham == 5, "counts unchanged: %llu %llu",
	    (unsigned long long)st.nspam, (unsigned long long)st.nham);
	TEST_IS_INT(learn(b, m2, 1), BAYES_MOVED, "ham learned as spam: moved");
	bayes_stats(b, &st);
	TEST_OK(st.nspam == 6 && st.nham == 4, "moved: %llu %llu",
	    (unsigned long long)st.nspam, (unsigned long long)st.nham);
	TEST_IS_INT(learn(b, m2, -1), BAYES_LEARNED, "forget");
	TEST_IS_INT(learn(b, m2, -1), BAYES_UNKNOWN, "forget again: unknown");
	bayes_stats(b, &st);
	TEST_OK(st.nspam == 5 && st.nham == 4, "after forget: %llu %llu",
	    (unsigned long long)st.nspam, (unsigned long long)st.nham);
	TEST_IS_INT(bayes_check(b, &ck), 1, "consistent: %llu tokens",
	    (unsigned long long)ck.tokens);
	TEST_IS_INT(classify(b, m, &p), 0, "4 ham after forget: no verdict");
	xfree(m2);
	m2 = message(105, 0, 3);
	TEST_IS_INT(learn(b, m2, 0), BAYES_LEARNED, "another ham");
	xfree(m2);
	TEST_IS_INT(bayes_check(b, &ck), 1, "consistent");
	bayes_close(b);

	/* reopen: everything is still there */
	b = bayes_open(dir, saconf_settings(conf), 0, &err);
	TEST_OK(b != NULL, "reopen");
	bayes_stats(b, &st);
	TEST_OK(st.nspam == 5 && st.nham == 5 && st.ntokens == ck.ntokens,
	    "reopened: same counts");
	bayes_close(b);
	b = bayes_open(dir, saconf_settings(conf), BAYES_RDONLY, &err);
	TEST_OK(b != NULL, "open read-only");
	TEST_IS_INT(learn(b, m, 1), -1, "read-only: no learning");
	TEST_IS_INT(classify(b, m, &p), 1, "read-only: classifies");
	bayes_close(b);

	/* expiry: older messages (earlier days) go first */
	b = bayes_open(dir, saconf_settings(conf), 0, &err);
	for (i = 0; i < 20; i++) {
		m2 = message(200 + i, i & 1, 10 + i);
		learn(b, m2, i & 1);
		xfree(m2);
	}
	bayes_stats(b, &st);
	oldest = st.oldest_atime;
	half = st.ntokens / 2;
	n = bayes_expire(b, half);
	TEST_OK(n > 0, "expired %ld of %llu", n,
	    (unsigned long long)st.ntokens);
	bayes_stats(b, &st);
	TEST_OK(st.ntokens == half, "tokens left: %llu of %llu wanted",
	    (unsigned long long)st.ntokens, (unsigned long long)half);
	rc = bayes_check(b, &ck);
	TEST_IS_INT(rc, 1, "consistent after expiry");
	TEST_OK(ck.tokens == st.ntokens && st.last_expire > 0 &&
	    st.last_expire_reduce == (uint64_t)n, "expiry recorded");
	TEST_OK(st.oldest_atime > oldest + 5 * 86400,
	    "the oldest went: oldest now %lld, was %lld",
	    (long long)st.oldest_atime, (long long)oldest);
	/* the newest message's unique token survived */
	m2 = message(219, 1, 29);
	TEST_IS_INT(classify(b, m2, &p), 1, "still classifies");
	xfree(m2);
	TEST_IS_INT(bayes_expire(b, 1000000), 0, "under the limit: nothing");
	bayes_close(b);
	xfree(m);

	buf_addf(&cmd, "rm -rf %s", dir);
	if (system(buf_str(&cmd)) != 0)
		TEST_OK(0, "cleanup");
	buf_free(&cmd);
	buf_free(&err);
	saconf_free(conf);
}

/* train - learn n spam and n ham messages from number base */
static void
train(struct bayes *b, int base, int n)
{
	char *m;
	int i;

	for (i = 0; i < n; i++) {
		m = message(base + i, 1, 2);
		learn(b, m, 1);
		xfree(m);
		m = message(base + 100 + i, 0, 2);
		learn(b, m, 0);
		xfree(m);
	}
}

/* forget_all - forget what train(b, base, n) learned */
static void
forget_all(struct bayes *b, int base, int n)
{
	char *m;
	int i;

	for (i = 0; i < n; i++) {
		m = message(base + i, 1, 2);
		learn(b, m, -1);
		xfree(m);
		m = message(base + 100 + i, 0, 2);
		learn(b, m, -1);
		xfree(m);
	}
}

/* test_style_store - a store keeps its token style and refuses the
 * other one */
static void
test_style_store(void)
{
	char dir[] = "/tmp/bayes_test.XXXXXX", *m, *h;
	const char *base = "bayes_min_spam_num 5\nbayes_min_ham_num 5\n"
	    "bayes_auto_expire 0\n";
	struct buf err = BUF_INIT, cmd = BUF_INIT, txt = BUF_INIT;
	struct saconf *sa, *ms;
	struct bayes *b;
	struct bayes_stats st;
	double p = -1;

	buf_addf(&txt, "%sbayes_token_style mailsift\n", base);
	ms = settings(buf_str(&txt));
	sa = settings(base);
	TEST_OK(mkdtemp(dir) != NULL, "temporary directory");
	b = bayes_open(dir, saconf_settings(ms), 0, &err);
	TEST_OK(b != NULL, "open a new store, mailsift style: %s",
	    buf_str(&err));
	if (b == NULL)
		return;
	train(b, 0, 6);
	m = message(1000, 1, 2);
	h = message(1100, 0, 2);
	TEST_IS_INT(classify(b, m, &p), 1, "mailsift: a verdict");
	TEST_OK(p > 0.9, "mailsift: spammy message %f", p);
	TEST_IS_INT(classify(b, h, &p), 1, "mailsift: a verdict");
	TEST_OK(p < 0.1, "mailsift: hammy message %f", p);
	bayes_close(b);

	b = bayes_open(dir, saconf_settings(sa), 0, &err);
	TEST_OK(b != NULL, "reopen with the sa style");
	TEST_IS_INT(classify(b, m, &p), -1, "sa on a mailsift store: refused");
	TEST_IS_INT(classify(b, m, &p), -1, "refused again (said once)");
	TEST_IS_INT(learn(b, m, 1), -1, "sa on a mailsift store: no learn");
	bayes_stats(b, &st);
	TEST_OK(st.nspam == 6 && st.nham == 6, "counts untouched: %llu %llu",
	    (unsigned long long)st.nspam, (unsigned long long)st.nham);
	bayes_close(b);

	/* forgotten down to nothing, a store takes any style */
	b = bayes_open(dir, saconf_settings(ms), 0, &err);
	forget_all(b, 0, 6);
	bayes_stats(b, &st);
	TEST_OK(st.nspam == 0 && st.nham == 0 && st.ntokens == 0,
	    "all forgotten: %llu tokens left", (unsigned long long)st.ntokens);
	bayes_close(b);
	b = bayes_open(dir, saconf_settings(sa), 0, &err);
	train(b, 0, 6);
	TEST_IS_INT(classify(b, m, &p), 1, "empty store took the sa style");
	TEST_OK(p > 0.9, "sa: spammy message %f", p);
	bayes_close(b);
	b = bayes_open(dir, saconf_settings(ms), 0, &err);
	TEST_IS_INT(classify(b, m, &p), -1, "mailsift on an sa store: refused");
	TEST_IS_INT(learn(b, m, 1), -1, "mailsift on an sa store: no learn");
	bayes_close(b);
	xfree(m);
	xfree(h);

	buf_reset(&cmd);
	buf_addf(&cmd, "rm -rf %s", dir);
	if (system(buf_str(&cmd)) != 0)
		TEST_OK(0, "cleanup");
	buf_free(&cmd);
	buf_free(&err);
	buf_free(&txt);
	saconf_free(sa);
	saconf_free(ms);
}

/* test_hostile - a huge message tokenizes in bounded time */
static void
test_hostile(void)
{
	struct buf b = BUF_INIT;
	struct bayestok t;
	double t0;
	int i;

	buf_adds(&b, "Subject: x\n");
	for (i = 0; i < 3000; i++)
		buf_addf(&b, "X-H%d: %d.%d.%d.%d aaaa@bbbb.cccc\n", i, i, i, i, i);
	buf_adds(&b, "\n");
	for (i = 0; i < 200000; i++)
		buf_addf(&b, "w%dx.y%d a@b.c%d ", i, i, i);
	t0 = test_now();
	t = tokens(buf_str(&b), NULL);
	TEST_OK(test_now() - t0 < 20 * test_slow(), "bounded time: %.2f s",
	    test_now() - t0);
	TEST_OK(t.n > 1000 && t.n < 400000, "tokens capped: %zu", t.n);
	bayestok_free(&t);
	buf_free(&b);
}

/* test_msgid - the seen key */
static void
test_msgid(void)
{
	char a[41], b[41], c[41];
	const char *m1 = "To: x@y\nDate: today\n\nbody\n";
	const char *m2 = "To: x@y\r\nDate: today\r\n\r\nbody\r\n";
	const char *m3 = "To: x@y\nDate: today\n\nbody!\n";

	bayes_msgid(m1, strlen(m1), a);
	bayes_msgid(m2, strlen(m2), b);
	bayes_msgid(m3, strlen(m3), c);
	TEST_IS_INT((int)strlen(a), 40, "40 hex digits");
	TEST_IS_STR(a, b, "CRLF and LF give the same key");
	TEST_OK(strcmp(a, c) != 0, "another body, another key");
}

int
main(void)
{
	test_header_tokens();
	test_body_tokens();
	test_invisible_uri();
	test_math();
	test_msgid();
	test_pairs();
	test_store();
	test_style_store();
	test_hostile();
	TEST_DONE();
}
