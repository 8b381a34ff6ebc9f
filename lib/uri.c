/*
 * uri.c - URIs in plain text, their canonical variants, and registrable
 * domains, the way SpamAssassin 4.0 computes them for uri rules.
 *
 * Exports uri_from_text, uri_canonical, uri_list_add, uri_list_free,
 * uri_host, uri_domain, uri_tld_valid.
 * Inputs: rendered body text (UTF-8 bytes) and URIs from HTML, all
 * hostile.  Runs unprivileged in the scorer.  uri_from_text is one
 * forward pass: the three "next delimiter" searches it needs are cached
 * and only move forward, so a 10 MB line costs O(size) however it is
 * built; lists are bounded (URI_MAX_LIST) and hashed, never scanned.
 *
 * uri_from_text follows SA's Thunderbird-like regex (PerMsgStatus
 * _tbirdurire): "http://", "https://", "ftp://", "www.", "www1.",
 * "ftp." start a URI (up to 2048 bytes, ending before whitespace, NBSP,
 * ESC or one of ><"`}]{[|); "mailto:" or local@domain an address; and
 * a bare host ending in a known TLD (after a punctuation or space),
 * with an optional port and /path, an unlinked one.  Then as SA: a ')'
 * without '(' before it ends the URI, trailing -~!@#^&*()_+=:;'?,. are
 * dropped, cid:/mid: and bare schemes are skipped, and a scheme is
 * added: ftp:// to ftp., http:// to www. and to bare hosts, mailto: to
 * addresses (whose domain must end in a known TLD).
 *
 * uri_canonical is SA's uri_list_canonicalize: the URI itself plus
 * every variant SA adds: '\' made '/', "http:/x" made "http://x", %XX
 * of printable ASCII decoded (SA's url_encode), scheme added, '/'
 * before a bare ?query, &#NN; of printable ASCII decoded, default port
 * dropped, control bytes removed from the host, trailing junk after
 * the host dropped, numeric and hex IPv4 hosts made dotted, a lone word host made www.WORD.com, and the
 * http(s) URI found in the query of a redirector.  As in SA, the host
 * keeps its case (uri rules are written with /i); IDN hosts are not
 * converted to punycode (SA does with libidn).
 *
 * TLDs: the scorer should hand SA's util_rb_tld names (from the stock
 * rules' 20_aux_tlds.cf) to uri_tld_add, and util_rb_2tld/3tld to
 * uri_suffix_add, once at configuration time; without them a built-in
 * list is used: SA's 248 country codes and the common generic TLDs,
 * and a small subset of its two-level suffixes (co.uk, com.au...).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mem.h"
#include "uri.h"

#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')
#define ISALPHA(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define ISALNUM(c)	(ISALPHA(c) || ISDIGIT(c))
#define ISWORD(c)	(ISALNUM(c) || (c) == '_')
#define ISSPACE(c)	((c) == ' ' || (c) == '\t' || (c) == '\n' || \
			    (c) == '\r' || (c) == '\f' || (c) == '\v')

/* the country-code TLDs of SA's 20_aux_tlds.cf */
static const char cctlds[] =
	    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd "
	    "be bf bg bh bi bj bm bn bo br bs bt bv bw by bz ca cc cd cf "
	    "cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do "
	    "dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg "
	    "gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id "
	    "ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp "
	    "kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg "
	    "mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne "
	    "nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr "
	    "ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk "
	    "sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl "
	    "tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn "
	    "vu wf ws ye yt za zm zw ";

/* generic TLDs of the built-in list (SA's has some 1,450) */
static const char *const gtlds[] = {
	"aero", "app", "arpa", "asia", "biz", "blog", "cat", "club", "com",
	"coop", "dev", "edu", "email", "gov", "info", "int", "jobs", "link",
	"live", "mil", "mobi", "museum", "name", "net", "news", "online",
	"org", "pro", "shop", "site", "store", "tech", "tel", "top",
	"travel", "website", "xxx", "xyz", NULL
};

/*
 * A set of lower-case names: the TLDs and public suffixes loaded from
 * the rules (util_rb_tld, util_rb_2tld, util_rb_3tld) at configuration
 * time; read-only once the scorer starts scanning.
 */
struct nameset {
	char	**slot;
	size_t	  size, n;
};

static struct nameset tlds, suffixes;

/* nameset_find - the slot of name[0..len) (lower-cased) in set */
static size_t
nameset_find(const struct nameset *set, const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i, k;

	for (k = 0; k < len; k++)
		h = (h ^ (unsigned char)(name[k] | (ISALPHA(name[k]) ? 32 :
		    0))) * 16777619u;
	for (i = h & (set->size - 1); set->slot[i] != NULL;
	    i = (i + 1) & (set->size - 1))
		if (strlen(set->slot[i]) == len &&
		    strncasecmp(set->slot[i], name, len) == 0)
			break;
	return i;
}

/* nameset_has - whether name[0..len) is in set */
static int
nameset_has(const struct nameset *set, const char *name, size_t len)
{
	return set->n > 0 && set->slot[nameset_find(set, name, len)] != NULL;
}

