/*
 * evals.c - SpamAssassin 4.0.1's "eval:" tests written natively in C:
 * HeaderEval, WLBLEval, FreeMail, MIMEEval, HTMLEval, BodyEval,
 * URIEval, HTTPSMismatch, ImageInfo, VBounce, AntiVirus,
 * FromNameSpoof, DecodeShortURLs (short_url) and TextCat.  The
 * Received-chain tests are relays.c's (asked first); network and
 * Bayes tests are only named (eval_offline) for the next release.
 *
 * Exports eval_lookup, eval_offline, eval_msg_release.
 * Inputs: the message (hostile: headers, MIME tree, rendered text and
 * HTML statistics from msgtext.c and lib/html.c) and the arguments of
 * the rule (trusted configuration).  Runs unprivileged in the scorer.
 * Every loop is bounded by the size of the message; the patterns SA
 * writes in Perl are compiled once per process with PCRE2 (JIT) and
 * run under a match limit; a pattern taken from a rule argument is
 * compiled for the call.  Per-message results are kept in em->cache
 * and freed by eval_msg_release.  Lengths follow SA's strings: body
 * text in UTF-8 octets, HTML in characters.
 *
 * Plugin directives saconf does not keep (freemail_domains,
 * freemail_welcomelist, enlist_uri_host/delist_uri_host,
 * url_shortener, welcomelist_bounce_relays) are read here from the
 * .cf files of the directories the rules came from, once per
 * configuration; a local.cf that defines no rule is not seen.
 *
 * The behaviour (what counts, thresholds, quirks) follows the Perl
 * plugins; each function names the one it follows.  Checked on the
 * corpus test split against spamd 4.0.1 (no network, no Bayes): every
 * scored and "__" eval rule implemented here hits on the same
 * messages but one (__UPPERCASE_25_50 on a Big5 message).
 */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "evals.h"
#include "html.h"
#include "mem.h"
#include "mime.h"
#include "msgtext.h"
#include "relays.h"
#include "saconf.h"
#include "textcat.h"
#include "uri.h"

/* em->cache slots */
enum {
	C_ENVFROM,	/* struct str_cache: EnvelopeFrom:addr */
	C_DATE,		/* struct date_cache */
	C_RCPT,		/* struct rcpt_cache */
	C_MIME,		/* struct mime_cache */
	C_LANG,		/* struct str_cache: the language guess */
	C_BODY,		/* struct body_cache */
	C_FROMS,	/* struct addrs: all_from_addrs */
	C_IMAGE,	/* struct image_cache */
	C_FNS,		/* struct fns_cache */
	C_AV,		/* struct av_cache */
	C_NSLOTS
};
_Static_assert(C_NSLOTS <= EVAL_CACHE_SLOTS, "evals.h: more cache slots");

/*
 * Perl regular expressions, compiled once per process
 */

struct rx {
	const char	*pat;
	uint32_t	 opt;
	pcre2_code	*code;
};

#define RX_MAX	256
static struct rx rx_tab[RX_MAX];
static int rx_n;
static pcre2_match_context *rx_mctx;

static pthread_once_t rx_once = PTHREAD_ONCE_INIT;
/* the caches below are shared by the threads of the scorer */
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;

/* rx_init - the match context: limits for every match */
static void
rx_init(void)
{
	rx_mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(rx_mctx, 1000000);
	pcre2_set_depth_limit(rx_mctx, 10000);
}

/* rx_compile - pat compiled (with JIT when it can), or NULL */
static pcre2_code *
rx_compile(const char *pat, uint32_t opt)
{
	pcre2_code *c;
	int err;
	PCRE2_SIZE off;

	pthread_once(&rx_once, rx_init);
	c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opt, &err,
	    &off, NULL);
	if (c != NULL)
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

/*
 * rx_get - the compiled form of a pattern that is a string literal
 * (cached by its address and options); *owned set when the caller must
 * free it (cache full)
 */
static pcre2_code *
rx_get(const char *pat, uint32_t opt, int *owned)
{
	pcre2_code *c;
	int i;

	*owned = 0;
	pthread_mutex_lock(&rx_lock);
	for (i = 0; i < rx_n; i++)
		if (rx_tab[i].pat == pat && rx_tab[i].opt == opt) {
			c = rx_tab[i].code;
			pthread_mutex_unlock(&rx_lock);
			return c;
		}
	c = rx_compile(pat, opt);
	if (c != NULL && rx_n < RX_MAX) {
		rx_tab[rx_n].pat = pat;
		rx_tab[rx_n].opt = opt;
		rx_tab[rx_n].code = c;
		rx_n++;
	} else
		*owned = c != NULL;
	pthread_mutex_unlock(&rx_lock);
	return c;
}

/* rx_run - match c against s[0..n) from start, captures into ov */
static int
rx_run(pcre2_code *c, const char *s, size_t n, size_t start, size_t *ov,
    int nov)
{
	pcre2_match_data *md;
	PCRE2_SIZE *v;
	int rc, i;

	if (c == NULL || s == NULL)
		return 0;
	md = pcre2_match_data_create_from_pattern(c, NULL);
	rc = pcre2_match(c, (PCRE2_SPTR)s, n, start, 0, md, rx_mctx);
	if (rc > 0 && ov != NULL) {
		v = pcre2_get_ovector_pointer(md);
		for (i = 0; i < 2 * nov; i++)
			ov[i] = (i < 2 * rc) ? v[i] : (size_t)-1;
	}
	pcre2_match_data_free(md);
	return rc > 0;
}

/*
 * rx_match_at - does the literal pattern pat match s[0..n) from start?
 * ov, when not NULL, gets nov pairs of capture offsets (-1 when unset)
 */
static int
rx_match_at(const char *pat, uint32_t opt, const char *s, size_t n,
    size_t start, size_t *ov, int nov)
{
	int owned, r;
	pcre2_code *c = rx_get(pat, opt, &owned);

	r = rx_run(c, s, n, start, ov, nov);
	if (owned)
		pcre2_code_free(c);
	return r;
}

/* patterns from rule arguments, cached by their text */
struct rx_arg {
	char		*pat;
	pcre2_code	*code;
};

static struct rx_arg rx_args[RX_MAX];
static int rx_nargs;

/* rx_arg_get - a rule argument's pattern compiled (cached by its
 * text); *owned set when the caller must free it (cache full) */
static pcre2_code *
rx_arg_get(const char *pat, int *owned)
{
	pcre2_code *c;
	int i;

	*owned = 0;
	pthread_mutex_lock(&rx_lock);
	for (i = 0; i < rx_nargs; i++)
		if (strcmp(rx_args[i].pat, pat) == 0) {
			c = rx_args[i].code;
			pthread_mutex_unlock(&rx_lock);
			return c;
		}
	c = rx_compile(pat, 0);
	if (rx_nargs < RX_MAX) {
		rx_args[rx_nargs].pat = xstrdup(pat);
		rx_args[rx_nargs].code = c;	/* NULL: a bad pattern */
		rx_nargs++;
	} else
		*owned = c != NULL;
	pthread_mutex_unlock(&rx_lock);
	return c;
}

/* rx_arg_match - does a rule argument's pattern match s[0..n)? */
static int
rx_arg_match(const char *pat, const char *s, size_t n)
{
	int owned, r;
	pcre2_code *c = rx_arg_get(pat, &owned);

	r = rx_run(c, s, n, 0, NULL, 0);
	if (owned)
		pcre2_code_free(c);
	return r;
}

/* rx_dyn - match a pattern built at run time (compiled, used, freed) */
static int
rx_dyn(const char *pat, uint32_t opt, const char *s)
{
	pcre2_code *c;
	int r;

	if (s == NULL)
		return 0;
	c = rx_compile(pat, opt);
	r = rx_run(c, s, strlen(s), 0, NULL, 0);
	pcre2_code_free(c);
	return r;
}

/* rx_match - rx_match_at from the start of a C string */
static int
rx_match(const char *pat, uint32_t opt, const char *s, size_t *ov, int nov)
{
	return s != NULL && rx_match_at(pat, opt, s, strlen(s), 0, ov, nov);
}

#define RXI	PCRE2_CASELESS
#define RXM	PCRE2_MULTILINE
#define RXS	PCRE2_DOTALL
#define RXX	PCRE2_EXTENDED

/*
 * Small helpers
 */

/* hget - SA's $pms->get(request) in scalar context: "" when absent */
static const char *
hget(struct eval_msg *em, const char *req, struct buf *b)
{
	if (em->mt == NULL || msgtext_header(em->mt, req, b) == NULL) {
		buf_reset(b);
		buf_adds(b, "");
	}
	return buf_str(b);
}

/* lower - lower-case s in place (ASCII), returns it */
static char *
lower(char *s)
{
	char *p;

	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* trim - strip leading and trailing ASCII white space in place */
static char *
trim(char *s)
{
	size_t n;

	while (*s && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* arg_num - a numeric eval argument; "undef" or missing gives dflt */
static double
arg_num(int argc, char **argv, int i, double dflt)
{
	if (i >= argc || argv[i] == NULL || strcmp(argv[i], "undef") == 0)
		return dflt;
	if (strcasecmp(argv[i], "inf") == 0)
		return INFINITY;
	return strtod(argv[i], NULL);
}

/* arg_undef - is argument i absent or "undef"? */
static int
arg_undef(int argc, char **argv, int i)
{
	return i >= argc || argv[i] == NULL || strcmp(argv[i], "undef") == 0;
}

/*
 * Address lists: every address of a header as SA's get("X:addr") in
 * list context gives them
 */

struct addrs {
	char	**v;
	int	  n, cap;
};

/* addrs_add - append a copy of s[0..n) unless empty */
static void
addrs_add(struct addrs *a, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || a->n >= 1000)
		return;
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		a->v = xreallocarray(a->v, (size_t)a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = xstrndup(s, n);
}

/* addrs_free - free the list */
static void
addrs_free(struct addrs *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* fm_seen - is e in the list? */
static int
fm_seen(const struct addrs *a, const char *e)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], e) == 0)
			return 1;
	return 0;
}

/* addrs_header - every address of every header "name", as SA's
 * get("Name:addr") in list context */
static void
addrs_header(struct eval_msg *em, const char *name, struct addrs *a)
{
	struct buf b = BUF_INIT;
	char req[300], *p, *nl;

	if (em->mt == NULL)
		return;
	snprintf(req, sizeof(req), "%s:addr", name);
	if (msgtext_header_list(em->mt, req, &b) != NULL) {
		for (p = b.data; p != NULL && *p; p = nl) {
			nl = strchr(p, '\n');
			addrs_add(a, p, nl ? (size_t)(nl - p) : strlen(p));
			if (nl != NULL)
				nl++;
		}
	}
	buf_free(&b);
}

/*
 * The envelope sender as PerMsgStatus get_envelope_from guesses it
 */

struct str_cache {
	char	*s;		/* NULL: none */
	int	 len;		/* C_LANG: length of the text */
};

/* rcvd_before - does a Received header come before a header "name"? */
static int
rcvd_before(struct eval_msg *em, const char *name)
{
	int i, seen = 0;

	for (i = 0; i < em->mt->nhdr; i++) {
		if (strcasecmp(em->mt->hdr[i].name, "Received") == 0)
			seen = 1;
		else if (seen && strcasecmp(em->mt->hdr[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/* env_from - SA's EnvelopeFrom:addr, or NULL */
static const char *
env_from(struct eval_msg *em)
{
	struct str_cache *c = em->cache[C_ENVFROM];
	struct buf b = BUF_INIT;
	const char *v = NULL;
	static const char *const hdrs[] = {
		"X-Envelope-From", "Envelope-Sender", "Return-Path"
	};
	size_t i;

	if (c != NULL)
		return c->s;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_ENVFROM] = c;
	if (em->relays != NULL && (v = relays_envfrom(em->relays)) != NULL) {
		c->s = xstrdup(v);
		return c->s;
	}
	if (em->mt == NULL)
		goto out;
	v = msgtext_header(em->mt, "X-Sender:first:addr", &b);
	/* SA's address parser makes nothing of a bare "@" */
	if (v != NULL && strchr(v, '@') != NULL && v[0] != '@' &&
	    msgtext_header(em->mt, "Received", &b) != NULL &&
	    strstr(buf_str(&b), "(fetchmail") != NULL)
		goto out;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		char req[64];

		snprintf(req, sizeof(req), "%s:first:addr", hdrs[i]);
		v = msgtext_header(em->mt, req, &b);
		if (v == NULL)
			continue;
		if (rcvd_before(em, hdrs[i])) {
			if (i == 0)
				goto out;
			continue;
		}
		c->s = xstrdup(v);
		goto out;
	}
	/* not SA: the envelope the MTA gave us, when there is one */
	if (em->env_from != NULL)
		c->s = xstrdup(em->env_from);
out:
	buf_free(&b);
	return c->s;
}

/* all_from - PerMsgStatus all_from_addrs, lower-cased, distinct */
static struct addrs *
all_from(struct eval_msg *em)
{
	struct addrs *a = em->cache[C_FROMS], tmp = { 0 };
	static const char *const hdrs[] = {
		"From", "Envelope-Sender", "Resent-Sender", "X-Envelope-From"
	};
	size_t i;
	int j, k;

	if (a != NULL)
		return a;
	a = xcalloc(1, sizeof(*a));
	em->cache[C_FROMS] = a;
	addrs_header(em, "Resent-From", &tmp);
	if (tmp.n > 0) {
		addrs_add(a, tmp.v[0], strlen(tmp.v[0]));
	} else {
		for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
			addrs_header(em, hdrs[i], &tmp);
		if (env_from(em) != NULL)
			addrs_add(&tmp, env_from(em), strlen(env_from(em)));
		for (j = 0; j < tmp.n; j++) {
			char *s = lower(tmp.v[j]), *d = s, *p;

			/* tr/././s: runs of dots squeezed */
			for (p = s; *p; p++)
				if (!(*p == '.' && d > s && d[-1] == '.'))
					*d++ = *p;
			*d = '\0';
			for (k = 0; k < a->n; k++)
				if (strcmp(a->v[k], s) == 0)
					break;
			if (k == a->n)
				addrs_add(a, s, strlen(s));
		}
	}
	addrs_free(&tmp);
	return a;
}

/*
 * Dates (Util parse_rfc822_date, HeaderEval date checks)
 */

static const struct {
	const char	*name;
	int		 off;	/* minutes east of UTC */
} tzs[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "NDT", -150 }, { "AST", -240 },
	{ "ADT", -180 }, { "NST", -210 }, { "EST", -300 }, { "EDT", -240 },
	{ "CST", -360 }, { "CDT", -300 }, { "MST", -420 }, { "MDT", -360 },
	{ "PST", -480 }, { "PDT", -420 }, { "HST", -600 }, { "AKST", -540 },
	{ "AKDT", -480 }, { "HADT", -540 }, { "HAST", -600 }, { "GMT", 0 },
	{ "BST", 60 }, { "IST", 60 }, { "WET", 0 }, { "WEST", 60 },
	{ "CET", 60 }, { "CEST", 120 }, { "EET", 120 }, { "EEST", 180 },
	{ "MSK", 180 }, { "MSD", 240 }, { "MET", 60 }, { "MEZ", 60 },
	{ "MEST", 120 }, { "MESZ", 120 }, { "BRST", -120 }, { "BRT", -180 },
	{ "AEST", 600 }, { "AEDT", 660 }, { "ACST", 570 }, { "ACDT", 630 },
	{ "AWST", 480 }, { "NZST", 720 }, { "NZDT", 780 }, { "JST", 540 },
	{ "KST", 540 }, { "HKT", 480 }, { "SGT", 480 }, { "PHT", 480 },
	{ "IDT", 180 },
};

static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";

/* cut - remove ov[0..1) from the buf, leaving one space (Perl s/ x / /) */
static void
cut(struct buf *b, const size_t *ov)
{
	memmove(b->data + ov[0] + 1, b->data + ov[1],
	    b->len - ov[1] + 1);
	b->data[ov[0]] = ' ';
	b->len -= ov[1] - ov[0] - 1;
}

/* mon_num - 1..12 for a month name (3 letters, any case), 0 else */
static int
mon_num(const char *s)
{
	char m[4];
	const char *p;

	m[0] = (char)tolower((unsigned char)s[0]);
	m[1] = (char)tolower((unsigned char)s[1]);
	m[2] = (char)tolower((unsigned char)s[2]);
	m[3] = '\0';
	p = strstr(months, m);
	return p && (p - months) % 3 == 0 ? (int)(p - months) / 3 + 1 : 0;
}

/* parse_date - Util parse_rfc822_date: seconds since the epoch, or -1 */
static int64_t
parse_date(const char *date)
{
	struct buf b = BUF_INIT;
	const char *s;
	size_t ov[10];
	long yyyy = 0, dd = 0, hh = 0, mi = 0, ss = 0, mm = 0, tz = 0;
	int ylen = 0, i;
	struct tm tm;
	int64_t t;

	buf_addc(&b, ' ');
	/* commas and white space runs become one space */
	for (s = date; *s; s++) {
		if (*s == ',') {
			buf_addc(&b, ' ');
			while (s[1] == ' ')
				s++;
		} else if (isspace((unsigned char)*s)) {
			if (b.len == 0 || b.data[b.len - 1] != ' ')
				buf_addc(&b, ' ');
		} else
			buf_addc(&b, *s);
	}
	buf_addc(&b, ' ');
	/* squeeze again: ", " gave double spaces */
	{
		char *r = b.data, *w = b.data;

		for (; *r; r++)
			if (!(*r == ' ' && w > b.data && w[-1] == ' '))
				*w++ = *r;
		*w = '\0';
		b.len = (size_t)(w - b.data);
	}
#define MON "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
	if (rx_match(" (\\d+) " MON " (\\d{4}) ", RXI, b.data, ov, 4)) {
		dd = strtol(b.data + ov[2], NULL, 10);
		mm = mon_num(b.data + ov[4]);
		yyyy = strtol(b.data + ov[6], NULL, 10);
		ylen = 4;
		cut(&b, ov);
	} else if (rx_match(" " MON " +(\\d+) \\d+:\\d+:\\d+ (\\d{4}) ", RXI,
	    b.data, ov, 4)) {
		dd = strtol(b.data + ov[4], NULL, 10);
		mm = mon_num(b.data + ov[2]);
		yyyy = strtol(b.data + ov[6], NULL, 10);
		ylen = 4;
		cut(&b, ov);
	} else if (rx_match(" (\\d+) " MON " (\\d{2,3}) ", RXI, b.data, ov,
	    4)) {
		dd = strtol(b.data + ov[2], NULL, 10);
		mm = mon_num(b.data + ov[4]);
		yyyy = strtol(b.data + ov[6], NULL, 10);
		ylen = (int)(ov[7] - ov[6]);
		cut(&b, ov);
	} else {
		buf_free(&b);
		return -1;
	}
#undef MON
	if (ylen == 2 && yyyy < 50)
		yyyy += 2000;
	else if (ylen != 4)
		yyyy += 1900;
	if (rx_match(" (\\d?\\d):(\\d\\d)(:(\\d\\d))? ", 0, b.data, ov, 5)) {
		hh = strtol(b.data + ov[2], NULL, 10);
		mi = strtol(b.data + ov[4], NULL, 10);
		if (ov[8] != (size_t)-1)
			ss = strtol(b.data + ov[8], NULL, 10);
		cut(&b, ov);
	}
	if (rx_match(" ([-+])(\\d\\d)(\\d\\d) ", 0, b.data, ov, 4)) {
		tz = ((b.data[ov[4]] - '0') * 10 + (b.data[ov[4] + 1] - '0')) *
		    60 + (b.data[ov[6]] - '0') * 10 + (b.data[ov[6] + 1] - '0');
		if (b.data[ov[2]] == '-')
			tz = -tz;
	} else if (rx_match("\\b([A-Z]{2,4}(?:-DST)?)\\b", 0, b.data, ov, 2)) {
		for (i = 0; i < (int)(sizeof(tzs) / sizeof(tzs[0])); i++)
			if (strlen(tzs[i].name) == ov[3] - ov[2] &&
			    strncmp(tzs[i].name, b.data + ov[2],
			    ov[3] - ov[2]) == 0)
				tz = tzs[i].off;
	}
	buf_free(&b);
	if (ss > 59)
		ss = 59;
	if (mi > 59)
		mi = 59;
	if (hh > 23)
		hh = 23;
	{
		int maxd = 31;

		if (mm == 4 || mm == 6 || mm == 9 || mm == 11)
			maxd = 30;
		else if (mm == 2)
			maxd = (!(yyyy % 4) && ((yyyy % 100) ||
			    !(yyyy % 400))) ? 29 : 28;
		if (dd > maxd) {
			dd = 1;
			if (++mm > 12) {
				mm = 1;
				yyyy++;
			}
		}
	}
	if (yyyy > 2037)
		yyyy = 2037;
	else if (yyyy < 1970)
		yyyy = 1970;
	/* timegm croaks on day 0 or month 0 */
	if (dd < 1 || mm < 1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)yyyy - 1900;
	tm.tm_mon = (int)mm - 1;
	tm.tm_mday = (int)dd;
	tm.tm_hour = (int)hh;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)ss;
	t = (int64_t)timegm(&tm);
	if (tz < 0)
		t += -tz * 60;
	else if (t < tz * 60)
		t = 0;
	else
		t -= tz * 60;
	return t;
}

struct date_cache {
	int64_t	 date;		/* Date header time, -1: none */
	int64_t	 diff;		/* date_diff */
	int64_t	*rcvd;		/* Received header times */
	int	 nrcvd;
};

/* split_lines - the non-blank lines of s (Perl grep /\S/, split /\n/) */
static int
split_lines(char *s, char ***out)
{
	char **v = NULL, *p, *nl;
	int n = 0, cap = 0;
	const char *q;

	for (p = s; p != NULL && *p; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		for (q = p; *q && isspace((unsigned char)*q); q++)
			;
		if (*q == '\0')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xreallocarray(v, (size_t)cap, sizeof(*v));
		}
		v[n++] = p;
	}
	*out = v;
	return n;
}

#define RCVD_DATE "(\\s.?\\d+ \\S\\S\\S \\d+ \\d+:\\d+:\\d+ \\S+)"

