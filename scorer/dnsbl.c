/*
 * dnsbl.c - SpamAssassin 4.0.1's DNS list tests for the scorer: the
 * check_rbl* evals of DNSEval.pm on the relays and sender addresses,
 * the URI lists of URIDNSBL.pm (urirhssub, urirhsbl, uridnssub and
 * uridnsbl with tflags a; check_uridnsbl) and AskDNS.pm's askdns rules
 * (A and TXT).  Every lookup a message needs is sent in dnsbl_start,
 * each distinct name and type once; answers are matched against the
 * rules as they come, and dnsbl_eval reads the result.
 *
 * Exports dnsbl_conf_new, dnsbl_conf_free, dnsbl_handles, dnsbl_start,
 * dnsbl_eval, dnsbl_msg_free (see dnsbl.h).
 *
 * Which addresses (DNSEval parsed_metadata, _check_rbl_backend): the
 * untrusted relays' IPs, private ones and duplicates dropped, plus the
 * untrusted IPs of the originating_ip_headers, newest last, at most
 * num_check_received (9); a set ending in -lastexternal or
 * -notfirsthop reads the external relays instead (the first one, or
 * all but the oldest), -firsttrusted the first untrusted one,
 * -untrusted all but it; a rule without tflags nice skips leading
 * trusted addresses.  Only A answers in 127/8 count.  A subtest is a
 * bitmask (digits), an exact dotted quad, or else a regex; check_rbl_sub
 * rules share their set's answers.
 *
 * URIs (URIDNSBL check_dnsbl): the hosts of the message's URIs and
 * their registrable domains (uri_domain, SpamAssassin's
 * RegistryBoundaries with the rules' util_rb_* lists), skipping
 * uridnsbl_skip_domain names, at most uridnsbl_max_domains (20) hosts,
 * linked ones before bare text ones (SpamAssassin draws at random past
 * the limit; this takes them in order).  A host that is an IPv4
 * address is asked reversed, private ones never; tflags domains_only
 * and ips_only choose, notrim asks the host instead of its domain.
 * uridnsbl/uridnssub rules with tflags a ask the host's A records, then
 * each address in the list; the NS form needs NS lookups, which the
 * resolver does not do: such rules never hit (said once at load).
 *
 * Not done: check_rbl_ns_from, check_rbl_accreditor, check_dns_sender
 * (NS and MX lookups), askdns types other than A and TXT and rcode
 * filters, tags other than _SENDERDOMAIN_, _AUTHORDOMAIN_,
 * _LASTEXTERNALIP_, _LASTEXTERNALREVIP_, _LASTEXTERNALHELO_,
 * _LASTEXTERNALRDNS_ (a rule needing another tag never queries, as in
 * SpamAssassin when the tag has no value).
 *
 * Inputs: the message (hostile: names built from it are bounded and
 * checked, at most DNSBL_MAX_LOOKUPS a message), DNS answers (hostile,
 * parsed by dns.c), the rules and settings (trusted).
 */
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif

#include <arpa/inet.h>

#include <ctype.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "dns.h"
#include "dnsbl.h"
#include "log.h"
#include "mem.h"
#include "uri.h"

#define DNSBL_MAX_LOOKUPS	400	/* DNS questions for one message */
#define DNSBL_MAX_NAME		253
#define NUM_CHECK_RECEIVED	9	/* SpamAssassin's num_check_received */
#define MAX_IPS			32	/* addresses kept per list of IPs */

enum rkind {
	K_RBL,		/* check_rbl, check_rbl_txt and the address forms */
	K_RBL_SUB,	/* check_rbl_sub */
	K_URI,		/* urirhssub ... read by check_uridnsbl */
	K_ASKDNS,
};

enum stkind { ST_NONE, ST_STR, ST_RE, ST_MASK, ST_RANGE, ST_VALMASK };

struct subtest {
	enum stkind	 kind;
	char		*str;
	pcre2_code	*re;
	uint32_t	 n1, n2;
};

/* tflags the lookups read */
#define TF_NICE		0x01
#define TF_DOMAINS	0x02
#define TF_IPS		0x04
#define TF_NOTRIM	0x08
#define TF_A		0x10
#define TF_NS		0x20

struct drule {
	char		*name;
	enum rkind	 kind;
	char		*func;		/* the eval (K_RBL, K_RBL_SUB) */
	char		*set;		/* K_RBL, K_RBL_SUB */
	char		*zone;		/* no trailing dot */
	int		 qtype;		/* DNS_T_A or DNS_T_TXT */
	struct subtest	 st;
	unsigned	 tf;		/* TF_* */
	char		*headers;	/* check_rbl_headers: names, commas */
	int		 rhsbl;		/* K_URI: name based (urirhs*) */
	char		*tmpl;		/* K_ASKDNS: the query template */
};

struct dnsbl_conf {
	struct drule	*r;
	int		 n;
	char		**skip;		/* uridnsbl_skip_domain, sorted */
	int		 nskip;
	int		 max_domains;
	int		 skip_rbl, skip_uribl, skip_mailto;
	struct relays_conf net;		/* trusted networks, orig. headers */
};

/* who reads a lookup's answers */
struct consumer {
	int		 rule;		/* index in conf->r */
	int		 chain;		/* an A of a URI host: ask the lists */
};

struct lookup {
	struct dnsbl_msg *m;
	char		*name;
	int		 type;
	int		 done;
	struct consumer	*c;
	int		 nc;
};

struct dnsbl_msg {
	const struct dnsbl_conf *conf;
	struct dns	*d;
	struct lookup	**lk;
	int		 nlk;
	int		 pending;
	int		 timeouts;	/* lookups with no answer in time */
	int		*hits;		/* per conf rule */
	int		 overflow;
};

/* ----------------------------------------------------------- parsing */

/* parse_args - an eval's arguments: 'quoted', "quoted" or bare words,
 * separated by commas (the subset of Perl the DNS rules use) */