/* nameset_add - add a name to set (once) */
static void
nameset_add(struct nameset *set, const char *name)
{
	size_t i, len = strlen(name), k;

	if (len == 0 || len > 253)
		return;
	if (set->size == 0 || (set->n + 1) * 2 > set->size) {
		struct nameset big = { NULL, set->size ? set->size * 2 : 256,
		    0 };

		big.slot = xcalloc(big.size, sizeof(*big.slot));
		for (k = 0; k < set->size; k++)
			if (set->slot[k] != NULL) {
				i = nameset_find(&big, set->slot[k],
				    strlen(set->slot[k]));
				big.slot[i] = set->slot[k];
				big.n++;
			}
		xfree(set->slot);
		*set = big;
	}
	i = nameset_find(set, name, len);
	if (set->slot[i] == NULL) {
		set->slot[i] = xstrdup(name);
		for (k = 0; k < len; k++)
			if (ISALPHA(set->slot[i][k]))
				set->slot[i][k] |= 32;
		set->n++;
	}
}

/* uri_tld_add - a TLD from the rules (util_rb_tld): once any is
 * added, the loaded list replaces the built-in one */
void
uri_tld_add(const char *tld)
{
	nameset_add(&tlds, tld);
}

/* uri_suffix_add - a public suffix from the rules (util_rb_2tld,
 * util_rb_3tld), in addition to the built-in ones */
void
uri_suffix_add(const char *suffix)
{
	nameset_add(&suffixes, suffix);
}

/* two-level public suffixes (a subset of SA's util_rb_2tld) */
static const char *const tld2[] = {
	"ac.uk", "co.uk", "gov.uk", "ltd.uk", "me.uk", "net.uk", "org.uk",
	"plc.uk", "sch.uk", "com.au", "net.au", "org.au", "edu.au",
	"gov.au", "asn.au", "id.au", "co.nz", "net.nz", "org.nz", "ac.nz",
	"co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "co.za", "org.za",
	"com.br", "net.br", "org.br", "com.cn", "net.cn", "org.cn",
	"gov.cn", "com.mx", "co.in", "net.in", "org.in", "firm.in",
	"com.tw", "co.kr", "or.kr", "com.ar", "com.tr", "com.hk", "com.sg",
	"co.il", "com.ru", "com.ua", "co.id", "com.my", "com.ph", "co.th",
	"com.pl", "com.es", "co.at", "or.at", "com.pk", "com.sa", "com.eg",
	NULL
};

/* delimiter classes of SA's _tbirdurire, as byte tables */
#define C_END		0x01	/* tbirdenddelim */
#define C_ENDMAIL	0x02	/* tbirdenddelimemail */
#define C_ENDAT		0x04	/* tbirdenddelimplusat */
#define C_START		0x08	/* tbirdstartdelim */
#define C_SCSTART	0x10	/* scstartdelim */
#define C_HOST		0x20	/* [a-z0-9._-] */

static unsigned char cls[256];

/* cls_init - fill the delimiter table once */
static void
cls_init(void)
{
	const char *p;
	int c;

	if (cls['<'])
		return;
	for (p = "><\"`}]{[| \t\n\r\f\v\x1b\xa0"; *p; p++)
		cls[(unsigned char)*p] |= C_END | C_ENDMAIL | C_ENDAT;
	for (p = ",('"; *p; p++)
		cls[(unsigned char)*p] |= C_ENDMAIL | C_ENDAT;
	for (c = 0x80; c < 0x100; c++)
		cls[c] |= C_ENDMAIL | C_ENDAT;
	cls['@'] |= C_ENDAT;
	for (p = "><\"'`,{[(| \t\n\r\f\v\x1b\xa0"; *p; p++)
		cls[(unsigned char)*p] |= C_START;
	for (p = "!\"#$&'()*+,/:;<=>?@[\\]^`{|}~ \t\n\r\f\v\x1b\xa0"; *p; p++)
		cls[(unsigned char)*p] |= C_SCSTART;
	for (c = 0; c < 0x100; c++)
		if (ISALNUM(c) || c == '.' || c == '_' || c == '-')
			cls[c] |= C_HOST;
}

/* a forward-only cache of "next byte of class k at or after pos" */
struct next {
	size_t	 from, at;	/* no class byte in [from, at) */
	int	 k, invert;	/* invert: next byte NOT of the class */
};

/* next_at - the first position >= pos whose class matches, or len */
static size_t
next_at(struct next *nx, const unsigned char *s, size_t len, size_t pos)
{
	size_t i;

	if (pos >= nx->from && pos <= nx->at)
		return nx->at;
	for (i = pos; i < len; i++)
		if (((cls[s[i]] & nx->k) != 0) != nx->invert)
			break;
	nx->from = pos;
	nx->at = i;
	return i;
}

/* uri_tld_valid - whether s[0..n) is a TLD we know (any case) */
int
uri_tld_valid(const char *s, size_t n)
{
	const char *p;
	int i;

	if (tlds.n > 0)
		return nameset_has(&tlds, s, n);
	if (n == 2 && ISALPHA(s[0]) && ISALPHA(s[1])) {
		for (p = cctlds; (p = strchr(p, (s[0] | 32))) != NULL; p++)
			if (p[1] == (s[1] | 32) && (p == cctlds || p[-1] == ' '))
				return 1;
		return 0;
	}
	for (i = 0; gtlds[i]; i++)
		if (strlen(gtlds[i]) == n && strncasecmp(gtlds[i], s, n) == 0)
			return 1;
	return 0;
}

/* domain_valid - SA's is_domain_valid: "x.TLD", no spaces */
static int
domain_valid(const char *d, size_t n)
{
	const char *dot;
	size_t i;

	for (i = 0; i < n; i++)
		if (ISSPACE(d[i]))
			return 0;
	dot = memrchr(d, '.', n);
	return dot && uri_tld_valid(dot + 1, n - (dot + 1 - d));
}