/* date_info - the Date and Received times of HeaderEval, computed once */
static struct date_cache *
date_info(struct eval_msg *em)
{
	struct date_cache *c = em->cache[C_DATE];
	struct buf b = BUF_INIT;
	char **lines = NULL, tmp[128];
	int n, i, first = 0;
	size_t ov[4];
	int i_h;

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_DATE] = c;
	c->date = -1;
	/* Resent-Date, then Date: the first one that parses */
	for (i_h = 0; i_h < 2 && c->date < 0 && em->mt; i_h++) {
		for (i = 0; i < em->mt->nhdr; i++) {
			if (strcasecmp(em->mt->hdr[i].name,
			    i_h == 0 ? "Resent-Date" : "Date") != 0 ||
			    em->mt->hdr[i].dec[0] == '\0')
				continue;
			c->date = parse_date(em->mt->hdr[i].dec);
			if (c->date >= 0)
				break;
		}
	}
	if (em->mt == NULL || msgtext_header(em->mt, "Received", &b) == NULL) {
		buf_free(&b);
		return c;
	}
	n = split_lines(b.data, &lines);
	if (n > 0 && (rx_match("\\bfrom (?:localhost\\s|(?:\\S+ ){1,2}\\S*"
	    "\\b127\\.0\\.0\\.1\\b)", 0, lines[0], NULL, 0) ||
	    rx_match("qmail \\d+ invoked by uid \\d+", 0, lines[0], NULL, 0))) {
		/* a local first hop is skipped only before fetchmail */
		if (n > 1 && rx_match("\\bby localhost with \\w+ "
		    "\\(fetchmail-[\\d.]+", 0, lines[1], NULL, 0))
			first = 2;
	} else if (n > 0 && rx_match("\\bby localhost with \\w+ "
	    "\\(fetchmail-[\\d.]+", 0, lines[0], NULL, 0))
		first = 1;
	c->rcvd = xcalloc((size_t)n + 1, sizeof(*c->rcvd));
	for (i = first; i < n; i++) {
		if (!rx_match(RCVD_DATE, 0, lines[i], ov, 2))
			continue;
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(ov[3] - ov[2]),
		    lines[i] + ov[2]);
		int64_t t = parse_date(tmp);

		if (t >= 0)
			c->rcvd[c->nrcvd++] = t;
	}
	free(lines);
	buf_free(&b);
	/* _check_date_diff */
	if (c->date >= 0 && c->nrcvd > 0) {
		int nd = c->nrcvd;
		int64_t best;

		if (nd > 1 && c->date - c->rcvd[nd - 1] == 0)
			nd--;
		best = c->date - c->rcvd[0];
		for (i = 1; i < nd; i++) {
			int64_t d = c->date - c->rcvd[i];

			/* a stable sort by abs keeps the first of equals */
			if (llabs(d) < llabs(best))
				best = d;
		}
		c->diff = best;
	}
	return c;
}

/* ev_shifted_date - check_for_shifted_date: HeaderEval: Date minus
 * Received in a range */
static int
ev_shifted_date(struct eval_msg *em, int argc, char **argv)
{
	struct date_cache *c = date_info(em);

	return (arg_undef(argc, argv, 0) ||
	    (double)c->diff >= 3600 * arg_num(argc, argv, 0, 0)) &&
	    (arg_undef(argc, argv, 1) ||
	    (double)c->diff < 3600 * arg_num(argc, argv, 1, 0));
}

/* ev_outlook_message_id - check_outlook_message_id: HeaderEval: Outlook
 * ids carry a time */
static int
ev_outlook_message_id(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	const char *id;
	size_t ov[4];
	double x = 0.0023283064365387, y = 27111902.8329849;
	int64_t t, token, expected;
	int r = 0;

	id = hget(em, "MESSAGEID", &b);
	if (!rx_match("^<[0-9a-f]{4}([0-9a-f]{8})\\$[0-9a-f]{8}\\$[0-9a-f]{8}@",
	    0, id, ov, 2))
		goto out;
	{
		char hex[9];

		memcpy(hex, id + ov[2], 8);
		hex[8] = '\0';
		token = (int64_t)strtoll(hex, NULL, 16);
	}
	t = parse_date(hget(em, "Date", &b));
	if (t < 0)
		t = 0;
	expected = (int64_t)((double)t * x + y);
	if (llabs(token - expected) < 250)
		goto out;
	{
		const char *rc = hget(em, "Received", &b);
		char tmp[128];

		/* the match that ends on the last line */
		t = 0;
		if (rx_match(RCVD_DATE ".*?$", 0, rc, ov, 2)) {
			snprintf(tmp, sizeof(tmp), "%.*s",
			    (int)(ov[3] - ov[2]), rc + ov[2]);
			t = parse_date(tmp);
			if (t < 0)
				t = 0;
		}
	}
	expected = (int64_t)((double)t * x + y);
	r = llabs(token - expected) >= 250;
out:
	buf_free(&b);
	return r;
}

/*
 * HeaderEval
 */

/* domain2 - the part after the last '@', cut to its last two labels */
static int
domain2(const char *addr, char *out, size_t n)
{
	const char *at, *p, *dot1 = NULL, *dot2 = NULL;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return 0;
	at++;
	/* s/^.+\.([^\.]+\.[^\.]+)$/$1/ */
	for (p = at + strlen(at); p > at; p--) {
		if (p[-1] == '.') {
			if (dot1 == NULL)
				dot1 = p - 1;
			else {
				dot2 = p - 1;
				break;
			}
		}
	}
	if (dot2 != NULL && dot2 > at && dot1 > dot2 + 1 && dot1[1] != '\0')
		at = dot2 + 1;
	snprintf(out, n, "%s", at);
	return out[0] != '\0';
}

/* ev_equal_from_domains - check_equal_from_domains: From and envelope in
 * other 2nd-level domains */
static int
ev_equal_from_domains(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	char fd[512], ed[512];
	int r = 0;

	if (domain2(hget(em, "From:addr", &b), fd, sizeof(fd)) &&
	    domain2(env_from(em), ed, sizeof(ed)))
		r = strcasecmp(fd, ed) != 0;
	buf_free(&b);
	return r;
}

/* ev_matching_env_and_hdr_from - check_for_matching_env_and_hdr_from:
 * envelope sender equals From */
static int
ev_matching_env_and_hdr_from(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	const char *e = env_from(em);
	int r = strcasecmp(hget(em, "From:addr", &b), e ? e : "") == 0;

	buf_free(&b);
	return r;
}

/* ev_missing_to - check_for_missing_to_header: neither To nor Apparently-
 * To */
static int
ev_missing_to(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	int r = hget(em, "To", &b)[0] == '\0' &&
	    hget(em, "Apparently-To", &b)[0] == '\0';

	buf_free(&b);
	return r;
}

/* ev_subject_all_caps - subject_is_all_caps: HeaderEval: a subject of
 * several words in caps */
static int
ev_subject_all_caps(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	char *s, *p;
	size_t ov[2], letters = 0;
	int r = 0, upper = 1;

	s = trim((char *)hget(em, "Subject", &b));
	if (rx_match("^(?:(?:Re|Fwd|Fw|Aw|Antwort|WG|SV|VB|VS|VL):\\s*)+",
	    RXI, s, ov, 1))
		s += ov[1];
	if (!rx_match("\\s", 0, s, NULL, 0) || strlen(s) < 10)
		goto out;
	for (p = s; *p; p++) {
		if (isalpha((unsigned char)*p) && (unsigned char)*p < 0x80) {
			letters++;
			if (islower((unsigned char)*p))
				upper = 0;
		}
	}
	if (rx_match("=\\?[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|"
	    "windows-1251|georgianps|pt154|tis)[-_a-z0-9]*\\?", RXI,
	    hget(em, "Subject:raw", &b), NULL, 0))
		goto out;
	r = letters > 0 && upper;
out:
	buf_free(&b);
	return r;
}

/* rx_quote - s with every PCRE metacharacter escaped (Perl \Q..\E) */
static void
rx_quote(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' &&
		    (unsigned char)*s < 0x80)
			buf_addc(out, '\\');
		buf_addc(out, *s);
	}
}

/* has_ascii_ci - does s hold w, ASCII letters in any case? */
static int
has_ascii_ci(const char *s, const char *w)
{
	size_t n = strlen(w), i;

	for (; *s; s++) {
		for (i = 0; i < n; i++) {
			unsigned char a = (unsigned char)s[i];
			unsigned char b = (unsigned char)w[i];

			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				break;
		}
		if (i == n)
			return 1;
	}
	return n == 0;
}

/* ev_to_in_subject - check_for_to_in_subject: HeaderEval: the recipient
 * named in Subject */
static int
ev_to_in_subject(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT, s = BUF_INIT, pat = BUF_INIT;
	char *to;
	int r = 0;

	to = xstrdup(hget(em, "To:addr", &b));
	if (to[0] == '\0' || argc < 1)
		goto out;
	hget(em, "Subject", &s);
	if (strcmp(argv[0], "address") == 0) {
		/* the pattern holds the address as it is (the search ignores
		 * ASCII case only): without it in Subject, no need to build */
		if (!has_ascii_ci(buf_str(&s), to))
			goto out;
		buf_adds(&pat, "\\b");
		rx_quote(to, &pat);
		buf_adds(&pat, "\\b");
		r = rx_dyn(buf_str(&pat), RXI, buf_str(&s));
	} else if (strcmp(argv[0], "user") == 0) {
		char *at = strchr(to, '@');
		struct buf q = BUF_INIT;

		if (at)
			*at = '\0';
		/* every branch holds the local part (see "address") */
		if (to[0] != '\0' && !has_ascii_ci(buf_str(&s), to))
			goto out;
		rx_quote(to, &q);
		buf_addf(&pat, "^(?:(?:re|fw):\\s*(?:\\w+\\s+)?%s$|(?-i:%s)"
		    "\\s*[,:;!?-](?:$|\\s)|%s$|,\\s*%s[,:;!?-]$)",
		    buf_str(&q), buf_str(&q), buf_str(&q), buf_str(&q));
		buf_free(&q);
		r = rx_dyn(buf_str(&pat), RXI, buf_str(&s));
	}
out:
	/* patterns built per message are not cached: drop them */
	free(to);
	buf_free(&b);
	buf_free(&s);
	buf_free(&pat);
	return r;
}

struct rcpt_cache {
	int	 sorted;
	double	 similar;
};

/* rcpt_info - HeaderEval _check_recipients */
static struct rcpt_cache *
rcpt_info(struct eval_msg *em)
{
	struct rcpt_cache *c = em->cache[C_RCPT];
	struct addrs in = { 0 }, ad = { 0 };
	const char *prev = "";
	int i, j;

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_RCPT] = c;
	addrs_header(em, "To", &in);
	addrs_header(em, "Cc", &in);
	if (in.n < 5)
		addrs_header(em, "Bcc", &in);
	for (i = 0; i < in.n && ad.n < 256; i++) {
		if (strcasecmp(in.v[i], prev) != 0) {
			addrs_add(&ad, in.v[i], strlen(in.v[i]));
			prev = in.v[i];
		}
	}
	if (ad.n >= 7) {
		c->sorted = 1;
		for (i = 1; i < ad.n; i++)
			if (strcmp(ad.v[i - 1], ad.v[i]) > 0)
				c->sorted = 0;
	}
	if (ad.n >= 5) {
		long hits = 0, comb = 0;

		for (i = 0; i < ad.n; i++) {
			const char *ai = strchr(ad.v[i], '@');

			for (j = i + 1; j < ad.n; j++) {
				const char *aj = strchr(ad.v[j], '@');

				if (strncmp(ad.v[i], ad.v[j], 2) == 0)
					hits++;
				/* no '@': an empty host on both sides */
				if (strncmp(ai ? ai + 1 : "", aj ? aj + 1 : "",
				    2) == 0 && strcmp(ai ? ai + 1 : "",
				    aj ? aj + 1 : "") != 0)
					hits++;
				comb++;
			}
		}
		c->similar = (double)hits / (double)comb;
	}
	addrs_free(&in);
	addrs_free(&ad);
	return c;
}

/* ev_sorted_recipients - sorted_recipients: HeaderEval: 7+ recipients in
 * sorted order */
static int
ev_sorted_recipients(struct eval_msg *em, int argc, char **argv)
{
	return rcpt_info(em)->sorted;
}

/* ev_similar_recipients - similar_recipients: HeaderEval: recipients alike
 * (ratio in range) */
static int
ev_similar_recipients(struct eval_msg *em, int argc, char **argv)
{
	double s = rcpt_info(em)->similar;

	return (arg_undef(argc, argv, 0) || s >= arg_num(argc, argv, 0, 0)) &&
	    (arg_undef(argc, argv, 1) || s < arg_num(argc, argv, 1, 0));
}

/* utf8_valid - is s[0..n) well-formed UTF-8? */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xC2 && s[i] <= 0xDF)
			len = 2, cp = s[i] & 0x1F;
		else if (s[i] >= 0xE0 && s[i] <= 0xEF)
			len = 3, cp = s[i] & 0x0F;
		else if (s[i] >= 0xF0 && s[i] <= 0xF4)
			len = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 &&
		    cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 ||
		    cp > 0x10FFFF)))
			return 0;
		i += len;
	}
	return 1;
}

/* ev_illegal_chars - check_illegal_chars: HeaderEval: control and 8-bit
 * bytes in a header */
static int
ev_illegal_chars(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT, req = BUF_INIT;
	const unsigned char *s;
	size_t n, i, illegal = 0, exempt = 0;
	int high = 0, ctl = 0, r = 0;
	double ratio = arg_num(argc, argv, 1, 0);
	double count = arg_num(argc, argv, 2, 0);

	if (argc < 1)
		return 0;
	buf_adds(&req, argv[0]);
	n = strlen(argv[0]);
	if (n < 4 || strcmp(argv[0] + n - 4, ":raw") != 0)
		buf_adds(&req, ":raw");
	s = (const unsigned char *)hget(em, buf_str(&req), &b);
	n = b.len;
	if (!rx_match("\\S", 0, (const char *)s, NULL, 0))
		goto out;
	for (i = 0; i < n; i++) {
		if (s[i] >= 0x80)
			high = 1;
		if (s[i] <= 0x08 || s[i] == 0x0B || s[i] == 0x0C ||
		    (s[i] >= 0x0E && s[i] <= 0x1F))
			ctl = 1;
	}
	if (high && !ctl && utf8_valid(s, n))
		goto out;
	for (i = 0; i < n; i++) {
		if (s[i] <= 0x08 || s[i] == 0x0B || s[i] == 0x0C ||
		    (s[i] >= 0x0E && s[i] <= 0x1F) || s[i] >= 0x7F)
			illegal++;
		if (s[i] == 0xA2 || s[i] == 0xA3 || s[i] == 0xAE)
			exempt++;
	}
	if (illegal > 0 && strcasecmp(buf_str(&req), "subject:raw") == 0 &&
	    exempt == 1)
		illegal--;
	r = n > 0 && (double)illegal / (double)n >= ratio &&
	    (double)illegal >= count;
out:
	buf_free(&b);
	buf_free(&req);
	return r;
}

/* ev_header_count_range - check_header_count_range: HeaderEval: distinct
 * values of a header */
static int
ev_header_count_range(struct eval_msg *em, int argc, char **argv)
{
	const char **seen;
	int i, j, n = 0;

	if (argc < 3 || em->mt == NULL)
		return 0;
	seen = xcalloc((size_t)em->mt->nhdr + 1, sizeof(*seen));
	for (i = 0; i < em->mt->nhdr; i++) {
		if (strcasecmp(em->mt->hdr[i].name, argv[0]) != 0)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(seen[j], em->mt->hdr[i].dec) == 0)
				break;
		if (j == n)
			seen[n++] = em->mt->hdr[i].dec;
	}
	free(seen);
	return n >= arg_num(argc, argv, 1, 0) && n <= arg_num(argc, argv, 2, 0);
}

/* ev_zero - check_for_unique_subject_id: HeaderEval: retired, never hits */
static int
ev_zero(struct eval_msg *em, int argc, char **argv)
{
	return 0;
}

/* ev_gated_through - HeaderEval
 * gated_through_received_hdr_remover (the eval itself is relays.c's;
 * check_messageid_not_usable calls it) */
static int
ev_gated_through(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT, d = BUF_INIT;
	int r = 0;

	if (em->mt && msgtext_header(em->mt, "Mailing-List", &b) != NULL &&
	    rx_match("^contact \\S+@\\S+; run by ezmlm$", RXM, buf_str(&b),
	    NULL, 0) &&
	    rx_match("^mailing list \\S+@\\S+", RXM,
	    hget(em, "Delivered-To", &d), NULL, 0) &&
	    rx_match("qmail \\d+ invoked (?:from network|by .{3,20}\\)); \\d+ "
	    "... \\d+", 0, hget(em, "Received", &b), NULL, 0))
		r = 1;
	else if (em->mt == NULL ||
	    msgtext_header(em->mt, "Received", &b) == NULL)
		r = 1;
	else if (rx_match("from groups\\.msn\\.com \\(\\S+\\.msn\\.com ", 0,
	    buf_str(&b), NULL, 0))
		r = 1;
	buf_free(&b);
	buf_free(&d);
	return r;
}

/* ev_messageid_not_usable - check_messageid_not_usable: HeaderEval */
static int
ev_messageid_not_usable(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	int r = 0;

	if (rx_match("<mailto:(?:leave-\\S+|\\S+-unsubscribe)@\\S+>$", RXI,
	    hget(em, "List-Unsubscribe", &b), NULL, 0) ||
	    ev_gated_through(em, 0, NULL))
		r = 1;
	else {
		hget(em, "Received", &b);
		r = strstr(buf_str(&b), "/CWT/DCE)") != NULL ||
		    strstr(buf_str(&b), "iPlanet Messaging Server") != NULL;
	}
	buf_free(&b);
	return r;
}

/* ev_unresolved_template - check_unresolved_template: HeaderEval: %FIELD
 * left in a header */
static int
ev_unresolved_template(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	char **lines;
	int n, i, r = 0;

	if (em->mt == NULL || msgtext_header(em->mt, "ALL", &b) == NULL) {
		buf_free(&b);
		return 0;
	}
	n = split_lines(b.data, &lines);
	for (i = 0; i < n && !r; i++)
		if (rx_match("%[A-Z][A-Z_-]", 0, lines[i], NULL, 0) &&
		    !rx_match("^(?:X-VMS-To|X-UIDL|X-Face|To|Cc|From|Subject|"
		    "References|In-Reply-To|(?:X-|Resent-|X-Original-)?"
		    "Message-Id):", RXI, lines[i], NULL, 0))
			r = 1;
	free(lines);
	buf_free(&b);
	return r;
}

/* ev_ratware_name_id - check_ratware_name_id: HeaderEval */
static int
ev_ratware_name_id(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT, f = BUF_INIT, pat = BUF_INIT;
	const char *mid;
	size_t ov[4];
	int r = 0;

	mid = hget(em, "MESSAGEID", &b);
	if (rx_match("<[A-Z]{28}\\.([^>]+?)>", 0, mid, ov, 2)) {
		char *id = xstrndup(mid + ov[2], ov[3] - ov[2]);

		buf_adds(&pat, "\"[^\"]+\"\\s*<");
		rx_quote(id, &pat);
		buf_adds(&pat, ">");
		free(id);
		r = rx_dyn(buf_str(&pat), 0, hget(em, "From", &f));
	}
	buf_free(&b);
	buf_free(&f);
	buf_free(&pat);
	return r;
}

/* ev_ratware_envelope_from - check_ratware_envelope_from: HeaderEval:
 * envelope "domain.user@" */
static int
ev_ratware_envelope_from(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT, pat = BUF_INIT, dom = BUF_INIT;
	const char *to, *from = env_from(em), *at;
	int r = 0;

	to = hget(em, "To:addr", &b);
	if (from == NULL || from[0] == '\0' || to[0] == '\0' ||
	    rx_match("^SRS\\d[=+-]", RXI, from, NULL, 0))
		goto out;
	at = strchr(to, '@');
	if (at == NULL || at == to || at[1] == '\0')
		goto out;
	/* RegistryBoundaries trim_domain, is_domain_valid: a dot and a
	 * known TLD */
	if (uri_domain(at + 1, &dom) == NULL || strchr(buf_str(&dom), '.') ==
	    NULL)
		goto out;
	{
		const char *tld = strrchr(buf_str(&dom), '.') + 1;

		if (!uri_tld_valid(tld, strlen(tld)))
			goto out;
	}
	{
		char *user = xstrndup(to, (size_t)(at - to));

		buf_adds(&pat, "\\b");
		rx_quote(buf_str(&dom), &pat);
		buf_adds(&pat, ".");
		rx_quote(user, &pat);
		buf_adds(&pat, "@");
		free(user);
	}
	r = rx_dyn(buf_str(&pat), RXI, from);
out:
	buf_free(&b);
	buf_free(&pat);
	buf_free(&dom);
	return r;
}

/*
 * Locales (Locales.pm is_charset_ok_for_locales)
 */

