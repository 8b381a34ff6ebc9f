/*
 * uri_test.c - unit tests of uri.c: URIs found in text (schemes, www.,
 * ftp., bare hosts with a known TLD, addresses, trailing punctuation,
 * parentheses, delimiters), their canonical variants (%XX, &#NN;,
 * ports, numeric hosts, redirectors, mailto forms), host and
 * registrable domain, and hostile text with time bounds.  Expected
 * values of uri_from_text and uri_canonical were produced by
 * SpamAssassin 4.0.1 (PerMsgStatus get_uri_detail_list) on the same
 * lines.  Inputs: none.  Time bounds are multiplied by
 * MAILSIFT_TEST_SLOW when set, and by 5 under AddressSanitizer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mem.h"
#include "test.h"
#include "uri.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* cmp - qsort on strings */
static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* joined - the list sorted and joined by '|' into b */
static const char *
joined(const struct uri_list *l, struct buf *b)
{
	char **v = xreallocarray(NULL, l->n + 1, sizeof(*v));
	int i;

	if (l->n > 0)
		memcpy(v, l->v, l->n * sizeof(*v));
	qsort(v, l->n, sizeof(*v), cmp);
	buf_reset(b);
	for (i = 0; i < l->n; i++) {
		if (i)
			buf_addc(b, '|');
		buf_adds(b, v[i]);
	}
	xfree(v);
	return buf_str(b);
}

static const struct {
	const char	*text, *parsed, *cleaned;
} cases[] = {
	{ "visit http://www.Example.COM/path?x=1. now",
	    "http://www.Example.COM/path?x=1",
	    "http://www.Example.COM/path?x=1" },
	{ "see www.example.com, and (www.foo.org) too",
	    "http://www.example.com|http://www.foo.org",
	    "http://www.example.com|http://www.foo.org" },
	{ "mail me at John.Doe@Example.com or mailto:x@y.org?subject=hi",
	    "mailto:John.Doe@Example.com|mailto:x@y.org?subject=hi",
	    "mailto:John.Doe@Example.com|mailto:x@y.org|"
	    "mailto:x@y.org?subject=hi" },
	{ "bare example.com/path and example.net and foo.invalidtld/x",
	    "http://example.com/path|http://example.net",
	    "http://example.com/path|http://example.net" },
	{ "ftp.gnu.org/pub and ftp://ftp.x.org/a",
	    "ftp://ftp.gnu.org/pub|ftp://ftp.x.org/a",
	    "ftp://ftp.gnu.org/pub|ftp://ftp.x.org/a" },
	{ "http://%77%77%77.example.com/%41b and http:/single.com/x "
	    "http:\\\\back.com\\y",
	    "http://%77%77%77.example.com/%41b|http://single.com/x",
	    "http://%77%77%77.example.com/%41b|http://single.com/x|"
	    "http://www.example.com/Ab" },
	{ "http://user:pw@host.com:80/x and https://s.com:443/ and "
	    "http://0x7f.1.1.1/ and http://3232235777/",
	    "http://0x7f.1.1.1/|http://3232235777/|"
	    "http://user:pw@host.com:80/x|https://s.com:443/",
	    "http://0x7f.1.1.1/|http://127.1.1.1/|http://192.168.1.1/|"
	    "http://3232235777/|http://host.com/x|"
	    "http://user:pw@host.com:80/x|https://s.com/|https://s.com:443/" },
	{ "http://bad.com/redirect?u=http://target.com/x&y=1",
	    "http://bad.com/redirect?u=http://target.com/x&y=1",
	    "http://bad.com/redirect?u=http://target.com/x&y=1|"
	    "http://target.com/x" },
	{ "text (http://paren.com/a) and http://p.com/a)b",
	    "http://p.com/a|http://paren.com/a",
	    "http://p.com/a|http://paren.com/a" },
	{ "email:foo@bar.com skype:me@x.com e-mail:q@w.de",
	    "mailto:foo@bar.com|mailto:me@x.com|mailto:q@w.de",
	    "mailto:foo@bar.com|mailto:me@x.com|mailto:q@w.de" },
	{ "trailing http://t.com/x?!... and <http://angle.com/>",
	    "http://angle.com/|http://t.com/x",
	    "http://angle.com/|http://t.com/x" },
	{ "nothing here at all", "", "" },
	{ "a.b.c.d.e.co.uk/x 1.2.3.4/abc", "http://a.b.c.d.e.co.uk/x",
	    "http://a.b.c.d.e.co.uk/x" },
	{ "http://foo.com/&#x41;&#66;b www1.x.com www123.y.com",
	    "http://foo.com/&#x41;&#66;b|http://www1.x.com|"
	    "http://www123.y.com",
	    "http://foo.com/&#x41;&#66;b|http://foo.com/ABb|"
	    "http://www1.x.com|http://www123.y.com" },
	{ "cid:abc@def mid:x@y.com http:// https:", "", "" },
	{ "x@y z@localhost a@b.c.", "", "" },
	{ "http://example.com?q=1 http://example.com#f",
	    "http://example.com#f|http://example.com?q=1",
	    "http://example.com#f|http://example.com/#f|"
	    "http://example.com/?q=1|http://example.com?q=1" },
	{ "Go to WWW.CAPS.COM/x or Www2.x.co.uk",
	    "http://WWW.CAPS.COM/x|http://Www2.x.co.uk",
	    "http://WWW.CAPS.COM/x|http://Www2.x.co.uk" },
	{ "\"http://quoted.com/x\" 'www.single.com' [www.brack.com] "
	    "{www.brace.com}",
	    "http://quoted.com/x|http://www.brace.com|http://www.brack.com|"
	    "http://www.single.com",
	    "http://quoted.com/x|http://www.brace.com|http://www.brack.com|"
	    "http://www.single.com" },
	{ "x.y@z.com, <a@b.com> \"c@d.com\"",
	    "mailto:a@b.com|mailto:c@d.com|mailto:x.y@z.com",
	    "mailto:a@b.com|mailto:c@d.com|mailto:x.y@z.com" },
	{ "foo.bar.baz/x:y price $5.99 version 1.2.3 file.txt readme.md",
	    "http://readme.md", "http://readme.md" },
	{ "ip 10.0.0.1/x and http://10.0.0.1:8080/path and "
	    "http://017.0.0.1/",
	    "http://10.0.0.1:8080/path",
	    "http://10...1:8080/path|http://10.0.0.1:8080/path" },
	{ "http://example.com/%7Efoo%20bar",
	    "http://example.com/%7Efoo%20bar",
	    "http://example.com/%7Efoo%20bar|http://example.com/~foo%20bar" },
	{ "http://example.com/a%2Fb http://example.com/a%3fb",
	    "http://example.com/a%2Fb|http://example.com/a%3fb",
	    "http://example.com/a%2Fb|http://example.com/a%3fb|"
	    "http://example.com/a/b|http://example.com/a?b" },
	{ "mailto:a%40b.com mailto:%20%20x@y.com",
	    "mailto:%20%20x@y.com", "mailto:%20%20x@y.com|mailto:x@y.com" },
	{ "x mailto:Name<n@e.org>", "mailto:n@e.org", "mailto:n@e.org" },
	{ "http://foo/x http://localhost/", "http://foo/x",
	    "http://foo/x|http://www.foo.com/x" },
	{ "http://0x0a.0x10.1.2/ http://167772161/ http://0xa000001/",
	    "http://0x0a.0x10.1.2/|http://0xa000001/|http://167772161/",
	    "http://0x0a.0x10.1.2/|http://0xa000001/|http://10.0.0.1/|"
	    "http://10.16.1.2/|http://167772161/" },
	{ "visit:http://colon.com/ |www.pipe.com| www.end.com.",
	    "http://colon.com/|http://www.end.com|http://www.pipe.com",
	    "http://colon.com/|http://www.end.com|http://www.pipe.com" },
};