static int
parse_args(const char *s, char ***argv)
{
	char **v = xcalloc(1, sizeof(*v));
	const char *e;
	int n = 0;
	char q;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		v = xreallocarray(v, (size_t)n + 2, sizeof(*v));
		if (*s == '\'' || *s == '"') {
			q = *s++;
			if ((e = strchr(s, q)) == NULL)
				goto bad;
			v[n++] = xstrndup(s, (size_t)(e - s));
			s = e + 1;
		} else {
			e = s + strcspn(s, ", \t");
			v[n++] = xstrndup(s, (size_t)(e - s));
			s = e;
		}
		v[n] = NULL;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',')
			s++;
		else if (*s)
			goto bad;
	}
	v[n] = NULL;
	*argv = v;
	return n;
bad:
	while (n > 0)
		xfree(v[--n]);
	xfree(v);
	*argv = NULL;
	return -1;
}

static void
free_args(char **v)
{
	int i;

	for (i = 0; v && v[i]; i++)
		xfree(v[i]);
	xfree(v);
}

/* quad - a dotted quad as a number; -1 if s is not one */
static int64_t
quad(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	return (int64_t)ntohl(a.s_addr);
}

/* number - decimal (up to 10 digits), 0x hex or a dotted quad; -1 if bad */
static int64_t
number(const char *s, size_t len, int *was_quad)
{
	char tmp[32];
	char *end;
	int64_t v;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if ((v = quad(tmp)) >= 0) {
		*was_quad = 1;
		return v;
	}
	if (len > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X')) {
		if (len > 10)
			return -1;
		v = strtoll(tmp + 2, &end, 16);
	} else {
		if (len > 10 || !isdigit((unsigned char)tmp[0]))
			return -1;
		v = strtoll(tmp, &end, 10);
	}
	if (*end || v > 0xffffffffLL)
		return -1;
	return v;
}

/* sub_numeric - URIDNSBL's subtest forms: n, n-m, n/m (each decimal,
 * hex or quad; a lone quad is n-n); -1 when s is not one of them */
static int
sub_numeric(const char *s, struct subtest *st)
{
	size_t l1 = strcspn(s, "/-");
	int64_t a, b;
	int q = 0;

	if ((a = number(s, l1, &q)) < 0)
		return -1;
	if (s[l1] == '\0') {
		st->kind = q ? ST_RANGE : ST_MASK;
		st->n1 = st->n2 = (uint32_t)a;
		return 0;
	}
	if ((b = number(s + l1 + 1, strlen(s + l1 + 1), &q)) < 0)
		return -1;
	st->kind = s[l1] == '-' ? ST_RANGE : ST_VALMASK;
	st->n1 = (uint32_t)a;
	st->n2 = (uint32_t)b;
	return 0;
}

/* sub_regex - compile a Perl pattern, bare or /re/flags or m{re}flags */
static int
sub_regex(const char *s, struct subtest *st)
{
	uint32_t opt = 0;
	const char *body = s, *end = s + strlen(s), *f;
	char open = 0, close = 0;
	PCRE2_SIZE off;
	int err;

	if (s[0] == '/') {
		open = close = '/';
		body = s + 1;
	} else if (s[0] == 'm' && s[1] && strchr("{(/[<!|#", s[1])) {
		open = s[1];
		close = open == '{' ? '}' : open == '(' ? ')' : open == '[' ?
		    ']' : open == '<' ? '>' : open;
		body = s + 2;
	}
	if (open) {
		f = strrchr(body, close);
		if (f == NULL)
			return -1;
		for (end = f++; *f; f++) {
			if (*f == 'i')
				opt |= PCRE2_CASELESS;
			else if (*f == 's')
				opt |= PCRE2_DOTALL;
			else if (*f == 'm')
				opt |= PCRE2_MULTILINE;
			else if (*f == 'x')
				opt |= PCRE2_EXTENDED;
			else
				return -1;
		}
	}
	st->re = pcre2_compile((PCRE2_SPTR)body, (PCRE2_SIZE)(end - body),
	    opt, &err, &off, NULL);
	if (st->re == NULL)
		return -1;
	st->kind = ST_RE;
	return 0;
}

/* sub_dnseval - DNSEval's subtest: digits a bitmask, a quad exact,
 * anything else a regex */
static int
sub_dnseval(const char *s, struct subtest *st)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (*p == '\0' && p - s <= 10) {
		st->kind = ST_MASK;
		st->n1 = (uint32_t)strtoul(s, NULL, 10);
		return 0;
	}
	if (quad(s) >= 0 && strspn(s, "0123456789.") == strlen(s)) {
		st->kind = ST_STR;
		st->str = xstrdup(s);
		return 0;
	}
	return sub_regex(s, st);
}

/* sub_askdns - quoted string, regex, or URIDNSBL's numeric forms */
static int
sub_askdns(const char *s, struct subtest *st)
{
	size_t l = strlen(s);

	if (l >= 2 && (s[0] == '"' || s[0] == '\'') && s[l - 1] == s[0]) {
		st->kind = ST_STR;
		st->str = xstrndup(s + 1, l - 2);
		return 0;
	}
	if (s[0] == '/' || (s[0] == 'm' && s[1] && !isalnum((unsigned char)s[1])))
		return sub_regex(s, st);
	return sub_numeric(s, st);
}

