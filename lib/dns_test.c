/*
 * dns_test.c - unit tests for dns.c against a small DNS responder on
 * 127.0.0.1 run in a thread of the test (lib/dnstest.h): A and TXT
 * answers, NXDOMAIN, SERVFAIL, NODATA, many queries in flight, a
 * silent server costing only the timeout, cancel and free with queries
 * pending, hostile answers (NULs, too many records), server lists, and
 * dns_reverse_ip for IPv4 and IPv6.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns.h"
#include "dnstest.h"
#include "mem.h"
#include "test.h"

/* what one callback saw */
struct seen {
	int	 calls;
	int	 status, n;
	char	 first[256];	/* first address or TXT string */
	char	 second[256];
	char	 first1[256];	/* first string of the first TXT record */
};

static void
record(void *arg, const char *name, const struct dns_answer *a)
{
	struct seen *s = arg;

	s->calls++;
	s->status = a->status;
	s->n = a->n;
	if (a->type == DNS_T_A && a->n > 0) {
		inet_ntop(AF_INET, &a->a[0], s->first, sizeof(s->first));
		if (a->n > 1)
			inet_ntop(AF_INET, &a->a[1], s->second,
			    sizeof(s->second));
	}
	if (a->type == DNS_T_TXT && a->n > 0) {
		snprintf(s->first, sizeof(s->first), "%s", a->txt[0]);
		snprintf(s->first1, sizeof(s->first1), "%s", a->txt1[0]);
		if (a->n > 1)
			snprintf(s->second, sizeof(s->second), "%s",
			    a->txt[1]);
	}
}

/* ask - one query waited for */
static void
ask(struct dns *d, const char *name, int type, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	if (dns_query(d, name, type, record, s) == 0)
		dns_wait(d, test_now() + 5 * test_slow());
}

static void
test_answers(struct dns *d, struct dnstest *srv)
{
	struct seen s;

	ask(d, "2.0.0.127.bl.test", DNS_T_A, &s);
	TEST_IS_INT(s.calls, 1, "A: one callback");
	TEST_IS_INT(s.status, DNS_OK, "A: ok");
	TEST_IS_INT(s.n, 1, "A: one address");
	TEST_IS_STR(s.first, "127.0.0.2", "A: the address");

	ask(d, "two.bl.test", DNS_T_A, &s);
	TEST_IS_INT(s.n, 2, "A: two addresses");
	TEST_IS_STR(s.second, "127.0.0.4", "A: the second one");

	ask(d, "2.0.0.127.bl.test", DNS_T_TXT, &s);
	TEST_IS_INT(s.status, DNS_OK, "TXT: ok");
	TEST_IS_INT(s.n, 2, "TXT: two records");
	TEST_IS_STR(s.first, "listed in bl.test", "TXT: strings joined");
	TEST_IS_STR(s.second, "second", "TXT: second record");
	TEST_IS_STR(s.first1, "listed in ", "TXT: first string alone");

	ask(d, "3.0.0.127.bl.test", DNS_T_A, &s);
	TEST_IS_INT(s.status, DNS_NXDOMAIN, "NXDOMAIN");
	TEST_IS_INT(s.n, 0, "NXDOMAIN: no records");

	ask(d, "servfail.test", DNS_T_A, &s);
	TEST_IS_INT(s.calls, 1, "SERVFAIL: one callback");
	TEST_IS_INT(s.status, DNS_FAIL, "SERVFAIL: failed");

	ask(d, "nodata.test", DNS_T_A, &s);
	TEST_IS_INT(s.status, DNS_OK, "NODATA: ok");
	TEST_IS_INT(s.n, 0, "NODATA: no records");

	ask(d, "nul.test", DNS_T_TXT, &s);
	TEST_IS_STR(s.first, "a?b", "TXT: a NUL made visible");

	ask(d, "many.test", DNS_T_A, &s);
	TEST_IS_INT(s.status, DNS_OK, "70 records: ok");
	TEST_IS_INT(s.n, 64, "70 records: 64 kept");

	ask(d, "garbage.test", DNS_T_A, &s);
	TEST_IS_INT(s.calls, 1, "truncated answer: one callback");
	TEST_IS_INT(s.status, DNS_FAIL, "truncated answer: failed");

	TEST_OK(dnstest_count(srv, "2.0.0.127.bl.test") == 2,
	    "the responder saw the A and the TXT question");
}

#define NMANY	300

static void
test_many(struct dns *d)
{
	static struct seen s[NMANY];
	struct buf name = BUF_INIT;
	int i, ok = 0, once = 0, sent = 0;
	double t0 = test_now();

	for (i = 0; i < NMANY; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		buf_reset(&name);
		buf_addf(&name, "%d.%d.0.127.bl.test", i % 2 ? 2 : 3, i);
		sent += dns_query(d, buf_str(&name), DNS_T_A, record, &s[i])
		    == 0;
	}
	TEST_IS_INT(sent, NMANY, "%d queries sent", NMANY);
	TEST_IS_INT(dns_pending(d), NMANY, "all pending at once");
	dns_wait(d, test_now() + 10 * test_slow());
	for (i = 0; i < NMANY; i++) {
		once += s[i].calls == 1;
		ok += i % 2 ? s[i].status == DNS_OK && s[i].n == 1 :
		    s[i].status == DNS_NXDOMAIN;
	}
	TEST_IS_INT(once, NMANY, "every callback ran once");
	TEST_IS_INT(ok, NMANY, "every answer right");
	TEST_IS_INT(dns_pending(d), 0, "none pending");
	TEST_OK(test_now() - t0 < 3 * test_slow(), "in %.3f s",
	    test_now() - t0);
	buf_free(&name);
}