static const struct {
	const char	*loc;
	const char	*cs;
} locale_cs[] = {
	{ "ja", " EUCJP JISX020119760 JISX020819830 JISX020819900 "
	    "JISX020819970 JISX021219900 JISX021320001 JISX021320002 "
	    "SHIFT_JIS SHIFTJIS ISO2022JP SJIS JIS7 JISX0201 JISX0208 "
	    "JISX0212 " },
	{ "ko", " EUCKR KSC56011987 " },
	{ "ru", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS PT154 CP866 " },
	{ "ka", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS PT154 CP866 " },
	{ "tg", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS PT154 CP866 " },
	{ "be", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS PT154 CP866 " },
	{ "uk", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS PT154 CP866 " },
	{ "bg", " KOI8R KOI8U KOI8T ISOIR111 CP1251 GEORGIANPS PT154 CP866 " },
	{ "th", " TIS620 " },
	{ "zh", " GB1988 GB2312 GB231219800 GB18030 GBK BIG5HKSCS BIG5 EUCTW "
	    "ISO2022CN " },
};

/* locales_all - is "all" among ok_locales (the default)? */
static int
locales_all(const struct saconf_settings *set)
{
	size_t i;

	if (set == NULL || set->ok_locales.n == 0)
		return 1;
	for (i = 0; i < set->ok_locales.n; i++)
		if (strcmp(set->ok_locales.v[i], "all") == 0)
			return 1;
	return 0;
}

/* charset_ok - Locales is_charset_ok_for_locales */
static int
charset_ok(const char *cs, const struct saconf_settings *set)
{
	char u[128], w[140];
	size_t i, n = 0, k;
	const char *p;

	for (p = cs; *p && *p != ':' && n + 1 < sizeof(u); p++)
		if (isalnum((unsigned char)*p))
			u[n++] = (char)toupper((unsigned char)*p);
	u[n] = '\0';
	p = u;
	while (strncmp(p, "3D", 2) == 0)
		p += 2;
	if (strcmp(p, "USASCII") == 0 || strcmp(p, "ASCII") == 0 ||
	    strncmp(p, "ISO8859", 7) == 0 || strncmp(p, "ISO10646", 8) == 0 ||
	    strncmp(p, "UTF", 3) == 0 || strncmp(p, "UCS", 3) == 0 ||
	    strncmp(p, "CP125", 5) == 0 || strncmp(p, "WINDOWS", 7) == 0 ||
	    strcmp(p, "IBM852") == 0 || strncmp(p, "UNICODE11UTF7", 13) == 0 ||
	    strncmp(p, "UNICODE11UTF8", 13) == 0 ||
	    strcmp(p, "XUNKNOWN") == 0 || strcmp(p, "ISO") == 0)
		return 1;
	snprintf(w, sizeof(w), " %s ", p);
	for (i = 0; i < set->ok_locales.n; i++) {
		const char *l = set->ok_locales.v[i];
		char two[3] = "en";

		if (strcmp(l, "C") != 0 && isalpha((unsigned char)l[0]) &&
		    isalpha((unsigned char)l[1])) {
			two[0] = l[0];
			two[1] = l[1];
		}
		for (k = 0; k < sizeof(locale_cs) / sizeof(locale_cs[0]); k++)
			if (strcmp(locale_cs[k].loc, two) == 0 &&
			    strstr(locale_cs[k].cs, w) != NULL)
				return 1;
	}
	return 0;
}

/* ev_faraway_charset_in_headers - check_for_faraway_charset_in_headers:
 * HeaderEval: From/Subject encoded words in a charset outside ok_locales */
static int
ev_faraway_charset_in_headers(struct eval_msg *em, int argc, char **argv)
{
	static const char *const h[] = { "From", "Subject" };
	size_t ov[4], pos;
	int i, k;

	if (locales_all(em->set) || em->mt == NULL)
		return 0;
	for (k = 0; k < 2; k++)
		for (i = 0; i < em->mt->nhdr; i++) {
			const char *v = em->mt->hdr[i].raw;

			if (strcasecmp(em->mt->hdr[i].name, h[k]) != 0)
				continue;
			for (pos = 0; rx_match_at("=\\?(.+?)\\?.\\?.*?\\?=", 0,
			    v, strlen(v), pos, ov, 2); pos = ov[1]) {
				char *cs = xstrndup(v + ov[2], ov[3] - ov[2]);
				int ok = charset_ok(cs, em->set);

				free(cs);
				if (!ok)
					return 1;
			}
		}
	return 0;
}

/*
 * WLBLEval: welcome and block lists
 */

/* from_listed - one of all_from_addrs matches a list */
static int
from_listed(struct eval_msg *em, const struct saconf_list *l)
{
	struct addrs *a = all_from(em);
	int i;

	for (i = 0; i < a->n; i++)
		if (saconf_listed(l, a->v[i]))
			return 1;
	return 0;
}

/* ev_from_in_blocklist - check_from_in_blocklist (and the old blacklist
 * name): WLBLEval */
static int
ev_from_in_blocklist(struct eval_msg *em, int argc, char **argv)
{
	return em->set != NULL && from_listed(em, &em->set->blocklist_from);
}


/* ev_mailfrom_matches_rcvd - check_mailfrom_matches_rcvd: WLBLEval: the
 * envelope domain is the registrable domain of the last untrusted relay's
 * rDNS */
static int
ev_mailfrom_matches_rcvd(struct eval_msg *em, int argc, char **argv)
{
	const char *ef = env_from(em), *at, *rd;
	struct buf ad = BUF_INIT, rdd = BUF_INIT, host = BUF_INIT;
	int i, lo, hi, r = 0;

	if (ef == NULL || em->relays == NULL || (at = strrchr(ef, '@')) ==
	    NULL || strchr(at + 1, '.') == NULL || at[1] == '.' ||
	    at[strlen(at) - 1] == '.')
		return 0;
	if (em->relays->n > em->relays->ntrusted)
		lo = em->relays->ntrusted, hi = lo + 1;
	else
		lo = 0, hi = em->relays->ntrusted;
	buf_adds(&host, at + 1);
	lower(host.data);
	uri_domain(buf_str(&host), &ad);
	for (i = lo; i < hi && !r; i++) {
		rd = em->relays->r[i].rdns;
		if (rd == NULL || rd[0] == '\0')
			continue;
		buf_reset(&host);
		buf_adds(&host, rd);
		lower(host.data);
		uri_domain(buf_str(&host), &rdd);
		r = strcmp(buf_str(&ad), buf_str(&rdd)) == 0;
	}
	buf_free(&ad);
	buf_free(&rdd);
	buf_free(&host);
	return r;
}

/*
 * FreeMail: freemail_domains and freemail_welcomelist are read from the
 * configuration files (saconf keeps no plugin directives)
 */

struct fm_conf {
	const struct saconf	*conf;
	char			**dom;	/* sorted, lower case */
	size_t			 ndom, cap;
	struct saconf_list	 wild;		/* globs with * and ? */
	pcre2_code		*wild_re;	/* @(?:glob|glob...)$ */
	struct saconf_list	 welcome;	/* addresses or domains */
	struct saconf_list	 shortener;	/* url_shortener domains */
	/* "LIST host" enlisted, "!LIST host" delisted, in order */
	struct saconf_list	 urihost;
	struct saconf_list	 bounce;	/* bounce relays */
	/* *_from_rcvd: "glob domain" entries, user's and default */
	struct saconf_list	 wl_rcvd, def_wl_rcvd;
	struct saconf_list	 addrlist;	/* "LIST glob" */
	struct saconf_list	 subj_wl, subj_bl;	/* subject globs */
	/* welcomelist_to, blocklist_to, more_spam_to, all_spam_to */
	struct saconf_list	 to_lists[4];
};

#define FM_CONFS	8	/* configurations kept */

static struct fm_conf *fm_confs[FM_CONFS];
static struct fm_conf *fmc;	/* the one being read, under fm_lock */
static pthread_mutex_t fm_lock = PTHREAD_MUTEX_INITIALIZER;

/* fm_add - append s to a list */
static void
fm_add(struct saconf_list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
}

/* cmpstr - qsort/bsearch on char * */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* uri_host_line - an enlist_uri_host "(LIST) host..." line, or a
 * delist_uri_host "[(LIST)] host..." one (no list: every list) */
static void
uri_host_line(int enlist, char *p)
{
	char *tok, *save, *list = NULL, *e, ent[600];

	p += strspn(p, " \t");
	if (*p == '(' && (e = strchr(p, ')')) != NULL) {
		*e = '\0';
		list = p + 1;
		p = e + 1;
	} else if (enlist)
		return;
	if ((tok = strchr(p, '#')) != NULL)
		*tok = '\0';
	for (tok = strtok_r(p, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		lower(tok);
		snprintf(ent, sizeof(ent), "%s%s %s", enlist ? "" : "!",
		    list ? list : "*", tok);
		fm_add(&fmc->urihost, ent);
	}
}

/* addrlist_line - an enlist_addrlist "(LIST) glob..." line, or a
 * delist_addrlist one (the globs leave the list) */
static void
addrlist_line(int enlist, char *p)
{
	char *tok, *save, *list, *e, ent[600];
	size_t i;

	p += strspn(p, " \t");
	if (*p != '(' || (e = strchr(p, ')')) == NULL)
		return;
	*e = '\0';
	list = p + 1;
	for (tok = strtok_r(e + 1, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (tok[0] == '#')
			break;
		snprintf(ent, sizeof(ent), "%s %s", list, lower(tok));
		if (enlist) {
			fm_add(&fmc->addrlist, ent);
			continue;
		}
		for (i = 0; i < fmc->addrlist.n; i++)
			if (strcmp(fmc->addrlist.v[i], ent) == 0) {
				free(fmc->addrlist.v[i]);
				fmc->addrlist.v[i] = xstrdup("");
			}
	}
}

/* to_list_kind - the index of a *_to list directive, or -1 */
static int
to_list_kind(const char *key)
{
	if (strcmp(key, "welcomelist_to") == 0 ||
	    strcmp(key, "whitelist_to") == 0)
		return 0;
	if (strcmp(key, "blocklist_to") == 0 ||
	    strcmp(key, "blacklist_to") == 0)
		return 1;
	if (strcmp(key, "more_spam_to") == 0)
		return 2;
	if (strcmp(key, "all_spam_to") == 0)
		return 3;
	return -1;
}

/* subject_line - a welcomelist_subject/blocklist_subject value: one
 * glob, made a regex as WelcomeListSubject does (unanchored) */
static void
subject_line(struct saconf_list *l, char *p)
{
	struct buf re = BUF_INIT;
	char *e;

	if ((e = strchr(p, '#')) != NULL)
		*e = '\0';
	p = trim(lower(p));
	if (*p == '\0')
		return;
	for (; *p; p++) {
		if (*p == '?')
			buf_addc(&re, '.');
		else if (*p == '*') {
			buf_adds(&re, ".*");
			while (p[1] == '*')
				p++;
		} else {
			if (!isalnum((unsigned char)*p) && *p != '_')
				buf_addc(&re, '\\');
			buf_addc(&re, *p);
		}
	}
	fm_add(l, buf_str(&re));
	buf_free(&re);
}

/* rcvd_line - a *_from_rcvd "address-glob domain" line */
static void
rcvd_line(struct saconf_list *l, char *p)
{
	char *addr, *dom, *save, ent[600];

	addr = strtok_r(p, " \t\r\n", &save);
	dom = addr ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	if (dom == NULL || dom[0] == '#')
		return;
	lower(addr);
	lower(dom);
	snprintf(ent, sizeof(ent), "%s %s", addr, dom);
	fm_add(l, ent);
}

/* fm_domain - a freemail_domains entry: a name, or a glob */
static void
fm_domain(const char *tok)
{
	if (tok[strspn(tok, "abcdefghijklmnopqrstuvwxyz0123456789.*?-")] !=
	    '\0')
		return;		/* FreeMail warns and skips it */
	if (strpbrk(tok, "*?") != NULL) {
		fm_add(&fmc->wild, tok);
		return;
	}
	if (fmc->ndom == fmc->cap) {
		fmc->cap = fmc->cap ? 2 * fmc->cap : 256;
		fmc->dom = xreallocarray(fmc->dom, fmc->cap, sizeof(*fmc->dom));
	}
	fmc->dom[fmc->ndom++] = xstrdup(tok);
}

/* fm_words - the words of a directive's value into a list (lower
 * case), or as freemail domains when l is NULL */
static void
fm_words(struct saconf_list *l, char *p)
{
	char *tok, *save;

	if ((tok = strchr(p, '#')) != NULL)
		*tok = '\0';
	for (tok = strtok_r(p, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		lower(tok);
		if (l != NULL)
			fm_add(l, tok);
		else
			fm_domain(tok);
	}
}

/* fm_directive - one line of a .cf file, when it is a directive
 * saconf leaves to the plugins */
static void
fm_directive(const char *key, char *p)
{
	char buf[4096];
	int k;

	if (strcmp(key, "freemail_domains") == 0)
		fm_words(NULL, p);
	else if (strcmp(key, "freemail_welcomelist") == 0 ||
	    strcmp(key, "freemail_whitelist") == 0)
		fm_words(&fmc->welcome, p);
	else if (strcmp(key, "url_shortener") == 0 ||
	    strcmp(key, "url_shortener_get") == 0)
		fm_words(&fmc->shortener, p);
	else if (strcmp(key, "welcomelist_bounce_relays") == 0 ||
	    strcmp(key, "whitelist_bounce_relays") == 0)
		fm_words(&fmc->bounce, p);
	else if ((k = to_list_kind(key)) >= 0)
		fm_words(&fmc->to_lists[k], p);
	else if (strcmp(key, "enlist_addrlist") == 0 ||
	    strcmp(key, "delist_addrlist") == 0)
		addrlist_line(key[0] == 'e', p);
	else if (strcmp(key, "enlist_uri_host") == 0 ||
	    strcmp(key, "delist_uri_host") == 0)
		uri_host_line(key[0] == 'e', p);
	else if (strcmp(key, "blocklist_uri_host") == 0 ||
	    strcmp(key, "blacklist_uri_host") == 0 ||
	    strcmp(key, "welcomelist_uri_host") == 0 ||
	    strcmp(key, "whitelist_uri_host") == 0) {
		snprintf(buf, sizeof(buf), "(%s) %s", key[0] == 'b' ?
		    "BLOCK" : "WELCOME", p);
		uri_host_line(1, buf);
	} else if (strcmp(key, "welcomelist_subject") == 0 ||
	    strcmp(key, "whitelist_subject") == 0)
		subject_line(&fmc->subj_wl, p);
	else if (strcmp(key, "blocklist_subject") == 0 ||
	    strcmp(key, "blacklist_subject") == 0)
		subject_line(&fmc->subj_bl, p);
	else if (strcmp(key, "welcomelist_from_rcvd") == 0 ||
	    strcmp(key, "whitelist_from_rcvd") == 0)
		rcvd_line(&fmc->wl_rcvd, p);
	else if (strcmp(key, "def_welcomelist_from_rcvd") == 0 ||
	    strcmp(key, "def_whitelist_from_rcvd") == 0)
		rcvd_line(&fmc->def_wl_rcvd, p);
}

/* fm_file - read the plugin directives of one .cf file */
static void
fm_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *p, *key;
	size_t cap = 0;

	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		p = line + strspn(line, " \t");
		key = strsep(&p, " \t\r\n");
		if (key != NULL && p != NULL)
			fm_directive(key, p);
	}
	free(line);
	fclose(f);
}

/* fm_wild_compile - FreeMail finish_parsing_end: the wildcard
 * domains as one pattern ('*' within a label, '?' one character) */
static void
fm_wild_compile(void)
{
	struct buf pat = BUF_INIT;
	const char *p;
	size_t i;

	if (fmc->wild.n == 0)
		return;
	buf_adds(&pat, "@(?:");
	for (i = 0; i < fmc->wild.n; i++) {
		if (i > 0)
			buf_addc(&pat, '|');
		for (p = fmc->wild.v[i]; *p; p++) {
			if (*p == '.')
				buf_adds(&pat, "\\.");
			else if (*p == '?')
				buf_addc(&pat, '.');
			else if (*p == '*')
				buf_adds(&pat, "[^.]*");
			else
				buf_addc(&pat, *p);
		}
	}
	buf_adds(&pat, ")$");
	fmc->wild_re = rx_compile(buf_str(&pat), 0);
	buf_free(&pat);
}

/* fm_load - the freemail lists of a configuration, read once */
/* fm_conf_free - free one configuration's plugin lists */
static void
fm_conf_free(struct fm_conf *c)
{
	size_t i;
	int t;

	for (i = 0; i < c->ndom; i++)
		free(c->dom[i]);
	free(c->dom);
	for (i = 0; i < c->wild.n; i++)
		free(c->wild.v[i]);
	free(c->wild.v);
	if (c->wild_re != NULL)
		pcre2_code_free(c->wild_re);
	for (i = 0; i < c->welcome.n; i++)
		free(c->welcome.v[i]);
	free(c->welcome.v);
	for (i = 0; i < c->shortener.n; i++)
		free(c->shortener.v[i]);
	free(c->shortener.v);
	for (i = 0; i < c->urihost.n; i++)
		free(c->urihost.v[i]);
	free(c->urihost.v);
	for (i = 0; i < c->bounce.n; i++)
		free(c->bounce.v[i]);
	free(c->bounce.v);
	for (i = 0; i < c->wl_rcvd.n; i++)
		free(c->wl_rcvd.v[i]);
	free(c->wl_rcvd.v);
	for (i = 0; i < c->def_wl_rcvd.n; i++)
		free(c->def_wl_rcvd.v[i]);
	free(c->def_wl_rcvd.v);
	for (i = 0; i < c->addrlist.n; i++)
		free(c->addrlist.v[i]);
	free(c->addrlist.v);
	for (i = 0; i < c->subj_wl.n; i++)
		free(c->subj_wl.v[i]);
	free(c->subj_wl.v);
	for (i = 0; i < c->subj_bl.n; i++)
		free(c->subj_bl.v[i]);
	free(c->subj_bl.v);
	for (t = 0; t < 4; t++) {
		for (i = 0; i < c->to_lists[t].n; i++)
			free(c->to_lists[t].v[i]);
		free(c->to_lists[t].v);
	}
	free(c);
}

/*
 * fm_load - the plugin lists of a configuration, read once: kept for
 * the last FM_CONFS configurations (a reload builds a new one beside
 * the old), under a lock as the scorer may check in several threads
 */
static struct fm_conf *
fm_load(struct eval_msg *em)
{
	static struct fm_conf empty;
	struct fm_conf *c;
	char **dirs = NULL;
	size_t nd = 0, i, j, nr;
	int k;

	if (em->conf == NULL)
		return &empty;
	pthread_mutex_lock(&fm_lock);
	for (k = 0; k < FM_CONFS; k++)
		if (fm_confs[k] != NULL && fm_confs[k]->conf == em->conf) {
			c = fm_confs[k];
			pthread_mutex_unlock(&fm_lock);
			return c;
		}
	fmc = xcalloc(1, sizeof(*fmc));
	fmc->conf = em->conf;
	nr = saconf_nrules(em->conf);
	for (i = 0; i < nr; i++) {
		const char *file = saconf_rule_at(em->conf, i)->file, *sl;
		char *d;

		if (file == NULL || (sl = strrchr(file, '/')) == NULL)
			continue;
		d = xstrndup(file, (size_t)(sl - file));
		for (j = 0; j < nd; j++)
			if (strcmp(dirs[j], d) == 0)
				break;
		if (j < nd || nd >= 64) {
			free(d);
			continue;
		}
		dirs = xreallocarray(dirs, nd + 1, sizeof(*dirs));
		dirs[nd++] = d;
	}
	for (j = 0; j < nd; j++) {
		DIR *dp = opendir(dirs[j]);
		struct dirent *de;
		char **names = NULL;
		size_t nn = 0, m;

		while (dp != NULL && (de = readdir(dp)) != NULL) {
			size_t l = strlen(de->d_name);

			if (l > 3 && strcmp(de->d_name + l - 3, ".cf") == 0) {
				names = xreallocarray(names, nn + 1,
				    sizeof(*names));
				names[nn++] = xstrdup(de->d_name);
			}
		}
		if (dp != NULL)
			closedir(dp);
		qsort(names, nn, sizeof(*names), cmpstr);
		for (m = 0; m < nn; m++) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", dirs[j],
			    names[m]);
			fm_file(path);
			free(names[m]);
		}
		free(names);
		free(dirs[j]);
	}
	free(dirs);
	qsort(fmc->dom, fmc->ndom, sizeof(*fmc->dom), cmpstr);
	fm_wild_compile();
	/* the oldest configuration makes room */
	if (fm_confs[FM_CONFS - 1] != NULL)
		fm_conf_free(fm_confs[FM_CONFS - 1]);
	memmove(fm_confs + 1, fm_confs, (FM_CONFS - 1) * sizeof(*fm_confs));
	fm_confs[0] = c = fmc;
	fmc = NULL;
	pthread_mutex_unlock(&fm_lock);
	return c;
}

/* is_freemail - FreeMail _is_freemail on a lower-case address */
static int
is_freemail(struct eval_msg *em, const char *email)
{
	struct fm_conf *f = fm_load(em);
	const char *dom, *key;
	size_t i;

	if (email[0] == '\0')
		return 0;
	dom = strrchr(email, '@');
	dom = dom ? dom + 1 : email;
	for (i = 0; i < f->welcome.n; i++)
		if (strcmp(f->welcome.v[i], email) == 0 ||
		    strcmp(f->welcome.v[i], dom) == 0)
			return 0;
	if (rx_match("^(?:abuse|support|sales|info|helpdesk|contact|kontakt"
	    "|(?:post|host|domain)master|undisclosed.*|request-[a-f0-9]{16}"
	    "|bounced?-|[a-f0-9]{8}(?:\\.[a-f0-9]{8}|-[a-f0-9]{4}-[a-f0-9]{4}"
	    "-[a-f0-9]{4}-[a-f0-9]{12})|.+=.+=.+)@", RXI, email, NULL, 0))
		return 0;
	key = dom;
	if (f->ndom && bsearch(&key, f->dom, f->ndom, sizeof(*f->dom), cmpstr))
		return 1;
	return f->wild_re != NULL &&
	    rx_run(f->wild_re, email, strlen(email), 0, NULL, 0);
}

/* host_verdict - the last enlist/delist entry of list for a key:
 * 1 listed, 0 delisted, -1 none */
static int
host_verdict(const struct fm_conf *f, const char *list, const char *key)
{
	size_t i, ln = strlen(list);
	int v = -1;

	for (i = 0; i < f->urihost.n; i++) {
		const char *e = f->urihost.v[i];
		int en = e[0] != '!';

		if (!en)
			e++;
		if (!((e[0] == '*' && e[1] == ' ') || (strncmp(e, list, ln) ==
		    0 && e[ln] == ' ')))
			continue;
		if (strcmp(strchr(e, ' ') + 1, key) == 0)
			v = en;
	}
	return v;
}

/* ev_uri_host_listed - check_uri_host_listed: WLBLEval: a URI host (or a
 * parent domain) in an enlist_uri_host list */
static int
ev_uri_host_listed(struct eval_msg *em, int argc, char **argv)
{
	struct fm_conf *f = fm_load(em);
	struct buf h = BUF_INIT, d = BUF_INIT;
	int i, r = 0;

	if (argc < 1 || em->mt == NULL || f->urihost.n == 0)
		return 0;
	for (i = 0; i < em->mt->uris.n && !r; i++) {
		const char *u = em->mt->uris.v[i], *k;
		int v = -1, depth = 0;

		if (strncasecmp(u, "mailto:", 7) == 0 || !uri_host(u, &h))
			continue;
		k = buf_str(&h);
		/* SA keeps hosts that have a registrable domain only */
		if (k[0] != '[' && !rx_match("^\\d+\\.\\d+\\.\\d+\\.\\d+$", 0,
		    k, NULL, 0)) {
			const char *tld;

			if (uri_domain(k, &d) == NULL || (tld = strrchr(
			    buf_str(&d), '.')) == NULL ||
			    !uri_tld_valid(tld + 1, strlen(tld + 1)))
				continue;
		}
		if (k[0] == '[') {
			buf_drop(&h, 1);
			if (h.len && h.data[h.len - 1] == ']')
				buf_trunc(&h, h.len - 1);
			k = buf_str(&h);
			v = host_verdict(f, argv[0], k);
		} else if (rx_match("^\\d+\\.\\d+\\.\\d+\\.\\d+$", 0, k, NULL,
		    0))
			v = host_verdict(f, argv[0], k);
		else
			for (; k != NULL && *k && v < 0 && depth < 11;
			    depth++) {
				v = host_verdict(f, argv[0], k);
				k = strchr(k, '.');
				if (k != NULL)
					k++;
			}
		r = v == 1;
	}
	buf_free(&h);
	buf_free(&d);
	return r;
}

/* relay_matches - a *_from_rcvd domain (a name, or [IP] / [subnet.])
 * against one relay, as WLBLEval _check_welcomelist_rcvd */
static int
relay_matches(const struct relay *r, const char *dom)
{
	size_t n = strlen(dom), rn;

	if (dom[0] == '[') {
		char ip[64];

		if (n < 3 || dom[n - 1] != ']' || n - 2 >= sizeof(ip) ||
		    r->ip == NULL || r->ip[0] == '\0')
			return 0;
		snprintf(ip, sizeof(ip), "%.*s", (int)(n - 2), dom + 1);
		if (rx_match("^\\d+\\.\\d+\\.\\d+\\.\\d+$", 0, ip, NULL, 0))
			return strcmp(ip, r->ip) == 0;
		if (ip[strspn(ip, "0123456789.")] != '\0')
			return 0;	/* IPv6 or a prefix length: not here */
		n = strlen(ip);
		if (n + 1 < sizeof(ip) && (n == 0 || ip[n - 1] != '.'))
			strcat(ip, ".");
		return strncmp(r->ip, ip, strlen(ip)) == 0;
	}
	if (r->rdns == NULL)
		return 0;
	rn = strlen(r->rdns);
	return rn >= n && strcasecmp(r->rdns + rn - n, dom) == 0 &&
	    (rn == n || r->rdns[rn - n - 1] == '.');
}

/* welcomelist_rcvd - WLBLEval _check_welcomelist_rcvd for one
 * address: 1 listed and relayed as listed, -1 listed only, 0 not */
static int
welcomelist_rcvd(struct eval_msg *em, const struct saconf_list *l,
    const char *addr)
{
	const struct relays *rl = em->relays;
	size_t i;
	int k, lo, hi, found = 0;

	if (rl == NULL || rl->n == 0 || l->n == 0)
		return 0;
	if (rl->n > rl->ntrusted)
		lo = rl->ntrusted, hi = lo + 1;
	else
		lo = 0, hi = rl->ntrusted;
	for (i = 0; i < l->n; i++) {
		char *glob = xstrdup(l->v[i]), *dom = strchr(glob, ' ');
		int match = 0;

		*dom++ = '\0';
		if (saconf_glob(glob, addr)) {
			for (k = lo; k < hi && !match; k++)
				match = relay_matches(&rl->r[k], dom);
			found = match ? 1 : -1;
		}
		free(glob);
		if (found == 1)
			return 1;
	}
	return found;
}

/* ev_from_in_default_welcomelist - check_from_in_default_welcomelist (and
 * the old whitelist name): WLBLEval, def_welcomelist_from_rcvd */
static int
ev_from_in_default_welcomelist(struct eval_msg *em, int argc, char **argv)
{
	struct fm_conf *f = fm_load(em);
	struct addrs *a = all_from(em);
	int i;

	for (i = 0; i < a->n; i++)
		if (welcomelist_rcvd(em, &f->def_wl_rcvd, a->v[i]) == 1)
			return 1;
	return 0;
}

/* ev_from_in_welcomelist - check_from_in_welcomelist (and the old
 * whitelist name): WLBLEval */
static int
ev_from_in_welcomelist(struct eval_msg *em, int argc, char **argv)
{
	struct fm_conf *f;
	struct addrs *a;
	int i;

	if (em->set != NULL && from_listed(em, &em->set->welcomelist_from))
		return 1;
	/* welcomelist_from_rcvd */
	f = fm_load(em);
	a = all_from(em);
	for (i = 0; i < a->n; i++)
		if (welcomelist_rcvd(em, &f->wl_rcvd, a->v[i]) == 1)
			return 1;
	return 0;
}

/* addrlist_has - does addr match a glob of the addrlist named list? */
static int
addrlist_has(const struct fm_conf *f, const char *list, const char *addr)
{
	size_t i, ln = strlen(list);

	for (i = 0; i < f->addrlist.n; i++) {
		const char *e = f->addrlist.v[i];

		if (strncmp(e, list, ln) == 0 && e[ln] == ' ' &&
		    saconf_glob(e + ln + 1, addr))
			return 1;
	}
	return 0;
}

/* ev_from_in_list - check_from_in_list: WLBLEval: a From address in
 * an address list (welcomelist_from, blocklist_from or an
 * enlist_addrlist list) */
static int
ev_from_in_list(struct eval_msg *em, int argc, char **argv)
{
	struct fm_conf *f;
	struct addrs *a;
	int k;

	if (argc < 1)
		return 0;
	if (em->set != NULL && (strcmp(argv[0], "welcomelist_from") == 0 ||
	    strcmp(argv[0], "whitelist_from") == 0))
		return from_listed(em, &em->set->welcomelist_from);
	if (em->set != NULL && (strcmp(argv[0], "blocklist_from") == 0 ||
	    strcmp(argv[0], "blacklist_from") == 0))
		return from_listed(em, &em->set->blocklist_from);
	f = fm_load(em);
	a = all_from(em);
	for (k = 0; k < a->n; k++)
		if (addrlist_has(f, argv[0], a->v[k]))
			return 1;
	return 0;
}

/* ev_replyto_in_list - check_replyto_in_list: WLBLEval: the Reply-To
 * address in an enlist_addrlist list */
static int
ev_replyto_in_list(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	const char *rt;
	int r = 0;

	if (argc < 1)
		return 0;
	rt = hget(em, "Reply-To:addr", &b);
	if (rt[0] != '\0')
		r = addrlist_has(fm_load(em), argv[0], lower(b.data));
	buf_free(&b);
	return r;
}

/* subject_listed - WelcomeListSubject: the Subject (lower case)
 * matches one of the patterns */
static int
subject_listed(struct eval_msg *em, const struct saconf_list *l)
{
	struct buf b = BUF_INIT;
	const char *subj;
	int r = 0;

	subj = hget(em, "Subject", &b);
	if (subj[0] != '\0' && l->n > 0) {
		/* the value without its final newline */
		if (b.len > 0 && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		size_t i;

		lower(b.data);
		for (i = 0; i < l->n && !r; i++)
			r = rx_arg_match(l->v[i], b.data, b.len);
	}
	buf_free(&b);
	return r;
}

/* ev_subject_in_welcomelist - check_subject_in_welcomelist (and the
 * old whitelist name): WelcomeListSubject */
static int
ev_subject_in_welcomelist(struct eval_msg *em, int argc, char **argv)
{
	return subject_listed(em, &fm_load(em)->subj_wl);
}

/* ev_subject_in_blocklist - check_subject_in_blocklist (and the old
 * blacklist name): WelcomeListSubject */
static int
ev_subject_in_blocklist(struct eval_msg *em, int argc, char **argv)
{
	return subject_listed(em, &fm_load(em)->subj_bl);
}

/* ev_uri_host_in_blocklist - check_uri_host_in_blocklist (and the old
 * blacklist name): WLBLEval, the BLOCK list of blocklist_uri_host */
static int
ev_uri_host_in_blocklist(struct eval_msg *em, int argc, char **argv)
{
	char *av[1] = { "BLOCK" };

	return ev_uri_host_listed(em, 1, av);
}

/* ev_uri_host_in_welcomelist - check_uri_host_in_welcomelist (and the
 * old whitelist name): WLBLEval, the WELCOME list */
static int
ev_uri_host_in_welcomelist(struct eval_msg *em, int argc, char **argv)
{
	char *av[1] = { "WELCOME" };

	return ev_uri_host_listed(em, 1, av);
}

/* all_to - PerMsgStatus all_to_addrs: Resent-To/Cc, or the "for"
 * addresses of the first three Received and the To-like headers */
static void
all_to(struct eval_msg *em, struct addrs *out)
{
	static const char *const hdrs[] = {
		"To", "Apparently-To", "Delivered-To", "Envelope-Recipients",
		"Apparently-Resent-To", "X-Envelope-To", "Envelope-To",
		"X-Delivered-To", "X-Original-To", "X-Rcpt-To", "X-Real-To",
		"Cc",
	};
	struct addrs tmp = { 0 };
	struct buf b = BUF_INIT;
	size_t i, ov[6];
	int k, n = 0;

	if (em->mt == NULL)
		return;
	if (msgtext_header(em->mt, "Resent-To:first:addr", &b) != NULL)
		addrs_add(&tmp, b.data, b.len);
	if (msgtext_header(em->mt, "Resent-Cc:first:addr", &b) != NULL)
		addrs_add(&tmp, b.data, b.len);
	if (tmp.n == 0) {
		for (k = 0; k < em->mt->nhdr && n < 3; k++) {
			const char *v = em->mt->hdr[k].dec;

			if (strcasecmp(em->mt->hdr[k].name, "Received") != 0)
				continue;
			n++;
			if (rx_match(" for <?(\\S+@(\\S+?))>?;", 0, v, ov, 3) &&
			    strchr(v + ov[4], '.') != NULL)
				addrs_add(&tmp, v + ov[2], ov[3] - ov[2]);
		}
		for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
			addrs_header(em, hdrs[i], &tmp);
	}
	for (k = 0; k < tmp.n; k++)
		if (!fm_seen(out, tmp.v[k]))
			addrs_add(out, tmp.v[k], strlen(tmp.v[k]));
	addrs_free(&tmp);
	buf_free(&b);
}

/* to_listed - WLBLEval: one of all_to_addrs in a *_to list */
static int
to_listed(struct eval_msg *em, int which)
{
	struct fm_conf *f = fm_load(em);
	struct addrs to = { 0 };
	int i, r = 0;

	if (f->to_lists[which].n == 0)
		return 0;
	all_to(em, &to);
	for (i = 0; i < to.n && !r; i++)
		r = saconf_listed(&f->to_lists[which], to.v[i]);
	addrs_free(&to);
	return r;
}

/* ev_to_in_welcomelist - check_to_in_welcomelist (and whitelist) */
static int
ev_to_in_welcomelist(struct eval_msg *em, int argc, char **argv)
{
	return to_listed(em, 0);
}

/* ev_to_in_blocklist - check_to_in_blocklist (and blacklist) */
static int
ev_to_in_blocklist(struct eval_msg *em, int argc, char **argv)
{
	return to_listed(em, 1);
}

/* ev_to_in_more_spam - check_to_in_more_spam: WLBLEval */
static int
ev_to_in_more_spam(struct eval_msg *em, int argc, char **argv)
{
	return to_listed(em, 2);
}

/* ev_to_in_all_spam - check_to_in_all_spam: WLBLEval */
static int
ev_to_in_all_spam(struct eval_msg *em, int argc, char **argv)
{
	return to_listed(em, 3);
}

/* fm_re - does email match the optional regex argument? */
static int
fm_re(int argc, char **argv, int i, const char *email)
{
	if (arg_undef(argc, argv, i) || argv[i][0] == '\0')
		return 1;
	return rx_arg_match(argv[i], email, strlen(email));
}

/* ev_freemail_from - check_freemail_from: FreeMail: one of the From
 * addresses is free */
static int
ev_freemail_from(struct eval_msg *em, int argc, char **argv)
{
	struct addrs *a = all_from(em);
	int i;

	for (i = 0; i < a->n; i++)
		if (is_freemail(em, a->v[i]) && fm_re(argc, argv, 0, a->v[i]))
			return 1;
	return 0;
}

/* ev_freemail_header - check_freemail_header: FreeMail: an address of a
 * header is free */
static int
ev_freemail_header(struct eval_msg *em, int argc, char **argv)
{
	struct addrs a = { 0 };
	int i, r = 0;

	if (argc < 1)
		return 0;
	if (strcmp(argv[0], "EnvelopeFrom") == 0) {
		if (env_from(em) != NULL)
			addrs_add(&a, env_from(em), strlen(env_from(em)));
	} else
		addrs_header(em, argv[0], &a);
	for (i = 0; i < a.n && !r; i++) {
		lower(a.v[i]);
		r = is_freemail(em, a.v[i]) && fm_re(argc, argv, 1, a.v[i]);
	}
	addrs_free(&a);
	return r;
}

#define FM_USER "[a-z0-9!#$%&'*+/=?^_`{|}~-]"
#define FM_EMAIL "(?=.{0,64}@)(?<![a-z0-9!#$%&'*+/=?^_`{|}~-])(" FM_USER \
	"+(?:\\." FM_USER "+)*@(?:[a-z0-9](?:[a-z0-9-]{0,59}[a-z0-9])?\\.)" \
	"{1,4}([a-z0-9-]+))(?![a-z0-9-]|\\.[a-z0-9])"

/* rx_subst - every match of a literal pattern in b replaced by " " */
static void
rx_subst(const char *pat, uint32_t opt, struct buf *b)
{
	int owned;
	pcre2_code *c = rx_get(pat, opt, &owned);
	PCRE2_SIZE n;
	char *out;
	int rc;

	if (c == NULL || b->len == 0)
		return;
	n = b->len * 2 + 64;
	out = xmalloc(n);
	rc = pcre2_substitute(c, (PCRE2_SPTR)b->data, b->len, 0,
	    PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, NULL,
	    rx_mctx, (PCRE2_SPTR)" ", 1, (PCRE2_UCHAR *)out, &n);
	if (rc == PCRE2_ERROR_NOMEMORY) {
		out = xrealloc(out, n + 1);
		rc = pcre2_substitute(c, (PCRE2_SPTR)b->data, b->len, 0,
		    PCRE2_SUBSTITUTE_GLOBAL, NULL, rx_mctx, (PCRE2_SPTR)" ", 1,
		    (PCRE2_UCHAR *)out, &n);
	}
	if (rc >= 0) {
		buf_reset(b);
		buf_add(b, out, n);
	}
	free(out);
	if (owned)
		pcre2_code_free(c);
}

/* fm_emails - the addresses of one text (FreeMail's email_regex with a
 * known TLD), lower-cased, appended unless seen; 0 when max reached */
static int
fm_emails(const char *s, size_t n, struct addrs *out, int max)
{
	size_t ov[6], pos = 0;

	while (pos < n && rx_match_at(FM_EMAIL, RXI, s, n, pos, ov, 3)) {
		char *tld = xstrndup(s + ov[4], ov[5] - ov[4]);
		int ok = uri_tld_valid(tld, strlen(tld));

		free(tld);
		if (!ok) {
			pos = ov[0] + 1;
			continue;
		}
		char *e = lower(xstrndup(s + ov[2], ov[3] - ov[2]));

		if (!fm_seen(out, e))
			addrs_add(out, e, strlen(e));
		free(e);
		if (out->n >= max)
			return 0;
		pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return 1;
}

/*
 * fm_body - FreeMail _parse_body: the freemail addresses of the body
 * (mailto links, then addresses in the text that are not "user@host>"
 * or "user@host word:"); NULL when there are too many addresses (5)
 * or freemails (3) to judge, as freemail_skip_when_over_max
 */
static struct addrs *
fm_body(struct eval_msg *em, struct addrs *fmails)
{
	struct addrs all = { 0 };
	struct buf line = BUF_INIT;
	int i, k, nfm = 0, skip = 0;

	for (i = 0; em->mt != NULL && i < em->mt->nhtml && all.n < 20; i++)
		for (k = 0; k < em->mt->html[i].nuri && all.n < 20; k++) {
			const char *u = em->mt->html[i].uri[k].uri;

			if (strcmp(em->mt->html[i].uri[k].tag, "a") != 0 ||
			    strncasecmp(u, "mailto:", 7) != 0)
				continue;
			/* ^mailto:EMAIL: the address right after it */
			struct addrs one = { 0 };

			if (!rx_match("^mailto:" FM_USER, RXI, u, NULL, 0))
				continue;
			fm_emails(u + 7, strlen(u + 7), &one, 1);
			if (one.n && !fm_seen(&all, one.v[0]))
				addrs_add(&all, one.v[0], strlen(one.v[0]));
			addrs_free(&one);
		}
	for (i = 0; em->mt != NULL && i < em->mt->body.n; i++) {
		buf_reset(&line);
		buf_add(&line, em->mt->body.text.data + em->mt->body.off[i],
		    em->mt->body.len[i]);
		rx_subst("<?https?://\\S{0,255}(?:@|%40)\\S{0,255}", RXI,
		    &line);
		rx_subst("<?(?<!mailto:)" FM_EMAIL "(?:>|\\s{1,10}(?!(?:fa(?:x|"
		    "csi)|tel|phone|e?-?mail))[a-z]{2,11}:)", RXI, &line);
		if (!fm_emails(buf_str(&line), line.len, &all, 40))
			break;
	}
	buf_free(&line);
	for (i = 0; i < all.n && !skip; i++) {
		if (i + 1 == 5) {
			skip = 1;
			break;
		}
		if (!is_freemail(em, all.v[i]))
			continue;
		if (++nfm == 3) {
			skip = 1;
			break;
		}
		addrs_add(fmails, all.v[i], strlen(all.v[i]));
	}
	addrs_free(&all);
	return skip ? NULL : fmails;
}

/* ev_freemail_replyto - check_freemail_replyto: FreeMail: From and Reply-
 * To different freemails, or a reply address other than a freemail in the
 * body */
static int
ev_freemail_replyto(struct eval_msg *em, int argc, char **argv)
{
	struct addrs f = { 0 }, r = { 0 }, body = { 0 }, *reply;
	int i, j, ffm = 0, rfm = 0, notin = 1, hit = 0, what_reply = 0;
	const char *ef = env_from(em);

	if (argc > 0 && !arg_undef(argc, argv, 0)) {
		if (strcmp(argv[0], "reply") == 0)
			what_reply = 1;
		else if (strcmp(argv[0], "replyto") != 0)
			return 0;
	}
	if (ef != NULL && rx_match("(?:^(?:post|host|domain)master|"
	    "^double-bounce|^(?:sentto|owner|return|(?:gr)?bounced?)-.+|"
	    "-(?:request|bounces?|admin|owner)|\\b(?:do[._-t]?)?no[._-t]?"
	    "repl(?:y|ies)|.+=.+)@", RXI, ef, NULL, 0))
		return 0;
	addrs_header(em, "From", &f);
	addrs_header(em, "Reply-To", &r);
	for (i = 0; i < f.n; i++)
		ffm += is_freemail(em, lower(f.v[i]));
	for (i = 0; i < r.n; i++)
		rfm += is_freemail(em, lower(r.v[i]));
	for (i = 0; i < f.n; i++)
		for (j = 0; j < r.n; j++)
			if (strcmp(f.v[i], r.v[j]) == 0)
				notin = 0;
	if (ffm && rfm && notin) {
		hit = 1;
		goto out;
	}
	if (!what_reply && !rfm)
		goto out;
	if (what_reply && ((r.n && !rfm) || !ffm))
		goto out;
	if (fm_body(em, &body) == NULL || body.n == 0)
		goto out;
	reply = !what_reply || rfm ? &r : &f;
	for (i = 0; i < body.n && !hit; i++)
		for (j = 0; j < reply->n && !hit; j++)
			if (strcmp(body.v[i], reply->v[j]) != 0)
				hit = 1;
out:
	addrs_free(&f);
	addrs_free(&r);
	addrs_free(&body);
	return hit;
}

/* ev_freemail_body - check_freemail_body: FreeMail: a freemail address in
 * the body */
static int
ev_freemail_body(struct eval_msg *em, int argc, char **argv)
{
	struct addrs body = { 0 };
	int i, hit = 0;

	if (fm_body(em, &body) != NULL)
		for (i = 0; i < body.n && !hit; i++)
			hit = fm_re(argc, argv, 0, body.v[i]);
	addrs_free(&body);
	return hit;
}

/*
 * MIMEEval
 */

struct mime_cache {
	int	 base64_count, qp_count, html_count, text_count, attachment;
	int	 base64_encoded_text, bad_iso_charset, faraway_charset;
	int	 qp_long_line, ascii_text_illegal, multipart_alternative;
	int	 epilogue, missing_mime_headers;
	double	 multipart_ratio;
	double	 qp_ratio, unicode_ratio;
};

/* mime_cache_free - nothing inside to free */
static void
mime_cache_free(struct mime_cache *c)
{
	(void)c;
}

/* msrc - the text the MIME offsets point into */
static const char *
msrc(struct eval_msg *em)
{
	return em->mt != NULL && em->mt->src.len > 0 ? em->mt->src.data :
	    em->msg;
}

/* part_header - a header of a MIME part, lower-cased, "" when absent */
static const char *
part_header(struct eval_msg *em, const struct mime_part *p,
    const char *name, struct buf *b)
{
	buf_reset(b);
	if (mime_header(msrc(em), p, name, b) == NULL) {
		buf_reset(b);
		buf_adds(b, "");
	}
	lower(b->data ? b->data : (char *)"");
	/* chomp */
	while (b->len > 0 && (b->data[b->len - 1] == '\n' ||
	    b->data[b->len - 1] == '\r'))
		b->data[--b->len] = '\0';
	return buf_str(b);
}

/* boundary_of - the boundary parameter of a Content-Type value */
static int
boundary_of(const char *ct, struct buf *out)
{
	size_t ov[6];

	buf_reset(out);
	if (!rx_match("boundary\\s*=\\s*(?:\"([^\"]+)\"|([^\\s;]+))", RXI, ct,
	    ov, 3))
		return 0;
	if (ov[2] != (size_t)-1)
		buf_add(out, ct + ov[2], ov[3] - ov[2]);
	else
		buf_add(out, ct + ov[4], ov[5] - ov[4]);
	return out->len > 0;
}

/*
 * delimiters_bare - Message.pm's missing_mime_headers: a line after an
 * opening delimiter "--boundary" that is no header field (up to the
 * close delimiter)
 */
static int
delimiters_bare(const char *s, const char *e, const struct buf *bnd)
{
	const char *nl, *q;

	for (; s < e; s = nl) {
		nl = memchr(s, '\n', (size_t)(e - s));
		nl = nl ? nl + 1 : e;
		if ((size_t)(nl - s) < bnd->len + 2 || s[0] != '-' ||
		    s[1] != '-' || memcmp(s + 2, bnd->data, bnd->len) != 0)
			continue;
		q = s + 2 + bnd->len;
		if (q + 1 < nl && q[0] == '-' && q[1] == '-')
			return 0;	/* the close delimiter: done */
		while (q < nl && isspace((unsigned char)*q))
			q++;
		if (q < nl || nl >= e)
			continue;
		/* the next line must look like "Name:" */
		for (q = nl; q < e && *q >= 0x21 && *q <= 0x7e && *q != ':';
		    q++)
			;
		if (q == nl || q >= e || *q != ':')
			return 1;
	}
	return 0;
}

/*
 * epilogue - Message.pm's mime_epilogue_exists: after the close
 * delimiter of boundary, a line with something else than white space
 * and dots
 */
static int
epilogue(const char *s, const char *e, const struct buf *bnd)
{
	struct buf d = BUF_INIT;
	const char *hit;
	int r = 0;

	buf_adds(&d, "--");
	buf_add(&d, bnd->data, bnd->len);
	buf_adds(&d, "--");
	hit = memmem(s, (size_t)(e - s), d.data, d.len);
	if (hit != NULL)
		hit = memchr(hit + d.len, '\n', (size_t)(e - hit - d.len));
	for (; hit != NULL && hit < e && !r; hit++)
		r = !isspace((unsigned char)*hit) && *hit != '.';
	buf_free(&d);
	return r;
}

/* qp_hex - is "=XY" an encoding MIMEEval counts (=09, printables)? */
static int
qp_hex(char h1, char h2)
{
	int dig = h2 >= '0' && h2 <= '9';

	return (h1 == '0' && h2 == '9') ||
	    (h1 == '3' && (dig || (h2 != '\0' && strchr("ABCEF", h2)))) ||
	    (h1 != '\0' && strchr("2456", h1) && (dig ||
	    (h2 >= 'A' && h2 <= 'F'))) ||
	    (h1 == '7' && (dig || (h2 >= 'A' && h2 <= 'E')));
}

/* qp_encoded - MIMEEval: quoted-printable encodings of a raw line that
 * were not needed, less a trailing run of =09/=20 */
static long
qp_encoded(const char *s, size_t n)
{
	size_t k, ov[4];
	long q = 0;
	char *line;

	for (k = 0; k + 2 < n; k++)
		if (s[k] == '=' && qp_hex(s[k + 1], s[k + 2])) {
			q++;
			k += 2;
		}
	if (q == 0)
		return 0;
	line = xstrndup(s, n);
	if (rx_match("((?:=09|=20)+)\\s*$", 0, line, ov, 2))
		q -= (long)(ov[3] - ov[2]) / 3;
	free(line);
	return q;
}

/* high_byte - a byte >= 0x80 in s[0..n)? */
static int
high_byte(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if ((unsigned char)s[k] >= 0x80)
			return 1;
	return 0;
}

/* unicode_entities - MIMEEval: "&#xHHHH;" (upper-case hex) in a line */
static size_t
unicode_entities(const char *s, size_t n)
{
	size_t k, subs = 0;

	for (k = 0; k + 8 <= n; k++)
		if (s[k] == '&' && s[k + 1] == '#' && s[k + 2] == 'x' &&
		    strspn(s + k + 3, "0123456789ABCDEF") >= 4 &&
		    s[k + 7] == ';') {
			subs++;
			k += 7;
		}
	return subs;
}

/* mime_info - MIMEEval _check_attachments over the MIME tree */
static struct mime_cache *
mime_info(struct eval_msg *em)
{
	struct mime_cache *c = em->cache[C_MIME];
	struct buf cte = BUF_INIT, cd = BUF_INIT, ct = BUF_INIT, bnd = BUF_INIT;
	const struct mime *m;
	double *bytes = NULL;
	const char **ptype = NULL;
	long qp_bytes = 0, qp_count = 0, normal = 0, unicode = 0;
	int i, nleaf = 0;

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_MIME] = c;
	c->multipart_ratio = 1.0;
	if (em->mt == NULL || msrc(em) == NULL)
		return c;
	m = &em->mt->mime;
	bytes = xcalloc((size_t)m->nparts + 1, sizeof(*bytes));
	ptype = xcalloc((size_t)m->nparts + 1, sizeof(*ptype));
	for (i = 0; i < m->nparts; i++) {
		const struct mime_part *p = &m->part[i];
		const char *type = p->type, *cs = p->charset ? p->charset : "";
		int is_b64, attach;

		if (strcmp(type, "multipart/alternative") == 0)
			c->multipart_alternative = 1;
		part_header(em, p, "Content-Transfer-Encoding", &cte);
		part_header(em, p, "Content-Disposition", &cd);
		/* _check_mime_header */
		if (strcmp(type, "text/html") == 0)
			c->html_count++;
		else if (strncmp(type, "text", 4) == 0)
			c->text_count++;
		is_b64 = strstr(buf_str(&cte), "base64") != NULL;
		if (is_b64)
			c->base64_count++;
		else if (strstr(buf_str(&cte), "quoted-printable") != NULL)
			c->qp_count++;
		attach = strstr(buf_str(&cd), "attachment") != NULL;
		if (attach)
			c->attachment++;
		if (strncmp(type, "text", 4) == 0 && is_b64 &&
		    (cs[0] == '\0' || rx_match("(?:us-ascii|ansi_x3\\.4-1968|"
		    "iso-ir-6|ansi_x3\\.4-1986|iso_646\\.irv:1991|ascii|"
		    "iso646-us|us|ibm367|cp367|csascii)", 0, cs, NULL, 0)) &&
		    !rx_match("^(?:attachment|inline)", 0, buf_str(&cd), NULL,
		    0))
			c->base64_encoded_text = 1;
		if (rx_match("iso-\\S+-\\S+\\b", RXI, cs, NULL, 0) &&
		    !rx_match("iso-(?:8859-\\d{1,2}|2022-(?:jp|kr))\\b", 0, cs,
		    NULL, 0))
			c->bad_iso_charset = 1;
		if (rx_match("[a-z]", RXI, cs, NULL, 0) &&
		    !c->faraway_charset && !locales_all(em->set) &&
		    !charset_ok(cs, em->set))
			c->faraway_charset = 1;
		if (p->is_multipart) {
			/* an epilogue: text after the close delimiter */
			buf_reset(&ct);
			if (mime_header(msrc(em), p, "Content-Type", &ct) !=
			    NULL && boundary_of(buf_str(&ct), &bnd)) {
				const char *s = msrc(em) + p->body_off;

				c->missing_mime_headers |= delimiters_bare(s,
				    s + p->body_len, &bnd);
				c->epilogue |= epilogue(s, s + p->body_len,
				    &bnd);
			}
		}
		if (p->is_multipart || p->is_message)
			continue;
		/* a leaf: its raw lines */
		ptype[nleaf] = type;
		bytes[nleaf] = attach ? -1 : 0;
		{
			const char *s = msrc(em) + p->body_off;
			const char *e = s + p->body_len, *nl;
			int qp = strcmp(buf_str(&cte), "quoted-printable") == 0;
			int plain = strcmp(type, "text/plain") == 0;
			int ascii = plain && (p->charset == NULL ||
			    strcmp(p->charset, "us-ascii") == 0);
			int raw8 = plain && (cte.len == 0 ||
			    strcmp(buf_str(&cte), "7bit") == 0 ||
			    strcmp(buf_str(&cte), "8bit") == 0);

			for (; s < e; s = nl) {
				size_t n;

				nl = memchr(s, '\n', (size_t)(e - s));
				nl = nl ? nl + 1 : e;
				n = (size_t)(nl - s);
				if (c->multipart_alternative && !attach &&
				    (plain || strcmp(type, "text/html") == 0))
					bytes[nleaf] += (double)n;
				if (qp && !(n >= 6 &&
				    strncmp(s, "SPAM: ", 6) == 0)) {
					if (n > 79)
						c->qp_long_line = 1;
					qp_bytes += (long)n;
					qp_count += qp_encoded(s, n);
				}
				if (ascii && (memchr(s, '\0', n) ||
				    memchr(s, '\r', n) || high_byte(s, n)))
					c->ascii_text_illegal++;
				if (raw8) {
					size_t subs = unicode_entities(s, n);

					normal += (long)(n - 8 * subs);
					unicode += (long)subs;
				}
			}
		}
		nleaf++;
	}
	if (qp_bytes)
		c->qp_ratio = (double)qp_count / (double)qp_bytes;
	c->qp_count = c->qp_count;	/* the part count stays, as the rules
					   read mime_qp_count after this */
	if (qp_bytes)
		c->qp_count = (int)qp_count;
	if (normal)
		c->unicode_ratio = (double)unicode / (double)normal;
	if (c->multipart_alternative) {
		double text = -1, html = -1;

		for (i = nleaf - 1; i >= 0; i--) {
			if (bytes[i] < 0)
				continue;
			const char *pt = ptype[i];

			if (html < 0 && strcmp(pt, "text/html") == 0)
				html = bytes[i];
			else if (text < 0 && strcmp(pt, "text/plain") == 0)
				text = bytes[i];
			if (html >= 0 && text >= 0)
				break;
		}
		if (text >= 0 && html > 0)
			c->multipart_ratio = text / html;
	}
	free(bytes);
	free(ptype);
	buf_free(&cte);
	buf_free(&cd);
	buf_free(&ct);
	buf_free(&bnd);
	return c;
}

/* ev_for_mime - check_for_mime: MIMEEval: one of the _check_attachments
 * flags */
static int
ev_for_mime(struct eval_msg *em, int argc, char **argv)
{
	struct mime_cache *c = mime_info(em);
	const char *t = argc > 0 ? argv[argc - 1] : "";

	if (strcmp(t, "mime_base64_count") == 0)
		return c->base64_count > 0;
	if (strcmp(t, "mime_base64_encoded_text") == 0)
		return c->base64_encoded_text;
	if (strcmp(t, "mime_qp_count") == 0)
		return c->qp_count > 0;
	if (strcmp(t, "mime_qp_long_line") == 0)
		return c->qp_long_line;
	if (strcmp(t, "mime_attachment") == 0)
		return c->attachment > 0;
	if (strcmp(t, "mime_bad_iso_charset") == 0)
		return c->bad_iso_charset;
	if (strcmp(t, "mime_faraway_charset") == 0)
		return c->faraway_charset;
	if (strcmp(t, "mime_ascii_text_illegal") == 0)
		return c->ascii_text_illegal > 0;
	if (strcmp(t, "mimepart_limit_exceeded") == 0)
		return em->mt != NULL && (em->mt->mime.flags & MIME_TOO_MANY);
	/* mime_base64_blanks and others SA no longer sets: never */
	return 0;
}

/* ctype_html - the top Content-Type starts with text/html */
static int
ctype_html(struct eval_msg *em)
{
	struct buf b = BUF_INIT;
	int r = rx_match("^text/html", RXI, hget(em, "Content-Type", &b), NULL,
	    0);

	buf_free(&b);
	return r;
}

/* ev_mime_html - check_for_mime_html: MIMEEval: an HTML part */
static int
ev_mime_html(struct eval_msg *em, int argc, char **argv)
{
	return ctype_html(em) || mime_info(em)->html_count > 0;
}

/* ev_mime_html_only - check_for_mime_html_only: MIMEEval: HTML parts and
 * no text part */
static int
ev_mime_html_only(struct eval_msg *em, int argc, char **argv)
{
	struct mime_cache *c;

	if (ctype_html(em))
		return 1;
	c = mime_info(em);
	return c->html_count > 0 && c->text_count == 0;
}

/* ev_mime_multipart_ratio - check_mime_multipart_ratio: MIMEEval:
 * text/html size ratio */
static int
ev_mime_multipart_ratio(struct eval_msg *em, int argc, char **argv)
{
	double r = mime_info(em)->multipart_ratio;

	return r >= arg_num(argc, argv, argc - 2, 0) &&
	    r < arg_num(argc, argv, argc - 1, 0);
}

/* ev_ascii_text_illegal - check_for_ascii_text_illegal: MIMEEval: 8-bit in
 * us-ascii text */
static int
ev_ascii_text_illegal(struct eval_msg *em, int argc, char **argv)
{
	return mime_info(em)->ascii_text_illegal > 0;
}

/* ev_abundant_unicode_ratio - check_abundant_unicode_ratio: MIMEEval:
 * &#xHHHH; in plain text */
static int
ev_abundant_unicode_ratio(struct eval_msg *em, int argc, char **argv)
{
	return mime_info(em)->unicode_ratio >= arg_num(argc, argv, argc - 1,
	    0);
}

/* ev_qp_ratio - check_qp_ratio: MIMEEval */
static int
ev_qp_ratio(struct eval_msg *em, int argc, char **argv)
{
	return mime_info(em)->qp_ratio >= arg_num(argc, argv, argc - 1, 0);
}

/*
 * no_separator - Message.pm's missing_head_body_separator: the header
 * ends at a "--" line, after more than 3 lines that are no header
 * field, or with the message, instead of at an empty line
 */
static int
no_separator(const char *s, size_t len)
{
	const char *e = s + len, *nl, *q;
	int errors = 0;

	if (s == NULL)
		return 0;
	for (; s < e; s = nl) {
		nl = memchr(s, '\n', (size_t)(e - s));
		nl = nl ? nl + 1 : e;
		if (*s == ' ' || *s == '\t')
			continue;
		if (*s == '\n' || (*s == '\r' && s + 1 < e && s[1] == '\n'))
			return nl >= e;
		if (nl - s >= 2 && s[0] == '-' && s[1] == '-')
			return 1;
		for (q = s; q < nl && *q >= 0x21 && *q <= 0x7e && *q != ':';
		    q++)
			;
		while (q > s && q < nl && (*q == ' ' || *q == '\t'))
			q++;
		if (q == s || q >= nl || *q != ':') {
			if (++errors > 3)
				return 1;
		}
	}
	return 1;
}

/* ev_msg_parse_flags - check_msg_parse_flags: MIMEEval: what the parser
 * noticed */
static int
ev_msg_parse_flags(struct eval_msg *em, int argc, char **argv)
{
	const char *t = argc > 0 ? argv[argc - 1] : "";

	if (strcmp(t, "mime_epilogue_exists") == 0)
		return mime_info(em)->epilogue;
	if (strcmp(t, "truncated_header") == 0)
		return em->mt != NULL &&
		    (em->mt->flags & MSGTEXT_HDR_TRUNCATED) != 0;
	if (strcmp(t, "missing_mime_headers") == 0)
		return mime_info(em)->missing_mime_headers;
	if (strcmp(t, "missing_head_body_separator") == 0)
		return no_separator(em->msg, em->len);
	return 0;
}

/* ev_faraway_charset - check_for_faraway_charset: MIMEEval: a part in a
 * faraway charset */
static int
ev_faraway_charset(struct eval_msg *em, int argc, char **argv)
{
	return mime_info(em)->faraway_charset;
}

/* ev_base64_length - check_base64_length: MIMEEval: the longest raw line
 * of a base64 leaf (line end included) within [min, max] */
static int
ev_base64_length(struct eval_msg *em, int argc, char **argv)
{
	struct buf cte = BUF_INIT;
	size_t longest = 0;
	int i;

	if (argc < 1 || em->mt == NULL)
		return 0;
	for (i = 0; i < em->mt->mime.nparts; i++) {
		const struct mime_part *p = &em->mt->mime.part[i];
		const char *s, *e, *nl;

		if (p->is_multipart || p->is_message ||
		    strcmp(p->type, "application/ics") == 0)
			continue;
		part_header(em, p, "Content-Transfer-Encoding", &cte);
		if (cte.data == NULL || strcmp(trim(cte.data), "base64") != 0)
			continue;
		s = msrc(em) + p->body_off;
		e = s + p->body_len;
		for (; s < e; s = nl) {
			nl = memchr(s, '\n', (size_t)(e - s));
			nl = nl ? nl + 1 : e;
			if ((size_t)(nl - s) > longest)
				longest = (size_t)(nl - s);
		}
	}
	buf_free(&cte);
	if (!arg_undef(argc, argv, 1) && (double)longest > arg_num(argc, argv,
	    1, 0))
		return 0;
	return (double)longest >= arg_num(argc, argv, 0, 0);
}

/*
 * HTMLEval: over every rendered text/html part (SA's html_all)
 */


/* nhtml - the number of rendered HTML parts */
static int
nhtml(struct eval_msg *em)
{
	return em->mt != NULL ? em->mt->nhtml : 0;
}

/* inside_of - the open count of tag in h, or -1 when never seen */
static int
inside_of(const struct html *h, const char *tag)
{
	int i;

	for (i = 0; i < h->ninside; i++)
		if (strcmp(h->inside[i].name, tag) == 0)
			return h->inside[i].count;
	return -1;
}

/*
 * html_len - HTML.pm's length of HTML part i: SA hands HTML::Parser
 * characters (the part decoded from its charset), so characters count
 */
static double
html_len(struct eval_msg *em, int i)
{
	return (double)em->mt->html[i].length_chars;
}

/* non_space_len - Node.pm: rendered length less ASCII white space, in
 * characters as HTML::Parser rendered them */
static double
non_space_len(const struct html *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->text.len; i++) {
		unsigned char c = (unsigned char)h->text.data[i];

		if ((c & 0xC0) == 0x80)
			continue;
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
		    c != 0x0b)
			n++;
	}
	return (double)n;
}

/*
 * html_value - a scalar of HTML.pm's results by name; 0 when SA
 * leaves it undefined for this part
 */
static int
html_value(struct eval_msg *em, int i, const char *name, double *v)
{
	const struct html *h = &em->mt->html[i];

	if (strcmp(name, "html") == 0)
		*v = 1;
	else if (strcmp(name, "length") == 0)
		*v = html_len(em, i);
	else if (strcmp(name, "max_size") == 0)
		*v = h->max_size;
	else if (strcmp(name, "min_size") == 0)
		*v = h->min_size;
	else if (strcmp(name, "image_area") == 0)
		*v = h->image_area;
	else if (strcmp(name, "non_space_len") == 0)
		*v = non_space_len(h);
	else if (strcmp(name, "backhair_count") == 0) {
		if (h->backhair == 0)
			return 0;
		*v = h->backhair;
	} else if (strcmp(name, "closed_extra_ratio") == 0) {
		if (h->tags == 0)
			return 0;
		*v = (double)h->all_closed_extra / h->tags;
	} else if (strcmp(name, "bad_tag_ratio") == 0) {
		if (h->tags == 0 || h->elements == 0)
			return 0;
		*v = (double)(h->tags - h->elements) / h->tags;
	} else if (strcmp(name, "non_element_ratio") == 0) {
		if (h->tags_seen == 0 || h->elements_seen == 0)
			return 0;
		*v = (double)(h->tags_seen - h->elements_seen) / h->tags_seen;
	} else if (strcmp(name, "obfuscation_ratio") == 0) {
		if (h->tags == 0 || h->obfuscation == 0)
			return 0;
		*v = (double)h->obfuscation / h->tags;
	} else if (strcmp(name, "font_low_contrast") == 0)
		*v = (h->flags & HTML_LOW_CONTRAST) != 0;
	else if (strcmp(name, "font_invalid_color") == 0)
		*v = (h->tests & HTML_T_FONT_INVALID_COLOR) != 0;
	else if (strcmp(name, "font_face_bad") == 0)
		*v = (h->tests & HTML_T_FONT_FACE_BAD) != 0;
	else if (strcmp(name, "form_action_mailto") == 0)
		*v = (h->tests & HTML_T_FORM_ACTION_MAILTO) != 0;
	else if (strcmp(name, "embeds") == 0)
		*v = (h->tests & HTML_T_EMBEDS) != 0;
	else if (strcmp(name, "uri_truncated") == 0)
		*v = (h->flags & HTML_URI_TRUNCATED) != 0;
	else
		return 0;
	return 1;
}

/*
 * perl_cmp - "$val EXPR" for the expressions HTMLEval allows
 * (characters < > = ! - + space digits): a comparison operator and a
 * number, e.g. "!= 0", "< 512"; 0 for anything else
 */
static int
perl_cmp(double val, const char *expr)
{
	const char *p = expr;
	char op[3] = { 0 };
	int n = 0;
	char *end;
	double x;

	if (expr[strspn(expr, "<>=!-+ 0123456789")] != '\0')
		return 0;
	while (*p == ' ')
		p++;
	while ((*p == '<' || *p == '>' || *p == '=' || *p == '!') && n < 2)
		op[n++] = *p++;
	x = strtod(p, &end);
	if (end == p)
		return 0;
	while (*end == ' ')
		end++;
	if (*end != '\0')
		return 0;
	if (strcmp(op, "<") == 0)
		return val < x;
	if (strcmp(op, "<=") == 0)
		return val <= x;
	if (strcmp(op, ">") == 0)
		return val > x;
	if (strcmp(op, ">=") == 0)
		return val >= x;
	if (strcmp(op, "==") == 0)
		return val == x;
	if (strcmp(op, "!=") == 0)
		return val != x;
	return 0;
}

/* ev_html_test - html_test: HTMLEval: a flag of HTML.pm set in an HTML
 * part */
static int
ev_html_test(struct eval_msg *em, int argc, char **argv)
{
	double v;
	int i;

	for (i = 0; i < nhtml(em) && argc > 0; i++)
		if (html_value(em, i, argv[argc - 1], &v) && v != 0)
			return 1;
	return 0;
}

/* ev_html_range - html_range: HTMLEval: a result in (min, max] ("inf"
 * open) */
static int
ev_html_range(struct eval_msg *em, int argc, char **argv)
{
	double v, min, max;
	int i;

	if (argc < 2)
		return 0;
	min = arg_num(argc, argv, 1, 0);
	max = argc > 2 ? arg_num(argc, argv, 2, INFINITY) : INFINITY;
	for (i = 0; i < nhtml(em); i++) {
		if (!html_value(em, i, argv[0], &v))
			continue;
		if (isinf(max)) {
			if (v > min)
				return 1;
		} else if (v > min && v <= max)
			return 1;
	}
	return 0;
}

/* ev_html_eval - html_eval: HTMLEval: "result OP number" */
static int
ev_html_eval(struct eval_msg *em, int argc, char **argv)
{
	double v;
	int i;

	if (argc < 2)
		return 0;
	for (i = 0; i < nhtml(em); i++)
		if (html_value(em, i, argv[0], &v) &&
		    perl_cmp(v, argv[1]))
			return 1;
	return 0;
}

/* ev_html_tag_exists - html_tag_exists: HTMLEval: a tag seen in an HTML
 * part */
static int
ev_html_tag_exists(struct eval_msg *em, int argc, char **argv)
{
	int i;

	for (i = 0; i < nhtml(em) && argc > 0; i++)
		if (inside_of(&em->mt->html[i], argv[argc - 1]) >= 0)
			return 1;
	return 0;
}

/* ev_html_tag_balance - html_tag_balance: HTMLEval: open minus closed
 * count of a tag */
static int
ev_html_tag_balance(struct eval_msg *em, int argc, char **argv)
{
	int i, v;

	if (argc < 2 || !rx_match("^[a-zA-Z0-9]+$", 0, argv[0], NULL, 0))
		return 0;
	for (i = 0; i < nhtml(em); i++)
		if ((v = inside_of(&em->mt->html[i], argv[0])) >= 0 &&
		    perl_cmp(v, argv[1]))
			return 1;
	return 0;
}

/* ev_html_image_only - html_image_only: HTMLEval: images and an HTML
 * length in range */
static int
ev_html_image_only(struct eval_msg *em, int argc, char **argv)
{
	const struct html *h;
	int i;

	for (i = 0; i < nhtml(em); i++) {
		h = &em->mt->html[i];
		if (inside_of(h, "img") >= 0 &&
		    html_len(em, i) > arg_num(argc, argv, 0, 0) &&
		    html_len(em, i) <= arg_num(argc, argv, 1, 0))
			return 1;
	}
	return 0;
}

/* ev_html_image_ratio - html_image_ratio: HTMLEval: text per image area in
 * range */
static int
ev_html_image_ratio(struct eval_msg *em, int argc, char **argv)
{
	const struct html *h;
	double r;
	int i;

	for (i = 0; i < nhtml(em); i++) {
		h = &em->mt->html[i];
		if (h->image_area <= 0)
			continue;
		r = non_space_len(h) / h->image_area;
		if (r > arg_num(argc, argv, 0, 0) &&
		    r <= arg_num(argc, argv, 1, 0))
			return 1;
	}
	return 0;
}

/* list_match - does pat match one of the entries of a list (entries
 * separated by sep; skip_first: the text before the first sep is none) */
static int
list_match(pcre2_code *c, const struct buf *b, int sep, int skip_first)
{
	const char *p = b->data, *e, *q;

	if (p == NULL || c == NULL)
		return 0;
	e = p + b->len;
	if (skip_first) {
		if ((p = memchr(p, sep, b->len)) == NULL)
			return 0;
		p++;
	}
	for (;;) {
		q = memchr(p, sep, (size_t)(e - p));
		if (rx_run(c, p, q ? (size_t)(q - p) : (size_t)(e - p), 0, NULL,
		    0))
			return 1;
		if (q == NULL)
			return 0;
		p = q + 1;
	}
}

/* an anchor of html.anchor: its href key and its text */
struct anchor {
	const char	*key, *text;	/* text NULL: no more */
	size_t		 klen, tlen;
	const char	*next;
};

/* anchor_next - the anchor after a (or the first when a->next is the
 * start of the buffer) */
static void
anchor_next(const struct html *h, struct anchor *a)
{
	const char *e = h->anchor.data + h->anchor.len, *p = a->next, *q;

	a->text = NULL;
	if (p == NULL || p >= e || *p != '\0')
		return;
	p++;
	q = memchr(p, '\1', (size_t)(e - p));
	if (q == NULL)
		return;
	a->key = p;
	a->klen = (size_t)(q - p);
	a->text = q + 1;
	q = memchr(a->text, '\0', (size_t)(e - a->text));
	a->next = q ? q : e;
	a->tlen = (size_t)(a->next - a->text);
}

/* anchor_first - the first anchor of an HTML part */
static void
anchor_first(const struct html *h, struct anchor *a)
{
	a->next = h->anchor.data;
	anchor_next(h, a);
}

/* ev_html_text_match - html_text_match: HTMLEval: a pattern on comments,
 * titles, anchors */
static int
ev_html_text_match(struct eval_msg *em, int argc, char **argv)
{
	pcre2_code *c;
	int i, r = 0, owned;

	if (argc < 2 || nhtml(em) == 0)
		return 0;
	c = rx_arg_get(argv[1], &owned);
	for (i = 0; i < nhtml(em) && !r && c != NULL; i++) {
		const struct html *h = &em->mt->html[i];

		if (strcmp(argv[0], "comment") == 0)
			r = list_match(c, &h->comment, '\0', 1);
		else if (strcmp(argv[0], "title") == 0)
			r = list_match(c, &h->titles, '\0', 1);
		else if (strcmp(argv[0], "anchor") == 0) {
			struct anchor a;

			for (anchor_first(h, &a); a.text != NULL && !r;
			    anchor_next(h, &a))
				r = rx_run(c, a.text, a.tlen, 0, NULL, 0);
		}
		else if (strcmp(argv[0], "script") == 0)
			r = h->script.len > 0 && list_match(c, &h->script,
			    '\n', 0);
	}
	if (owned)
		pcre2_code_free(c);
	return r;
}

/* ev_html_title_subject_ratio - html_title_subject_ratio: HTMLEval: a
 * title much longer than Subject */
static int
ev_html_title_subject_ratio(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	size_t sl;
	int i, r = 0;

	sl = strlen(hget(em, "Subject", &b));
	for (i = 0; i < nhtml(em) && sl > 0 && !r; i++) {
		const struct html *h = &em->mt->html[i];
		const char *p = h->titles.data, *e, *q;
		double max = 0;

		if (p == NULL || h->titles.len == 0)
			continue;
		e = p + h->titles.len;
		for (p++; p <= e; p = q + 1) {
			q = memchr(p, '\0', (size_t)(e - p));
			if (q == NULL)
				q = e;
			if ((double)(q - p) / (double)sl > max)
				max = (double)(q - p) / (double)sl;
		}
		r = max > arg_num(argc, argv, 0, 0);
	}
	buf_free(&b);
	return r;
}

/* ev_html_charset_faraway - html_charset_faraway: HTMLEval: HTML parts in
 * faraway charsets */
static int
ev_html_charset_faraway(struct eval_msg *em, int argc, char **argv)
{
	int i, bad = 0, ok = 0;

	if (locales_all(em->set) || em->mt == NULL)
		return 0;
	for (i = 0; i < em->mt->nhtml; i++) {
		int pi = em->mt->html_part ? em->mt->html_part[i] : -1;
		const char *cs;

		if (pi < 0 || pi >= em->mt->mime.nparts ||
		    (cs = em->mt->mime.part[pi].charset) == NULL)
			continue;
		if (charset_ok(cs, em->set))
			ok++;
		else
			bad++;
		if (bad && bad >= ok)
			return 1;
	}
	return 0;
}

/* ev_iframe_src - check_iframe_src: HTMLEval: an iframe with a src */
static int
ev_iframe_src(struct eval_msg *em, int argc, char **argv)
{
	int i, k;

	for (i = 0; i < nhtml(em); i++)
		for (k = 0; k < em->mt->html[i].nuri; k++)
			if (strcmp(em->mt->html[i].uri[k].tag, "iframe") == 0)
				return 1;
	return 0;
}

/* ev_uri_truncated - check_uri_truncated: an URI cut at SA's maximum
 * length */
static int
ev_uri_truncated(struct eval_msg *em, int argc, char **argv)
{
	int i;

	for (i = 0; i < nhtml(em); i++)
		if (em->mt->html[i].flags & HTML_URI_TRUNCATED)
			return 1;
	return 0;
}

/*
 * BodyEval and body tests of MIMEEval and TextCat, on the body lines
 * body rules see (Subject first)
 */

struct body_cache {
	int	 have_upper;
	double	 upper;
	int	 have_tvd;
	int	 tvd;
	int	 have_madiff;
	double	 madiff, madiff_html, madiff_text;
};

/* body_cache_free - nothing inside to free */
static void
body_cache_free(struct body_cache *c)
{
	(void)c;
}

/* body_info - the body cache of a message */
static struct body_cache *
body_info(struct eval_msg *em)
{
	if (em->cache[C_BODY] == NULL)
		em->cache[C_BODY] = xcalloc(1, sizeof(struct body_cache));
	return em->cache[C_BODY];
}

/* likely_caps_fp - MIMEEval body_charset_is_likely_to_fp */
static int
likely_caps_fp(struct eval_msg *em)
{
	static const char *const pat = "^[-_a-z0-9]*(?:koi|jp|jis|euc|gb|"
	    "big5|isoir|cp1251|windows-1251|georgianps|pt154|tis)"
	    "[-_a-z0-9]*$";
	struct buf b = BUF_INIT;
	size_t ov[4];
	int i, r = 0;

	if (em->mt != NULL && msgtext_header(em->mt, "Content-Type", &b) &&
	    rx_match("charset\\s*=\\s*[\"']?([^\"';\\s]+)", RXI, buf_str(&b),
	    ov, 2)) {
		char *cs = xstrndup(b.data + ov[2], ov[3] - ov[2]);

		r = rx_match(pat, RXI, cs, NULL, 0);
		free(cs);
	}
	for (i = 0; !r && em->mt != NULL && i < em->mt->mime.nparts; i++) {
		const char *cs = em->mt->mime.part[i].charset;

		if (cs != NULL && rx_match("[a-z]", RXI, cs, NULL, 0))
			r = rx_match(pat, RXI, cs, NULL, 0);
	}
	buf_free(&b);
	return r;
}

/* ev_uppercase - check_for_uppercase: MIMEEval: percentage of capitals in
 * the body */
static int
ev_uppercase(struct eval_msg *em, int argc, char **argv)
{
	struct body_cache *c = body_info(em);
	double min = arg_num(argc, argv, 0, 0), max = arg_num(argc, argv, 1, 0);

	if (!c->have_upper && em->mt != NULL) {
		const struct msgtext_lines *l = &em->mt->body;
		long len = 0, lo = 0, up = 0;
		int i;

		c->have_upper = 1;
		if (likely_caps_fp(em))
			return 0;
		for (i = 0; i < l->n; i++) {
			size_t n, k;
			const char *s = l->text.data + l->off[i];

			n = l->len[i];
			char *line = xstrndup(s, n);

			if (!rx_match("\\S\\s+\\S", 0, line, NULL, 0) ||
			    rx_match("^(?:[A-Za-z0-9+/=]{60,76} ){2}", 0, line,
			    NULL, 0)) {
				free(line);
				continue;
			}
			/* shift-JIS: ESC $ B ... ESC ( B removed */
			{
				size_t ov[2];
				struct buf t = BUF_INIT;
				size_t pos = 0;

				while (rx_match_at("\\x1b\\$B.*\\x1b\\(B", RXS,
				    line, strlen(line), pos, ov, 1)) {
					buf_add(&t, line + pos, ov[0] - pos);
					pos = ov[1];
				}
				buf_adds(&t, line + pos);
				free(line);
				line = buf_steal(&t);
			}
			n = strlen(line);
			len += (long)n;
			for (k = 0; k < n; k++) {
				if ((line[k] >= 'a' && line[k] <= 'z') ||
				    (line[k] >= '0' && line[k] <= '9'))
					lo++;
				else if (line[k] >= 'A' && line[k] <= 'Z')
					up++;
			}
			free(line);
		}
		if (len >= 200 && up + lo > 0)
			c->upper = 100.0 * (double)up / (double)(up + lo);
	}
	return c->upper > min && c->upper <= max;
}

/* ev_tvd_vertical_words - tvd_vertical_words: BodyEval: the most spaced-
 * out body line */
static int
ev_tvd_vertical_words(struct eval_msg *em, int argc, char **argv)
{
	struct body_cache *c = body_info(em);
	double min = arg_num(argc, argv, 0, 0), max = arg_num(argc, argv, 1, 0);

	if (max >= 100)
		max = 101;
	if (!c->have_tvd) {
		int i;

		c->have_tvd = 1;
		c->tvd = -1;
		for (i = 0; em->mt != NULL && i < em->mt->body.n; i++) {
			const char *s = em->mt->body.text.data +
			    em->mt->body.off[i];
			size_t n = em->mt->body.len[i], k, sp = 0, chars = 0;
			int pct;

			/* bytes: SA's body text is UTF-8 octets, not
			 * characters */
			for (k = 0; k < n; k++) {
				chars++;
				if (s[k] == ' ')
					sp++;
			}
			if (chars <= 5)
				continue;
			if (sp > chars - sp || chars - sp == 0)
				pct = 100;
			else
				pct = (int)(100 * sp / (chars - sp));
			if (pct > c->tvd)
				c->tvd = pct;
		}
	}
	return c->tvd >= min && c->tvd < max;
}

/* ev_blank_line_ratio - check_blank_line_ratio: BodyEval: percentage of
 * blank lines */
static int
ev_blank_line_ratio(struct eval_msg *em, int argc, char **argv)
{
	double min = arg_num(argc, argv, 0, 0), max = arg_num(argc, argv, 1, 0);
	double minlines = arg_num(argc, argv, 2, 1), ratio;
	long nlines = 0, blank = 0;
	int i;

	if (minlines < 1)
		minlines = 1;
	for (i = 0; em->mt != NULL && i < em->mt->rawbody.n; i++) {
		const char *s = em->mt->rawbody.text.data +
		    em->mt->rawbody.off[i];
		const char *e = s + em->mt->rawbody.len[i], *nl;

		/* split /^/m: a line per "\n", plus the tail */
		for (; s < e; s = nl) {
			const char *q;
			int b = 1;

			nl = memchr(s, '\n', (size_t)(e - s));
			nl = nl ? nl + 1 : e;
			for (q = s; q < nl; q++)
				if (!isspace((unsigned char)*q))
					b = 0;
			nlines++;
			blank += b;
		}
	}
	ratio = nlines < minlines ? -1 : 100.0 * (double)blank / nlines;
	return (min == 0 && ratio <= max) || (ratio > min && ratio <= max);
}

/* ev_body_length - check_body_length: BodyEval: the undecoded body is
 * short */
static int
ev_body_length(struct eval_msg *em, int argc, char **argv)
{
	size_t n = em->len > em->body_off ? em->len - em->body_off : 0;

	return (double)n <= arg_num(argc, argv, 0, 0);
}

/* ev_body_8bits - check_body_8bits: TextCat: 8 high bytes in a row, for
 * locales whose text normally has none */
static int
ev_body_8bits(struct eval_msg *em, int argc, char **argv)
{
	size_t i, k;
	int j, run;

	if (em->set == NULL)
		return 0;
	for (i = 0; i < em->set->ok_languages.n; i++) {
		const char *l = em->set->ok_languages.v[i];

		if (strcmp(l, "all") == 0 || rx_match("^(?:am|ar|be|bg|cs|el|"
		    "et|fa|fi|he|hi|hy|is|ja|ka|ko|mr|pt|ru|ta|th|tr|uk|vi|yi|"
		    "zh)$", 0, l, NULL, 0))
			return 0;
	}
	if (em->set->ok_languages.n == 0)
		return 0;
	for (j = 0; em->mt != NULL && j < em->mt->body.n; j++) {
		const unsigned char *s = (const unsigned char *)
		    em->mt->body.text.data + em->mt->body.off[j];

		for (k = 0, run = 0; k < em->mt->body.len[j]; k++) {
			run = s[k] >= 0x80 ? run + 1 : 0;
			if (run >= 8)
				return 1;
		}
	}
	return 0;
}

/* lang_guess - the TextCat languages of the body, computed once */
static const char *
lang_guess(struct eval_msg *em)
{
	struct str_cache *c = em->cache[C_LANG];
	struct buf all = BUF_INIT, t = BUF_INIT, g = BUF_INIT, ok = BUF_INIT;
	int i;

	if (c != NULL)
		return c->s;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_LANG] = c;
	/* TextCat.pm joins the lines (each ending "\n") with "\n" */
	for (i = 0; em->mt != NULL && i < em->mt->body.n; i++) {
		if (i > 0)
			buf_addc(&all, '\n');
		buf_add(&all, em->mt->body.text.data + em->mt->body.off[i],
		    em->mt->body.len[i]);
	}
	textcat_text(buf_str(&all), all.len, &t);
	if (em->set != NULL)
		for (i = 0; (size_t)i < em->set->ok_languages.n; i++) {
			buf_adds(&ok, em->set->ok_languages.v[i]);
			buf_addc(&ok, ' ');
		}
	textcat_guess(buf_str(&t), t.len, buf_str(&ok), &g);
	/* TextCat.pm: a short text may say "sco" where it means "en" */
	c->s = xstrdup(buf_str(&g));
	c->len = (int)t.len;
	buf_free(&all);
	buf_free(&t);
	buf_free(&g);
	buf_free(&ok);
	return c->s;
}

/* ev_language - check_language: TextCat: the body is in none of
 * ok_languages */
static int
ev_language(struct eval_msg *em, int argc, char **argv)
{
	struct str_cache *c;
	const char *g, *p;
	size_t i;
	int nmatch = 0;

	if (em->set == NULL || em->set->ok_languages.n == 0)
		return 0;
	for (i = 0; i < em->set->ok_languages.n; i++)
		if (strcmp(em->set->ok_languages.v[i], "all") == 0)
			return 0;
	g = lang_guess(em);
	c = em->cache[C_LANG];
	if (g == NULL || g[0] == '\0')
		return 0;
	for (p = g; *p; p++)
		if (*p != ' ' && (p == g || p[-1] == ' '))
			nmatch++;
	for (p = g; *p;) {
		size_t n = strcspn(p, " ");
		char code[32];

		snprintf(code, sizeof(code), "%.*s", (int)n, p);
		if (strchr(code, '.'))
			*strchr(code, '.') = '\0';
		if (c->len < 1024 * nmatch && strcmp(code, "sco") == 0)
			snprintf(code, sizeof(code), "en");
		for (i = 0; i < em->set->ok_languages.n; i++) {
			const char *ok = em->set->ok_languages.v[i];

			if (c->len < 1024 * nmatch && strcmp(ok, "sco") == 0)
				ok = "en";
			if (strcmp(code, ok) == 0)
				return 0;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return 1;
}

/* words_add - the distinct words of a text (split on white space,
 * those with a \w character) into a sorted, counted list */
struct wcount {
	char	*w;
	int	 n;
};

struct wlist {
	struct wcount	*v;
	int		 n, cap;
	int		*slot;		/* hash: index + 1, 0 empty */
	size_t		 hsize;		/* a power of 2 */
};

/* wl_hash - FNV-1a of s[0..n) */
static size_t
wl_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* wl_slot - the hash slot of word s[0..n): its own or the empty one */
static size_t
wl_slot(const struct wlist *l, const char *s, size_t n)
{
	size_t i = wl_hash(s, n) & (l->hsize - 1);

	while (l->slot[i] != 0) {
		const char *w = l->v[l->slot[i] - 1].w;

		if (strlen(w) == n && memcmp(w, s, n) == 0)
			break;
		i = (i + 1) & (l->hsize - 1);
	}
	return i;
}

/* wl_add - count one word */
static void
wl_add(struct wlist *l, const char *s, size_t n)
{
	size_t i;

	if (l->hsize == 0) {
		l->hsize = 64;
		l->slot = xcalloc(l->hsize, sizeof(*l->slot));
	}
	i = wl_slot(l, s, n);
	if (l->slot[i] != 0) {
		l->v[l->slot[i] - 1].n++;
		return;
	}
	if (l->n >= 20000)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xreallocarray(l->v, (size_t)l->cap, sizeof(*l->v));
	}
	l->v[l->n].w = xstrndup(s, n);
	l->v[l->n].n = 1;
	l->n++;
	l->slot[i] = l->n;
	if ((size_t)l->n * 2 > l->hsize) {
		/* grow and rehash */
		size_t k;

		free(l->slot);
		l->hsize *= 2;
		l->slot = xcalloc(l->hsize, sizeof(*l->slot));
		for (k = 0; k < (size_t)l->n; k++)
			l->slot[wl_slot(l, l->v[k].w, strlen(l->v[k].w))] =
			    (int)k + 1;
	}
}

/* wl_words - the words of text with a \w in them */
static void
wl_words(struct wlist *l, const char *s, size_t len)
{
	const char *e = s + len, *q;
	size_t k;
	int w;

	while (s < e) {
		while (s < e && isspace((unsigned char)*s))
			s++;
		for (q = s; q < e && !isspace((unsigned char)*q); q++)
			;
		if (q > s) {
			for (k = 0, w = 0; k < (size_t)(q - s) && !w; k++) {
				unsigned char ch = (unsigned char)s[k];

				w = isalnum(ch) || ch == '_' || ch >= 0x80;
			}
			if (w)
				wl_add(l, s, (size_t)(q - s));
		}
		s = q;
	}
}

/* wl_find - the index of word w in the list, or -1 */
static int
wl_find(const struct wlist *l, const char *w)
{
	if (l->hsize == 0)
		return -1;
	return l->slot[wl_slot(l, w, strlen(w))] - 1;
}

/* wl_free - free a word list */
static void
wl_free(struct wlist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].w);
	free(l->v);
	free(l->slot);
	memset(l, 0, sizeof(*l));
}

/* madiff - BodyEval _multipart_alternative_difference */
static struct body_cache *
madiff(struct eval_msg *em)
{
	struct body_cache *c = body_info(em);
	const struct mime *m;
	struct buf dec = BUF_INIT;
	int i, j, k, nkids;

	if (c->have_madiff || em->mt == NULL)
		return c;
	c->have_madiff = 1;
	m = &em->mt->mime;
	/* content_summary: multipart/alternative, text/html, text/calendar */
	if (m->nparts == 3 && strcmp(m->part[0].type,
	    "multipart/alternative") == 0 && strcmp(m->part[1].type,
	    "text/html") == 0 && strcmp(m->part[2].type, "text/calendar") == 0)
		return c;
	for (i = 0; i < m->nparts; i++) {
		struct wlist html = { 0 }, text = { 0 };
		int orig, left;

		if (strncmp(m->part[i].type, "multipart/alternative", 21) != 0)
			continue;
		nkids = 0;
		for (j = i + 1; j < m->nparts && m->part[j].depth >
		    m->part[i].depth; j++) {
			const struct mime_part *p = &m->part[j];

			if (strncmp(p->type, "text", 4) != 0 || p->is_multipart)
				continue;
			nkids++;
			if (strcmp(p->type, "text/html") == 0) {
				for (k = 0; k < em->mt->nhtml; k++)
					if (em->mt->html_part[k] == j)
						break;
				if (k == em->mt->nhtml)
					continue;
				wl_words(&html, em->mt->html[k].text.data,
				    em->mt->html[k].text.len);
				if (html.n == 0 && inside_of(&em->mt->html[k],
				    "img") >= 0)
					wl_add(&html, "\n", 1);
			} else {
				buf_reset(&dec);
				mime_decode(p, msrc(em), &dec);
				wl_words(&text, buf_str(&dec), dec.len);
			}
		}
		orig = html.n;
		if (orig > 0) {
			c->madiff_html = orig;
			c->madiff_text = text.n;
			left = orig;
			for (j = 0; j < text.n; j++) {
				k = wl_find(&html, text.v[j].w);
				if (k >= 0 && html.v[k].n - text.v[j].n < 1)
					left--;
			}
			if (100.0 * left / orig > c->madiff)
				c->madiff = 100.0 * left / orig;
		}
		wl_free(&html);
		wl_free(&text);
	}
	buf_free(&dec);
	return c;
}

/* ev_madiff - multipart_alternative_difference: BodyEval: HTML words
 * missing from the text alternative, in percent, in (min, max] */
static int
ev_madiff(struct eval_msg *em, int argc, char **argv)
{
	double d = madiff(em)->madiff, min = arg_num(argc, argv, 0, 0);

	return (min == 0 || d > min) && (arg_undef(argc, argv, 1) ||
	    d <= arg_num(argc, argv, 1, 0));
}

/* ev_madiff_count - multipart_alternative_difference_count: BodyEval */
static int
ev_madiff_count(struct eval_msg *em, int argc, char **argv)
{
	struct body_cache *c = madiff(em);

	if (!(c->madiff_html > arg_num(argc, argv, 1, 0)))
		return 0;
	return c->madiff_text / c->madiff_html > arg_num(argc, argv, 0, 0);
}

/* valid_domain - RegistryBoundaries trim_domain and is_domain_valid:
 * the registrable domain of host into d, 0 when it is not valid */
static int
valid_domain(const char *host, struct buf *d)
{
	struct buf l = BUF_INIT;
	const char *tld;
	int ok;

	buf_adds(&l, host);
	lower(l.data ? l.data : (char *)"");
	ok = uri_domain(buf_str(&l), d) != NULL &&
	    (tld = strrchr(buf_str(d), '.')) != NULL &&
	    uri_tld_valid(tld + 1, strlen(tld + 1));
	buf_free(&l);
	return ok;
}

/*
 * https_other - HTTPSMismatch: does an anchor text show an https URL
 * whose (registrable) domain is not dom?
 */
static int
https_other(const char *dom, const char *text, size_t n)
{
	struct buf hd = BUF_INIT;
	size_t ov[4];
	char *t = xstrndup(text, n), *hs;
	int hit = 0;

	if (rx_match("https://([^\\s/:?#]+)", RXI, t, ov, 2)) {
		hs = xstrndup(t + ov[2], ov[3] - ov[2]);
		if (rx_match("^\\d+\\.\\d+\\.\\d+\\.\\d+$", 0, hs, NULL, 0))
			hit = strcmp(dom, hs) != 0;
		else if (valid_domain(hs, &hd))
			hit = strcmp(dom, buf_str(&hd)) != 0;
		free(hs);
	}
	free(t);
	buf_free(&hd);
	return hit;
}

/* anchor_cmp - order anchors by href, then by position (qsort) */
static int
anchor_cmp(const void *x, const void *y)
{
	const struct anchor *a = x, *b = y;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, n);

	if (c != 0)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return a->text < b->text ? -1 : a->text > b->text;
}