/* st_match - does one answer value (quad or TXT text) pass st? */
static int
st_match(const struct subtest *st, int type, const char *v)
{
	pcre2_match_data *md;
	int64_t n = type == DNS_T_A ? quad(v) : -1;
	int rc;

	switch (st->kind) {
	case ST_NONE:
		return 1;
	case ST_STR:
		return strcmp(st->str, v) == 0;
	case ST_RE:
		md = pcre2_match_data_create_from_pattern(st->re, NULL);
		rc = pcre2_match(st->re, (PCRE2_SPTR)v, strlen(v), 0, 0, md,
		    NULL);
		pcre2_match_data_free(md);
		return rc >= 0;
	case ST_MASK:
		return n >= 0 && (n & 0xff000000) == 0x7f000000 &&
		    (n & st->n1) != 0;
	case ST_RANGE:
		return n >= 0 && n >= st->n1 && n <= st->n2;
	case ST_VALMASK:
		return n >= 0 && ((uint32_t)n & st->n2) == (st->n1 & st->n2);
	}
	return 0;
}

static void
st_free(struct subtest *st)
{
	xfree(st->str);
	if (st->re)
		pcre2_code_free(st->re);
}

/* tflags - the TF_* of a rule's tflags words */
static unsigned
tflags(const struct saconf_rule *r)
{
	static const struct {
		const char *w;
		unsigned f;
	} t[] = { { "nice", TF_NICE }, { "domains_only", TF_DOMAINS },
	    { "ips_only", TF_IPS }, { "notrim", TF_NOTRIM }, { "a", TF_A },
	    { "ns", TF_NS } };
	const char *s = r && r->tflags_raw ? r->tflags_raw : "";
	unsigned f = 0;
	size_t i, l;

	while (*s) {
		s += strspn(s, " \t");
		l = strcspn(s, " \t");
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			if (strlen(t[i].w) == l && strncmp(s, t[i].w, l) == 0)
				f |= t[i].f;
		s += l;
	}
	return f;
}

/* zone - a list's zone without trailing dots */
static char *
zone(const char *z)
{
	size_t l = strlen(z);

	while (l > 0 && z[l - 1] == '.')
		l--;
	return xstrndup(z, l);
}

/* add_rule - a new entry (or the one of that name and kind, emptied) */
static struct drule *
add_rule(struct dnsbl_conf *c, const char *name, enum rkind kind)
{
	struct drule *d;
	int i;

	for (i = 0; i < c->n; i++)
		if (c->r[i].kind == kind && strcmp(c->r[i].name, name) == 0) {
			d = &c->r[i];
			xfree(d->func);
			xfree(d->set);
			xfree(d->zone);
			xfree(d->headers);
			xfree(d->tmpl);
			st_free(&d->st);
			xfree(d->name);
			goto fill;
		}
	c->r = xreallocarray(c->r, (size_t)c->n + 1, sizeof(*c->r));
	d = &c->r[c->n++];
fill:
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->kind = kind;
	d->qtype = DNS_T_A;
	return d;
}

/* drop_last - forget the last entry (a bad definition) */
static void
drop_last(struct dnsbl_conf *c, const char *why)
{
	struct drule *d = &c->r[c->n - 1];

	log_warn("dnsbl: rule %s: %s; not used", d->name, why);
	xfree(d->name);
	xfree(d->func);
	xfree(d->set);
	xfree(d->zone);
	xfree(d->headers);
	xfree(d->tmpl);
	st_free(&d->st);
	c->n--;
}

/* conf_eval - one check_rbl* rule of the rule set */
static void
conf_eval(struct dnsbl_conf *c, const struct saconf_rule *r)
{
	struct drule *d;
	char **v;
	int n, sub = strcmp(r->eval_func, "check_rbl_sub") == 0;

	if ((n = parse_args(r->eval_args ? r->eval_args : "", &v)) < 0) {
		log_warn("dnsbl: rule %s: arguments not understood", r->name);
		return;
	}
	d = add_rule(c, r->name, sub ? K_RBL_SUB : K_RBL);
	d->func = xstrdup(r->eval_func);
	d->tf = tflags(r);
	if (n < (sub ? 2 : 2)) {
		free_args(v);
		drop_last(c, "too few arguments");
		return;
	}
	d->set = xstrdup(v[0]);
	if (sub) {
		if (sub_dnseval(v[1], &d->st) < 0 || d->st.kind == ST_NONE) {
			free_args(v);
			drop_last(c, "bad subtest");
			return;
		}
	} else {
		d->zone = zone(v[1]);
		if (strcmp(r->eval_func, "check_rbl_txt") == 0)
			d->qtype = DNS_T_TXT;
		if (n > 2 && sub_dnseval(v[2], &d->st) < 0) {
			free_args(v);
			drop_last(c, "bad subtest");
			return;
		}
		if (n > 3 && strcmp(r->eval_func, "check_rbl_headers") == 0)
			d->headers = xstrdup(v[3]);
	}
	free_args(v);
}

/* conf_askdns - askdns NAME QUERY [TYPE [SUBTEST]] (NAME in the rule) */
static void
conf_askdns(struct dnsbl_conf *c, const struct saconf_rule *r)
{
	const char *s = r->eval_args ? r->eval_args : "";
	char *q, *type = NULL, *sub = NULL;
	struct drule *d;
	size_t l;

	s += strspn(s, " \t");
	l = strcspn(s, " \t");
	q = xstrndup(s, l);
	s += l;
	s += strspn(s, " \t");
	if (*s) {
		l = strcspn(s, " \t");
		type = xstrndup(s, l);
		s += l;
		s += strspn(s, " \t");
		if (*s)
			sub = xstrdup(s);
	}
	d = add_rule(c, r->name, K_ASKDNS);
	d->tmpl = q;
	if (type && strcasecmp(type, "TXT") == 0)
		d->qtype = DNS_T_TXT;
	else if (type && strcasecmp(type, "A") != 0) {
		xfree(type);
		xfree(sub);
		drop_last(c, "askdns type other than A or TXT");
		return;
	}
	if (sub && sub_askdns(sub, &d->st) < 0) {
		xfree(type);
		xfree(sub);
		drop_last(c, "askdns filter not understood");
		return;
	}
	xfree(type);
	xfree(sub);
}