/* fnv - hash of s[0..n) */
static uint32_t
fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* uri_list_add - add s[0..n) with flags unless present; 1 when added */
int
uri_list_add(struct uri_list *l, const char *s, size_t n, int flags)
{
	size_t i, sz;
	int j;

	if (l->hsize == 0 || (size_t)l->n * 2 >= l->hsize) {
		sz = l->hsize ? l->hsize * 2 : 64;
		xfree(l->hash);
		l->hash = xreallocarray(NULL, sz, sizeof(int));
		for (i = 0; i < sz; i++)
			l->hash[i] = -1;
		l->hsize = sz;
		for (j = 0; j < l->n; j++) {
			i = fnv(l->v[j], strlen(l->v[j])) & (sz - 1);
			while (l->hash[i] >= 0)
				i = (i + 1) & (sz - 1);
			l->hash[i] = j;
		}
		l->v = xreallocarray(l->v, sz / 2, sizeof(*l->v));
		l->flags = xreallocarray(l->flags, sz / 2, sizeof(int));
		l->size = sz / 2;
	}
	i = fnv(s, n) & (l->hsize - 1);
	while (l->hash[i] >= 0) {
		const char *v = l->v[l->hash[i]];

		if (strlen(v) == n && memcmp(v, s, n) == 0)
			return 0;
		i = (i + 1) & (l->hsize - 1);
	}
	if (l->n >= URI_MAX_LIST) {
		l->overflow = URI_TOO_MANY;
		return 0;
	}
	l->hash[i] = l->n;
	l->v[l->n] = xstrndup(s, n);
	l->flags[l->n] = flags;
	l->n++;
	return 1;
}

/* uri_list_free - release a list (it may be reused after) */
void
uri_list_free(struct uri_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		xfree(l->v[i]);
	xfree(l->v);
	xfree(l->flags);
	xfree(l->hash);
	memset(l, 0, sizeof(*l));
}

/* prefix - case-insensitive: does s[0..n) start with p */
static int
prefix(const unsigned char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && strncasecmp((const char *)s, p, k) == 0;
}

/* url_decode - SA's url_encode: decode %21-%7e but %20 and %7f,
 * escape control, non-ASCII, '"', '%', '<', '>' bytes */
static void
url_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int h1, h2;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

#define HEX(x)	(ISDIGIT(x) ? (x) - '0' : ((x) | 32) >= 'a' && \
		    ((x) | 32) <= 'f' ? ((x) | 32) - 'a' + 10 : -1)
		if (c == '%' && i + 2 < n &&
		    (h1 = HEX(s[i + 1])) >= 0 && (h2 = HEX(s[i + 2])) >= 0) {
			if (h1 >= 2 && h1 <= 7 && !(h1 == 2 && h2 == 0) &&
			    !(h1 == 7 && h2 == 15))
				buf_addc(out, h1 * 16 + h2);
			else
				buf_add(out, s + i, 3);
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f || c == '"' || c == '%' ||
		    c == '<' || c == '>')
			buf_addf(out, "%%%02x", c);
		else
			buf_addc(out, c);
#undef HEX
	}
}

/* has_pct - whether s contains %XX */
static int
has_pct(const char *s)
{
	for (; (s = strchr(s, '%')) != NULL; s++)
		if (s[1] && s[2] && strchr("0123456789abcdefABCDEF", s[1]) &&
		    strchr("0123456789abcdefABCDEF", s[2]))
			return 1;
	return 0;
}

/* is_ipv4 - whether s[0..n) is a dotted quad as SA's IPV4_ADDRESS:
 * four numbers 0-255 without leading zeros */
static int
is_ipv4(const char *s, size_t n)
{
	size_t i, start = 0;
	int dots = 0, v = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && ISDIGIT(s[i])) {
			if (i > start && s[start] == '0')
				return 0;
			if ((v = v * 10 + s[i] - '0') > 255)
				return 0;
		} else if (i > start && (i == n || (s[i] == '.' && dots < 3))) {
			if (i < n)
				dots++;
			start = i + 1;
			v = 0;
		} else
			return 0;
	}
	return dots == 3;
}

/* fqdn_valid - SA's is_fqdn_valid: two or more labels of 1-63
 * [a-z0-9_-], not starting or ending with '-', no '_' in the last two,
 * at most 253 bytes without the trailing dots */