/* anchor_same - do two anchors have the same href? */
static int
anchor_same(const struct anchor *a, const struct anchor *b)
{
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

/* href_domain - HTTPSMismatch: the registrable domain of an http(s)
 * href that is not an IP address, into d; 0 when there is none */
static int
href_domain(const struct anchor *a, struct buf *d)
{
	struct buf host = BUF_INIT;
	size_t ov[4];
	int ok = 0;

	buf_add(&host, a->key, a->klen);
	if (rx_match("^https?://([^/:?#]+)", RXI, buf_str(&host), ov, 2)) {
		buf_trunc(&host, ov[3]);
		buf_drop(&host, ov[2]);
		ok = !rx_match("^\\d+\\.\\d+\\.\\d+\\.\\d+$", 0,
		    buf_str(&host), NULL, 0) &&
		    valid_domain(buf_str(&host), d);
	}
	buf_free(&host);
	return ok;
}

/* ev_https_http_mismatch - check_https_http_mismatch: HTTPSMismatch: a
 * link whose text shows an https URL of another domain than the link's */
static int
ev_https_http_mismatch(struct eval_msg *em, int argc, char **argv)
{
	struct buf d = BUF_INIT;
	double minanchors = arg_num(argc, argv, 0, 0);
	struct anchor *v = NULL;
	size_t nv, cap, k, g;
	int i, r = 0;

	if (minanchors == 0)
		minanchors = 1;
	for (i = 0; i < nhtml(em) && !r; i++) {
		const struct html *h = &em->mt->html[i];
		struct anchor a;
		int hit = 0, anchors = 0;

		/* uri_detail is keyed by href: the anchors grouped by it */
		nv = cap = 0;
		for (anchor_first(h, &a); a.text != NULL; anchor_next(h, &a)) {
			if (nv == cap) {
				cap = cap ? 2 * cap : 64;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[nv++] = a;
		}
		if (nv > 1)
			qsort(v, nv, sizeof(*v), anchor_cmp);
		/* SA counts every usable href, then decides */
		for (k = 0; k < nv; k = g) {
			for (g = k + 1; g < nv && anchor_same(&v[k], &v[g]);)
				g++;
			if (!href_domain(&v[k], &d))
				continue;
			anchors++;
			for (; k < g && !hit; k++)
				hit = https_other(buf_str(&d), v[k].text,
				    v[k].tlen);
		}
		r = hit && anchors >= minanchors &&
		    (arg_undef(argc, argv, 1) ||
		    anchors < arg_num(argc, argv, 1, 0));
	}
	free(v);
	buf_free(&d);
	return r;
}

/* ev_https_ip_mismatch - check_https_ip_mismatch: URIEval: a link to an IP
 * address whose text shows an https URL */
static int
ev_https_ip_mismatch(struct eval_msg *em, int argc, char **argv)
{
	static const char ip_url[] =
	    "^https?:/*(?:[^@/]+@)?\\d+\\.\\d+\\.\\d+\\.\\d+";
	static const char ips_url[] =
	    "^https:/*(?:[^@/]+@)?\\d+\\.\\d+\\.\\d+\\.\\d+";
	int i;

	for (i = 0; i < nhtml(em); i++) {
		const struct html *h = &em->mt->html[i];
		struct anchor a;

		for (anchor_first(h, &a); a.text != NULL; anchor_next(h, &a)) {
			char *key = xstrndup(a.key, a.klen), *t;
			int r = 0;

			if (rx_match(ip_url, RXI, key, NULL, 0)) {
				t = xstrndup(a.text, a.tlen);
				r = !rx_match(ips_url, RXI, t, NULL, 0) &&
				    rx_match("https:", RXI, t, NULL, 0);
				free(t);
			}
			free(key);
			if (r)
				return 1;
		}
	}
	return 0;
}

/* ev_ma_non_text - check_ma_non_text: MIMEEval: a multipart/alternative
 * with a leaf that is not text (nor application/rtf) */
static int
ev_ma_non_text(struct eval_msg *em, int argc, char **argv)
{
	const struct mime *m;
	int i, j;

	if (em->mt == NULL)
		return 0;
	m = &em->mt->mime;
	for (i = 0; i < m->nparts; i++) {
		if (strcmp(m->part[i].type, "multipart/alternative") != 0)
			continue;
		for (j = i + 1; j < m->nparts; j++) {
			const struct mime_part *p = &m->part[j];

			if (p->parent != i || p->is_multipart || p->is_message)
				continue;
			if (strcmp(p->type, "multipart/related") == 0 ||
			    strcmp(p->type, "application/rtf") == 0 ||
			    strncmp(p->type, "text/", 5) == 0)
				continue;
			return 1;
		}
	}
	return 0;
}

/* ev_stock_info - check_stock_info: BodyEval: stock-spam labels
 * ("Symbol:", "Target Price:") in the first text/plain part, distinct ones
 * counted */
static int
ev_stock_info(struct eval_msg *em, int argc, char **argv)
{
	static const char *const label = "^(trad(?:e|ing)date|company(?:name)?|"
	    "s\\w?(?:t\\w?o\\w?c\\w?k|y\\w?m(?:\\w?b\\w?o\\w?l)?)|"
	    "t(?:arget|icker)|(?:opening|current)p(?:rice)?|"
	    "p(?:rojected|osition)|expectations|weeks?high|marketperformance|"
	    "(?:year|week|month|day|price)(?:target|estimates?)|sector|"
	    "r(?:ecommendation|ating))$";
	struct addrs hits = { 0 };
	struct buf dec = BUF_INIT, t = BUF_INIT;
	double min = arg_num(argc, argv, 0, 0);
	size_t ov[4], pos;
	int i, n;

	for (i = 0; em->mt != NULL && i < em->mt->mime.nparts; i++)
		if (strcmp(em->mt->mime.part[i].type, "text/plain") == 0 &&
		    !em->mt->mime.part[i].is_multipart)
			break;
	if (em->mt == NULL || i == em->mt->mime.nparts)
		return min == 0;
	mime_decode(&em->mt->mime.part[i], msrc(em), &dec);
	for (pos = 0; rx_match_at("^\\s*([^:\\s][^:\\n]{2,29})\\s*:\\s*\\S",
	    RXM, buf_str(&dec), dec.len, pos, ov, 2); pos = ov[1]) {
		const char *p;

		buf_reset(&t);
		for (p = dec.data + ov[2]; p < dec.data + ov[3]; p++)
			if (*p >= 'A' && *p <= 'Z')
				buf_addc(&t, *p + 32);
			else if (*p >= 'a' && *p <= 'z')
				buf_addc(&t, *p);
		if (rx_match(label, 0, buf_str(&t), ov + 0, 0) &&
		    !fm_seen(&hits, buf_str(&t)))
			addrs_add(&hits, t.data, t.len);
		if (ov[1] <= pos)
			break;
	}
	n = hits.n;
	addrs_free(&hits);
	buf_free(&dec);
	buf_free(&t);
	return min == 0 || n >= min;
}

/* bounce_listed - VBounce: a relay name in welcomelist_bounce_relays */
static int
bounce_listed(struct fm_conf *f, const char *relay)
{
	struct buf l = BUF_INIT;
	int r;

	buf_adds(&l, relay);
	lower(l.data);
	r = saconf_listed(&f->bounce, buf_str(&l));
	buf_free(&l);
	return r;
}

/* ev_have_bounce_relays - have_any_bounce_relays: VBounce:
 * welcomelist_bounce_relays is set */
static int
ev_have_bounce_relays(struct eval_msg *em, int argc, char **argv)
{
	return fm_load(em)->bounce.n > 0;
}

/* ev_welcomelist_bounce_relays - check_welcomelist_bounce_relays: VBounce:
 * a bounce quoting a Received header of one of our relays */
static int
ev_welcomelist_bounce_relays(struct eval_msg *em, int argc, char **argv)
{
	struct fm_conf *f = fm_load(em);
	struct buf full = BUF_INIT, name = BUF_INIT;
	const char *s, *e, *nl;
	size_t ov[4], pos;
	int i, found = 0, r = 0;

	if (f->bounce.n == 0 || em->mt == NULL)
		return 0;
	for (i = 0; i < em->mt->body.n && !r; i++) {
		char *line = xstrndup(em->mt->body.text.data +
		    em->mt->body.off[i], em->mt->body.len[i]);

		if (rx_match("^[> ]*Received:", RXI, line, NULL, 0))
			for (pos = 0; !r && rx_match_at(" (\\S+\\.\\S+) ", 0,
			    line, strlen(line), pos, ov, 2); pos = ov[1] - 1) {
				buf_reset(&name);
				buf_add(&name, line + ov[2], ov[3] - ov[2]);
				r = bounce_listed(f, buf_str(&name));
			}
		free(line);
	}
	/* the pristine body, Received lines with their continuations */
	s = em->msg + em->body_off;
	e = em->msg + em->len;
	for (; !r && em->body_off < em->len && s < e; s = nl) {
		nl = memchr(s, '\n', (size_t)(e - s));
		nl = nl ? nl + 1 : e;
		char *line = xstrndup(s, (size_t)(nl - s));

		line[strcspn(line, "\n")] = '\0';
		if (!found && !rx_match("^[> ]*Received:", RXI, line, NULL,
		    0)) {
			free(line);
			continue;
		}
		found = 1;
		if (line[0] == ' ' || line[0] == '\t')
			buf_adds(&full, line);
		else {
			buf_reset(&full);
			buf_adds(&full, line);
		}
		free(line);
		if (!rx_match("^[> ]*Received:", RXI, buf_str(&full), NULL, 0))
			continue;
		for (pos = 0; !r && rx_match_at("\\s(\\S+\\.\\S+)\\s", 0,
		    buf_str(&full), full.len, pos, ov, 2); pos = ov[1] - 1) {
			buf_reset(&name);
			buf_add(&name, full.data + ov[2], ov[3] - ov[2]);
			r = bounce_listed(f, buf_str(&name));
		}
	}
	buf_free(&full);
	buf_free(&name);
	return r;
}

/*
 * AntiVirus: executables and mislabelled attachments
 */

struct av_cache {
	int	 exe, suspect;
};

/* ct_name - the name parameter of a Content-Type value, lower-cased */
static void
ct_name(const char *ct, struct buf *out)
{
	size_t ov[4];

	buf_reset(out);
	if (rx_match("(?:^|[;\\s])name\\s*=\\s*[\"']?([^\"';]*)", RXI, ct,
	    ov, 2))
		buf_add(out, ct + ov[2], ov[3] - ov[2]);
	while (out->len > 0 && isspace((unsigned char)out->data[out->len - 1]))
		out->data[--out->len] = '\0';
	lower(out->data ? out->data : (char *)"");
}

/* file names AntiVirus takes for Windows executables */
static const char av_exe[] = "\\.(?:ade|adp|asx|bas|bat|chm|cmd|com|cpl|"
    "crt|dll|exe|hlp|hta|inf|ins|isp|js|jse|lnk|mda|mdb|mde|mdt|mdw|mdz|"
    "msc|msi|msp|mst|nws|ops|pcd|pif|prf|reg|scf|scr\\??|sct|shb|shs|shm|"
    "swf|url|vb|vbe|vbs|vbx|vxd|wsc|wsf|wsh)$";

/* extensions and the types AntiVirus expects for them */
static const struct {
	const char	*ext;		/* pattern on the extension */
	const char	*type;		/* what the type must match */
} av_types[] = {
	{ "^(?:txt|[px]?html?|xml)$", "^(?:text/(?:plain|[px]?html?|english|"
	    "sgml|xml|enriched|richtext)|message/external-body)" },
	{ "^(?:jpe?g|tiff?|gif|png)$", "^(?:image/|application/mac-binhex)" },
	{ "^vcf$", "^text/vcard$" },
	{ "^(?:bat|com|exe|pif|scr|swf|vbs)$", "^application/" },
	{ "^doc$", "^application/.*word$" },
	{ "^ppt$", "^application/.*(?:powerpoint|ppt)$" },
	{ "^xls$", "^application/.*excel$" },
};

/* suspect_name - AntiVirus: an extension the type contradicts */
static int
suspect_name(const char *ext, const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(av_types) / sizeof(av_types[0]); i++)
		if (rx_match(av_types[i].ext, 0, ext, NULL, 0) &&
		    !rx_match(av_types[i].type, 0, type, NULL, 0))
			return 1;
	return 0;
}

/* uuencoded_exe - AntiVirus: a uuencoded executable in text lines */
static int
uuencoded_exe(const char *s, const char *e)
{
	const char *nl;

	for (; s < e; s = nl) {
		nl = memchr(s, '\n', (size_t)(e - s));
		nl = nl ? nl + 1 : e;
		if (rx_match_at("^M35[GHIJK].`..`..*````", 0, s,
		    (size_t)(nl - s), 0, NULL, 0))
			return 1;
	}
	return 0;
}

/* av_info - AntiVirus _check_attachments over the leaves */
static struct av_cache *
av_info(struct eval_msg *em)
{
	struct av_cache *c = em->cache[C_AV];
	struct buf ct = BUF_INIT, name = BUF_INIT, cte = BUF_INIT;
	int i;

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_AV] = c;
	for (i = 0; em->mt != NULL && i < em->mt->mime.nparts; i++) {
		const struct mime_part *p = &em->mt->mime.part[i];
		const char *s = msrc(em) + p->body_off, *e = s + p->body_len;
		const char *type = p->type, *ext, *nl;
		char t2[256];

		if (p->is_multipart || p->is_message)
			continue;
		buf_reset(&ct);
		if (mime_header(msrc(em), p, "Content-Type", &ct) == NULL)
			buf_reset(&ct);
		ct_name(buf_str(&ct), &name);
		part_header(em, p, "Content-Transfer-Encoding", &cte);
		nl = memchr(s, '\n', (size_t)(e - s));
		if (name.len && rx_match(av_exe, 0, buf_str(&name), NULL, 0))
			c->exe = 1;
		else if (strstr(buf_str(&cte), "base64") != NULL && s < e &&
		    rx_match_at("^TV[opqr].A..[AB].[AQgw][A-H].A", 0, s,
		    nl ? (size_t)(nl - s) : (size_t)(e - s), 0, NULL, 0))
			c->exe = 1;
		else if (strncmp(type, "text", 4) == 0 && (type[4] == '\0' ||
		    !isalnum((unsigned char)type[4])))
			c->exe |= uuencoded_exe(s, e);
		if (name.len == 0 ||
		    strcmp(type, "application/octet-stream") == 0)
			continue;
		ext = strrchr(buf_str(&name), '.');
		ext = ext ? ext + 1 : buf_str(&name);
		/* s@/(x-|vnd\.)@/@ */
		snprintf(t2, sizeof(t2), "%s", type);
		{
			char *sl = strchr(t2, '/');

			if (sl && strncmp(sl + 1, "x-", 2) == 0)
				memmove(sl + 1, sl + 3, strlen(sl + 3) + 1);
			else if (sl && strncmp(sl + 1, "vnd.", 4) == 0)
				memmove(sl + 1, sl + 5, strlen(sl + 5) + 1);
		}
		if (suspect_name(ext, t2))
			c->suspect = 1;
	}
	buf_free(&ct);
	buf_free(&name);
	buf_free(&cte);
	return c;
}