/* conf_uri - urirhssub/urirhsbl/uridnssub/uridnsbl NAME ZONE TYPE [SUB] */
static void
conf_uri(struct dnsbl_conf *c, struct saconf *sc, const char *key,
    const char *val)
{
	char **w = config_split(val, NULL);
	struct drule *d;
	int n, subform = strcmp(key, "urirhssub") == 0 ||
	    strcmp(key, "uridnssub") == 0;

	for (n = 0; w[n]; n++)
		;
	if (n < (subform ? 4 : 3)) {
		log_warn("dnsbl: %s %s: too few words; not used", key, val);
		free_args(w);
		return;
	}
	d = add_rule(c, w[0], K_URI);
	d->rhsbl = strncmp(key, "urirhs", 6) == 0;
	d->zone = zone(w[1]);
	d->tf = tflags(saconf_rule_find(sc, w[0]));
	if (strcasecmp(w[2], "TXT") == 0)
		d->qtype = DNS_T_TXT;
	else if (strcasecmp(w[2], "A") != 0) {
		free_args(w);
		drop_last(c, "type other than A or TXT");
		return;
	}
	if (subform && sub_numeric(w[3], &d->st) < 0) {
		free_args(w);
		drop_last(c, "bad subtest");
		return;
	}
	if (!d->rhsbl && !(d->tf & TF_A))
		log_info("dnsbl: rule %s: a uridnsbl on NS records, which are "
		    "not looked up; it never hits", d->name);
	free_args(w);
}

/* cmp_str - for qsort and bsearch of C strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* conf_setting - one kept directive of saconf */
static void
conf_setting(struct dnsbl_conf *c, struct saconf *sc, const char *key,
    const char *val)
{
	char **w;
	int i;

	if (strcmp(key, "urirhssub") == 0 || strcmp(key, "urirhsbl") == 0 ||
	    strcmp(key, "uridnssub") == 0 || strcmp(key, "uridnsbl") == 0) {
		conf_uri(c, sc, key, val);
	} else if (strcmp(key, "uridnsbl_skip_domain") == 0) {
		w = config_split(val, NULL);
		for (i = 0; w[i]; i++) {
			c->skip = xreallocarray(c->skip, (size_t)c->nskip + 1,
			    sizeof(*c->skip));
			c->skip[c->nskip++] = w[i];
			for (char *p = w[i]; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
		xfree(w);
	} else if (strcmp(key, "uridnsbl_max_domains") == 0) {
		c->max_domains = atoi(val);
	} else if (strcmp(key, "skip_rbl_checks") == 0) {
		c->skip_rbl = atoi(val) != 0;
	} else if (strcmp(key, "skip_uribl_checks") == 0) {
		c->skip_uribl = atoi(val) != 0;
	} else if (strcmp(key, "uridnsbl_skip_mailto") == 0) {
		c->skip_mailto = atoi(val) != 0;
	}
}

/* dnsbl_conf_new - the DNS rules and settings of a finished rule set */
struct dnsbl_conf *
dnsbl_conf_new(struct saconf *sc)
{
	const struct saconf_settings *set = saconf_settings(sc);
	struct dnsbl_conf *c = xcalloc(1, sizeof(*c));
	struct buf err = BUF_INIT;
	struct saconf_rule *r;
	size_t i;

	c->max_domains = 20;
	relays_conf_init(&c->net);
	for (i = 0; i < set->net_key.n; i++) {
		buf_reset(&err);
		if (relays_conf_setting(&c->net, set->net_key.v[i],
		    set->net_val.v[i], &err) < 0)
			log_warn("dnsbl: %s: %s", set->net_key.v[i],
			    buf_str(&err));
	}
	buf_free(&err);
	for (i = 0; i < set->plug_key.n; i++)
		conf_setting(c, sc, set->plug_key.v[i], set->plug_val.v[i]);
	qsort(c->skip, (size_t)c->nskip, sizeof(*c->skip), cmp_str);
	for (i = 0; i < saconf_nrules(sc); i++) {
		r = saconf_rule_at(sc, i);
		if (r->kind != SAK_EVAL || r->eval_func == NULL ||
		    r->disabled || !dnsbl_handles(r->eval_func))
			continue;
		if (r->type == SA_ASKDNS)
			conf_askdns(c, r);
		else if (strncmp(r->eval_func, "check_rbl", 9) == 0)
			conf_eval(c, r);
	}
	return c;
}

/* dnsbl_conf_free - release a configuration */
void
dnsbl_conf_free(struct dnsbl_conf *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		xfree(c->r[i].name);
		xfree(c->r[i].func);
		xfree(c->r[i].set);
		xfree(c->r[i].zone);
		xfree(c->r[i].headers);
		xfree(c->r[i].tmpl);
		st_free(&c->r[i].st);
	}
	xfree(c->r);
	for (i = 0; i < c->nskip; i++)
		xfree(c->skip[i]);
	xfree(c->skip);
	relays_conf_free(&c->net);
	xfree(c);
}

/* dnsbl_handles - the evals this module answers */
int
dnsbl_handles(const char *func)
{
	static const char *const f[] = { "check_rbl", "check_rbl_txt",
	    "check_rbl_sub", "check_rbl_envfrom", "check_rbl_from_host",
	    "check_rbl_from_domain", "check_rbl_headers", "check_rbl_rcvd",
	    "check_uridnsbl", "askdns", NULL };
	int i;

	for (i = 0; f[i]; i++)
		if (strcmp(func, f[i]) == 0)
			return 1;
	return 0;
}

/* ----------------------------------------------------------- lookups */

static void	answered(void *, const char *, const struct dns_answer *);

/* valid_name - a name a DNS server can be asked: labels of 1..63
 * letters, digits, '-' or '_', 253 bytes at most */
static int
valid_name(const char *s)
{
	size_t l = 0, total = strlen(s);

	if (total == 0 || total > DNSBL_MAX_NAME)
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (l == 0)
				return 0;
			l = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' ||
		    *s == '_') {
			if (++l > 63)
				return 0;
		} else
			return 0;
	}
	return l > 0;
}