static void
test_silent(const char *servers)
{
	struct buf err = BUF_INIT;
	struct dns *d;
	struct seen s;
	double t0, dt;

	d = dns_new(servers, 0.6, &err);
	TEST_OK(d != NULL, "resolver with a 0.6 s timeout");
	if (d == NULL)
		return;
	memset(&s, 0, sizeof(s));
	t0 = test_now();
	dns_query(d, "silent.test", DNS_T_A, record, &s);
	dns_wait(d, t0 + 10);
	dt = test_now() - t0;
	TEST_IS_INT(s.calls, 1, "silent server: one callback");
	TEST_IS_INT(s.status, DNS_TIMEOUT, "silent server: timeout");
	TEST_OK(dt >= 0.5 && dt < 0.6 + 0.3 * test_slow(),
	    "silent server costs the timeout: %.3f s", dt);

	/* the caller's deadline comes first: cancel */
	memset(&s, 0, sizeof(s));
	t0 = test_now();
	dns_query(d, "silent.test", DNS_T_A, record, &s);
	dns_wait(d, t0 + 0.2);
	dt = test_now() - t0;
	TEST_IS_INT(s.calls, 0, "deadline: no callback yet");
	TEST_OK(dt >= 0.19 && dt < 0.2 + 0.2 * test_slow(),
	    "deadline kept: %.3f s", dt);
	dns_cancel(d);
	TEST_IS_INT(s.calls, 1, "cancel: one callback");
	TEST_IS_INT(s.status, DNS_TIMEOUT, "cancel: seen as a timeout");
	TEST_IS_INT(dns_pending(d), 0, "cancel: none pending");

	/* freed with a query pending */
	memset(&s, 0, sizeof(s));
	dns_query(d, "silent.test", DNS_T_TXT, record, &s);
	dns_free(d);
	TEST_IS_INT(s.calls, 1, "free: the pending callback ran once");
	TEST_IS_INT(s.status, DNS_TIMEOUT, "free: as a timeout");
	buf_free(&err);
}

static void
test_bad(struct dns *d)
{
	static const char *bad[] = { "1.2.3.4:99999", "1.2.3.4:", "[::1",
	    "[::1]x", "host.example:53", "1.2.3.4:53x", NULL };
	struct buf err = BUF_INIT, name = BUF_INIT;
	struct dns *d2;
	struct seen s;
	int i;

	for (i = 0; bad[i]; i++) {
		buf_reset(&err);
		d2 = dns_new(bad[i], 1, &err);
		TEST_OK(d2 == NULL && err.len > 0, "bad server \"%s\": %s",
		    bad[i], buf_str(&err));
		dns_free(d2);
	}
	d2 = dns_new("127.0.0.1:5353, [::1]:5353 ::1,10.0.0.1", 1, &err);
	TEST_OK(d2 != NULL, "a list of four servers");
	dns_free(d2);

	memset(&s, 0, sizeof(s));
	for (i = 0; i < 70; i++)
		buf_addc(&name, 'x');
	buf_adds(&name, ".bl.test");
	TEST_IS_INT(dns_query(d, buf_str(&name), DNS_T_A, record, &s), -1,
	    "a 70-byte label is refused");
	TEST_IS_INT(dns_query(d, "a.test", 28, record, &s), -1,
	    "another type is refused");
	TEST_IS_INT(s.calls, 0, "refused: no callback");
	TEST_IS_INT(dns_pending(d), 0, "refused: nothing pending");
	buf_free(&err);
	buf_free(&name);
}

static void
test_reverse(void)
{
	static const struct {
		const char *ip, *want;
	} c[] = {
		{ "1.2.3.4", "4.3.2.1" },
		{ "127.0.0.2", "2.0.0.127" },
		{ "::ffff:10.1.2.3", "3.2.1.10" },
		{ "2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
		    ".0.0.8.b.d.0.1.0.0.2" },
		{ "::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
		    ".0.0.0.0.0.0" },
	};
	static const char *bad[] = { "", "1.2.3", "1.2.3.256", "example.com",
	    "1.2.3.4 ", "::g", NULL };
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		TEST_IS_INT(dns_reverse_ip(c[i].ip, &b), 0, "reverse %s",
		    c[i].ip);
		TEST_IS_STR(buf_str(&b), c[i].want, "reverse %s: form",
		    c[i].ip);
	}
	for (i = 0; bad[i]; i++)
		TEST_IS_INT(dns_reverse_ip(bad[i], &b), -1, "not an address: "
		    "\"%s\"", bad[i]);
	buf_free(&b);
}

int
main(void)
{
	struct buf err = BUF_INIT;
	struct dnstest *srv;
	struct dns *d;

	srv = dnstest_start();
	d = dns_new(dnstest_servers(srv), 2, &err);
	TEST_OK(d != NULL, "resolver on %s: %s", dnstest_servers(srv),
	    buf_str(&err));
	if (d == NULL)
		TEST_DONE();
	test_answers(d, srv);
	test_many(d);
	test_bad(d);
	test_silent(dnstest_servers(srv));
	test_reverse();
	dns_free(d);
	dnstest_stop(srv);
	buf_free(&err);
	TEST_DONE();
}