/* ev_microsoft_executable - check_microsoft_executable: AntiVirus: a
 * Windows executable */
static int
ev_microsoft_executable(struct eval_msg *em, int argc, char **argv)
{
	return av_info(em)->exe;
}

/* ev_suspect_name - check_suspect_name: AntiVirus: a file name its type
 * contradicts */
static int
ev_suspect_name(struct eval_msg *em, int argc, char **argv)
{
	return av_info(em)->suspect;
}

/*
 * FromNameSpoof, with the plugin's defaults (fns_extrachars 50,
 * fns_check 1, no fns_add_addrlist, fns_ignore_dkim, fns_ignore_header)
 */

struct fns_cache {
	int	 addr_diff, domain_diff, owner_diff, contains_email;
	int	 eq_replyto, eq_to;
};

/* fns_owner - FromNameSpoof _find_address_owner without lists: the
 * first label of the registrable domain */
static void
fns_owner(const char *domain, char *out, size_t n)
{
	const char *dot = strchr(domain, '.');

	snprintf(out, n, "%.*s", dot ? (int)(dot - domain) :
	    (int)strlen(domain), domain);
}

/* an address in a From name, as FromNameSpoof finds it */
static const char fns_addr[] =
    "\\b([\\w.!#$%&'*+/=?^_`{|}~-]+@\\w[\\w-]*\\.\\w[\\w.-]++)\\b";