/* ask - the lookup of name/type for rule (sent once a message) */
static void
ask(struct dnsbl_msg *m, const char *name, int type, int rule, int chain)
{
	struct lookup *lk = NULL;
	struct buf lc = BUF_INIT;
	int i;

	for (; *name; name++)
		buf_addc(&lc, tolower((unsigned char)*name));
	while (lc.len > 0 && lc.data[lc.len - 1] == '.')
		buf_trunc(&lc, lc.len - 1);
	if (!valid_name(buf_str(&lc))) {
		buf_free(&lc);
		return;
	}
	for (i = 0; i < m->nlk; i++)
		if (m->lk[i]->type == type &&
		    strcmp(m->lk[i]->name, lc.data) == 0) {
			lk = m->lk[i];
			break;
		}
	if (lk == NULL) {
		if (m->nlk >= DNSBL_MAX_LOOKUPS) {
			if (!m->overflow++)
				log_info("dnsbl: more than %d lookups for "
				    "one message; the rest not asked",
				    DNSBL_MAX_LOOKUPS);
			buf_free(&lc);
			return;
		}
		lk = xcalloc(1, sizeof(*lk));
		lk->m = m;
		lk->name = buf_steal(&lc);
		lk->type = type;
		m->lk = xreallocarray(m->lk, (size_t)m->nlk + 1,
		    sizeof(*m->lk));
		m->lk[m->nlk++] = lk;
		if (dns_query(m->d, lk->name, type, answered, lk) == 0)
			m->pending++;
		else
			lk->done = 1;
	}
	buf_free(&lc);
	for (i = 0; i < lk->nc; i++)
		if (lk->c[i].rule == rule && lk->c[i].chain == chain)
			return;
	lk->c = xreallocarray(lk->c, (size_t)lk->nc + 1, sizeof(*lk->c));
	lk->c[lk->nc].rule = rule;
	lk->c[lk->nc++].chain = chain;
}

/* ask_ip - an address in a list: reversed . zone */
static void
ask_ip(struct dnsbl_msg *m, const char *ip, int rule)
{
	const struct drule *d = &m->conf->r[rule];
	struct buf b = BUF_INIT;

	if (dns_reverse_ip(ip, &b) == 0) {
		buf_addf(&b, ".%s", d->zone);
		ask(m, buf_str(&b), d->qtype, rule, 0);
	}
	buf_free(&b);
}

/* hit_rbl - DNSEval's reading of one value for a K_RBL consumer: the
 * rule itself and the check_rbl_sub rules of its set */
static void
hit_rbl(struct dnsbl_msg *m, int rule, int type, const char *v)
{
	const struct dnsbl_conf *c = m->conf;
	const struct drule *d = &c->r[rule];
	int i;

	if (type == DNS_T_A && strncmp(v, "127.", 4) != 0)
		return;
	if (st_match(&d->st, type, v))
		m->hits[rule]++;
	for (i = 0; i < c->n; i++)
		if (c->r[i].kind == K_RBL_SUB && !m->hits[i] &&
		    strcmp(c->r[i].set, d->set) == 0 &&
		    st_match(&c->r[i].st, type, v))
			m->hits[i]++;
}

/* hit_other - URIDNSBL's and AskDNS's reading of one value */
static void
hit_other(struct dnsbl_msg *m, int rule, int type, const char *v)
{
	const struct drule *d = &m->conf->r[rule];

	if (d->kind == K_URI && d->st.kind == ST_NONE && type == DNS_T_A &&
	    strncmp(v, "127.", 4) != 0)
		return;
	if (st_match(&d->st, type, v))
		m->hits[rule]++;
}

/* answered - a lookup ended: match the rules that read it */
static void
answered(void *arg, const char *name, const struct dns_answer *ans)
{
	struct lookup *lk = arg;
	struct dnsbl_msg *m = lk->m;
	char ip[INET_ADDRSTRLEN];
	const char *v;
	int i, j, rule;

	lk->done = 1;
	m->pending--;
	if (ans->status == DNS_TIMEOUT)
		m->timeouts++;
	if (ans->status != DNS_OK)
		return;
	for (i = 0; i < ans->n; i++) {
		if (ans->type == DNS_T_A) {
			inet_ntop(AF_INET, &ans->a[i], ip, sizeof(ip));
			v = ip;
		} else
			v = ans->txt[i];
		for (j = 0; j < lk->nc; j++) {
			rule = lk->c[j].rule;
			if (lk->c[j].chain)
				ask_ip(m, v, rule);
			else if (m->conf->r[rule].kind == K_RBL)
				hit_rbl(m, rule, ans->type, v);
			else
				hit_other(m, rule, ans->type, v);
		}
	}
}

/* ------------------------------------------------- addresses to ask */

struct iplist {
	char	*ip[MAX_IPS];
	int	 n;
};

/* ipl_add - append ip unless there, private or full */
static void
ipl_add(struct iplist *l, const char *ip, int strip_private)
{
	int i;

	if (ip == NULL || *ip == '\0' || l->n == MAX_IPS)
		return;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->ip[i], ip) == 0)
			return;
	if (strip_private && relays_ip_private(ip))
		return;
	l->ip[l->n++] = xstrdup(ip);
}

static void
ipl_free(struct iplist *l)
{
	while (l->n > 0)
		xfree(l->ip[--l->n]);
}

/* ipl_remove - drop entry i */
static void
ipl_remove(struct iplist *l, int i)
{
	xfree(l->ip[i]);
	memmove(&l->ip[i], &l->ip[i + 1], (size_t)(l->n - i - 1) *
	    sizeof(l->ip[0]));
	l->n--;
}