/* test_cases - parsed and cleaned lists against SA's */
static void
test_cases(void)
{
	struct buf b = BUF_INIT;
	size_t i;
	int j;

	for (i = 0; i < NELEM(cases); i++) {
		struct uri_list l = { 0 }, c = { 0 };

		uri_from_text(cases[i].text, strlen(cases[i].text), &l);
		TEST_IS_STR(joined(&l, &b), cases[i].parsed, "parsed %zu", i);
		for (j = 0; j < l.n; j++)
			uri_canonical(l.v[j], &c);
		TEST_IS_STR(joined(&c, &b), cases[i].cleaned,
		    "cleaned %zu", i);
		uri_list_free(&l);
		uri_list_free(&c);
	}
	buf_free(&b);
}

/* test_flags - schemeless and unlinked marks */
static void
test_flags(void)
{
	struct uri_list l = { 0 };
	const char *t = "http://a.com/ www.b.com c.com x@d.com";
	int i, f[4] = { -1, -1, -1, -1 };

	uri_from_text(t, strlen(t), &l);
	TEST_IS_INT(l.n, 4, "four URIs");
	for (i = 0; i < l.n && i < 4; i++)
		f[i] = l.flags[i];
	TEST_IS_INT(f[0], 0, "scheme: no flag");
	TEST_IS_INT(f[1], URI_SCHEMELESS, "www.: schemeless");
	TEST_IS_INT(f[2], URI_SCHEMELESS | URI_UNLINKED, "bare: unlinked");
	TEST_IS_INT(f[3], URI_SCHEMELESS, "address: schemeless");
	uri_list_free(&l);
}