static int
fqdn_valid(const char *h, size_t n)
{
	size_t i, lab = 0, labels = 1, k;
	int under = 0;

	while (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if (h[i] == '.')
			labels++;
	for (i = 0, k = 0; i <= n; i++) {
		if (i == n || h[i] == '.') {
			if (lab == 0 || lab > 63 || h[i - 1] == '-')
				return 0;
			if (under && labels - k <= 2)	/* one of the last two */
				return 0;
			lab = 0;
			under = 0;
			k++;
		} else if (ISALNUM(h[i]) || h[i] == '_' || h[i] == '-') {
			if (lab == 0 && h[i] == '-')
				return 0;
			if (h[i] == '_')
				under = 1;
			lab++;
		} else
			return 0;
	}
	return labels >= 2;
}

/* has_domain - SA's uri_to_domain succeeds on uri */
static int
has_domain(const char *uri)
{
	struct buf b = BUF_INIT;
	const char *p, *at;
	size_t n, i;
	int ok = 0;

	for (p = uri; *p; p++)
		buf_addc(&b, *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	p = buf_str(&b);
	if (strncmp(p, "javascript:", 11) == 0 || strncmp(p, "cid:", 4) == 0
	    || strncmp(p, "file:", 5) == 0)
		goto out;
	if (strncmp(p, "mailto:", 7) == 0) {
		p += 7;
		n = strcspn(p, "?");
		if ((at = memchr(p, '@', n)) == NULL ||
		    memchr(at + 1, '@', p + n - at - 1) != NULL)
			goto out;
		n -= at + 1 - p;
		p = at + 1;
	} else {
		for (i = 0; ISALPHA(p[i]); i++)
			;
		if (i > 0 && p[i] == ':') {
			p += i + 1;
			for (i = 0; i < 2 && *p == '/'; i++)
				p++;
		}
		n = strcspn(p, "/?#");
		if ((at = memrchr(p, '@', n)) != NULL) {
			n -= at + 1 - p;
			p = at + 1;
		}
		for (i = n; i > 0 && ISDIGIT(p[i - 1]); i--)
			;
		if (i > 0 && p[i - 1] == ':')
			n = i - 1;
	}
	for (i = 0; i + 2 < n; i++)	/* %21-%7e encoded: no domain */
		if (p[i] == '%' && p[i + 1] >= '2' && p[i + 1] <= '7' &&
		    strchr("0123456789abcdef", p[i + 2]) &&
		    !(p[i + 1] == '2' && p[i + 2] == '0') &&
		    !(p[i + 1] == '7' && p[i + 2] == 'f'))
			goto out;
	ok = is_ipv4(p, n) || (fqdn_valid(p, n) && domain_valid(p, n));
out:
	buf_free(&b);
	return ok;
}

/* text_uri - SA's handling of one raw match; add it to l */
static void
text_uri(const char *raw, size_t n, int mail, struct uri_list *l,
    struct uri_list *seen)
{
	struct buf u = BUF_INIT, d = BUF_INIT;
	const char *open, *close, *p, *at;
	size_t i;
	int flags = 0;

	/* s/(^[^(]*)\).*$/$1/ : the last ')' before any '(' ends it */
	open = memchr(raw, '(', n);
	for (close = NULL, p = raw; p < (open ? open : raw + n); p++)
		if (*p == ')')
			close = p;
	if (close)
		n = close - raw;
	while (n > 0 && strchr("-~!@#^&*()_+=:;'?,.", raw[n - 1]))
		n--;
	if (n == 0)
		return;
	if (!uri_list_add(seen, raw, n, 0)) {
		l->overflow |= seen->overflow;	/* seen full: so is l */
		return;
	}
	if (mail && memchr(raw, '@', n) == NULL)
		return;
	if (n >= 4 && ((raw[0] | 32) == 'c' || (raw[0] | 32) == 'm') &&
	    strncasecmp(raw + 1, "id:", 3) == 0)
		return;
	for (i = 0; i < n && ISWORD(raw[i]); i++)
		;
	if (i > 0 && i < n && raw[i] == ':') {	/* ^\w+:/{0,2}$ */
		size_t k = i + 1;

		while (k < n && k < i + 3 && raw[k] == '/')
			k++;
		if (k == n)
			return;
	}
	buf_add(&u, raw, n);
	if (!(prefix((const unsigned char *)raw, n, "http:") ||
	    prefix((const unsigned char *)raw, n, "https:") ||
	    prefix((const unsigned char *)raw, n, "ftp:") ||
	    prefix((const unsigned char *)raw, n, "mailto:"))) {
		const char *slash = memchr(raw, '/', n);

		for (i = 3; i < n && i < 5 && ISDIGIT(raw[i]); i++)
			;
		if (prefix((const unsigned char *)raw, n, "ftp.")) {
			buf_reset(&u);
			buf_addf(&u, "ftp://%.*s", (int)n, raw);
		} else if (prefix((const unsigned char *)raw, n, "www") &&
		    i < n && raw[i] == '.') {
			buf_reset(&u);
			buf_addf(&u, "http://%.*s", (int)n, raw);
		} else if (slash && slash + 1 < raw + n &&
		    memchr(slash + 2, '@', raw + n - slash - 2)) {
			buf_reset(&u);
			buf_addf(&u, "http://%.*s", (int)n, raw);
		} else if ((at = memchr(raw, '@', n)) != NULL) {
			/* next unless /\@.+?\./ */
			if (at + 2 >= raw + n ||
			    memchr(at + 2, '.', raw + n - at - 2) == NULL)
				goto out;
			if (memmem(raw, n, "&nbsp;", 6))
				goto out;
			/* s/^(?:skype|e?-?mail)?:+//i */
			p = raw;
			if (n >= 5 && strncasecmp(p, "skype", 5) == 0 &&
			    p[5] == ':')
				p += 5;
			else {
				const char *q = p;

				if ((*q | 32) == 'e')
					q++;
				if (*q == '-')
					q++;
				if (strncasecmp(q, "mail", 4) == 0 &&
				    q + 4 < raw + n && q[4] == ':')
					p = q + 4;
			}
			while (p < raw + n && *p == ':')
				p++;
			buf_reset(&u);
			buf_addf(&u, "mailto:%.*s", (int)(raw + n - p), p);
		} else {
			if (memchr(raw, '.', n) == NULL)
				goto out;
			buf_reset(&u);
			buf_addf(&u, "http://%.*s", (int)n, raw);
			flags |= URI_UNLINKED;
		}
		flags |= URI_SCHEMELESS;
	}
	if (prefix((const unsigned char *)u.data, u.len, "mailto:")) {
		const char *h;
		size_t hl;

		if (has_pct(u.data)) {
			url_decode(u.data, u.len, &d);
			buf_reset(&u);
			buf_add(&u, d.data, d.len);
		}
		if ((at = strchr(u.data, '@')) == NULL)
			goto out;
		h = at + 1;
		hl = strcspn(h, "?&>");
		while (hl >= 3 && memcmp(h + hl - 3, "%20", 3) == 0)
			hl -= 3;
		if (!domain_valid(h, hl))
			goto out;
	}
	/* SA's add_uri_detail_list: a variant must have a valid domain */
	{
		struct uri_list c = { 0 };
		int i2, ok = 0;

		uri_canonical(u.data, &c);
		for (i2 = 0; i2 < c.n && !ok; i2++)
			ok = has_domain(c.v[i2]);
		uri_list_free(&c);
		if (ok)
			uri_list_add(l, u.data, u.len, flags);
	}
out:
	buf_free(&u);
	buf_free(&d);
}

/* uri_from_text - add to l the URIs SA parses out of text[0..len) */
void
uri_from_text(const char *text, size_t len, struct uri_list *l)
{
	const unsigned char *s = (const unsigned char *)text;
	struct next end = { 1, 0, C_END, 0 }, endat = { 1, 0, C_ENDAT, 0 };
	struct next endmail = { 1, 0, C_ENDMAIL, 0 };
	struct next endto = { 1, 0, C_ENDMAIL, 0 };
	struct next endpath = { 1, 0, C_END, 0 };
	struct next host = { 1, 0, C_HOST, 1 };
	struct uri_list seen = { 0 };
	size_t i = 0, e, k, r;

	cls_init();
	while (i < len) {
		int pw = i > 0 && ISWORD(s[i - 1]), cw = ISWORD(s[i]);
		int bound = pw != cw ||
		    (i > 0 && (cls[s[i - 1]] & C_START)) ||
		    (i >= 3 && s[i - 3] == 0x1b && s[i - 2] == '(');

		if (cls[s[i]] & C_END) {
			i++;
			continue;
		}
		if (bound) {
			/* 1: known scheme or www./ftp. */
			k = 0;
			if (prefix(s + i, len - i, "http://"))
				k = 7;
			else if (prefix(s + i, len - i, "https://") ||
			    prefix(s + i, len - i, "ftp://"))
				k = s[i] == 'f' || s[i] == 'F' ? 6 : 8;
			else if (prefix(s + i, len - i, "ftp."))
				k = 4;
			else if (prefix(s + i, len - i, "www")) {
				for (r = i + 3; r < len && r < i + 5 &&
				    ISDIGIT(s[r]); r++)
					;
				if (r < len && s[r] == '.')
					k = r + 1 - i;
			}
			if (k > 0) {
				e = next_at(&end, s, len, i);
				if (e > i + k && e - (i + k) <= URI_MAX_LEN) {
					text_uri(text + i, e - i, 0, l, &seen);
					i = e;
					continue;
				}
			}
			/* 2: mailto: or local@domain */
			if (prefix(s + i, len - i, "mailto:")) {
				e = next_at(&endto, s, len, i + 7);
				if (e > i + 7 && e - (i + 7) <= URI_MAX_LEN) {
					text_uri(text + i, e - i, 1, l, &seen);
					i = e;
					continue;
				}
			}
			r = next_at(&endat, s, len, i);
			if (r < len && s[r] == '@' && r > i && r - i <= 251) {
				e = next_at(&endmail, s, len, r + 1);
				if (e > r + 1 && e - (r + 1) <= 251) {
					text_uri(text + i, e - i, 1, l, &seen);
					i = e;
					continue;
				}
			}
		}
		/* 3: a bare host with a known TLD, after punctuation/space */
		if (ISALNUM(s[i]) && (i == 0 || (cls[s[i - 1]] & C_SCSTART))) {
			const unsigned char *dot;
			size_t he = next_at(&host, s, len, i), te = he;

			if (te > i && s[te - 1] == '.')
				te--;
			dot = te > i ? memrchr(s + i, '.', te - i) : NULL;
			if (he - i <= 253 && dot != NULL && dot > s + i &&
			    uri_tld_valid((const char *)dot + 1,
			    s + te - dot - 1)) {
				e = he;
				if (e < len && s[e] == ':') {
					for (k = e + 1; k < len && k < e + 6 &&
					    ISDIGIT(s[k]); k++)
						;
					if (k > e + 1)
						e = k;
				}
				if (e < len && s[e] == '/') {
					r = next_at(&endpath, s, len, e + 1);
					if (r > e + 1 && r - (e + 1) <= URI_MAX_LEN)
						e = r;
				}
				if (e == len || (cls[s[e]] & C_END)) {
					text_uri(text + i, e - i, 0, l, &seen);
					i = e;
					continue;
				}
			}
		}
		i++;
	}
	uri_list_free(&seen);
}

/* octet - SA's rewrite of one dotted-quad part s[0..n) into out:
 * 0xHH to decimal, 0+OCTAL to decimal, then leading zeros dropped (so
 * "0" becomes "", as SA does); 0 when it is not /0x[0-9a-f]+|\d+/ */
static int
octet(const char *s, size_t n, struct buf *out)
{
	unsigned long v = 0;
	size_t i, k;

	if (n > 2 && s[0] == '0' && (s[1] | 32) == 'x') {
		for (i = 2; i < n; i++) {
			int c = s[i] | 32;

			if (!ISDIGIT(s[i]) && !(c >= 'a' && c <= 'f'))
				return 0;
			if (v < 0x100000000UL)
				v = v * 16 + (ISDIGIT(s[i]) ? s[i] - '0' :
				    c - 'a' + 10);
		}
		buf_addf(out, "%lu", v);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!ISDIGIT(s[i]))
			return 0;
	if (n == 0)
		return 0;
	/* s/^0+([1-3][0-7]{0,2}|[4-7][0-7]?)\b/oct/ */
	for (k = 0; k < n && s[k] == '0'; k++)
		;
	if (k > 0 && k < n && s[k] >= '1' && s[k] <= '7') {
		size_t m = s[k] <= '3' ? 3 : 2, j;

		for (j = k + 1; j < n && j < k + m && s[j] <= '7'; j++)
			;
		if (j == n) {
			for (v = 0, i = k; i < n; i++)
				v = v * 8 + s[i] - '0';
			buf_addf(out, "%lu", v);
			return 1;
		}
	}
	buf_add(out, s + k, n - k);		/* s/^0+// */
	return 1;
}

/* ulong_ip - SA's decode_ulong_to_ip of a decimal or 0x number */
static int
ulong_ip(const char *s, size_t n, struct buf *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n > 2 && s[0] == '0' && (s[1] | 32) == 'x') {
		/* 0x[0-9a-f]*?([0-9a-f]{1,8})$: the last 8 digits */
		for (i = n > 10 ? n - 8 : 2; i < n; i++) {
			int c = s[i] | 32;

			if (!ISDIGIT(s[i]) && !(c >= 'a' && c <= 'f'))
				return 0;
			v = v * 16 + (ISDIGIT(s[i]) ? s[i] - '0' : c - 'a' + 10);
		}
		for (i = 2; i < n; i++)
			if (!ISALNUM(s[i]) || ((s[i] | 32) > 'f' && !ISDIGIT(s[i])))
				return 0;
	} else {
		for (i = 0; i < n; i++) {
			if (!ISDIGIT(s[i]))
				return 0;
			if (v < (1ULL << 40))
				v = v * 10 + s[i] - '0';
		}
		if (n == 0)
			return 0;
	}
	v &= 0xffffffffULL;
	buf_addf(out, "%llu.%llu.%llu.%llu", v >> 24, (v >> 16) & 255,
	    (v >> 8) & 255, v & 255);
	return 1;
}

/* push - add variant proto+host+rest to l */
static void
push(struct uri_list *l, const char *proto, const char *host, size_t hl,
    const char *rest, size_t rl)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, proto);
	buf_add(&b, host, hl);
	buf_add(&b, rest, rl);
	uri_list_add(l, buf_str(&b), b.len, 0);
	buf_free(&b);
}