/* originating - the IPs of the originating_ip_headers */
static void
originating(const struct dnsbl_conf *c, const struct msgtext *mt,
    struct iplist *out)
{
	struct buf v = BUF_INIT;
	char tok[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];
	const char *s;
	size_t l;
	int i;

	for (i = 0; i < c->net.norig; i++) {
		s = msgtext_header(mt, c->net.orig_hdr[i], &v);
		while (s && *s) {
			s += strcspn(s, "0123456789abcdefABCDEF:");
			l = strspn(s, "0123456789abcdefABCDEF:.");
			if (l == 0)
				break;
			if (l < sizeof(tok)) {
				memcpy(tok, s, l);
				tok[l] = '\0';
				if (inet_pton(AF_INET, tok, a) == 1 ||
				    (strchr(tok, ':') && inet_pton(AF_INET6,
				    tok, a) == 1))
					ipl_add(out, tok, 0);
			}
			s += l;
		}
	}
	buf_free(&v);
}

/* rbl_ips - the addresses one check_rbl rule asks about */
static void
rbl_ips(const struct dnsbl_conf *c, const struct drule *d,
    const struct relays *rl, const struct iplist *orig, struct iplist *out)
{
	struct iplist ext = { .n = 0 };
	size_t sl = strlen(d->set);
	int i, untrusted_only, first;

#define SUFFIX(s) (sl > sizeof(s) - 1 && \
	strcmp(d->set + sl - (sizeof(s) - 1), s) == 0)
	if (SUFFIX("-lastexternal") || SUFFIX("-notfirsthop")) {
		for (i = 0; i < rl->ntrusted && i < rl->n; i++)
			if (!rl->r[i].internal)
				ipl_add(&ext, rl->r[i].ip, 0);
		for (i = rl->ntrusted; i < rl->n; i++)
			ipl_add(&ext, rl->r[i].ip, 0);
		for (i = 0; i < ext.n; i++)
			ipl_add(out, ext.ip[i], 1);
		ipl_free(&ext);
		if (SUFFIX("-lastexternal"))
			while (out->n > 1)
				ipl_remove(out, out->n - 1);
		else if (out->n > 1)
			ipl_remove(out, out->n - 1);
	} else {
		untrusted_only = SUFFIX("-untrusted");
		first = SUFFIX("-firsttrusted");
		for (i = rl->ntrusted; i < rl->n; i++)
			ipl_add(out, rl->r[i].ip, 1);
		for (i = 0; i < orig->n; i++)
			if (!relays_netset_contains(&c->net.trusted,
			    orig->ip[i]))
				ipl_add(out, orig->ip[i], 1);
		if (first) {
			while (out->n > 1)
				ipl_remove(out, out->n - 1);
		} else if (untrusted_only) {
			if (out->n > 0)
				ipl_remove(out, 0);
		} else {
			/* the oldest first, as SpamAssassin's reverse */
			for (i = 0; i < out->n / 2; i++) {
				char *t = out->ip[i];

				out->ip[i] = out->ip[out->n - 1 - i];
				out->ip[out->n - 1 - i] = t;
			}
		}
	}
#undef SUFFIX
	while (out->n > NUM_CHECK_RECEIVED)
		ipl_remove(out, out->n - 1);
	if (!(d->tf & TF_NICE))
		while (out->n > 0 && relays_netset_contains(&c->net.trusted,
		    out->ip[0]))
			ipl_remove(out, 0);
}

/* is_ipv4 - a dotted quad */
static int
is_ipv4(const char *s)
{
	return quad(s) >= 0;
}

/* domain_ok - a name SpamAssassin would ask: a dot, a known TLD */
static int
domain_ok(const char *h)
{
	const char *dot = strrchr(h, '.');

	return dot && dot > h && dot[1] && valid_name(h) &&
	    uri_tld_valid(dot + 1, strlen(dot + 1));
}

/* ask_host - a host name or address in the list of rule (the
 * _check_rbl_addresses and check_rbl_rcvd reading) */
static void
ask_host(struct dnsbl_msg *m, int rule, const char *host)
{
	const struct drule *d = &m->conf->r[rule];
	struct buf b = BUF_INIT;

	if (is_ipv4(host)) {
		if (!(d->tf & TF_DOMAINS))
			ask_ip(m, host, rule);
	} else if (!(d->tf & TF_IPS) && domain_ok(host)) {
		buf_addf(&b, "%s.%s", host, d->zone);
		ask(m, buf_str(&b), d->qtype, rule, 0);
	}
	buf_free(&b);
}

/* addr_host - the domain of an address (dots trimmed, lower case) */
static int
addr_host(const char *addr, struct buf *out)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t l;

	buf_reset(out);
	if (at == NULL)
		return -1;
	at++;
	while (*at == '.')
		at++;
	for (l = strcspn(at, " \t\r\n"); l > 0 && at[l - 1] == '.'; l--)
		;
	for (; l > 0; l--, at++)
		if (*at != '.' || out->len == 0 || out->data[out->len - 1]
		    != '.')
			buf_addc(out, tolower((unsigned char)*at));
	return out->len > 0 && strchr(buf_str(out), '.') ? 0 : -1;
}

/* ask_address - one address's domain (or its registrable domain) */
static void
ask_address(struct dnsbl_msg *m, int rule, const char *addr, int reg)
{
	struct buf h = BUF_INIT, dom = BUF_INIT;

	if (addr_host(addr, &h) == 0)
		ask_host(m, rule, reg && !is_ipv4(buf_str(&h)) ?
		    uri_domain(buf_str(&h), &dom) : buf_str(&h));
	buf_free(&h);
	buf_free(&dom);
}

/* ask_from - the From: addresses (PerMsgStatus all_from_addrs, the
 * header part): each address of From, else Envelope-Sender ... */