/* fns_info - FromNameSpoof _check_fromnamespoof */
static struct fns_cache *
fns_info(struct eval_msg *em)
{
	struct fns_cache *c = em->cache[C_FNS];
	struct buf fa = BUF_INIT, fn = BUF_INIT, fd = BUF_INIT, nd = BUF_INIT;
	struct buf host = BUF_INIT, rt = BUF_INIT;
	struct addrs to = { 0 };
	char *naddr = NULL, o1[256], o2[256];
	size_t ov[4], k;
	int i, extra = 0;
	const char *at;

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_FNS] = c;
	hget(em, "From:addr", &fa);
	lower(fa.data);
	if ((at = strrchr(buf_str(&fa), '@')) == NULL ||
	    !valid_domain(at + 1, &fd))
		goto out;
	hget(em, "From:name", &fn);
	lower(fn.data);
	if (!rx_match(fns_addr, 0, buf_str(&fn), ov, 2))
		goto out;
	naddr = xstrndup(fn.data + ov[2], ov[3] - ov[2]);
	at = strrchr(naddr, '@');
	if (!valid_domain(at + 1, &nd))
		goto out;
	c->contains_email = 1;
	/* characters around the address beyond it */
	for (k = 0; k < fn.len; k++)
		if (!isalnum((unsigned char)fn.data[k]))
			extra++;
	for (k = 0; naddr[k]; k++)
		if (!isalnum((unsigned char)naddr[k]))
			extra--;
	if ((long)fn.len + extra - (long)strlen(naddr) > 50)
		goto out;
	fns_owner(buf_str(&nd), o1, sizeof(o1));
	fns_owner(buf_str(&fd), o2, sizeof(o2));
	c->addr_diff = strcmp(naddr, buf_str(&fa)) != 0;
	c->domain_diff = strcmp(buf_str(&nd), buf_str(&fd)) != 0;
	c->owner_diff = strcmp(o1, o2) != 0;
	hget(em, "Reply-To:addr", &rt);
	lower(rt.data);
	c->eq_replyto = strcmp(naddr, buf_str(&rt)) == 0;
	addrs_header(em, "To", &to);
	addrs_header(em, "Cc", &to);
	for (i = 0; i < to.n; i++)
		if (strcmp(lower(to.v[i]), naddr) == 0)
			c->eq_to = 1;