/* mail_variants - SA's extra forms of a mailto: or user@host URI */
static void
mail_variants(const char *u, struct uri_list *l)
{
	struct buf b = BUF_INIT;
	const char *at = strchr(u, '@'), *p, *lt;
	size_t k;

	if (at == NULL)
		return;
	/* ^([^@]+@[^?]+)\? and ^([^@]+@[^?&]+)& */
	if (at > u && (p = strchr(at + 1, '?')) != NULL && p > at + 1)
		uri_list_add(l, u, p - u, 0);
	k = strcspn(at + 1, "?&");
	if (at > u && k > 0 && at[1 + k] == '&')
		uri_list_add(l, u, at + 1 + k - u, 0);
	if (strstr(u, "%20") != NULL) {
		p = u;
		if (strncasecmp(p, "mailto:", 7) == 0)
			p += 7;
		while (strncmp(p, "%20", 3) == 0)
			p += 3;
		at = strchr(p, '@');
		k = at ? strcspn(at + 1, "?&%") : 0;
		if (at && at > p && k > 0) {
			buf_addf(&b, "mailto:%.*s", (int)(at + 1 + k - p), p);
			uri_list_add(l, b.data, b.len, 0);
		}
	}
	k = strcspn(u, "?&");
	if ((lt = memchr(u, '<', k)) != NULL) {
		const char *gt = strchr(lt + 1, '>');

		at = gt ? memchr(lt + 1, '@', gt - lt - 1) : NULL;
		if (at && at > lt + 1 && gt > at + 1) {
			buf_reset(&b);
			buf_addf(&b, "mailto:%.*s", (int)(gt - lt - 1), lt + 1);
			uri_list_add(l, b.data, b.len, 0);
		}
	}
	buf_free(&b);
}