static void
ask_from(struct dnsbl_msg *m, int rule, const struct msgtext *mt, int reg)
{
	static const char *const hdr[] = { "From:addr", "Envelope-Sender:addr",
	    "Resent-Sender:addr", "Resent-From:addr", NULL };
	struct buf v = BUF_INIT;
	const char *a;
	int i;

	for (i = 0; hdr[i]; i++) {
		a = msgtext_header(mt, hdr[i], &v);
		if (a && *a) {
			ask_address(m, rule, a, reg);
			break;
		}
	}
	buf_free(&v);
}

/* start_rbl - the lookups of one check_rbl* rule */
static void
start_rbl(struct dnsbl_msg *m, int rule, const struct msgtext *mt,
    const struct relays *rl, const struct iplist *orig,
    const char *env_from)
{
	const struct drule *d = &m->conf->r[rule];
	struct iplist ips = { .n = 0 };
	struct buf v = BUF_INIT;
	const struct relay *r;
	char **hv, *line, *save;
	int i;

	if (strcmp(d->func, "check_rbl") == 0 ||
	    strcmp(d->func, "check_rbl_txt") == 0) {
		rbl_ips(m->conf, d, rl, orig, &ips);
		for (i = 0; i < ips.n; i++)
			ask_ip(m, ips.ip[i], rule);
		ipl_free(&ips);
	} else if (strcmp(d->func, "check_rbl_envfrom") == 0) {
		ask_address(m, rule, env_from, 0);
	} else if (strcmp(d->func, "check_rbl_from_host") == 0) {
		ask_from(m, rule, mt, 0);
	} else if (strcmp(d->func, "check_rbl_from_domain") == 0) {
		ask_from(m, rule, mt, 1);
	} else if (strcmp(d->func, "check_rbl_rcvd") == 0) {
		if (rl->n <= rl->ntrusted)
			return;
		r = &rl->r[rl->n - 1];
		ask_host(m, rule, r->ip ? r->ip : "");
		if (r->by)
			ask_host(m, rule, r->by);
		if (r->helo)
			ask_host(m, rule, r->helo);
		if (r->rdns)
			ask_host(m, rule, r->rdns);
	} else if (strcmp(d->func, "check_rbl_headers") == 0 && d->headers) {
		hv = config_split(d->headers, NULL);
		for (i = 0; hv[i]; i++) {
			buf_reset(&v);
			buf_addf(&v, "%s:addr", hv[i]);
			save = xstrdup(buf_str(&v));
			line = (char *)msgtext_header(mt, save, &v);
			xfree(save);
			if (line && strchr(line, '@')) {
				ask_address(m, rule, line, 0);
				continue;
			}
			line = xstrdup(msgtext_header(mt, hv[i], &v) ?
			    buf_str(&v) : "");
			for (save = strtok(line, "\n"); save;
			    save = strtok(NULL, "\n"))
				ask_host(m, rule, save);
			xfree(line);
		}
		free_args(hv);
	}
	buf_free(&v);
}

/* skipped - a host or domain in uridnsbl_skip_domain */
static int
skipped(const struct dnsbl_conf *c, const char *s)
{
	return c->nskip > 0 && bsearch(&s, c->skip, (size_t)c->nskip,
	    sizeof(*c->skip), cmp_str) != NULL;
}

/* uri_hosts - the hosts (and their domains) to ask the URI lists:
 * linked URIs first, bare text ones after, max_domains at most */
static int
uri_hosts(const struct dnsbl_conf *c, const struct msgtext *mt,
    char ***hosts, char ***doms)
{
	struct buf h = BUF_INIT, d = BUF_INIT;
	const struct uri_list *ul = &mt->uris;
	const char *dot;
	int pass, i, j, n = 0;

	*hosts = xcalloc((size_t)c->max_domains + 1, sizeof(char *));
	*doms = xcalloc((size_t)c->max_domains + 1, sizeof(char *));
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ul->n && n < c->max_domains; i++) {
			if (((ul->flags[i] & URI_UNLINKED) != 0) != pass)
				continue;
			if (c->skip_mailto &&
			    strncasecmp(ul->v[i], "mailto:", 7) == 0)
				continue;
			if (!uri_host(ul->v[i], &h))
				continue;
			if (is_ipv4(buf_str(&h))) {
				if (relays_ip_private(buf_str(&h)))
					continue;
				buf_reset(&d);
				buf_adds(&d, buf_str(&h));
			} else {
				dot = strrchr(buf_str(&h), '.');
				if (dot == NULL || !uri_tld_valid(dot + 1,
				    strlen(dot + 1)))
					continue;
				uri_domain(buf_str(&h), &d);
			}
			if (skipped(c, buf_str(&d)) || skipped(c, buf_str(&h)))
				continue;
			for (j = 0; j < n; j++)
				if (strcmp((*hosts)[j], buf_str(&h)) == 0)
					break;
			if (j < n)
				continue;
			(*hosts)[n] = xstrdup(buf_str(&h));
			(*doms)[n++] = xstrdup(buf_str(&d));
		}
	buf_free(&h);
	buf_free(&d);
	return n;
}

/* start_uri - the lookups of the URI lists */
static void
start_uri(struct dnsbl_msg *m, const struct msgtext *mt)
{
	const struct dnsbl_conf *c = m->conf;
	struct buf b = BUF_INIT;
	char **hosts, **doms;
	const struct drule *d;
	int n, i, k, ip;

	n = uri_hosts(c, mt, &hosts, &doms);
	for (i = 0; i < n; i++) {
		ip = is_ipv4(hosts[i]);
		for (k = 0; k < c->n; k++) {
			d = &c->r[k];
			if (d->kind != K_URI)
				continue;
			if (!d->rhsbl) {
				/* IP lists: the host's addresses (tflags a) */
				if (!ip && (d->tf & TF_A))
					ask(m, hosts[i], DNS_T_A, k, 1);
				continue;
			}
			if ((ip && (d->tf & TF_DOMAINS)) ||
			    (!ip && (d->tf & TF_IPS)))
				continue;
			if (ip) {
				ask_ip(m, hosts[i], k);
				continue;
			}
			buf_reset(&b);
			buf_addf(&b, "%s.%s", d->tf & TF_NOTRIM ? hosts[i] :
			    doms[i], d->zone);
			ask(m, buf_str(&b), d->qtype, k, 0);
		}
	}
	for (i = 0; i < n; i++) {
		xfree(hosts[i]);
		xfree(doms[i]);
	}
	xfree(hosts);
	xfree(doms);
	buf_free(&b);
}