out:
	free(naddr);
	addrs_free(&to);
	buf_free(&fa);
	buf_free(&fn);
	buf_free(&fd);
	buf_free(&nd);
	buf_free(&host);
	buf_free(&rt);
	return c;
}

/* ev_fromname_spoof - check_fromname_spoof: FromNameSpoof: the From name
 * shows another address (level 0), of another owner (1, the default) or
 * domain (2) */
static int
ev_fromname_spoof(struct eval_msg *em, int argc, char **argv)
{
	struct fns_cache *c = fns_info(em);
	int lvl = 1;

	if (argc > 0 && argv[0][0] >= '0' && argv[0][0] <= '2' &&
	    argv[0][1] == '\0')
		lvl = argv[0][0] - '0';
	if (lvl == 0)
		return c->addr_diff;
	if (lvl == 1)
		return c->addr_diff && c->owner_diff;
	return c->addr_diff && c->domain_diff;
}

/* ev_fromname_different - check_fromname_different: FromNameSpoof */
static int
ev_fromname_different(struct eval_msg *em, int argc, char **argv)
{
	return fns_info(em)->addr_diff;
}

/* ev_fromname_domain_differ - check_fromname_domain_differ: FromNameSpoof */
static int
ev_fromname_domain_differ(struct eval_msg *em, int argc, char **argv)
{
	return fns_info(em)->domain_diff;
}