/* entity_dec - SA: &#NN; and &#xHH; of printable ASCII, and dots */
static void
entity_dec(struct buf *b)
{
	struct buf o = BUF_INIT;
	const char *s = buf_str(b), *e;
	unsigned long v;
	char *end;

	while (*s) {
		if (s[0] == '&' && s[1] == '#') {
			int hex = (s[2] | 32) == 'x';

			v = strtoul(s + 2 + hex, &end, hex ? 16 : 10);
			if (end > s + 2 + hex && *end == ';' &&
			    (ISDIGIT(s[2 + hex]) || hex) &&
			    (((v >= 33 && v <= 126) && !(hex && v == 0x7f)) ||
			    v == 0x2e || v == 12290 || v == 0x3002 ||
			    v == 65294 || v == 0xff0e || v == 65377 ||
			    v == 0xff61)) {
				buf_addc(&o, v >= 33 && v <= 126 ? (int)v : '.');
				s = end + 1;
				continue;
			}
		}
		e = s + 1;
		buf_add(&o, s, e - s);
		s = e;
	}
	buf_reset(b);
	buf_add(b, o.data ? o.data : "", o.len);
	buf_free(&o);
}

/* uri_canonical - add uri and SA's canonical variants of it to l */
void
uri_canonical(const char *uri, struct uri_list *l)
{
	struct uri_list work = { 0 };
	struct buf u = BUF_INIT, n = BUF_INIT, t = BUF_INIT;
	int w;

	uri_list_add(&work, uri, strlen(uri), 0);
	for (w = 0; w < work.n && w < 16; w++) {
		const char *p, *s, *hp, *host, *rest, *proto;
		size_t hl, rl, i;
		char hbuf[256];

		/* s/\n//g, trim, s/\r//g */
		buf_reset(&u);
		for (p = work.v[w]; *p; p++)
			if (*p != '\n' && *p != '\r')
				buf_addc(&u, *p);
		s = buf_str(&u);
		while (ISSPACE(*s))
			s++;
		hl = strlen(s);
		while (hl > 0 && ISSPACE(s[hl - 1]))
			hl--;
		buf_reset(&t);
		buf_add(&t, s, hl);
		s = buf_str(&t);
		if (t.len <= 1 || *s == '#' || *s == '?' || *s == '&' ||
		    (s[0] == '/' && s[1] != '/'))
			continue;
		uri_list_add(l, s, t.len, 0);
		if (strncasecmp(s, "mailto:", 7) == 0 ||
		    (strchr(s, '@') && strcspn(s, ":") > (size_t)(strchr(s,
		    '@') - s))) {
			mail_variants(s, l);
			continue;
		}
		buf_reset(&n);
		for (p = s; *p; p++)
			buf_addc(&n, *p == '\\' ? '/' : *p);
		/* s{^(https?:)/{0,2}}{$1//}i */
		i = strncasecmp(n.data, "https:", 6) == 0 ? 6 :
		    strncasecmp(n.data, "http:", 5) == 0 ? 5 : 0;
		if (i > 0) {
			size_t k = i;

			while (k < n.len && k < i + 2 && n.data[k] == '/')
				k++;
			buf_reset(&u);
			buf_add(&u, n.data, i);
			buf_adds(&u, "//");
			buf_adds(&u, n.data + k);
			buf_reset(&n);
			buf_add(&n, u.data, u.len);
		}
		if (has_pct(n.data)) {
			buf_reset(&u);
			url_decode(n.data, n.len, &u);
			buf_reset(&n);
			buf_add(&n, u.data, u.len);
		}
		for (i = 0; i < n.len && (ISALNUM(n.data[i]) ||
		    n.data[i] == '-' || n.data[i] == '_'); i++)
			;
		if (!(i > 0 && n.data[i] == ':')) {
			buf_reset(&u);
			buf_adds(&u, strncmp(n.data, "ftp.", 4) == 0 ?
			    "ftp://" : "http://");
			buf_add(&u, n.data, n.len);
			buf_reset(&n);
			buf_add(&n, u.data, u.len);
		}
		/* s{^(https?://[^/?#]+)([?#])}{$1/$2}i */
		i = strncasecmp(n.data, "https://", 8) == 0 ? 8 :
		    strncasecmp(n.data, "http://", 7) == 0 ? 7 : 0;
		if (i > 0) {
			size_t k = i + strcspn(n.data + i, "/?#");

			if (k > i && (n.data[k] == '?' || n.data[k] == '#')) {
				buf_reset(&u);
				buf_add(&u, n.data, k);
				buf_addc(&u, '/');
				buf_adds(&u, n.data + k);
				buf_reset(&n);
				buf_add(&n, u.data, u.len);
			}
		}
		entity_dec(&n);
		if (strcmp(n.data, s) != 0)
			uri_list_add(l, n.data, n.len, 0);

		/* ^(https?://)([^@/?#]*@)?([^/?#:]+)((?::(\d*))?.*)$ */
		i = strncasecmp(n.data, "https://", 8) == 0 ? 8 :
		    strncasecmp(n.data, "http://", 7) == 0 ? 7 : 0;
		if (i == 0)
			continue;
		proto = i == 8 ? "https://" : "http://";
		hp = n.data + i;
		{
			size_t a = strcspn(hp, "@/?#");
			int auth = hp[a] == '@';
			const char *port;
			size_t pl, nh;
			int has_port;

			if (auth)
				hp += a + 1;
			hl = strcspn(hp, "/?#:");
			if (hl == 0)
				continue;
			rest = hp + hl;
			rl = strlen(rest);
			has_port = *rest == ':';
			port = rest + has_port;
			pl = has_port ? strspn(port, "0123456789") : 0;
			if (hl >= sizeof(hbuf))	/* no DNS name: no variants */
				continue;
			/* SA pushes idn_to_ascii(host) only when it differs
			 * from lc(host): an ASCII host keeps its case */
			memcpy(hbuf, hp, hl);
			hbuf[hl] = '\0';
			if (has_port) {
				int dflt = strcmp(proto, "http://") == 0 ?
				    pl == 2 && strncmp(port, "80", 2) == 0 :
				    pl == 3 && strncmp(port, "443", 3) == 0;

				if (dflt && !ISWORD(port[pl]))
					push(l, proto, hp, hl, port + pl,
					    strlen(port + pl));
			}
			/* remove control bytes and spaces from the host */
			for (i = nh = 0; i < hl; i++)
				if ((unsigned char)hbuf[i] > 0x20)
					hbuf[nh++] = hbuf[i];
			if (nh != hl) {
				hl = nh;
				hbuf[hl] = '\0';
				push(l, proto, hbuf, hl, rest, rl);
			}
			/* the hard-coded redirector: https?:/{0,2}[^&#]+ */
			for (host = rest; (host = strcasestr(host, "http")) !=
			    NULL; host++) {
				size_t q = 4, e;

				if ((host[4] | 32) == 's')
					q = 5;
				if (host[q] != ':')
					continue;
				e = q + 1 + strcspn(host + q + 1, "&#");
				if (memchr(host, '.', e) != NULL &&
				    e > q + 1)
					uri_list_add(&work, host, e, 0);
				break;
			}
			while (hl > 0 && !ISALNUM(hbuf[hl - 1]))
				hl--;
			if (hl != strlen(hbuf)) {
				hbuf[hl] = '\0';
				push(l, proto, hbuf, hl, rest, rl);
			}
			/* numeric hosts: a.b.c.d in hex/octal, or one number */
			{
				const char *q = hbuf, *dot;
				int parts = 0, ok = 1;

				buf_reset(&u);
				while (ok && parts < 4) {
					dot = strchr(q, '.');
					ok = octet(q, dot ? (size_t)(dot - q) :
					    strlen(q), &u);
					parts++;
					if (dot == NULL)
						break;
					buf_addc(&u, '.');
					q = dot + 1;
				}
				if (ok && parts == 4 && strchr(q, '.') == NULL)
					push(l, proto, u.data, u.len, rest, rl);
				else if (buf_reset(&u), strchr(hbuf, '.') == NULL &&
				    ulong_ip(hbuf, hl, &u))
					push(l, proto, u.data, u.len, rest, rl);
				else if (strcmp(proto, "http://") == 0 && !auth &&
				    (!has_port || (pl == 2 &&
				    strncmp(port, "80", 2) == 0)) &&
				    strcmp(hbuf, "localhost") != 0 &&
				    !domain_valid(hbuf, hl)) {
					const char *wd = hbuf;

					if (strncmp(wd, "www.", 4) == 0)
						wd += 4;
					if (*wd && strchr(wd, '.') == NULL) {
						buf_reset(&u);
						buf_addf(&u, "www.%s.com", wd);
						push(l, proto, u.data, u.len,
						    rest, rl);
					}
				}
			}
		}
	}
	uri_list_free(&work);
	buf_free(&u);
	buf_free(&n);
	buf_free(&t);
}