/* last_external - the newest relay that is not internal, or NULL */
static const struct relay *
last_external(const struct relays *rl)
{
	int i;

	for (i = 0; i < rl->n; i++)
		if (!rl->r[i].internal)
			return &rl->r[i];
	return NULL;
}

/* tag_value - an askdns tag's value into out; -1 when it has none */
static int
tag_value(const char *tag, size_t len, const struct msgtext *mt,
    const struct relays *rl, const char *env_from, struct buf *out)
{
	const struct relay *le = last_external(rl);
	struct buf v = BUF_INIT;
	int rc = -1;

#define TAG(s)	(len == sizeof(s) - 1 && strncmp(tag, s, len) == 0)
	buf_reset(out);
	if (TAG("SENDERDOMAIN")) {
		rc = addr_host(env_from, out);
	} else if (TAG("AUTHORDOMAIN")) {
		rc = addr_host(msgtext_header(mt, "From:addr", &v), out);
	} else if (TAG("LASTEXTERNALIP") && le && le->ip) {
		buf_adds(out, le->ip);
		rc = 0;
	} else if (TAG("LASTEXTERNALREVIP") && le && le->ip) {
		rc = dns_reverse_ip(le->ip, out);
	} else if (TAG("LASTEXTERNALHELO") && le && le->helo && *le->helo) {
		buf_adds(out, le->helo);
		rc = 0;
	} else if (TAG("LASTEXTERNALRDNS") && le && le->rdns && *le->rdns) {
		buf_adds(out, le->rdns);
		rc = 0;
	}
#undef TAG
	buf_free(&v);
	return rc;
}

/* start_askdns - one askdns rule: its template with the tags filled */
static void
start_askdns(struct dnsbl_msg *m, int rule, const struct msgtext *mt,
    const struct relays *rl, const char *env_from)
{
	const struct drule *d = &m->conf->r[rule];
	struct buf q = BUF_INIT, v = BUF_INIT;
	const char *s = d->tmpl, *e;

	while (*s) {
		if (*s == '_' && (e = strchr(s + 1, '_')) != NULL && e > s + 1 &&
		    strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
		    (size_t)(e - s - 1)) {
			if (tag_value(s + 1, (size_t)(e - s - 1), mt, rl,
			    env_from, &v) < 0)
				goto out;	/* no value: no query */
			buf_adds(&q, buf_str(&v));
			s = e + 1;
		} else
			buf_addc(&q, *s++);
	}
	ask(m, buf_str(&q), d->qtype, rule, 0);
out:
	buf_free(&q);
	buf_free(&v);
}

/* dnsbl_start - send every lookup of the message */
struct dnsbl_msg *
dnsbl_start(const struct dnsbl_conf *c, struct dns *d,
    const struct msgtext *mt, const struct relays *rl, const char *env_from)
{
	struct dnsbl_msg *m = xcalloc(1, sizeof(*m));
	struct iplist orig = { .n = 0 };
	int i;

	m->conf = c;
	m->d = d;
	m->hits = xcalloc((size_t)c->n + 1, sizeof(*m->hits));
	if (d == NULL)
		return m;
	if (env_from == NULL || *env_from == '\0')
		env_from = relays_envfrom(rl);
	originating(c, mt, &orig);
	for (i = 0; i < c->n; i++) {
		switch (c->r[i].kind) {
		case K_RBL:
			if (!c->skip_rbl)
				start_rbl(m, i, mt, rl, &orig, env_from);
			break;
		case K_ASKDNS:
			start_askdns(m, i, mt, rl, env_from);
			break;
		default:
			break;
		}
	}
	if (!c->skip_uribl)
		start_uri(m, mt);
	ipl_free(&orig);
	return m;
}

/* find - the entry of a rule name and kind, or -1 */
static int
find(const struct dnsbl_conf *c, const char *name, int uri)
{
	int i;

	for (i = 0; i < c->n; i++)
		if ((c->r[i].kind == K_URI) == uri &&
		    strcmp(c->r[i].name, name) == 0)
			return i;
	return -1;
}

/* dnsbl_eval - hits of a rule on the answers received */
int
dnsbl_eval(struct dnsbl_msg *m, const struct saconf_rule *r, int argc,
    char **argv)
{
	int i;

	if (m == NULL || r == NULL || r->eval_func == NULL)
		return 0;
	if (strcmp(r->eval_func, "check_uridnsbl") == 0)
		i = argc > 0 ? find(m->conf, argv[0], 1) : -1;
	else
		i = find(m->conf, r->name, 0);
	return i < 0 ? 0 : m->hits[i] > 0;
}

/* dnsbl_msg_free - release a message's lookups (after the wait) */
int
dnsbl_timeouts(const struct dnsbl_msg *m)
{
	return m != NULL ? m->timeouts : 0;
}

void
dnsbl_msg_free(struct dnsbl_msg *m)
{
	int i;

	if (m == NULL)
		return;
	/* callbacks still to come would write into m */
	if (m->pending > 0 && m->d)
		dns_cancel(m->d);
	for (i = 0; i < m->nlk; i++) {
		xfree(m->lk[i]->name);
		xfree(m->lk[i]->c);
		xfree(m->lk[i]);
	}
	xfree(m->lk);
	xfree(m->hits);
	xfree(m);
}