/* ev_fromname_contains_email - check_fromname_contains_email:
 * FromNameSpoof */
static int
ev_fromname_contains_email(struct eval_msg *em, int argc, char **argv)
{
	return fns_info(em)->contains_email;
}

/* ev_fromname_equals_to - check_fromname_equals_to: FromNameSpoof */
static int
ev_fromname_equals_to(struct eval_msg *em, int argc, char **argv)
{
	return fns_info(em)->eq_to;
}

/* ev_fromname_owners_differ - check_fromname_owners_differ: FromNameSpoof */
static int
ev_fromname_owners_differ(struct eval_msg *em, int argc, char **argv)
{
	return fns_info(em)->owner_diff;
}

/* ev_fromname_equals_replyto - check_fromname_equals_replyto:
 * FromNameSpoof */
static int
ev_fromname_equals_replyto(struct eval_msg *em, int argc, char **argv)
{
	return fns_info(em)->eq_replyto;
}

/* list_has - is s one of the entries of a list? */
static int
list_has(const struct saconf_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* ev_short_url - short_url: DecodeShortURLs: a link through a known URL
 * shortener (following it is a network test) */
static int
ev_short_url(struct eval_msg *em, int argc, char **argv)
{
	struct fm_conf *f = fm_load(em);
	size_t ov[6];
	int i, r = 0;

	if (em->mt == NULL || f->shortener.n == 0)
		return 0;
	for (i = 0; i < em->mt->uris.n && !r; i++) {
		const char *u = em->mt->uris.v[i], *h, *p;
		char host[256];
		int levels = 0, has_path;

		if (!rx_match("^https?://(?:[^@/?#]*@)?([^/?#:]+)(?::\\d+)?"
		    "([^#?]*?\\w)?", RXI, u, ov, 3) || ov[3] - ov[2] >=
		    sizeof(host))
			continue;
		snprintf(host, sizeof(host), "%.*s", (int)(ov[3] - ov[2]),
		    u + ov[2]);
		lower(host);
		has_path = ov[4] != (size_t)-1;
		for (p = host; *p; p++)
			levels += *p == '.';
		if (levels == 1 && !has_path)
			continue;
		h = NULL;
		if (list_has(&f->shortener, host))
			r = 1;
		else if (levels == 2 && strncmp(host, "www.", 4) == 0)
			r = list_has(&f->shortener, host + 4);
		else if (levels == 2 && (h = strchr(host, '.')) != NULL)
			r = list_has(&f->shortener, h);
	}
	return r;
}

/*
 * ImageInfo: base64 image parts (gif, png, jpeg) and their sizes
 */

#define IMG_TYPES	3	/* gif, png, jpeg; "all" is the sum */

struct img_dim {
	int		 type;
	unsigned long	 h, w;
};

struct image_cache {
	double		 pc[IMG_TYPES + 1];	/* pixels; [3]: all */
	int		 count[IMG_TYPES + 1];
	struct img_dim	*dim;
	int		 ndim;
	struct addrs	 names;
};

/* image_cache_free - free the dimensions and names */
static void
image_cache_free(struct image_cache *c)
{
	free(c->dim);
	addrs_free(&c->names);
}

/* be16 - be16, be32: big-endian integers */
static unsigned long
be16(const unsigned char *p)
{
	return ((unsigned long)p[0] << 8) | p[1];
}

static unsigned long
be32(const unsigned char *p)
{
	return ((unsigned long)p[0] << 24) | ((unsigned long)p[1] << 16) |
	    ((unsigned long)p[2] << 8) | p[3];
}

/* img_size - ImageInfo's get_details: height and width, 0 when none */
static void
img_size(int type, const unsigned char *d, size_t n, unsigned long *h,
    unsigned long *w)
{
	size_t pos;

	*h = *w = 0;
	if (type == 0) {
		if (n >= 10 && memcmp(d, "GIF8", 4) == 0 && (d[4] == '7' ||
		    d[4] == '9') && d[5] == 'a') {
			*w = d[6] | ((unsigned long)d[7] << 8);
			*h = d[8] | ((unsigned long)d[9] << 8);
		}
	} else if (type == 1) {
		if (n < 8 || memcmp(d, "\x89PNG\r\n\x1a\n", 8) != 0)
			return;
		/* as ImageInfo.pm: steps of 8 bytes until IHDR or IEND */
		for (pos = 8; pos + 8 <= n; pos += 8) {
			if (memcmp(d + pos + 4, "IEND", 4) == 0)
				break;
			if (memcmp(d + pos + 4, "IHDR", 4) == 0 &&
			    be32(d + pos) == 13) {
				if (pos + 16 <= n) {
					*w = be32(d + pos + 8);
					*h = be32(d + pos + 12);
				}
				break;
			}
		}
	} else {
		if (n < 2 || d[0] != 0xFF || d[1] != 0xD8)
			return;
		for (pos = 2; pos + 4 <= n;) {
			unsigned mark = d[pos + 1];
			size_t len = be16(d + pos + 2);

			if (d[pos] != 0xFF || mark == 0xDA || mark == 0xD9 ||
			    len < 2)
				break;
			pos += 4;
			if ((mark >= 0xC0 && mark <= 0xC3) || (mark >= 0xC5 &&
			    mark <= 0xC7) || (mark >= 0xC9 && mark <= 0xCB) ||
			    (mark >= 0xCD && mark <= 0xCF)) {
				if (pos + 5 <= n) {
					*h = be16(d + pos + 1);
					*w = be16(d + pos + 3);
				}
				break;
			}
			pos += len - 2 < n - pos ? len - 2 : n - pos;
		}
	}
}

/* image_info - ImageInfo _get_images, computed once */
static struct image_cache *
image_info(struct eval_msg *em)
{
	struct image_cache *c = em->cache[C_IMAGE];
	struct buf cte = BUF_INIT, dec = BUF_INIT;
	int i, t, k;

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof(*c));
	em->cache[C_IMAGE] = c;
	for (i = 0; em->mt != NULL && i < em->mt->mime.nparts; i++) {
		const struct mime_part *p = &em->mt->mime.part[i];
		unsigned long h, w;

		if (p->is_multipart || p->is_message)
			continue;
		if (strcmp(p->type, "image/gif") == 0)
			t = 0;
		else if (strcmp(p->type, "image/png") == 0)
			t = 1;
		else if (strcmp(p->type, "image/jpeg") == 0 ||
		    strcmp(p->type, "image/jpg") == 0)
			t = 2;
		else
			continue;
		if (strcmp(part_header(em, p, "Content-Transfer-Encoding",
		    &cte), "base64") != 0)
			continue;
		buf_reset(&dec);
		mime_decode(p, msrc(em), &dec);
		img_size(t, (const unsigned char *)dec.data, dec.len, &h, &w);
		c->count[t]++;
		c->count[IMG_TYPES]++;
		if (h == 0 || w == 0)
			continue;
		c->pc[t] += (double)h * (double)w;
		c->pc[IMG_TYPES] += (double)h * (double)w;
		for (k = 0; k < c->ndim; k++)
			if (c->dim[k].type == t && c->dim[k].h == h &&
			    c->dim[k].w == w)
				break;
		if (k == c->ndim && c->ndim < 1000) {
			c->dim = xreallocarray(c->dim, (size_t)c->ndim + 1,
			    sizeof(*c->dim));
			c->dim[c->ndim].type = t;
			c->dim[c->ndim].h = h;
			c->dim[c->ndim].w = w;
			c->ndim++;
		}
		if (p->filename != NULL && p->filename[0] != '\0' &&
		    !fm_seen(&c->names, p->filename))
			addrs_add(&c->names, p->filename, strlen(p->filename));
	}
	buf_free(&cte);
	buf_free(&dec);
	return c;
}

/* img_type - 0..2 for gif, png, jpeg, IMG_TYPES for all, -1 else */
static int
img_type(const char *s)
{
	if (strcmp(s, "gif") == 0)
		return 0;
	if (strcmp(s, "png") == 0)
		return 1;
	if (strcmp(s, "jpeg") == 0)
		return 2;
	if (strcmp(s, "all") == 0)
		return IMG_TYPES;
	return -1;
}

/* result_check - ImageInfo: min <= v <= max (max undef: open) */
static int
result_check(int argc, char **argv, int imin, double v, int nomaxequal)
{
	if (v < arg_num(argc, argv, imin, 0))
		return 0;
	if (!arg_undef(argc, argv, imin + 1)) {
		double max = arg_num(argc, argv, imin + 1, 0);

		if (v > max || (nomaxequal && v == max))
			return 0;
	}
	return 1;
}

/* ev_image_count - image_count: ImageInfo: number of images of a type in
 * range */
static int
ev_image_count(struct eval_msg *em, int argc, char **argv)
{
	int t;

	if (argc < 2 || (t = img_type(argv[0])) < 0)
		return 0;
	return result_check(argc, argv, 1, image_info(em)->count[t], 0);
}

/* ev_pixel_coverage - pixel_coverage: ImageInfo: image area of a type in
 * range */
static int
ev_pixel_coverage(struct eval_msg *em, int argc, char **argv)
{
	int t;

	if (argc < 2 || (t = img_type(argv[0])) < 0)
		return 0;
	return result_check(argc, argv, 1, image_info(em)->pc[t], 0);
}

/* ev_image_to_text_ratio - image_to_text_ratio: ImageInfo: body length per
 * image pixel */
static int
ev_image_to_text_ratio(struct eval_msg *em, int argc, char **argv)
{
	struct image_cache *c;
	double len = 0;
	int t, i;

	if (argc < 3 || (t = img_type(argv[0])) < 0)
		return 0;
	c = image_info(em);
	for (i = 0; em->mt != NULL && i < em->mt->body.n; i++)
		len += (double)em->mt->body.len[i];
	if (len <= 0 || c->pc[t] <= 0)
		return 0;
	return result_check(argc, argv, 1, len / c->pc[t], 1);
}

/* ev_image_size_exact - image_size_exact: ImageInfo: an image of height x
 * width */
static int
ev_image_size_exact(struct eval_msg *em, int argc, char **argv)
{
	struct image_cache *c;
	int t, k;

	if (argc < 3 || (t = img_type(argv[0])) < 0)
		return 0;
	c = image_info(em);
	for (k = 0; k < c->ndim; k++)
		if ((t == IMG_TYPES || c->dim[k].type == t) &&
		    (double)c->dim[k].h == arg_num(argc, argv, 1, -1) &&
		    (double)c->dim[k].w == arg_num(argc, argv, 2, -1))
			return 1;
	return 0;
}

/* ev_image_size_range - image_size_range: ImageInfo: an image within
 * height/width bounds */
static int
ev_image_size_range(struct eval_msg *em, int argc, char **argv)
{
	struct image_cache *c;
	int t, k;

	if (argc < 3 || (t = img_type(argv[0])) < 0)
		return 0;
	c = image_info(em);
	for (k = 0; k < c->ndim; k++) {
		double h = (double)c->dim[k].h, w = (double)c->dim[k].w;

		if (t != IMG_TYPES && c->dim[k].type != t)
			continue;
		if (h < arg_num(argc, argv, 1, 0) ||
		    w < arg_num(argc, argv, 2, 0))
			continue;
		if (!arg_undef(argc, argv, 3) && h > arg_num(argc, argv, 3, 0))
			continue;
		if (!arg_undef(argc, argv, 4) && w > arg_num(argc, argv, 4, 0))
			continue;
		return 1;
	}
	return 0;
}

/* ev_image_named - image_named: ImageInfo: an image part of that file name */
static int
ev_image_named(struct eval_msg *em, int argc, char **argv)
{
	return argc > 0 && fm_seen(&image_info(em)->names, argv[0]);
}

/* ev_image_name_regex - image_name_regex: ImageInfo: an image file name
 * matches */
static int
ev_image_name_regex(struct eval_msg *em, int argc, char **argv)
{
	struct image_cache *c;
	int i;

	if (argc < 1)
		return 0;
	c = image_info(em);
	for (i = 0; i < c->names.n; i++)
		if (rx_arg_match(argv[0], c->names.v[i],
		    strlen(c->names.v[i])))
			return 1;
	return 0;
}

/*
 * The table
 */

/*
 * check_bayes(MIN, MAX) - Bayes.pm: the probability the store gave is
 * above MIN (or MIN is 0) and at most MAX (or MAX is "undef")
 */
static int
ev_check_bayes(struct eval_msg *em, int argc, char **argv)
{
	double lo, hi;

	if (!em->bayes_ok || argc < 2)
		return 0;
	lo = strtod(argv[0], NULL);
	hi = strcmp(argv[1], "undef") == 0 ? 2 : strtod(argv[1], NULL);
	return (lo == 0 || em->bayes_prob > lo) && em->bayes_prob <= hi;
}

static const struct {
	const char	*name;
	eval_fn		 fn;
} evals[] = {
	/* HeaderEval */
	{ "check_for_shifted_date", ev_shifted_date },
	{ "check_outlook_message_id", ev_outlook_message_id },
	{ "check_equal_from_domains", ev_equal_from_domains },
	{ "check_for_matching_env_and_hdr_from",
	    ev_matching_env_and_hdr_from },
	{ "check_for_missing_to_header", ev_missing_to },
	{ "subject_is_all_caps", ev_subject_all_caps },
	{ "check_for_to_in_subject", ev_to_in_subject },
	{ "sorted_recipients", ev_sorted_recipients },
	{ "similar_recipients", ev_similar_recipients },
	{ "check_illegal_chars", ev_illegal_chars },
	{ "check_header_count_range", ev_header_count_range },
	{ "check_for_unique_subject_id", ev_zero },
	{ "check_messageid_not_usable", ev_messageid_not_usable },
	{ "check_unresolved_template", ev_unresolved_template },
	{ "check_ratware_name_id", ev_ratware_name_id },
	{ "check_ratware_envelope_from", ev_ratware_envelope_from },
	{ "check_for_faraway_charset_in_headers",
	    ev_faraway_charset_in_headers },
	/* WLBLEval */
	{ "check_from_in_welcomelist", ev_from_in_welcomelist },
	{ "check_from_in_whitelist", ev_from_in_welcomelist },
	{ "check_from_in_blocklist", ev_from_in_blocklist },
	{ "check_from_in_blacklist", ev_from_in_blocklist },
	{ "check_from_in_list", ev_from_in_list },
	{ "check_mailfrom_matches_rcvd", ev_mailfrom_matches_rcvd },
	{ "check_to_in_welcomelist", ev_to_in_welcomelist },
	{ "check_to_in_whitelist", ev_to_in_welcomelist },
	{ "check_to_in_blocklist", ev_to_in_blocklist },
	{ "check_to_in_blacklist", ev_to_in_blocklist },
	{ "check_to_in_more_spam", ev_to_in_more_spam },
	{ "check_to_in_all_spam", ev_to_in_all_spam },
	{ "check_replyto_in_list", ev_replyto_in_list },
	{ "check_from_in_default_welcomelist",
	    ev_from_in_default_welcomelist },
	{ "check_from_in_default_whitelist", ev_from_in_default_welcomelist },
	{ "check_uri_host_in_welcomelist", ev_uri_host_in_welcomelist },
	{ "check_uri_host_in_whitelist", ev_uri_host_in_welcomelist },
	{ "check_uri_host_in_blocklist", ev_uri_host_in_blocklist },
	{ "check_uri_host_in_blacklist", ev_uri_host_in_blocklist },
	{ "check_uri_host_listed", ev_uri_host_listed },
	{ "check_subject_in_welcomelist", ev_subject_in_welcomelist },
	{ "check_subject_in_whitelist", ev_subject_in_welcomelist },
	{ "check_subject_in_blocklist", ev_subject_in_blocklist },
	{ "check_subject_in_blacklist", ev_subject_in_blocklist },
	/* FreeMail */
	{ "check_freemail_from", ev_freemail_from },
	{ "check_freemail_header", ev_freemail_header },
	{ "check_freemail_replyto", ev_freemail_replyto },
	{ "check_freemail_body", ev_freemail_body },
	/* MIMEEval */
	{ "check_for_mime", ev_for_mime },
	{ "check_for_mime_html", ev_mime_html },
	{ "check_for_mime_html_only", ev_mime_html_only },
	{ "check_mime_multipart_ratio", ev_mime_multipart_ratio },
	{ "check_for_ascii_text_illegal", ev_ascii_text_illegal },
	{ "check_abundant_unicode_ratio", ev_abundant_unicode_ratio },
	{ "check_qp_ratio", ev_qp_ratio },
	{ "check_msg_parse_flags", ev_msg_parse_flags },
	{ "check_for_faraway_charset", ev_faraway_charset },
	{ "check_base64_length", ev_base64_length },
	{ "check_for_uppercase", ev_uppercase },
	{ "check_ma_non_text", ev_ma_non_text },
	/* HTMLEval */
	{ "html_test", ev_html_test },
	{ "html_range", ev_html_range },
	{ "html_eval", ev_html_eval },
	{ "html_tag_exists", ev_html_tag_exists },
	{ "html_tag_balance", ev_html_tag_balance },
	{ "html_image_only", ev_html_image_only },
	{ "html_image_ratio", ev_html_image_ratio },
	{ "html_text_match", ev_html_text_match },
	{ "html_title_subject_ratio", ev_html_title_subject_ratio },
	{ "html_charset_faraway", ev_html_charset_faraway },
	{ "check_iframe_src", ev_iframe_src },
	/* URIEval */
	{ "check_uri_truncated", ev_uri_truncated },
	{ "check_https_ip_mismatch", ev_https_ip_mismatch },
	/* HTTPSMismatch */
	{ "check_https_http_mismatch", ev_https_http_mismatch },
	/* VBounce */
	{ "have_any_bounce_relays", ev_have_bounce_relays },
	{ "check_welcomelist_bounce_relays", ev_welcomelist_bounce_relays },
	{ "check_whitelist_bounce_relays", ev_welcomelist_bounce_relays },
	/* BodyEval */
	{ "tvd_vertical_words", ev_tvd_vertical_words },
	{ "check_blank_line_ratio", ev_blank_line_ratio },
	{ "check_body_length", ev_body_length },
	{ "check_bayes", ev_check_bayes },
	{ "check_stock_info", ev_stock_info },
	{ "multipart_alternative_difference", ev_madiff },
	{ "multipart_alternative_difference_count", ev_madiff_count },
	/* ImageInfo */
	{ "image_count", ev_image_count },
	{ "pixel_coverage", ev_pixel_coverage },
	{ "image_to_text_ratio", ev_image_to_text_ratio },
	{ "image_size_exact", ev_image_size_exact },
	{ "image_size_range", ev_image_size_range },
	{ "image_named", ev_image_named },
	{ "image_name_regex", ev_image_name_regex },
	/* AntiVirus */
	{ "check_microsoft_executable", ev_microsoft_executable },
	{ "check_suspect_name", ev_suspect_name },
	/* FromNameSpoof */
	{ "check_fromname_spoof", ev_fromname_spoof },
	{ "check_fromname_different", ev_fromname_different },
	{ "check_fromname_domain_differ", ev_fromname_domain_differ },
	{ "check_fromname_contains_email", ev_fromname_contains_email },
	{ "check_fromname_equals_to", ev_fromname_equals_to },
	{ "check_fromname_owners_differ", ev_fromname_owners_differ },
	{ "check_fromname_equals_replyto", ev_fromname_equals_replyto },
	/* DecodeShortURLs */
	{ "short_url", ev_short_url },
	/* Shortcircuit: the rule only marks where it stops */
	{ "check_shortcircuit", ev_zero },
	/* TextCat */
	{ "check_language", ev_language },
	{ "check_body_8bits", ev_body_8bits },
};

/*
 * evals that need the network or Bayes: they run only when check.c has
 * the module (dnsbl.c, pyzor.c, bayes.c) and the score set allows them;
 * otherwise, or when mailsift has no such module (Razor, DCC, SPF,
 * DKIM...), their rules are disabled with this reason
 */
static const struct {
	const char	*prefix;
	const char	*why;
} offline[] = {
	{ "check_rbl", "network test" },
	{ "check_dns_sender", "network test" },
	{ "check_uridnsbl", "network test" },
	{ "check_uridnssub", "network test" },
	{ "askdns", "network test" },
	{ "check_pyzor", "network test" },
	{ "check_razor2", "network test" },
	{ "check_dcc", "network test" },
	{ "check_for_spf_", "network test" },
	{ "check_for_def_spf_", "network test" },
	{ "check_for_dkim_", "network test" },
	{ "check_for_def_dkim_", "network test" },
	{ "check_dkim_", "network test" },
	{ "check_arc_", "network test" },
	{ "check_dmarc_", "network test" },
	{ "check_hashbl_", "network test" },
	/* TxRep and AWL */
	{ "check_senders_reputation", "reputation database" },
	{ "check_from_in_auto_", "reputation database" },
	{ "short_url_", "network test" },	/* DecodeShortURLs */
	{ "check_bayes", "Bayes" },
};

/* eval_lookup - the native function of an eval, or NULL */
eval_fn
eval_lookup(const char *name)
{
	relays_eval_fn rf;
	size_t i;

	if (name == NULL)
		return NULL;
	if ((rf = relays_eval_lookup(name)) != NULL)
		return (eval_fn)rf;
	for (i = 0; i < sizeof(evals) / sizeof(evals[0]); i++)
		if (strcmp(evals[i].name, name) == 0)
			return evals[i].fn;
	return NULL;
}

/* eval_offline - why an eval never runs in this release, or NULL */
const char *
eval_offline(const char *name)
{
	size_t i, n;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(offline) / sizeof(offline[0]); i++) {
		n = strlen(offline[i].prefix);
		if (strncmp(name, offline[i].prefix, n) == 0)
			return offline[i].why;
	}
	return NULL;
}

/* eval_msg_release - free what the evals cached for one message */
void
eval_msg_release(struct eval_msg *em)
{
	struct str_cache *s;
	struct date_cache *d;
	int i;

	if ((s = em->cache[C_ENVFROM]) != NULL)
		free(s->s);
	if ((d = em->cache[C_DATE]) != NULL)
		free(d->rcvd);
	if (em->cache[C_FROMS] != NULL)
		addrs_free(em->cache[C_FROMS]);
	if ((s = em->cache[C_LANG]) != NULL)
		free(s->s);
	if (em->cache[C_MIME] != NULL)
		mime_cache_free(em->cache[C_MIME]);
	if (em->cache[C_BODY] != NULL)
		body_cache_free(em->cache[C_BODY]);
	if (em->cache[C_IMAGE] != NULL)
		image_cache_free(em->cache[C_IMAGE]);
	for (i = 0; i < EVAL_CACHE_SLOTS; i++) {
		free(em->cache[i]);
		em->cache[i] = NULL;
	}
}