/* uri_host - the lower-case host of an http/https/ftp URI or the
 * domain of a mailto: one into host; 0 when there is none */
int
uri_host(const char *uri, struct buf *host)
{
	const char *p = uri, *a;
	size_t n, i;

	buf_reset(host);
	if (strncasecmp(p, "mailto:", 7) == 0) {
		if ((a = strchr(p, '@')) == NULL)
			return 0;
		p = a + 1;
		n = strcspn(p, "?&> ");
	} else {
		i = strcspn(p, ":/?#");
		if (p[i] != ':' || p[i + 1] != '/' || p[i + 2] != '/')
			return 0;
		p += i + 3;
		n = strcspn(p, "/?#");
		if ((a = memrchr(p, '@', n)) != NULL) {
			n -= a + 1 - p;
			p = a + 1;
		}
		for (i = 0; i < n && p[i] != ':'; i++)
			;
		n = i;
	}
	for (i = 0; i < n; i++)
		buf_addc(host, p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	while (host->len > 0 && host->data[host->len - 1] == '.')
		buf_trunc(host, host->len - 1);
	return host->len > 0;
}

/* uri_domain - the registrable domain of host (SA's split_domain):
 * "www.example.co.uk" gives "example.co.uk"; IPv4 stays whole */
const char *
uri_domain(const char *host, struct buf *out)
{
	const char *p, *d[3] = { NULL, NULL, NULL };
	size_t i, n;
	int j, labels = 0, numeric = 1;

	buf_reset(out);
	while (*host == '.')
		host++;
	for (p = host; *p; p++) {	/* lower case, squeeze dots */
		if (*p == '.' && (out->len == 0 ||
		    out->data[out->len - 1] == '.'))
			continue;
		if (!ISDIGIT(*p) && *p != '.')
			numeric = 0;
		buf_addc(out, *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	while (out->len > 0 && out->data[out->len - 1] == '.')
		buf_trunc(out, out->len - 1);
	if (numeric || out->len == 0)
		return buf_str(out);
	/* the starts of the last three labels */
	n = out->len;
	for (i = n; i > 0; i--)
		if (out->data[i - 1] == '.') {
			d[labels++] = out->data + i;
			if (labels == 3)
				break;
		}
	if (labels < 3 && i == 0)
		d[labels++] = out->data;
	/* d[0] = last label, d[1] = last two, d[2] = last three */
	if (labels >= 3) {
		for (j = 0; tld2[j]; j++)
			if (strcmp(d[1], tld2[j]) == 0)
				break;
		if (tld2[j] != NULL || nameset_has(&suffixes, d[1],
		    strlen(d[1]))) {
			memmove(out->data, d[2], strlen(d[2]) + 1);
			out->len = strlen(out->data);
			return buf_str(out);
		}
	}
	if (labels >= 2) {
		memmove(out->data, d[1], strlen(d[1]) + 1);
		out->len = strlen(out->data);
	}
	return buf_str(out);
}