/* test_host_domain - uri_host, uri_domain, uri_tld_valid */
static void
test_host_domain(void)
{
	static const struct {
		const char	*uri, *host, *domain;
	} hd[] = {
		{ "http://WWW.Example.COM:8080/x", "www.example.com",
		    "example.com" },
		{ "https://user@a.b.example.co.uk/", "a.b.example.co.uk",
		    "example.co.uk" },
		{ "mailto:Joe@Mail.Example.org?subject=x", "mail.example.org",
		    "example.org" },
		{ "ftp://ftp.gnu.org./pub", "ftp.gnu.org", "gnu.org" },
		{ "http://10.1.2.3/", "10.1.2.3", "10.1.2.3" },
		{ "http://localhost/", "localhost", "localhost" },
		{ "http://co.uk/", "co.uk", "co.uk" },
		{ "http://x.com.au/", "x.com.au", "x.com.au" },
		{ "http://a..b...example.com/", "a..b...example.com",
		    "example.com" },
	};
	struct buf h = BUF_INIT, d = BUF_INIT;
	size_t i;

	for (i = 0; i < NELEM(hd); i++) {
		TEST_OK(uri_host(hd[i].uri, &h), "host of %s", hd[i].uri);
		TEST_IS_STR(buf_str(&h), hd[i].host, "host %zu", i);
		TEST_IS_STR(uri_domain(buf_str(&h), &d), hd[i].domain,
		    "domain %zu", i);
	}
	TEST_OK(!uri_host("rel/path", &h), "no host in a relative URI");
	TEST_OK(!uri_host("mailto:nobody", &h), "no host without '@'");
	TEST_OK(uri_tld_valid("COM", 3) && uri_tld_valid("uk", 2) &&
	    !uri_tld_valid("invalidtld", 10) && !uri_tld_valid("1", 1),
	    "TLD list");
	buf_free(&h);
	buf_free(&d);
}

/* test_hostile - linear time on hostile text */
static void
test_hostile(void)
{
	static const char *const fills[] = {
		"a", "a.", "a@", ".com", "http://", "www.", "@x.com ",
		"a.com/", "x(", "a-b_c.", "mailto:", "%41",
	};
	size_t big = 10 * 1024 * 1024, i;
	struct buf in = BUF_INIT;
	double t0, lim = 3.0 * test_slow();	/* quadratic would be minutes */

	for (i = 0; i < NELEM(fills); i++) {
		struct uri_list l = { 0 };

		buf_reset(&in);
		buf_adds(&in, " ");
		while (in.len < big)
			buf_adds(&in, fills[i]);
		t0 = test_now();
		uri_from_text(in.data, in.len, &l);
		TEST_OK(test_now() - t0 < lim, "10 MB of \"%s\": %.3f s, %d URIs",
		    fills[i], test_now() - t0, l.n);
		TEST_OK(l.n <= URI_MAX_LIST, "list bounded");
		uri_list_free(&l);
	}
	{
		struct uri_list l = { 0 };

		buf_reset(&in);
		for (i = 0; in.len < big; i++)
			buf_addf(&in, "http://h%zu.com/ ", i);
		t0 = test_now();
		uri_from_text(in.data, in.len, &l);
		TEST_OK(test_now() - t0 < 4 * lim, "%zu URIs: %.3f s", i,
		    test_now() - t0);
		TEST_IS_INT(l.n, URI_MAX_LIST, "list capped");
		TEST_IS_INT(l.overflow, URI_TOO_MANY, "overflow flagged");
		uri_list_free(&l);
	}
	{
		struct uri_list c = { 0 };

		buf_reset(&in);
		buf_adds(&in, "http://");
		while (in.len < big)
			buf_adds(&in, "%41.");
		t0 = test_now();
		uri_canonical(in.data, &c);
		TEST_OK(test_now() - t0 < lim, "canonical of a 10 MB URI: %.3f s",
		    test_now() - t0);
		uri_list_free(&c);
	}
	buf_free(&in);
}

/* test_loaded_tlds - a TLD list from the rules replaces the built-in */
static void
test_loaded_tlds(void)
{
	struct uri_list l = { 0 };
	struct buf b = BUF_INIT, d = BUF_INIT;
	/* SA 4.0.1 on the same line with its full list: 3.Energy,
	 * R.Hughes, b.com, c.de (not a.we) */
	const char *t = "see 3.Energy and R.Hughes a.we b.com c.de";

	uri_from_text(t, strlen(t), &l);
	TEST_IS_STR(joined(&l, &b), "http://b.com|http://c.de",
	    "built-in list: real ccTLDs only");
	uri_list_free(&l);
	uri_tld_add("com");
	uri_tld_add("ENERGY");
	uri_tld_add("hughes");
	uri_tld_add("com");
	uri_tld_add("zz");
	uri_from_text(t, strlen(t), &l);
	TEST_IS_STR(joined(&l, &b),
	    "http://3.Energy|http://R.Hughes|http://b.com",
	    "loaded list replaces the built-in one");
	uri_list_free(&l);
	TEST_IS_STR(uri_domain("www.example.zz.zz", &d), "zz.zz",
	    "no suffix: two labels");
	uri_suffix_add("zz.zz");
	TEST_IS_STR(uri_domain("www.example.zz.zz", &d), "example.zz.zz",
	    "loaded public suffix");
	buf_free(&b);
	buf_free(&d);
}

int
main(void)
{
	test_cases();
	test_flags();
	test_host_domain();
	test_hostile();
	test_loaded_tlds();
	TEST_DONE();
}
