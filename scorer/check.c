/*
 * check.c - score one message against a SpamAssassin 4.0.1 rule set, as
 * Plugin/Check.pm check_main does.
 *
 * Exports check_new, check_free, check_message, check_result_free,
 * check_tests_string, check_disabled_format, check_conf.
 *
 * check_new prepares the set once: eval arguments parsed as Conf/Parser
 * pack_eval_args does, eval functions bound (or the rule disabled with
 * the reason), header requests shared between rules, the rules of the
 * score set sorted in SA's order (priority, then head, head eval, body,
 * uri, body eval, rawbody, rawbody eval, full, full eval), metas in
 * dependency order.  Body, rawbody and uri rules get two cheap tests
 * that can only say "no match": sets of literals, every match holding
 * one string of each (read from the pattern through alternations; all
 * rules' literals are found in a text by one hashed pass, ignoring
 * case; else the longest literal, searched with memmem) and a
 * multi-line copy of the pattern tried once on the whole text; the
 * per-line loop runs only when both pass.  A pattern PCRE2 finds too large because a big group
 * is repeated ({5}) is compiled with a subroutine call instead.
 *
 * Header rules read PerMsgStatus get in list context (msgtext), the
 * X-Spam-Relays-* pseudo-headers (relays.c), ALL-TRUSTED, -INTERNAL,
 * -UNTRUSTED, -EXTERNAL and EnvelopeFrom as SA computes them; a
 * missing header matches as "" (Perl's undef).  mimeheader rules follow
 * the MIMEHeader plugin (every part, tflags range and concat).  Rules
 * using SA 4.0 captured tags (%{TAG}) run only with opts capture_tags.
 *
 * As in SA a rule whose score in the set is 0 never runs, a meta runs
 * when its score is not 0 and every meta it names has run (a rule that
 * did not run counts 0), "__" rules run but add nothing and are left
 * out of the hit list, tflags multiple adds the score for every match
 * (up to maxhits), net evals run only in sets 1 and 3, learn evals in
 * sets 2 and 3, and the total is rounded to 3 decimals before it is
 * compared with required_score.
 *
 * The message is hostile (network input; runs unprivileged in the
 * scorer).  Every PCRE2 match runs under the match and depth limits of
 * struct check_opts: a rule that reaches one stops for this message
 * (CHECK_RULE_ABORTED, one log line per message naming the rules), the
 * others still run; once the time budget is spent the remaining regex
 * rules are skipped (CHECK_TIMEOUT).  One checker may serve several
 * threads: everything a message changes lives in check_message's
 * frame, but for the match data and JIT stack, taken from a small pool
 * of the checker (under a mutex) and handed back when it is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include "bayes.h"
#include "buf.h"
#include "check.h"
#include "dns.h"
#include "dnsbl.h"
#include "evals.h"
#include "log.h"
#include "mem.h"
#include "meta.h"
#include "msgtext.h"
#include "pyzor.h"
#include "relays.h"
#include "saconf.h"

/* type order inside one priority band (Check.pm check_main) */
enum {
	T_HEAD, T_HEAD_EVAL, T_BODY, T_URI, T_BODY_EVAL, T_RAWBODY,
	T_RAWBODY_EVAL, T_FULL, T_FULL_EVAL, T_META, T_NONE
};

/* what a header rule asks for beyond msgtext_header_list */
enum { PS_NONE, PS_RELAYS, PS_ENVFROM, PS_ALL_TRUSTED, PS_ALL_INTERNAL,
	PS_ALL_UNTRUSTED, PS_ALL_EXTERNAL };

struct crule {
	struct saconf_rule *r;
	int		 idx;		/* in the saconf */
	int		 tord;		/* T_* */
	int		 run;		/* runs in a score set in use */
	unsigned	 runmask;	/* in which sets (1 << set) */
	double		 sc[4];		/* score in each set */
	int		 net;		/* NET_*: answered after the wait */
	int		 counted;	/* not a "__" rule */
	int		 multiple, maxhits, nosubject;
	eval_fn		 fn;
	int		 argc;
	char		**argv;
	int		 hslot;		/* header request, -1: none */
	int		 pseudo;	/* PS_* */
	pcre2_code	*pre;		/* multi-line prefilter or NULL */
	char		*lit;		/* a literal every match holds,
					   lower case, or NULL */
	size_t		 litlen;
	int		 pre_own;	/* pre is ours to free */
	int		 rmin, rmax, concat;	/* mimeheader tflags */
	int		 captures;	/* has named groups: sets tags */
	int		 tagged;	/* pattern uses %{TAG}: built per
					   message from r->pcre */
	char		*re2;		/* what compiled when r->pcre was
					   too large, or NULL */
	pcre2_code	**alt;		/* or: patterns whose union is the
					   too large one */
	pcre2_code	**alt_pre;	/* their prefilters (or NULL) */
	int		 nalt;
	int		*mdeps;		/* meta: the metas it names */
	int		 nmdeps;
	int		*lids;		/* literal set (dictionary ids):
					   a match holds one of them */
	int		 nlids;
	int		**alt_lids;	/* the same for each split part */
	int		*alt_nlids;
};

/* rules whose answer comes from the network (crule.net) */
#define NET_DNSBL	1	/* dnsbl.c: check_rbl*, check_uridnsbl, askdns */
#define NET_PYZOR	2	/* check_pyzor */

#define LIT_HASH	65536

/* the strings of all literal sets, indexed by their first 3 bytes */
struct litdict {
	char		**s;
	size_t		*len;
	uint32_t	*key;		/* the first 3 bytes */
	int		*next;		/* chain of one hash */
	int		 n;
	int		*head;		/* LIT_HASH chains, -1: empty */
	unsigned char	*bits;		/* LIT_HASH bits: chain not empty */
};

/* what a message's matching needs from PCRE2, kept between messages */
struct mstate {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack	*jit;
};

#define MSTATE_POOL	8

struct checker {
	pthread_mutex_t	 pool_lock;
	struct mstate	*pool[MSTATE_POOL];	/* idle, for the next
						   message (any thread) */
	int		 npool;
	struct saconf	*conf;
	struct check_opts opts;
	struct crule	*cr;		/* one per saconf rule */
	int		 n;
	int		*order;		/* non-meta rules to run, in order */
	int		 norder;
	int		*metas;		/* metas, dependencies first */
	int		 nmetas;
	char		**hreq;		/* distinct header requests */
	int		 nhreq;
	struct relays_conf *rconf;	/* trusted_networks ...; NULL: infer */
	struct litdict	 lits;
	int		*netr;		/* network rules, in order */
	int		 nnetr;
	int		 use_dnsbl, use_pyzor;	/* some rule needs them */
};

/* state of one message */
struct run {
	const struct checker *ck;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack	*jit;
	double		*val;		/* tests_already_hit */
	unsigned char	*ran;		/* exists in tests_already_hit */
	struct buf	*hval;		/* header values by slot */
	signed char	*hstate;	/* 0 unknown, 1 defined, -1 undef */
	struct msgtext	*mt;
	struct relays	*relays;
	struct mstate	*ms;
	const struct check_env *env;
	struct buf	 aborted;	/* names, for the log */
	struct buf	 lbody, lraw;	/* lower-case body, rawbody text */
	struct buf	 uritext, luri;	/* the URIs, one a line; lower case */
	size_t		*urioff, *urilen;
	int		 uristate;	/* 0 not built, 1 built, -1 unusable */
	const pcre2_code *cur;		/* the pattern of the running rule */
	struct buf	 tags;		/* captured tags: "NAME\0VALUE\0"... */
	unsigned char	*lfound[3];	/* literals held by the body, uri,
					   rawbody text; NULL: not scanned */
	struct msgtext	**parts;	/* MIME parts' header fields, lazily */
	struct check_result *res;
	double		 t0;
	int		 timeout;
	unsigned	 nregex;	/* regex rules run: the clock is
					   read every 8th */
	int		 set;		/* score set of this message */
	struct dnsbl_msg *dm;		/* DNS lists asked, or NULL */
	struct pyzor_query *pq;		/* Pyzor asked, or NULL */
	int		 pyzor_hit;
};

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * parse_args - Conf/Parser pack_eval_args: quoted strings ('' or ""),
 * or unquoted [\d.:A-Za-z-]+, separated by commas; qw(a b) is split
 * on white space; returns -1 when something is left over
 */
static int
parse_args(const char *s, int *argc, char ***argv)
{
	char **v = NULL;
	int n = 0;
	const char *e;
	char q;

	*argc = 0;
	*argv = NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	while (*s) {
		v = xreallocarray(v, n + 2, sizeof(*v));
		if (*s == '\'' || *s == '"') {
			q = *s++;
			/* .*? then the quote followed by "," or the end */
			for (e = s; *e; e++) {
				const char *t = e + 1;

				if (*e != q)
					continue;
				while (*t == ' ' || *t == '\t')
					t++;
				if (*t == ',' || *t == '\0')
					break;
			}
			if (*e != q)
				goto bad;
			v[n++] = xstrndup(s, e - s);
			s = e + 1;
		} else if (strncmp(s, "qw", 2) == 0 && s[2] &&
		    strchr("([{</|!", s[2])) {
			char close = s[2] == '(' ? ')' : s[2] == '[' ? ']' :
			    s[2] == '{' ? '}' : s[2] == '<' ? '>' : s[2];
			const char *w;

			s += 3;
			if ((e = strchr(s, close)) == NULL)
				goto bad;
			for (w = s; w < e;) {
				size_t l;

				while (w < e && strchr(" \t\n", *w))
					w++;
				for (l = 0; w + l < e && !strchr(" \t\n",
				    w[l]); l++)
					;
				if (l == 0)
					break;
				v = xreallocarray(v, n + 2, sizeof(*v));
				v[n++] = xstrndup(w, l);
				w += l;
			}
			s = e + 1;
		} else {
			for (e = s; *e && (strchr(".:-", *e) ||
			    (*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'z')
			    || (*e >= 'A' && *e <= 'Z')); e++)
				;
			if (e == s)
				goto bad;
			v[n++] = xstrndup(s, e - s);
			s = e;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',') {
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
		} else if (*s)
			goto bad;
	}
	if (v)
		v[n] = NULL;
	*argc = n;
	*argv = v;
	return 0;
bad:
	while (n > 0)
		xfree(v[--n]);
	xfree(v);
	return -1;
}

/* tflag_num - the number after "name=" in the raw tflags, or def */
static int
tflag_num(const char *tf, const char *name, int def)
{
	const char *p;
	size_t n = strlen(name);

	for (p = tf; p && (p = strstr(p, name)) != NULL; p += n)
		if ((p == tf || p[-1] == ' ' || p[-1] == '\t') &&
		    p[n] == '=' && p[n + 1] >= '0' && p[n + 1] <= '9')
			return atoi(p + n + 1);
	return def;
}

/* tflag_has - is word in the raw tflags? */
static int
tflag_has(const char *tf, const char *word)
{
	const char *p;
	size_t n = strlen(word);

	for (p = tf; p && (p = strstr(p, word)) != NULL; p += n)
		if ((p == tf || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' ||
		    p[n] == '='))
			return 1;
	return 0;
}

/* mime_range - MIMEHeader's tflags range=x-y */
static void
mime_range(const char *tf, int *rmin, int *rmax)
{
	const char *p;
	char *e;
	long a = -1, b = -1;
	int dash = 0;

	*rmin = 0;
	*rmax = 1000;
	for (p = tf; p && (p = strstr(p, "range=")) != NULL; p += 6)
		if (p == tf || p[-1] == ' ' || p[-1] == '\t')
			break;
	if (p == NULL)
		return;
	p += 6;
	if (*p >= '0' && *p <= '9')
		a = strtol(p, &e, 10), p = e;
	if (*p == '-')
		dash = 1, p++;
	if (*p >= '0' && *p <= '9')
		b = strtol(p, &e, 10), p = e;
	if (a >= 0 && dash && b >= 0)
		*rmin = a, *rmax = b;
	else if (a >= 0 && dash)
		*rmin = a;
	else if (dash && b >= 0)
		*rmax = b;
	else if (a >= 0)
		*rmin = *rmax = a;
}

/* hslot - the slot of a header request, added when new */
static int
hslot(struct checker *ck, const char *req)
{
	int i;

	for (i = 0; i < ck->nhreq; i++)
		if (strcmp(ck->hreq[i], req) == 0)
			return i;
	ck->hreq = xreallocarray(ck->hreq, ck->nhreq + 1, sizeof(char *));
	ck->hreq[ck->nhreq] = xstrdup(req);
	return ck->nhreq++;
}

/* header_request - the get() request of a header rule */
static void
header_request(const struct saconf_rule *r, struct buf *b)
{
	static const struct { unsigned f; const char *s; } mods[] = {
		{ SAH_RAW, ":raw" }, { SAH_FIRST, ":first" },
		{ SAH_LAST, ":last" }, { SAH_ADDR, ":addr" },
		{ SAH_NAME, ":name" }, { SAH_HOST, ":host" },
		{ SAH_DOMAIN, ":domain" }, { SAH_IP, ":ip" },
		{ SAH_REVIP, ":revip" },
	};
	size_t i;

	buf_reset(b);
	buf_adds(b, r->field ? r->field : "");
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (r->hmods & mods[i].f)
			buf_adds(b, mods[i].s);
}

/*
 * class_end - the index of the "]" closing the class that opens at i
 */
static size_t
class_end(const char *re, size_t n, size_t i)
{
	size_t k = i + 1;

	if (k < n && re[k] == '^')
		k++;
	if (k < n && re[k] == ']')
		k++;
	for (; k < n && re[k] != ']'; k++)
		if (re[k] == '\\')
			k++;
	return k;
}

/*
 * may_newline - can the text re[a..b) (a look-ahead's body) match a
 * newline?  (conservative: any token that might says yes)
 */
static int
may_newline(const char *re, size_t a, size_t b, int dotall)
{
	size_t i;

	for (i = a; i < b; i++) {
		if (re[i] == '\\' && i + 1 < b) {
			if (strchr("snWDvRxX0NpP", re[i + 1]))
				return 1;
			i++;
		} else if (re[i] == '[' && re[i + 1] == '^')
			return 1;
		else if (re[i] == '.' && dotall)
			return 1;
		else if (re[i] == '(' && re[i + 1] == '?' && re[i + 2] == 's')
			return 1;
	}
	return 0;
}

/*
 * prefilter_text - the pattern for a whole-text scan that finds a
 * match wherever the pattern matches one line: "$" may also match
 * just after a newline (a line's end), a negative look-ahead is true
 * there too; NULL when that cannot be promised (\A \z \Z \G \B,
 * negative look-behinds, a look-ahead that could see a newline, verbs)
 */
static char *
prefilter_text(const char *re, int dotall)
{
	size_t n = strlen(re), i, k, depth = 0;
	unsigned char close2[256];
	struct buf b = BUF_INIT;

	if (strstr(re, "\\A") || strstr(re, "\\z") || strstr(re, "\\Z") ||
	    strstr(re, "\\G") || strstr(re, "\\B") || strstr(re, "(?<!") ||
	    strstr(re, "(*") || strstr(re, "(?s") || strstr(re, "\\Q"))
		return NULL;
	for (i = 0; i < n; i++) {
		if (re[i] == '\\' && i + 1 < n) {
			buf_add(&b, re + i, 2);
			i++;
		} else if (re[i] == '[') {
			k = class_end(re, n, i);
			if (k >= n)
				goto none;
			buf_add(&b, re + i, k - i + 1);
			i = k;
		} else if (re[i] == '$')
			buf_adds(&b, "(?:$|(?<=\n))");
		else if (re[i] == '(') {
			if (depth >= sizeof(close2))
				goto none;
			close2[depth] = 0;
			if (strncmp(re + i, "(?!", 3) == 0) {
				/* its body: up to the matching ")" */
				size_t d = 1;

				for (k = i + 3; k < n && d > 0; k++) {
					if (re[k] == '\\')
						k++;
					else if (re[k] == '[')
						k = class_end(re, n, k);
					else if (re[k] == '(')
						d++;
					else if (re[k] == ')')
						d--;
				}
				if (d != 0 || may_newline(re, i + 3, k - 1,
				    dotall))
					goto none;
				buf_adds(&b, "(?:(?<=\n)|");
				close2[depth] = 1;
			}
			depth++;
			buf_addc(&b, '(');
		} else if (re[i] == ')') {
			buf_addc(&b, ')');
			if (depth > 0 && close2[--depth])
				buf_addc(&b, ')');
		} else
			buf_addc(&b, re[i]);
	}
	return buf_steal(&b);
none:
	buf_free(&b);
	return NULL;
}

/*
 * prefilter - a copy of a body/rawbody pattern with ^ and $ at every
 * line (prefilter_text), to try once on the whole text: it matches
 * wherever the pattern matches a line; NULL when none can be made
 */
static pcre2_code *
prefilter(const struct saconf_rule *r, const char *re, int *own)
{
	pcre2_code *c;
	char *t;
	int err;
	PCRE2_SIZE off;

	*own = 0;
	/* a leading "line start or a space" only narrows where a match
	 * may start: without it the scan can skip to the bytes the rest
	 * begins with, and whatever matched still matches */
	if (re != NULL && (strncmp(re, "(?:^|\\s)", 8) == 0 ||
	    strncmp(re, "(?:^|\\W)", 8) == 0) && re[8] != '\0' &&
	    strchr("?*+{|)", re[8]) == NULL)
		re += 8;
	if (re == NULL || (t = prefilter_text(re, (r->options &
	    PCRE2_DOTALL) != 0)) == NULL)
		return NULL;
	c = pcre2_compile((PCRE2_SPTR)t, PCRE2_ZERO_TERMINATED,
	    r->options | PCRE2_MULTILINE, &err, &off, NULL);
	xfree(t);
	if (c == NULL)
		return NULL;
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	*own = 1;
	return c;
}

/*
 * repeat_rewrite - a pattern PCRE2 finds too large because a big group
 * is repeated ({n}, {n,}, {n,m}: PCRE2 copies the group n times) made
 * small: (?:X){5} becomes (?:(?<msq>X)(?&msq){4}), the group written
 * once and called again (PCRE2 subroutine calls backtrack like the
 * copies would).  The largest such group is rewritten; NULL when none.
 */
static char *
repeat_rewrite(const char *re)
{
	size_t n = strlen(re), i, st[256], best_s = 0, best_e = 0, best_q = 0;
	size_t depth = 0, span = 0, k;
	long lo = -1, hi = -1, qlo = 0, qhi = 0;
	int comma = 0, qcomma = 0;
	struct buf b = BUF_INIT;

	for (i = 0; i < n; i++) {
		if (re[i] == '\\') {
			i++;
			continue;
		}
		if (re[i] == '[') {
			/* a class: "]" right after "[" or "[^" is literal */
			k = i + 1;
			if (k < n && re[k] == '^')
				k++;
			if (k < n && re[k] == ']')
				k++;
			for (; k < n && re[k] != ']'; k++)
				if (re[k] == '\\')
					k++;
			i = k;
			continue;
		}
		if (re[i] == '(') {
			if (depth < 256)
				st[depth] = i;
			depth++;
			continue;
		}
		if (re[i] != ')' || depth == 0)
			continue;
		depth--;
		if (depth >= 256 || i + 1 >= n || re[i + 1] != '{')
			continue;
		/* {n}, {n,}, {n,m} */
		k = i + 2;
		lo = hi = -1;
		comma = 0;
		if (k < n && re[k] >= '0' && re[k] <= '9')
			lo = strtol(re + k, NULL, 10);
		while (k < n && re[k] >= '0' && re[k] <= '9')
			k++;
		if (k < n && re[k] == ',') {
			comma = 1;
			k++;
			if (k < n && re[k] >= '0' && re[k] <= '9')
				hi = strtol(re + k, NULL, 10);
			while (k < n && re[k] >= '0' && re[k] <= '9')
				k++;
		}
		if (k >= n || re[k] != '}' || lo < 2)
			continue;
		if (i - st[depth] > span) {
			span = i - st[depth];
			best_s = st[depth];
			best_e = i;
			best_q = k + 1;
			qlo = lo;
			qhi = hi;
			qcomma = comma;
		}
	}
	if (span == 0)
		return NULL;
	buf_add(&b, re, best_s);
	buf_adds(&b, "(?:(?<msq>");
	if (re[best_s + 1] == '?' && re[best_s + 2] == ':')
		buf_add(&b, re + best_s + 3, best_e - best_s - 3);
	else if (re[best_s + 1] != '?')
		buf_add(&b, re + best_s + 1, best_e - best_s - 1);
	else {
		buf_free(&b);
		return NULL;
	}
	buf_addf(&b, ")(?&msq){%ld", qlo - 1);
	if (qcomma && qhi >= 0)
		buf_addf(&b, ",%ld", qhi - 1);
	else if (qcomma)
		buf_addc(&b, ',');
	buf_addc(&b, '}');
	if (best_q < n && (re[best_q] == '?' || re[best_q] == '+'))
		buf_addc(&b, re[best_q++]);
	buf_addc(&b, ')');
	buf_adds(&b, re + best_q);
	return buf_steal(&b);
}

/* alt_free - release the split patterns of a rule */
static void
alt_free(struct crule *cr)
{
	while (cr->nalt > 0) {
		cr->nalt--;
		pcre2_code_free(cr->alt[cr->nalt]);
		if (cr->alt_pre[cr->nalt])
			pcre2_code_free(cr->alt_pre[cr->nalt]);
		xfree(cr->alt_lids[cr->nalt]);
	}
	xfree(cr->alt);
	xfree(cr->alt_pre);
	xfree(cr->alt_lids);
	xfree(cr->alt_nlids);
	cr->alt = cr->alt_pre = NULL;
	cr->alt_lids = NULL;
	cr->alt_nlids = NULL;
}

struct grp {
	size_t	 open, cs, close;	/* "(", its content, ")" */
	int	 parent, unsafe, nbar;
	size_t	 mid;			/* the middle "|" of its level */
};

/*
 * alt_split - split the largest alternation of re that can be split
 * (A|B matches where A or B does: not inside a repeated group or a
 * negative look-around, no back-references) in two patterns, each
 * with half the alternatives; -1 when there is none
 */
static int
alt_split(const char *re, char **a, char **b)
{
	size_t n = strlen(re), i, k, best_len = 0;
	struct grp *g;
	int ng = 0, cur = -1, best = -1, x, nb = 0;
	size_t *bars = NULL;
	int *bar_of = NULL;
	struct buf o = BUF_INIT;

	if (strstr(re, "(?|") || strstr(re, "(?(") || strstr(re, "(*") ||
	    strstr(re, "\\k") || strstr(re, "\\g") || strstr(re, "(?#"))
		return -1;
	for (i = 0; i + 1 < n; i++)
		if (re[i] == '\\' && re[i + 1] >= '1' && re[i + 1] <= '9')
			return -1;
	g = xcalloc(n + 2, sizeof(*g));
	bars = xcalloc(n + 1, sizeof(*bars));
	bar_of = xcalloc(n + 1, sizeof(*bar_of));
	/* group 0: the whole pattern */
	g[0].cs = 0;
	g[0].close = n;
	g[0].parent = -1;
	ng = 1;
	cur = 0;
	for (i = 0; i < n; i++) {
		if (re[i] == '\\') {
			i++;
			continue;
		}
		if (re[i] == '[') {
			k = i + 1;
			if (k < n && re[k] == '^')
				k++;
			if (k < n && re[k] == ']')
				k++;
			for (; k < n && re[k] != ']'; k++)
				if (re[k] == '\\')
					k++;
			i = k;
			continue;
		}
		if (re[i] == '(') {
			g[ng].open = i;
			g[ng].parent = cur;
			g[ng].cs = i + 1;
			if (re[i + 1] == '?') {
				if (re[i + 2] == ':')
					g[ng].cs = i + 3;
				else if (re[i + 2] == '=')
					g[ng].cs = i + 3;
				else if (re[i + 2] == '<' && re[i + 3] != '=' &&
				    re[i + 3] != '!') {
					const char *e = strchr(re + i, '>');

					g[ng].cs = e ? (size_t)(e - re) + 1 : n;
				} else
					g[ng].unsafe = 1;	/* !, <!, >... */
			}
			cur = ng++;
			continue;
		}
		if (re[i] == '|') {
			bars[nb] = i;
			bar_of[nb++] = cur;
			g[cur].nbar++;
			continue;
		}
		if (re[i] == ')' && cur > 0) {
			char q = i + 1 < n ? re[i + 1] : 0;

			g[cur].close = i;
			if (q == '*' || q == '+' || (q == '{' && strncmp(re +
			    i + 1, "{0,1}", 5) != 0 && strncmp(re + i + 1,
			    "{1}", 3) != 0))
				g[cur].unsafe = 1;
			cur = g[cur].parent;
		}
	}
	if (cur != 0)
		goto none;
	for (x = 0; x < ng; x++) {
		int y, ok = g[x].nbar > 0 && !g[x].unsafe;

		for (y = g[x].parent; ok && y >= 0; y = g[y].parent)
			if (g[y].unsafe)
				ok = 0;
		if (ok && g[x].close - g[x].cs > best_len) {
			best_len = g[x].close - g[x].cs;
			best = x;
		}
	}
	if (best < 0)
		goto none;
	/* the middle bar of that group's level */
	for (i = 0, k = 0; i < (size_t)nb; i++)
		if (bar_of[i] == best && k++ == (size_t)(g[best].nbar - 1) / 2) {
			g[best].mid = bars[i];
			break;
		}
	buf_add(&o, re, g[best].mid);
	buf_adds(&o, re + g[best].close);
	*a = buf_steal(&o);
	buf_add(&o, re, g[best].cs);
	buf_add(&o, re + g[best].mid + 1, g[best].close - g[best].mid - 1);
	buf_adds(&o, re + g[best].close);
	*b = buf_steal(&o);
	xfree(g);
	xfree(bars);
	xfree(bar_of);
	return 0;
none:
	xfree(g);
	xfree(bars);
	xfree(bar_of);
	return -1;
}

static int *lit_ids(struct litdict *, const char *, uint32_t, int *);

/*
 * split_compile - re compiled as up to 128 patterns whose union is re,
 * halving alternations PCRE2 finds too large; 0 or -1
 */
static int
split_compile(struct checker *ck, const char *re, struct crule *cr,
    int depth)
{
	pcre2_code *c;
	char *a, *b;
	int err, rc, own;
	PCRE2_SIZE off;

	c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    cr->r->options, &err, &off, NULL);
	if (c != NULL) {
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
		cr->alt = xreallocarray(cr->alt, cr->nalt + 1,
		    sizeof(*cr->alt));
		cr->alt_pre = xreallocarray(cr->alt_pre, cr->nalt + 1,
		    sizeof(*cr->alt_pre));
		cr->alt_lids = xreallocarray(cr->alt_lids, cr->nalt + 1,
		    sizeof(*cr->alt_lids));
		cr->alt_nlids = xreallocarray(cr->alt_nlids, cr->nalt + 1,
		    sizeof(*cr->alt_nlids));
		cr->alt[cr->nalt] = c;
		cr->alt_nlids[cr->nalt] = 0;
		cr->alt_lids[cr->nalt] = cr->r->type == SA_BODY ||
		    cr->r->type == SA_RAWBODY ? lit_ids(&ck->lits, re,
		    cr->r->options, &cr->alt_nlids[cr->nalt]) : NULL;
		/* its multi-line prefilter, when one of ours */
		cr->alt_pre[cr->nalt] = (cr->r->type == SA_BODY ||
		    cr->r->type == SA_RAWBODY) && !(cr->r->options &
		    PCRE2_MULTILINE) ? prefilter(cr->r, re, &own) : NULL;
		cr->nalt++;
		return 0;
	}
	if (err != PCRE2_ERROR_PATTERN_TOO_LARGE || depth >= 7 ||
	    alt_split(re, &a, &b) < 0)
		return -1;
	rc = split_compile(ck, a, cr, depth + 1);
	if (rc == 0)
		rc = split_compile(ck, b, cr, depth + 1);
	xfree(a);
	xfree(b);
	return rc;
}

/*
 * revive - a rule PCRE2 found too large, compiled in another form;
 * returns that form (the caller frees it), or NULL
 */
static char *
revive(struct checker *ck, struct crule *cr)
{
	struct saconf_rule *r = cr->r;
	pcre2_code *c;
	char *re;
	int err;
	PCRE2_SIZE off;

	if (r->disabled == NULL || r->pcre == NULL || r->code != NULL ||
	    strstr(r->disabled, "too large") == NULL)
		return NULL;
	if ((re = repeat_rewrite(r->pcre)) == NULL) {
		if (r->kind == SAK_REGEX && !(r->tflags & SAF_MULTIPLE) &&
		    !r->negate && split_compile(ck, r->pcre, cr, 0) == 0) {
			xfree(r->disabled);
			r->disabled = NULL;
		} else {
			alt_free(cr);
		}
		return NULL;
	}
	c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, r->options,
	    &err, &off, NULL);
	if (c == NULL) {
		xfree(re);
		return NULL;
	}
	r->jit = pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0;
	r->code = c;
	xfree(r->disabled);
	r->disabled = NULL;
	return re;
}

/*
 * Literal sets: for a body, rawbody or uri pattern, a set of lower-case
 * strings (3 bytes or more) at least one of which every match holds.
 * All the sets' strings go to one dictionary; check_message finds
 * which of them a text holds in one pass (lit_scan), so a rule whose
 * set is absent costs a few byte reads instead of a regex scan.
 */
#define LSET_MAX	64	/* strings in one set, at most */

/* one set while it is being built: n strings, or n < 0 (none) */
struct lset {
	int	 n;
	char	**s;
};

#define LSET_CONJ	8	/* sets kept of one top-level branch */

struct lparse {
	const char	*p;	/* next byte of the pattern */
	int		 bad;	/* something not understood: give up */
	int		 nbranch;	/* top-level branches */
	struct lset	 conj[LSET_CONJ];	/* every set the top level
					   requires (one branch only) */
	int		 nconj;
};

/* lset_free - release a set's strings */
static void
lset_free(struct lset *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		xfree(l->s[i]);
	xfree(l->s);
	l->s = NULL;
	l->n = -1;
}

/* lset_minlen - the length of the shortest string of l */
static size_t
lset_minlen(const struct lset *l)
{
	size_t m = (size_t)-1, k;
	int i;

	for (i = 0; i < l->n; i++)
		if ((k = strlen(l->s[i])) < m)
			m = k;
	return m;
}

/* lset_better - is a (usable) a better filter than b? */
static int
lset_better(const struct lset *a, const struct lset *b)
{
	size_t ma, mb;

	if (a->n <= 0 || lset_minlen(a) < 3)
		return 0;
	if (b->n <= 0)
		return 1;
	ma = lset_minlen(a);
	mb = lset_minlen(b);
	if (ma > 8)
		ma = 8;
	if (mb > 8)
		mb = 8;
	if (ma != mb)
		return ma > mb;
	return a->n < b->n;
}

/* lset_keep - best = cand when cand is better (cand is consumed) */
static void
lset_keep(struct lset *best, struct lset *cand)
{
	if (lset_better(cand, best)) {
		lset_free(best);
		*best = *cand;
	} else
		lset_free(cand);
	cand->n = -1;
	cand->s = NULL;
}

/* lset_conj - at the top level, a copy of c among the required sets */
static void
lset_conj(struct lparse *lp, int depth, const struct lset *c)
{
	struct lset *k;
	int i;

	if (depth != 0 || c->n <= 0 || lset_minlen(c) < 3 ||
	    lp->nconj >= LSET_CONJ)
		return;
	k = &lp->conj[lp->nconj++];
	k->n = c->n;
	k->s = xcalloc(c->n, sizeof(char *));
	for (i = 0; i < c->n; i++)
		k->s[i] = xstrdup(c->s[i]);
}

/* lset_run - the run of literal bytes as a one-string candidate */
static void
lset_run(struct lparse *lp, int depth, struct lset *best, struct buf *run)
{
	struct lset c = { -1, NULL };

	if (run->len >= 3) {
		c.n = 1;
		c.s = xcalloc(1, sizeof(char *));
		c.s[0] = xstrndup(run->data, run->len);
		lset_conj(lp, depth, &c);
		lset_keep(best, &c);
	}
	buf_reset(run);
}

/*
 * quant_min - skip a quantifier at *p; its least count (1: none there).
 * "{" that does not open {n}, {n,}, {n,m} or {,m} is left alone.
 */
static long
quant_min(const char **pp)
{
	const char *p = *pp, *q;
	long min = 1;

	if (*p == '?' || *p == '*') {
		min = 0;
		p++;
	} else if (*p == '+')
		p++;
	else if (*p == '{') {
		q = p + 1;
		min = 0;
		while (*q >= '0' && *q <= '9') {
			min = min * 10 + (*q - '0');
			if (min > 100000)
				min = 100000;
			q++;
		}
		if (*q == ',') {
			q++;
			while (*q >= '0' && *q <= '9')
				q++;
		}
		if (*q != '}' || q == p + 1 || (q == p + 2 && p[1] == ','))
			return 1;
		p = q + 1;
	} else
		return 1;
	if (*p == '?' || *p == '+')	/* lazy, possessive */
		p++;
	*pp = p;
	return min;
}

/* has_quant - does a quantifier start at p? */
static int
has_quant(const char *p)
{
	const char *q = p;

	return quant_min(&q) != 1 || q != p;
}

static struct lset lit_alt(struct lparse *lp, int depth);

/* lit_class - skip a class "[...]" at lp->p (POSIX [:name:] inside) */
static void
lit_class(struct lparse *lp)
{
	const char *p = lp->p + 1;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '\\' && p[1])
			p += 2;
		else if (*p == '[' && p[1] == ':') {
			const char *e = strstr(p + 2, ":]");

			if (e == NULL) {
				lp->bad = 1;
				return;
			}
			p = e + 2;
		} else
			p++;
	}
	if (*p != ']') {
		lp->bad = 1;
		return;
	}
	lp->p = p + 1;
}

/*
 * lit_escape - an escape at lp->p outside a class: its literal byte,
 * or -1 (a class, an assertion: no literal), or lp->bad
 */
static int
lit_escape(struct lparse *lp)
{
	const char *p = lp->p + 1;
	char ch = *p;

	if (ch == '\0') {
		lp->bad = 1;
		return -1;
	}
	if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))) {
		lp->p = p + 1;
		return (unsigned char)ch;
	}
	if (strchr("dDwWsShHvVRXbBAzZGKntrfea", ch) != NULL) {
		lp->p = p + 1;
		return -1;
	}
	if (ch == 'x') {
		p++;
		if (*p == '{') {
			if ((p = strchr(p, '}')) == NULL) {
				lp->bad = 1;
				return -1;
			}
			p++;
		} else {
			int k;

			for (k = 0; k < 2 && ((*p >= '0' && *p <= '9') ||
			    (*p >= 'a' && *p <= 'f') || (*p >= 'A' &&
			    *p <= 'F')); k++)
				p++;
		}
		lp->p = p;
		return -1;
	}
	if (ch == 'p' || ch == 'P') {
		p++;
		if (*p == '{') {
			if ((p = strchr(p, '}')) == NULL) {
				lp->bad = 1;
				return -1;
			}
			p++;
		} else if (*p)
			p++;
		lp->p = p;
		return -1;
	}
	if (ch == 'c' && p[1]) {
		lp->p = p + 2;
		return -1;
	}
	lp->bad = 1;	/* \Q, \E, back-references, octal, \N, \o ... */
	return -1;
}

/* lit_seq - one branch: the best set among its parts */
static struct lset
lit_seq(struct lparse *lp, int depth)
{
	struct lset best = { -1, NULL }, g;
	struct buf run = BUF_INIT;
	const char *p;
	int c;
	long min;

	while (!lp->bad && *lp->p && *lp->p != '|' && *lp->p != ')') {
		p = lp->p;
		c = -1;
		g.n = -1;
		g.s = NULL;
		if (*p == '\\') {
			c = lit_escape(lp);
		} else if (*p == '[') {
			lit_class(lp);
		} else if (*p == '.' || *p == '^' || *p == '$') {
			lp->p++;
		} else if (*p == '(') {
			if (p[1] == '*' || depth > 50) {
				lp->bad = 1;
				break;
			}
			if (p[1] != '?') {
				lp->p = p + 1;
				g = lit_alt(lp, depth + 1);
			} else if (p[2] == '#') {
				if ((p = strchr(p, ')')) == NULL) {
					lp->bad = 1;
					break;
				}
				lp->p = p + 1;
				continue;
			} else if (p[2] == '=' || p[2] == '!' ||
			    (p[2] == '<' && (p[3] == '=' || p[3] == '!'))) {
				/* a look-around: its content is not kept */
				lp->p = p + (p[2] == '<' ? 4 : 3);
				g = lit_alt(lp, depth + 1);
				lset_free(&g);
			} else if (p[2] == ':' || p[2] == '|' || p[2] == '>') {
				lp->p = p + 3;
				g = lit_alt(lp, depth + 1);
			} else if ((p[2] == '<' || p[2] == '\'') ||
			    (p[2] == 'P' && p[3] == '<')) {
				/* a named group */
				char close = p[2] == '\'' ? '\'' : '>';

				if ((p = strchr(p + 3, close)) == NULL) {
					lp->bad = 1;
					break;
				}
				lp->p = p + 1;
				g = lit_alt(lp, depth + 1);
			} else if (p[2] == '&' || p[2] == 'R' ||
			    (p[2] == 'P' && p[3] == '>') || p[2] == '+' ||
			    (p[2] >= '0' && p[2] <= '9') ||
			    (p[2] == '-' && p[3] >= '0' && p[3] <= '9')) {
				/* a subroutine call: no literal */
				if ((p = strchr(p, ')')) == NULL) {
					lp->bad = 1;
					break;
				}
				lp->p = p;
			} else {
				/* options: (?i) or (?i: ... ); x changes
				 * what a byte means: give up */
				const char *q = p + 2;

				while ((*q >= 'a' && *q <= 'z') ||
				    (*q >= 'A' && *q <= 'Z') || *q == '-' ||
				    *q == '^')
					q++;
				if ((*q != ')' && *q != ':') ||
				    memchr(p + 2, 'x', q - (p + 2)) != NULL) {
					lp->bad = 1;
					break;
				}
				if (*q == ')') {
					lp->p = q + 1;
					continue;
				}
				lp->p = q + 1;
				g = lit_alt(lp, depth + 1);
			}
			if (lp->bad || *lp->p != ')') {
				lset_free(&g);
				lp->bad = 1;
				break;
			}
			lp->p++;
		} else if (*p == '*' || *p == '+' || *p == '?' ||
		    (*p == '{' && has_quant(p))) {
			/* a quantifier with nothing before it */
			lp->bad = 1;
			break;
		} else {
			c = (unsigned char)*p;
			lp->p++;
		}
		if (lp->bad) {
			lset_free(&g);
			break;
		}
		min = quant_min(&lp->p);
		if (c >= 0 && min > 0) {
			buf_addc(&run, c >= 'A' && c <= 'Z' ? c + 32 : c);
			if (lp->p != p + 1 && !(p[0] == '\\' && lp->p == p + 2))
				lset_run(lp, depth, &best, &run);
			continue;
		}
		lset_run(lp, depth, &best, &run);
		if (g.n > 0 && min > 0) {
			lset_conj(lp, depth, &g);
			lset_keep(&best, &g);
		} else
			lset_free(&g);
	}
	lset_run(lp, depth, &best, &run);
	buf_free(&run);
	return best;
}

/* lit_alt - branches up to ")" or the end: the union of their sets */
static struct lset
lit_alt(struct lparse *lp, int depth)
{
	struct lset all = { 0, NULL }, b;
	int i;

	for (;;) {
		if (depth == 0)
			lp->nbranch++;
		b = lit_seq(lp, depth);
		if (lp->bad || b.n <= 0 || all.n < 0 ||
		    all.n + b.n > LSET_MAX) {
			lset_free(&b);
			lset_free(&all);
		} else {
			all.s = xreallocarray(all.s, all.n + b.n,
			    sizeof(char *));
			for (i = 0; i < b.n; i++)
				all.s[all.n++] = b.s[i];
			xfree(b.s);
		}
		if (lp->bad || *lp->p != '|')
			break;
		lp->p++;
	}
	return all;
}

/*
 * lit_set - the literal sets of pattern re (compiled with options),
 * every one of which a match holds a string of: *nsets of them in
 * sets[] (0: none can be promised)
 */
static void
lit_set(const char *re, uint32_t options, struct lset *sets, int *nsets)
{
	struct lparse lp;
	struct lset l;
	int i;

	*nsets = 0;
	if (re == NULL || (options & (PCRE2_EXTENDED | PCRE2_EXTENDED_MORE |
	    PCRE2_LITERAL)))
		return;
	memset(&lp, 0, sizeof(lp));
	lp.p = re;
	l = lit_alt(&lp, 0);
	if (lp.bad || *lp.p != '\0' || l.n <= 0 || lset_minlen(&l) < 3)
		lset_free(&l);
	else if (lp.nbranch == 1 && lp.nconj > 0) {
		/* one branch: all it requires, not only the best */
		lset_free(&l);
		for (i = 0; i < lp.nconj; i++)
			sets[(*nsets)++] = lp.conj[i];
		return;
	} else
		sets[(*nsets)++] = l;
	for (i = 0; i < lp.nconj; i++)
		lset_free(&lp.conj[i]);
}

/* lit_hash - the chain of a literal whose first 3 bytes are k */
static uint32_t
lit_hash(uint32_t k)
{
	return (k * 0x9E3779B1u) >> 16;
}

/* lit_id - the dictionary id of string s (added when new) */
static int
lit_id(struct litdict *d, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t k = (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
	uint32_t h = lit_hash(k);
	int i;

	if (d->head == NULL) {
		d->head = xcalloc(LIT_HASH, sizeof(int));
		d->bits = xcalloc(LIT_HASH / 8, 1);
		for (i = 0; i < LIT_HASH; i++)
			d->head[i] = -1;
	}
	for (i = d->head[h]; i >= 0; i = d->next[i])
		if (strcmp(d->s[i], s) == 0)
			return i;
	d->s = xreallocarray(d->s, d->n + 1, sizeof(*d->s));
	d->len = xreallocarray(d->len, d->n + 1, sizeof(*d->len));
	d->key = xreallocarray(d->key, d->n + 1, sizeof(*d->key));
	d->next = xreallocarray(d->next, d->n + 1, sizeof(*d->next));
	d->s[d->n] = xstrdup(s);
	d->len[d->n] = strlen(s);
	d->key[d->n] = k;
	d->next[d->n] = d->head[h];
	d->head[h] = d->n;
	d->bits[h >> 3] |= 1u << (h & 7);
	return d->n++;
}

/*
 * lit_ids - the literal sets of re as dictionary ids, each set as its
 * size then its ids; *n the length (0: none)
 */
static int *
lit_ids(struct litdict *d, const char *re, uint32_t options, int *n)
{
	struct lset l[LSET_CONJ];
	int *ids = NULL, i, k, nl;

	*n = 0;
	lit_set(re, options, l, &nl);
	for (k = 0; k < nl; k++) {
		ids = xreallocarray(ids, *n + l[k].n + 1, sizeof(int));
		ids[(*n)++] = l[k].n;
		for (i = 0; i < l[k].n; i++)
			ids[(*n)++] = lit_id(d, l[k].s[i]);
		lset_free(&l[k]);
	}
	return ids;
}

/* lit_dict_free - release the dictionary */
static void
lit_dict_free(struct litdict *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		xfree(d->s[i]);
	xfree(d->s);
	xfree(d->len);
	xfree(d->key);
	xfree(d->next);
	xfree(d->head);
	xfree(d->bits);
}

/*
 * lit_scan - found[i] = 1 for every dictionary string t[0..n) holds
 * (t is lower case): one pass, a hash of each 3 bytes
 */
static void
lit_scan(const struct litdict *d, const char *t, size_t n,
    unsigned char *found)
{
	const unsigned char *u = (const unsigned char *)t;
	uint32_t k, h;
	size_t i;
	int j;

	if (n < 3 || d->n == 0)
		return;
	k = (uint32_t)u[0] << 8 | u[1];
	for (i = 0; i + 3 <= n; i++) {
		k = (k << 8 | u[i + 2]) & 0xFFFFFF;
		h = lit_hash(k);
		if (!(d->bits[h >> 3] & (1u << (h & 7))))
			continue;
		for (j = d->head[h]; j >= 0; j = d->next[j])
			if (d->key[j] == k && d->len[j] <= n - i &&
			    memcmp(d->s[j] + 3, t + i + 3, d->len[j] - 3) == 0)
				found[j] = 1;
	}
}

/*
 * required_literal - the longest run of literal bytes (3 or more) that
 * every match of a pattern must contain, lower-cased (the search
 * ignores case, a superset), or NULL.  Only the top level is read: a
 * top-level "|", \Q, (?x) or /x give up; groups, classes, escapes
 * other than escaped punctuation and quantified bytes end a run.
 */
static char *
required_literal(const struct saconf_rule *r, size_t *len)
{
	const char *p = r->pcre, *best = NULL;
	struct buf run = BUF_INIT, keep = BUF_INIT;
	int depth = 0;
	char ch;

	*len = 0;
	if (p == NULL || (r->options & PCRE2_EXTENDED) || strstr(p, "(?x") ||
	    strstr(p, "\\Q") || strstr(p, "(*"))
		return NULL;
	for (; *p; p++) {
		int lit = -1;

		if (*p == '\\') {
			if (p[1] == '\0')
				goto none;
			if ((p[1] >= 'a' && p[1] <= 'z') ||
			    (p[1] >= 'A' && p[1] <= 'Z') ||
			    (p[1] >= '0' && p[1] <= '9')) {
				/* one-letter escapes end a run; \x41,
				 * \p{..}, \1, \k<..>... are not read */
				if (strchr("dDwWsSbBhHvVnrtfeRX", p[1]) == NULL)
					goto none;
				p++;
				if (depth == 0)
					goto endrun;
				continue;
			}
			p++;
			if (depth == 0)
				lit = (unsigned char)*p;
		} else if (*p == '[') {
			/* skip the class */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			if (*p == '\0')
				goto none;
			if (depth == 0)
				goto endrun;
			continue;
		} else if (*p == '(') {
			depth++;
			if (depth == 1)
				goto endrun;
			continue;
		} else if (*p == ')') {
			if (--depth < 0)
				goto none;
			continue;
		} else if (depth > 0)
			continue;
		else if (*p == '|')
			goto none;
		else if (*p == '{') {
			/* a quantifier {n}, {n,}, {n,m}: skipped whole */
			const char *q = p + 1;

			while (*q == ',' || (*q >= '0' && *q <= '9'))
				q++;
			if (*q == '}')
				p = q;
			goto endrun;
		} else if (strchr(".^$*+?}", *p))
			goto endrun;
		else
			lit = (unsigned char)*p;
		if (lit < 0)
			continue;
		/* a quantifier after the byte: optional, or ends the run */
		ch = p[1];
		if (ch == '?' || ch == '*' || (ch == '{' && p[2] == '0'))
			goto endrun;
		buf_addc(&run, lit >= 'A' && lit <= 'Z' ? lit + 32 : lit);
		if (ch == '+' || ch == '{')
			goto endrun;
		continue;
endrun:
		if (run.len > keep.len) {
			buf_reset(&keep);
			buf_add(&keep, run.data, run.len);
		}
		buf_reset(&run);
	}
	if (depth != 0)
		goto none;
	if (run.len > keep.len) {
		buf_reset(&keep);
		buf_add(&keep, run.data, run.len);
	}
	buf_free(&run);
	if (keep.len < 3) {
		buf_free(&keep);
		return NULL;
	}
	*len = keep.len;
	best = buf_steal(&keep);
	return (char *)best;
none:
	buf_free(&run);
	buf_free(&keep);
	return NULL;
}

/* type_order - the T_* band of a rule */
static int
type_order(const struct saconf_rule *r)
{
	int ev = r->kind == SAK_EVAL;

	switch (r->type) {
	case SA_HEADER:
		return ev ? T_HEAD_EVAL : T_HEAD;
	case SA_MIMEHEADER:
		return T_HEAD_EVAL;
	case SA_BODY:
		return ev ? T_BODY_EVAL : T_BODY;
	case SA_URI:
		return T_URI;
	case SA_RAWBODY:
		return ev ? T_RAWBODY_EVAL : T_RAWBODY;
	case SA_FULL:
		return ev ? T_FULL_EVAL : T_FULL;
	case SA_META:
		return T_META;
	default:
		return T_NONE;
	}
}

/* order_cmp - priority, then type band, then definition order */
static int
order_cmp(const void *a, const void *b, void *arg)
{
	const struct checker *ck = arg;
	const struct crule *x = &ck->cr[*(const int *)a];
	const struct crule *y = &ck->cr[*(const int *)b];

	if (x->r->priority != y->r->priority)
		return x->r->priority < y->r->priority ? -1 : 1;
	if (x->tord != y->tord)
		return x->tord - y->tord;
	return x->idx - y->idx;
}

/* meta_dep - note that meta c names meta d */
static void
meta_dep(struct crule *c, int d)
{
	c->mdeps = xreallocarray(c->mdeps, c->nmdeps + 1, sizeof(int));
	c->mdeps[c->nmdeps++] = d;
}

/* meta_visit - depth-first: the metas a meta names go before it */
static void
meta_visit(struct checker *ck, int i, unsigned char *mark)
{
	const struct meta *m = ck->cr[i].r->meta;
	const int *l;
	size_t k, j, nl;
	int d;

	if (mark[i])
		return;
	mark[i] = 1;
	for (k = 0; m && k < meta_nrefs(m); k++) {
		if (meta_is_glob(m, k)) {
			l = meta_glob_list(m, k, &nl);
			for (j = 0; j < nl; j++)
				if (l[j] >= 0 && ck->cr[l[j]].r->type ==
				    SA_META) {
					meta_visit(ck, l[j], mark);
					meta_dep(&ck->cr[i], l[j]);
				}
			continue;
		}
		d = meta_bound(m, k);
		if (d >= 0 && ck->cr[d].r->type == SA_META) {
			meta_visit(ck, d, mark);
			meta_dep(&ck->cr[i], d);
		}
	}
	ck->metas[ck->nmetas++] = i;
}

/* prepare - one rule: bind its eval, its header slot, its flags */
static void
prepare(struct checker *ck, struct crule *c, struct buf *tmp)
{
	struct saconf_rule *r = c->r;
	const char *why;

	int set = ck->opts.score_set, s;

	c->tord = type_order(r);
	for (s = 0; s < 4; s++)
		c->sc[s] = r->score[s];
	c->counted = strncmp(r->name, "__", 2) != 0;
	c->multiple = (r->tflags & SAF_MULTIPLE) != 0;
	c->maxhits = c->multiple ? tflag_num(r->tflags_raw, "maxhits", 0) : 0;
	if (c->maxhits == 0 && r->maxhits > 0 && c->multiple)
		c->maxhits = r->maxhits;
	c->nosubject = (r->tflags & SAF_NOSUBJECT) != 0;
	c->hslot = -1;
	c->re2 = revive(ck, c);
	if (ck->opts.capture_tags && r->disabled && r->pcre &&
	    strncmp(r->disabled, "captured tag", 12) == 0 &&
	    r->kind == SAK_REGEX) {
		/* SA 4.0 captured tags: the pattern is built per message */
		c->tagged = 1;
		xfree(r->disabled);
		r->disabled = NULL;
	}
	if (r->disabled)
		return;
	if (r->code) {
		uint32_t nn = 0;

		pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &nn);
		c->captures = nn > 0;
	}
	if (r->kind == SAK_EVAL && r->eval_func && (set & 1)) {
		/* answered by the network, after the other rules ran */
		if (ck->opts.dnsbl && dnsbl_handles(r->type == SA_ASKDNS ?
		    "askdns" : r->eval_func))
			c->net = NET_DNSBL;
		else if (ck->opts.pyzor && strcmp(r->eval_func,
		    "check_pyzor") == 0)
			c->net = NET_PYZOR;
	}
	if (r->type == SA_ASKDNS && c->net == 0) {
		why = eval_offline("askdns");
		saconf_disable(ck->conf, r, why ? why : "network test");
		return;
	}
	if (r->kind == SAK_EVAL && c->net == 0) {
		int bayes = ck->opts.bayes && (set & 2) &&
		    strcmp(r->eval_func, "check_bayes") == 0;

		if (!bayes && (why = eval_offline(r->eval_func)) != NULL) {
			saconf_disable(ck->conf, r, why);
			return;
		}
		if ((c->fn = eval_lookup(r->eval_func)) == NULL) {
			buf_reset(tmp);
			buf_addf(tmp, "eval %s not implemented", r->eval_func);
			saconf_disable(ck->conf, r, buf_str(tmp));
			return;
		}
	}
	if (r->kind == SAK_EVAL && r->type != SA_ASKDNS) {
		if (parse_args(r->eval_args ? r->eval_args : "", &c->argc,
		    &c->argv) < 0) {
			buf_reset(tmp);
			buf_addf(tmp, "eval %s: arguments not understood",
			    r->eval_func);
			saconf_disable(ck->conf, r, buf_str(tmp));
			return;
		}
	}
	if (r->type == SA_HEADER && r->kind != SAK_EVAL) {
		const char *f = r->field ? r->field : "";

		if (strcmp(f, "ALL-TRUSTED") == 0)
			c->pseudo = PS_ALL_TRUSTED;
		else if (strcmp(f, "ALL-INTERNAL") == 0)
			c->pseudo = PS_ALL_INTERNAL;
		else if (strcmp(f, "ALL-UNTRUSTED") == 0)
			c->pseudo = PS_ALL_UNTRUSTED;
		else if (strcmp(f, "ALL-EXTERNAL") == 0)
			c->pseudo = PS_ALL_EXTERNAL;
		else if (strncasecmp(f, "X-Spam-Relays-", 14) == 0)
			c->pseudo = PS_RELAYS;
		else if (strcasecmp(f, "EnvelopeFrom") == 0)
			c->pseudo = PS_ENVFROM;
		header_request(r, tmp);
		c->hslot = hslot(ck, buf_str(tmp));
	}
	if (r->type == SA_MIMEHEADER) {
		mime_range(r->tflags_raw, &c->rmin, &c->rmax);
		c->concat = tflag_has(r->tflags_raw, "concat");
		c->maxhits = c->multiple ? (c->maxhits ? c->maxhits : 1000) :
		    1;
	}
	if ((r->type == SA_BODY || r->type == SA_RAWBODY ||
	    r->type == SA_URI) && r->kind == SAK_REGEX && r->code &&
	    !c->tagged) {
		c->pre = prefilter(r, c->re2 ? c->re2 : r->pcre,
		    &c->pre_own);
		c->lids = lit_ids(&ck->lits, r->pcre, r->options,
		    &c->nlids);
		if (c->nlids == 0)
			c->lit = required_literal(r, &c->litlen);
	}
	if (r->kind == SAK_REGEX && r->code == NULL && !c->tagged &&
	    c->nalt == 0)
		return;
	/* a message uses the configured set, or it without Bayes when the
	 * store has not learned enough; Check.pm: net evals only in sets
	 * 1/3, learn evals only in 2/3 */
	for (s = set & 1; s <= set; s += 2) {
		if (r->kind == SAK_EVAL && (((r->tflags & SAF_NET) &&
		    !(s & 1)) || ((r->tflags & SAF_LEARN) && !(s & 2))))
			continue;
		if (c->sc[s] == 0)
			continue;
		c->runmask |= 1u << s;
	}
	c->run = c->runmask != 0;
}

/*
 * net_conf - the trusted, internal and msa networks and originating-IP
 * headers of the configuration, for relays.c; with none set, relays.c
 * infers trust as SpamAssassin does
 */
static void
net_conf(struct checker *ck)
{
	const struct saconf_settings *set = saconf_settings(ck->conf);
	struct buf err = BUF_INIT;
	size_t i;

	if (set->net_key.n == 0)
		return;
	ck->rconf = xcalloc(1, sizeof(*ck->rconf));
	relays_conf_init(ck->rconf);
	for (i = 0; i < set->net_key.n; i++) {
		buf_reset(&err);
		if (relays_conf_setting(ck->rconf, set->net_key.v[i],
		    set->net_val.v[i], &err) < 0)
			log_warn("%s %s: %s", set->net_key.v[i],
			    set->net_val.v[i], buf_str(&err));
	}
	buf_free(&err);
}

/* check_new - prepare the rule set conf for scoring with opts */
struct checker *
check_new(struct saconf *conf, const struct check_opts *opts)
{
	struct checker *ck = xcalloc(1, sizeof(*ck));
	struct buf tmp = BUF_INIT;
	unsigned char *mark;
	int i, k;

	pthread_mutex_init(&ck->pool_lock, NULL);
	ck->conf = conf;
	ck->opts = *opts;
	net_conf(ck);
	if (ck->opts.score_set < 0 || ck->opts.score_set > 3)
		ck->opts.score_set = 0;
	ck->n = (int)saconf_nrules(conf);
	ck->cr = xcalloc(ck->n + 1, sizeof(*ck->cr));
	ck->order = xcalloc(ck->n + 1, sizeof(int));
	ck->metas = xcalloc(ck->n + 1, sizeof(int));
	for (i = 0; i < ck->n; i++) {
		ck->cr[i].r = saconf_rule_at(conf, i);
		ck->cr[i].idx = i;
		prepare(ck, &ck->cr[i], &tmp);
		if (ck->cr[i].run && ck->cr[i].tord < T_META)
			ck->order[ck->norder++] = i;
	}
	qsort_r(ck->order, ck->norder, sizeof(int), order_cmp, ck);
	/* the network rules leave the order: they run after the wait */
	ck->netr = xcalloc(ck->norder + 1, sizeof(int));
	for (i = 0, k = 0; i < ck->norder; i++) {
		struct crule *c = &ck->cr[ck->order[i]];

		if (c->net) {
			ck->netr[ck->nnetr++] = ck->order[i];
			ck->use_dnsbl |= c->net == NET_DNSBL;
			ck->use_pyzor |= c->net == NET_PYZOR;
		} else
			ck->order[k++] = ck->order[i];
	}
	ck->norder = k;
	mark = xcalloc(ck->n + 1, 1);
	for (i = 0; i < ck->n; i++)
		if (ck->cr[i].r->type == SA_META && ck->cr[i].r->meta)
			meta_visit(ck, i, mark);
	xfree(mark);
	buf_free(&tmp);
	return ck;
}

static void mstate_free(struct mstate *);

/* check_free - release a checker (not its saconf) */
void
check_free(struct checker *ck)
{
	int i, k;

	if (ck == NULL)
		return;
	for (i = 0; i < ck->n; i++) {
		for (k = 0; k < ck->cr[i].argc; k++)
			xfree(ck->cr[i].argv[k]);
		xfree(ck->cr[i].argv);
		if (ck->cr[i].pre_own)
			pcre2_code_free(ck->cr[i].pre);
		xfree(ck->cr[i].lit);
		xfree(ck->cr[i].lids);
		xfree(ck->cr[i].re2);
		alt_free(&ck->cr[i]);
		xfree(ck->cr[i].mdeps);
	}
	for (i = 0; i < ck->nhreq; i++)
		xfree(ck->hreq[i]);
	xfree(ck->hreq);
	if (ck->rconf) {
		relays_conf_free(ck->rconf);
		xfree(ck->rconf);
	}
	lit_dict_free(&ck->lits);
	while (ck->npool > 0)
		mstate_free(ck->pool[--ck->npool]);
	pthread_mutex_destroy(&ck->pool_lock);
	xfree(ck->cr);
	xfree(ck->order);
	xfree(ck->netr);
	xfree(ck->metas);
	xfree(ck);
}

/* check_conf - the rule set of a checker */
struct saconf *
check_conf(const struct checker *ck)
{
	return ck->conf;
}

/* stopped - note a rule a match limit stopped */
static void
stopped(struct run *rn, const struct crule *c)
{
	rn->res->aborted++;
	rn->res->flags |= CHECK_RULE_ABORTED;
	if (rn->aborted.len < 1024) {
		if (rn->aborted.len)
			buf_addc(&rn->aborted, ',');
		buf_adds(&rn->aborted, c->r->name);
	}
}

/*
 * match - count matches of code in s[0..len): one (first match) unless
 * multiple, then up to max (0: no bound); -1 when a limit stopped it
 */
static int
match(struct run *rn, const pcre2_code *code, const char *s, size_t len,
    int multiple, int max)
{
	PCRE2_SIZE *ov, start = 0;
	int rc, hits = 0;

	for (;;) {
		rc = pcre2_match(code, (PCRE2_SPTR)s, len, start, 0, rn->md,
		    rn->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			return hits;
		if (rc < 0 && rc != PCRE2_ERROR_PARTIAL)
			return rc == PCRE2_ERROR_MATCHLIMIT ||
			    rc == PCRE2_ERROR_DEPTHLIMIT ||
			    rc == PCRE2_ERROR_JIT_STACKLIMIT ||
			    rc == PCRE2_ERROR_HEAPLIMIT ||
			    rc == PCRE2_ERROR_NOMEMORY ? -1 : hits;
		hits++;
		if (!multiple || (max > 0 && hits >= max))
			return hits;
		ov = pcre2_get_ovector_pointer(rn->md);
		start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
		if (start > len)
			return hits;
	}
}

/* received_before - does a Received field come before the first name? */
static int
received_before(const struct msgtext *mt, const char *name)
{
	int i, rcvd = 0;

	for (i = 0; i < mt->nhdr; i++) {
		if (strcasecmp(mt->hdr[i].name, "Received") == 0)
			rcvd = 1;
		else if (strcasecmp(mt->hdr[i].name, name) == 0)
			return rcvd;
	}
	return 0;
}

/*
 * envelope_from - PerMsgStatus get_envelope_from: the envelope we were
 * given, else the last untrusted relay's envfrom, else X-Envelope-From,
 * Envelope-Sender, Return-Path when no Received field precedes them
 * (X-Sender with a fetchmail Received: none); into b, or NULL
 */
static const char *
envelope_from(struct run *rn, struct buf *b)
{
	static const char *const hdrs[] = {
		"X-Envelope-From", "Envelope-Sender", "Return-Path"
	};
	struct buf req = BUF_INIT;
	const char *v;
	size_t i;

	if (rn->env && rn->env->env_from) {
		buf_adds(b, rn->env->env_from);
		return buf_str(b);
	}
	if ((v = relays_envfrom(rn->relays)) != NULL &&
	    (strchr(v, '@') != NULL || *v == '\0')) {
		buf_adds(b, v);
		return buf_str(b);
	}
	if ((v = msgtext_header(rn->mt, "X-Sender:first:addr", b)) != NULL &&
	    strchr(v, '@') != NULL &&
	    (v = msgtext_header(rn->mt, "Received", b)) != NULL &&
	    strstr(v, "(fetchmail") != NULL)
		return NULL;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		buf_reset(&req);
		buf_addf(&req, "%s:first:addr", hdrs[i]);
		v = msgtext_header(rn->mt, buf_str(&req), b);
		if (v == NULL)
			continue;
		if (received_before(rn->mt, hdrs[i])) {
			if (i == 0)
				break;	/* X-Envelope-From: none */
			continue;
		}
		buf_free(&req);
		return buf_str(b);
	}
	buf_free(&req);
	buf_reset(b);
	return NULL;
}

/*
 * all_range - ALL-TRUSTED, -INTERNAL, -UNTRUSTED, -EXTERNAL as
 * PerMsgStatus get_all_hdrs_in_rcvd_index_range: the header fields
 * ("Name: value\n", :raw as written) up to and including the Received
 * field after the last trusted (internal) relay, or from it on
 */
static const char *
all_range(struct run *rn, int which, int raw, struct buf *b)
{
	const struct msgtext *mt = rn->mt;
	long start = -1, end = -1, cur = -1;	/* -1: undef */
	int i, take;

	switch (which) {
	case PS_ALL_TRUSTED:
		end = rn->relays->last_trusted_index + 1;
		break;
	case PS_ALL_INTERNAL:
		end = rn->relays->last_internal_index + 1;
		break;
	case PS_ALL_UNTRUSTED:
		start = rn->relays->last_trusted_index + 1;
		break;
	default:
		start = rn->relays->last_internal_index + 1;
		break;
	}
	for (i = 0; i < mt->nhdr; i++) {
		if (strcasecmp(mt->hdr[i].name, "Received") == 0)
			cur++;
		take = (start < 0 || start <= cur) && (end < 0 || cur < end);
		if (!take && end >= 0 && cur == end)
			take = 2;
		if (take) {
			buf_adds(b, mt->hdr[i].name);
			buf_addc(b, ':');
			if (raw)
				buf_adds(b, mt->hdr[i].raw);
			else {
				buf_addc(b, ' ');
				buf_adds(b, mt->hdr[i].dec);
				buf_addc(b, '\n');
			}
		}
		if (take == 2)
			break;
	}
	return b->len ? buf_str(b) : NULL;
}

/* header_value - the value of header slot i, or NULL (undef) */
static const char *
header_value(struct run *rn, const struct crule *c, size_t *len)
{
	struct buf *b = &rn->hval[c->hslot];
	const char *v = NULL;
	int i = c->hslot;

	if (rn->hstate[i] == 0) {
		buf_reset(b);
		if (c->pseudo == PS_RELAYS)
			v = relays_pseudo_header(rn->relays, c->r->field, b);
		else if (c->pseudo == PS_ENVFROM)
			v = envelope_from(rn, b);
		else if (c->pseudo >= PS_ALL_TRUSTED)
			v = all_range(rn, c->pseudo,
			    (c->r->hmods & SAH_RAW) != 0, b);
		else
			v = msgtext_header_list(rn->mt, rn->ck->hreq[i], b);
		if (v != NULL && v != b->data) {
			struct buf t = BUF_INIT;

			buf_adds(&t, v);
			buf_free(b);
			*b = t;
		}
		rn->hstate[i] = v ? 1 : -1;
	}
	if (rn->hstate[i] < 0)
		return NULL;
	*len = b->len;
	return buf_str(b);
}

/* run_header - a header rule: the count of hits, -1 when stopped */
static int
run_header(struct run *rn, const struct crule *c)
{
	const struct saconf_rule *r = c->r;
	const char *v;
	size_t len = 0;
	int n;

	v = header_value(rn, c, &len);
	if (v == NULL && r->if_unset) {
		v = r->if_unset;
		len = strlen(v);
	}
	if (r->kind == SAK_EXISTS)
		return (v != NULL) != (r->negate != 0);
	if (v == NULL)		/* undef matches as "" in Perl */
		v = "", len = 0;
	n = match(rn, rn->cur, v, len, c->multiple && !r->negate,
	    c->maxhits);
	if (n < 0)
		return -1;
	if (r->negate)
		return n == 0;
	return n;
}

/* lower - b: s[0..n) with A-Z made a-z (once per message) */
static const struct buf *
lower(struct buf *b, const struct buf *s)
{
	size_t i;

	if (b->data == NULL) {
		buf_reserve(b, s->len + 1);
		for (i = 0; i < s->len; i++) {
			char ch = s->data[i];

			b->data[i] = ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
		}
		b->len = s->len;
		b->data[b->len] = '\0';
	}
	return b;
}

/*
 * lit_any - does the text whole (body, uri or rawbody text) hold a
 * string of every set in ids[0..n) (lit_ids)?  (one scan per text)
 */
static int
lit_any(struct run *rn, const struct buf *whole, const int *ids, int n)
{
	const struct litdict *d = &rn->ck->lits;
	int w = whole == &rn->mt->body.text ? 0 : whole == &rn->uritext ?
	    1 : 2;
	const struct buf *lw;
	int i;

	if (rn->lfound[w] == NULL) {
		lw = lower(w == 0 ? &rn->lbody : w == 1 ? &rn->luri :
		    &rn->lraw, whole);
		rn->lfound[w] = xcalloc(d->n + 1, 1);
		lit_scan(d, lw->data, lw->len, rn->lfound[w]);
	}
	for (i = 0; i < n; i += ids[i] + 1) {
		int k, any = 0;

		for (k = 1; k <= ids[i] && !any; k++)
			any = rn->lfound[w][ids[i + k]];
		if (!any)
			return 0;
	}
	return 1;
}

/* run_lines - a body/rawbody/uri rule over lines (Check.pm loops) */
static int
run_lines(struct run *rn, const struct crule *c, const struct buf *whole,
    const char *const *v, const size_t *off, const size_t *lens, int n,
    int skip_first)
{
	const char *base = whole ? buf_str(whole) : NULL;
	const struct buf *lw;
	int i, k, hits = 0;

	if (c->nlids > 0 && whole) {
		if (!lit_any(rn, whole, c->lids, c->nlids))
			return 0;
	} else if (c->lit && whole) {
		lw = lower(whole == &rn->mt->body.text ? &rn->lbody :
		    whole == &rn->uritext ? &rn->luri : &rn->lraw, whole);
		if (lw->len == 0 || memmem(lw->data, lw->len, c->lit,
		    c->litlen) == NULL)
			return 0;
	}

	if (c->pre && whole) {
		k = match(rn, c->pre, base, whole->len, 0, 0);
		if (k <= 0)
			return k;
	}
	for (i = skip_first ? 1 : 0; i < n; i++) {
		const char *s = base ? base + off[i] : v[i];
		size_t len = base ? lens[i] : strlen(v[i]);

		k = match(rn, rn->cur, s, len, c->multiple,
		    c->maxhits ? c->maxhits - hits : 0);
		if (k < 0)
			return -1;
		hits += k;
		if (hits > 0 && (!c->multiple ||
		    (c->maxhits && hits >= c->maxhits)))
			break;
	}
	return hits;
}

/*
 * part_header - Node.pm get_header of MIME part i in scalar context:
 * the last field name, decoded + "\n" (raw: as written, unfolded), or
 * NULL; "ALL": get_all_headers.  Each part's fields are read once.
 */
static const char *
part_header(struct run *rn, int i, const char *name, int raw,
    struct buf *out)
{
	const struct msgtext *h;
	const char *p;
	int k;

	if (i == 0)
		h = rn->mt;
	else {
		if (rn->parts == NULL)
			rn->parts = xcalloc(rn->mt->mime.nparts + 1,
			    sizeof(*rn->parts));
		if (rn->parts[i] == NULL) {
			rn->parts[i] = xcalloc(1, sizeof(struct msgtext));
			msgtext_part_headers(rn->mt, i, rn->parts[i]);
		}
		h = rn->parts[i];
	}
	buf_reset(out);
	if (strcmp(name, "ALL") == 0) {
		for (k = 0; k < h->nhdr; k++) {
			buf_adds(out, h->hdr[k].name);
			buf_addc(out, ':');
			if (raw)
				buf_adds(out, h->hdr[k].raw);
			else {
				buf_addc(out, ' ');
				buf_adds(out, h->hdr[k].dec);
				buf_addc(out, '\n');
			}
		}
		return buf_str(out);
	}
	for (k = h->nhdr - 1; k >= 0; k--)
		if (strcasecmp(h->hdr[k].name, name) == 0)
			break;
	if (k < 0)
		return NULL;
	if (!raw) {
		buf_adds(out, h->hdr[k].dec);
		buf_addc(out, '\n');
		return buf_str(out);
	}
	/* s/\015?\012\s+/ /gs */
	for (p = h->hdr[k].raw; *p; p++) {
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t')) {
			buf_addc(out, ' ');
			while (p[1] == ' ' || p[1] == '\t')
				p++;
		} else
			buf_addc(out, *p);
	}
	return buf_str(out);
}

/*
 * uri_lines - the URIs joined one a line, so that uri rules get the
 * body rules' whole-text tests (literal, prefilter) once, not once per
 * URI; -1 when an URI holds a newline (then each is matched alone)
 */
static int
uri_lines(struct run *rn)
{
	const struct uri_list *u = &rn->mt->uris;
	int i;

	if (rn->uristate != 0)
		return rn->uristate;
	rn->uristate = -1;
	rn->urioff = xcalloc(u->n + 1, sizeof(size_t));
	rn->urilen = xcalloc(u->n + 1, sizeof(size_t));
	for (i = 0; i < u->n; i++) {
		size_t l = strlen(u->v[i]);

		if (memchr(u->v[i], '\n', l) != NULL)
			return -1;
		rn->urioff[i] = rn->uritext.len;
		rn->urilen[i] = l;
		buf_add(&rn->uritext, u->v[i], l);
		buf_addc(&rn->uritext, '\n');
	}
	rn->uristate = 1;
	return 1;
}

/* run_uri - a uri rule over the uri list */
static int
run_uri(struct run *rn, const struct crule *c)
{
	const struct uri_list *u = &rn->mt->uris;

	if (u->n > 0 && uri_lines(rn) > 0)
		return run_lines(rn, c, &rn->uritext, NULL, rn->urioff,
		    rn->urilen, u->n, 0);
	return run_lines(rn, c, NULL, (const char *const *)u->v, NULL, NULL,
	    u->n, 0);
}

/* run_mimeheader - MIMEHeader eval_hook_called: every part's header */
static int
run_mimeheader(struct run *rn, const struct crule *c)
{
	const struct saconf_rule *r = c->r;
	const struct mime *m = &rn->mt->mime;
	struct buf v = BUF_INIT, cat = BUF_INIT;
	const char *s;
	int i, n, hits = 0;

	for (i = 0; i < m->nparts; i++) {
		if (i + 1 > c->rmax)
			break;
		if (i + 1 < c->rmin)
			continue;
		s = part_header(rn, i, r->field, (r->hmods & SAH_RAW) != 0,
		    &v);
		if (s == NULL)
			s = r->if_unset ? r->if_unset : "";
		if (c->concat) {
			buf_adds(&cat, s);
			if (cat.len == 0 || cat.data[cat.len - 1] != '\n')
				buf_addc(&cat, '\n');
			continue;
		}
		if (r->negate)
			continue;
		n = match(rn, rn->cur, s, strlen(s), 1, c->maxhits - hits);
		if (n < 0) {
			hits = -1;
			goto out;
		}
		if ((hits += n) > 0)
			goto out;
	}
	if (c->concat && !r->negate) {
		n = match(rn, rn->cur, buf_str(&cat), cat.len, 1, c->maxhits);
		hits = n;
	}
	if (r->negate)	/* as MIMEHeader.pm: a negated rule always hits */
		hits = 1;
out:
	buf_free(&v);
	buf_free(&cat);
	return hits;
}

/* meta_value - tests_already_hit of rule i */
static double
meta_value(void *arg, int i)
{
	struct run *rn = arg;

	return rn->val[i];
}

/* record - a hit: value adds to the rule's tests_already_hit */
static void
record(struct run *rn, const struct crule *c, double value)
{
	rn->val[c->idx] += value;
}

/* tags_set - keep the named groups of the match in rn->md as tags */
static void
tags_set(struct run *rn, const pcre2_code *code)
{
	PCRE2_SPTR tab;
	PCRE2_UCHAR *v;
	PCRE2_SIZE vl;
	uint32_t n = 0, sz = 0, i;

	pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &n);
	pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &sz);
	pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &tab);
	for (i = 0; i < n && rn->tags.len < 65536; i++) {
		const char *name = (const char *)tab + i * sz + 2;

		if (pcre2_substring_get_byname(rn->md, (PCRE2_SPTR)name, &v,
		    &vl) != 0)
			continue;
		if (vl > 0 && memchr(v, '\0', vl) == NULL) {
			buf_adds(&rn->tags, name);
			buf_addc(&rn->tags, '\0');
			buf_add(&rn->tags, v, vl);
			buf_addc(&rn->tags, '\0');
		}
		pcre2_substring_free(v);
	}
}

/*
 * tagged_code - a %{TAG} pattern with each tag replaced by
 * (?:v1|v2...), the values quoted (Check.pm capture_rules_replace);
 * NULL when a tag has no value (the rule does not run)
 */
static pcre2_code *
tagged_code(struct run *rn, const struct saconf_rule *r)
{
	struct buf b = BUF_INIT;
	const char *p = r->pcre, *e, *t, *end = rn->tags.data + rn->tags.len;
	pcre2_code *code = NULL;
	int err, found;
	PCRE2_SIZE off;

	while (*p) {
		if (p[0] == '%' && p[1] == '{' && (p == r->pcre || p[-1] !=
		    '\\') && (e = strchr(p, '}')) != NULL) {
			found = 0;
			buf_adds(&b, "(?:");
			for (t = rn->tags.data; t && t < end;) {
				const char *v = t + strlen(t) + 1;

				if (strlen(t) == (size_t)(e - p - 2) &&
				    strncmp(t, p + 2, e - p - 2) == 0) {
					if (found++)
						buf_addc(&b, '|');
					for (; *v; v++) {
						if (!((*v >= 'a' && *v <= 'z') ||
						    (*v >= 'A' && *v <= 'Z') ||
						    (*v >= '0' && *v <= '9') ||
						    *v == '_' || (*v & 0x80)))
							buf_addc(&b, '\\');
						buf_addc(&b, *v);
					}
					v++;
				} else
					v += strlen(v) + 1;
				t = v;
			}
			if (!found)
				goto out;
			buf_addc(&b, ')');
			p = e + 1;
			continue;
		}
		buf_addc(&b, *p++);
	}
	code = pcre2_compile((PCRE2_SPTR)buf_str(&b), b.len, r->options, &err,
	    &off, NULL);
out:
	buf_free(&b);
	return code;
}

/* run_rule - run one non-meta rule */
static void
run_rule(struct run *rn, struct eval_msg *em, const struct crule *c)
{
	const struct saconf_rule *r = c->r;
	struct msgtext *mt = rn->mt;
	int n = 0;

	if (r->kind == SAK_EVAL) {
		if (c->net == NET_DNSBL)
			n = rn->dm ? dnsbl_eval(rn->dm, r, c->argc, c->argv) :
			    0;
		else if (c->net == NET_PYZOR)
			n = rn->pyzor_hit;
		else
			n = c->fn(em, c->argc, c->argv);
		rn->ran[c->idx] = 1;
		if (n > 0)
			record(rn, c, n);
		return;
	}
	if (rn->timeout)
		return;
	if (rn->ck->opts.time_budget > 0 && (rn->nregex++ & 7) == 0 &&
	    now() - rn->t0 > rn->ck->opts.time_budget) {
		rn->timeout = 1;
		rn->res->flags |= CHECK_TIMEOUT;
		return;
	}
	rn->cur = r->code;
	if (c->nalt > 0) {
		/* a split pattern: the first part that matches */
		for (int k = 0; k < c->nalt && n == 0; k++) {
			const struct buf *w = r->type == SA_BODY ?
			    &mt->body.text : &mt->rawbody.text;

			if (c->alt_nlids[k] > 0 && !lit_any(rn, w,
			    c->alt_lids[k], c->alt_nlids[k]))
				continue;
			if (c->alt_pre[k] && (n = match(rn, c->alt_pre[k],
			    buf_str(w), w->len, 0, 0)) <= 0)
				continue;
			n = 0;
			rn->cur = c->alt[k];
			if (r->type == SA_BODY)
				n = run_lines(rn, c, &mt->body.text, NULL,
				    mt->body.off, mt->body.len, mt->body.n,
				    c->nosubject);
			else if (r->type == SA_RAWBODY)
				n = run_lines(rn, c, &mt->rawbody.text, NULL,
				    mt->rawbody.off, mt->rawbody.len,
				    mt->rawbody.n, 0);
			else if (r->type == SA_URI)
				n = run_lines(rn, c, NULL, (const char *const *)
				    mt->uris.v, NULL, NULL, mt->uris.n, 0);
			else if (r->type == SA_HEADER)
				n = run_header(rn, c);
			else if (r->type == SA_FULL)
				n = match(rn, rn->cur, em->msg, em->len, 0, 0);
		}
		goto done;
	}
	if (c->tagged) {
		pcre2_code *tc = tagged_code(rn, r);

		if (tc == NULL)
			return;
		rn->cur = tc;
		n = r->type == SA_URI ? run_lines(rn, c, NULL,
		    (const char *const *)mt->uris.v, NULL, NULL, mt->uris.n, 0) :
		    r->type == SA_HEADER ? run_header(rn, c) :
		    r->type == SA_BODY ? run_lines(rn, c, &mt->body.text, NULL,
		    mt->body.off, mt->body.len, mt->body.n, c->nosubject) : 0;
		pcre2_code_free(tc);
		goto done;
	}
	switch (r->type) {
	case SA_HEADER:
		n = run_header(rn, c);
		break;
	case SA_BODY:
		n = run_lines(rn, c, &mt->body.text, NULL, mt->body.off,
		    mt->body.len, mt->body.n, c->nosubject);
		break;
	case SA_RAWBODY:
		n = run_lines(rn, c, &mt->rawbody.text, NULL,
		    mt->rawbody.off, mt->rawbody.len, mt->rawbody.n, 0);
		break;
	case SA_URI:
		n = run_uri(rn, c);
		break;
	case SA_FULL:
		n = match(rn, rn->cur, em->msg, em->len, c->multiple,
		    c->maxhits);
		break;
	case SA_MIMEHEADER:
		n = run_mimeheader(rn, c);
		break;
	default:
		return;
	}
	if (n > 0 && c->captures && !c->multiple && !r->negate &&
	    r->kind == SAK_REGEX)
		tags_set(rn, rn->cur);
done:
	rn->ran[c->idx] = 1;
	if (n < 0) {
		stopped(rn, c);
		return;
	}
	if (n > 0)
		record(rn, c, n);
}

/* hit_cmp - by rule name, as SA sorts tests= */
static int
hit_cmp(const void *a, const void *b, void *arg)
{
	const struct checker *ck = arg;
	const struct check_hit *x = a, *y = b;

	return strcmp(ck->cr[x->rule].r->name, ck->cr[y->rule].r->name);
}

/* body_start - the offset of the body in msg (after the empty line) */
static size_t
body_start(const char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (i + 1 < len && msg[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* mstate_free - release a match state */
static void
mstate_free(struct mstate *ms)
{
	if (ms->jit)
		pcre2_jit_stack_free(ms->jit);
	pcre2_match_context_free(ms->mctx);
	pcre2_match_data_free(ms->md);
	xfree(ms);
}

/*
 * mstate_get - an idle match state of ck, or a new one (match data,
 * context with ck's limits, JIT stack: the stack is an mmap that
 * costs more than a small message's matching to make anew)
 */
static struct mstate *
mstate_get(struct checker *ck)
{
	struct mstate *ms = NULL;

	pthread_mutex_lock(&ck->pool_lock);
	if (ck->npool > 0)
		ms = ck->pool[--ck->npool];
	pthread_mutex_unlock(&ck->pool_lock);
	if (ms != NULL)
		return ms;
	ms = xcalloc(1, sizeof(*ms));
	ms->md = pcre2_match_data_create(64, NULL);
	ms->mctx = pcre2_match_context_create(NULL);
	if (ms->md == NULL || ms->mctx == NULL)
		log_panic("%s: out of memory", __func__);
	if (ck->opts.match_limit)
		pcre2_set_match_limit(ms->mctx, ck->opts.match_limit);
	if (ck->opts.depth_limit)
		pcre2_set_depth_limit(ms->mctx, ck->opts.depth_limit);
	ms->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (ms->jit)
		pcre2_jit_stack_assign(ms->mctx, NULL, ms->jit);
	return ms;
}

/* mstate_put - hand a match state back to ck's pool (or free it) */
static void
mstate_put(struct checker *ck, struct mstate *ms)
{
	pthread_mutex_lock(&ck->pool_lock);
	if (ck->npool < MSTATE_POOL) {
		ck->pool[ck->npool++] = ms;
		ms = NULL;
	}
	pthread_mutex_unlock(&ck->pool_lock);
	if (ms != NULL)
		mstate_free(ms);
}

/* plug_num - a numeric bayes_/pyzor_/dns_ setting of the rules, or def */
static double
plug_num(const struct saconf *conf, const char *name, double def)
{
	const struct saconf_settings *st = saconf_settings(conf);
	double v = def;
	char *end;
	size_t i;

	for (i = 0; i < st->plug_key.n; i++)
		if (strcmp(st->plug_key.v[i], name) == 0) {
			double x = strtod(st->plug_val.v[i], &end);

			if (end != st->plug_val.v[i])
				v = x;
		}
	return v;
}

/* net_start - send the message's DNS-list and Pyzor questions at once */
static void
net_start(struct run *rn, const char *msg, size_t len, const char *env_from)
{
	const struct checker *ck = rn->ck;
	char digest[41];

	if (!(rn->set & 1))
		return;
	if (ck->use_dnsbl)
		rn->dm = dnsbl_start(ck->opts.dnsbl, ck->opts.dns, rn->mt,
		    rn->relays, env_from);
	if (ck->use_pyzor && pyzor_digest(msg, len, digest) == 0)
		rn->pq = pyzor_start(ck->opts.pyzor, "check", digest);
}

/*
 * net_wait - the answers of the DNS lists and Pyzor, in one poll loop,
 * each until its own timeout counted from t0 (the start of the check);
 * what has not answered by then counts as not listed
 */
static void
net_wait(struct run *rn, double t0)
{
	const struct checker *ck = rn->ck;
	struct dns *dns = ck->opts.dns;
	double ddl = t0 + ck->opts.dns_timeout, pdl = t0 +
	    ck->opts.pyzor_timeout, t;
	struct pollfd pfd[64];
	int nd, np, tmo, dtmo, dlive, plive, k;

	for (;;) {
		t = now();
		dlive = rn->dm && dns_pending(dns) > 0 && t < ddl;
		plive = rn->pq && !pyzor_done(rn->pq) && t < pdl;
		if (!dlive && !plive)
			break;
		nd = np = 0;
		tmo = 1000;
		if (dlive) {
			dtmo = 1000;
			nd = dns_pollfds(dns, pfd, 32, &dtmo);
			tmo = (int)((ddl - t) * 1000) + 1;
			if (dtmo >= 0 && dtmo < tmo)
				tmo = dtmo;
		}
		if (plive) {
			np = pyzor_pollfds(rn->pq, pfd + nd, 64 - nd);
			k = (int)((pdl - t) * 1000) + 1;
			if (!dlive || k < tmo)
				tmo = k;
		}
		if (poll(pfd, (nfds_t)(nd + np), tmo < 0 ? 0 : tmo) < 0 &&
		    errno != EINTR)
			break;
		if (dlive)
			dns_process(dns, pfd, nd);
		for (k = nd; k < nd + np; k++)
			if (pfd[k].revents)
				pyzor_input(rn->pq, pfd[k].fd);
	}
	if (rn->dm && dns_pending(dns) > 0)
		dns_cancel(dns);	/* the callbacks count them */
	if (dnsbl_timeouts(rn->dm) > 0)
		rn->res->flags |= CHECK_NET_TIMEOUT;
	if (rn->pq) {
		long count = 0, wl = 0;
		struct buf err = BUF_INIT;

		if (pyzor_waiting(rn->pq) > 0)
			rn->res->flags |= CHECK_NET_TIMEOUT;
		if (pyzor_result(rn->pq, &count, &wl, &err) > 0) {
			rn->res->pyzor_count = count;
			rn->res->pyzor_wl = wl;
			rn->pyzor_hit = pyzor_hit(ck->opts.pyzor, count, wl);
		}
		if (err.len)
			log_info("pyzor: %s", buf_str(&err));
		buf_free(&err);
	}
}

/* al_type - head (1), body (2), meta (3) or other (0), as AutoLearn */
static int
al_type(const struct saconf_rule *r)
{
	switch (r->type) {
	case SA_HEADER:
		return 1;
	case SA_BODY:
	case SA_RAWBODY:
	case SA_URI:
		return 2;
	case SA_META:
		return 3;
	default:
		return 0;
	}
}

/*
 * autolearn - SpamAssassin's AutoLearnThreshold on a finished result:
 * the points of the hits in the score set without Bayes (learn,
 * noautolearn and userconf rules left out, metas split between header
 * and body by their dependencies), then the thresholds
 */
static void
autolearn(struct run *rn, struct check_result *res)
{
	const struct checker *ck = rn->ck;
	const struct saconf_settings *st = saconf_settings(ck->conf);
	int set = rn->set, nset = set & ~2, i, isspam;
	double points = 0, head = 0, body = 0, learned = 0, v;
	char sc[64];

	if (ck->opts.bayes == NULL || !st->use_bayes ||
	    !st->bayes_auto_learn) {
		res->autolearn = CHECK_AL_DISABLED;
		return;
	}
	res->autolearn = CHECK_AL_NO;
	for (i = 0; i < res->nhit; i++) {
		const struct crule *c = &ck->cr[res->hit[i].rule];
		const struct saconf_rule *r = c->r;
		int type = al_type(r);

		if (r->tflags & (SAF_NOAUTOLEARN | SAF_USERCONF))
			continue;
		if (r->tflags & SAF_LEARN) {
			learned += c->sc[set];
			continue;
		}
		if (r->tflags & SAF_AUTOLEARN_FORCE)
			res->autolearn_force++;
		if ((v = c->sc[nset]) == 0)
			continue;
		if (r->tflags & SAF_AUTOLEARN_HEADER)
			type = 1;
		else if (r->tflags & SAF_AUTOLEARN_BODY)
			type = 2;
		if (type == 1)
			head += v;
		else if (type == 2)
			body += v;
		else if (type == 3 && r->meta) {
			int dh = 0, db = 0, d, t;
			size_t k;

			for (k = 0; k < meta_nrefs(r->meta); k++) {
				if (meta_is_glob(r->meta, k) ||
				    (d = meta_bound(r->meta, k)) < 0)
					continue;
				t = al_type(ck->cr[d].r);
				dh += t == 1;
				db += t == 2;
			}
			if (dh + db) {
				snprintf(sc, sizeof(sc), "%0.3f",
				    v * dh / (dh + db));
				head += strtod(sc, NULL);
				snprintf(sc, sizeof(sc), "%0.3f",
				    v * db / (dh + db));
				body += strtod(sc, NULL);
			}
		}
		points += v;
	}
	snprintf(sc, sizeof(sc), "%0.3f", points);
	points = strtod(sc, NULL);
	if (points < st->autolearn_nonspam)
		isspam = 0;
	else if (points >= st->autolearn_spam)
		isspam = 1;
	else
		return;
	if (isspam) {
		double req = res->autolearn_force ? -99 : 3;

		if (body < req || head < req || learned < -1.0 ||
		    !res->is_spam)
			return;
	} else if (learned > 1.0 || res->is_spam)
		return;
	if (plug_num(ck->conf, "bayes_auto_learn_on_error", 0) != 0) {
		for (i = 0; i < res->nhit; i++) {
			const char *n = ck->cr[res->hit[i].rule].r->name;

			if (strcmp(n, isspam ? "BAYES_99" : "BAYES_00") == 0)
				return;
		}
	}
	res->autolearn = isspam ? CHECK_AL_SPAM : CHECK_AL_HAM;
}

/* check_autolearn_name - the autolearn= word of X-Spam-Status */
const char *
check_autolearn_name(enum check_autolearn a)
{
	static const char *const name[] = { "no", "ham", "spam", "disabled",
	    "unavailable", "failed" };

	return (unsigned)a < sizeof(name) / sizeof(name[0]) ? name[a] : "no";
}

/*
 * check_message - score msg[0..len) (envelope in env, may be NULL)
 * into res; returns 0
 */
int
check_message(struct checker *ck, const char *msg, size_t len,
    const struct check_env *env, struct check_result *res)
{
	struct run rn;
	struct msgtext mt;
	struct relays relays;
	struct eval_msg em;
	char sc[64];
	int i, k, set = ck->opts.score_set;
	double v, sum = 0;

	memset(res, 0, sizeof(*res));
	res->bayes = -1;
	res->pyzor_count = res->pyzor_wl = -1;
	memset(&rn, 0, sizeof(rn));
	rn.t0 = now();
	rn.ck = ck;
	rn.res = res;
	rn.env = env;
	msgtext_parse(&mt, msg, len);
	memset(&relays, 0, sizeof(relays));
	relays_parse(&relays, &mt, ck->rconf);
	rn.mt = &mt;
	rn.relays = &relays;
	if (mt.flags & MSGTEXT_TRUNCATED)
		res->flags |= CHECK_TRUNCATED;

	memset(&em, 0, sizeof(em));
	em.msg = msg;
	em.len = len;
	em.body_off = body_start(msg, len);
	em.mt = &mt;
	em.conf = ck->conf;
	em.set = saconf_settings(ck->conf);
	em.relays = &relays;
	em.env_from = env ? env->env_from : NULL;
	/* Bayes counts when the store has learned enough (SpamAssassin
	 * drops set bit 2 per message otherwise) */
	if ((set & 2) && (ck->opts.bayes == NULL || bayes_classify(
	    ck->opts.bayes, &mt, msg, len, &em.bayes_prob) != 1))
		set &= ~2;
	em.bayes_ok = (set & 2) != 0;
	if (em.bayes_ok)
		res->bayes = em.bayes_prob;
	em.score_set = set;
	rn.set = res->score_set = set;
	net_start(&rn, msg, len, em.env_from);

	rn.val = xcalloc(ck->n + 1, sizeof(double));
	rn.ran = xcalloc(ck->n + 1, 1);
	rn.hval = xcalloc(ck->nhreq + 1, sizeof(struct buf));
	rn.hstate = xcalloc(ck->nhreq + 1, 1);
	rn.ms = mstate_get(ck);
	rn.md = rn.ms->md;
	rn.mctx = rn.ms->mctx;
	rn.jit = rn.ms->jit;

	for (i = 0; i < ck->norder; i++)
		if (ck->cr[ck->order[i]].runmask & (1u << set))
			run_rule(&rn, &em, &ck->cr[ck->order[i]]);
	if (rn.dm || rn.pq)
		net_wait(&rn, rn.t0);
	for (i = 0; i < ck->nnetr; i++)
		if (ck->cr[ck->netr[i]].runmask & (1u << set))
			run_rule(&rn, &em, &ck->cr[ck->netr[i]]);

	/* metas (Check.pm do_meta_tests at the finish): a meta runs when
	 * scored and every meta it names ran; other rules count as run */
	for (i = 0; i < ck->nmetas; i++) {
		const struct crule *c = &ck->cr[ck->metas[i]];
		const struct meta *m = c->r->meta;
		int ok = c->sc[set] != 0 && !c->r->disabled && m != NULL;

		for (k = 0; ok && k < c->nmdeps; k++)
			if (!rn.ran[c->mdeps[k]])
				ok = 0;
		if (!ok)
			continue;
		v = meta_eval(m, meta_value, &rn);
		rn.ran[c->idx] = 1;
		if (v != 0)
			rn.val[c->idx] = v > 0 ? v : 1;
	}

	/* the score and the hit lists */
	for (i = 0; i < ck->n; i++) {
		const struct crule *c = &ck->cr[i];
		struct check_hit h;

		if (rn.val[i] == 0 || c->sc[set] == 0)
			continue;
		h.rule = i;
		h.count = 1;
		h.score = c->counted ? c->sc[set] : 0;
		if (c->multiple && c->r->kind == SAK_REGEX) {
			h.count = (int)rn.val[i];
			h.score *= h.count;
		}
		if (!c->counted) {
			res->sub = xreallocarray(res->sub, res->nsub + 1,
			    sizeof(h));
			res->sub[res->nsub++] = h;
			continue;
		}
		sum += h.score;
		res->hit = xreallocarray(res->hit, res->nhit + 1, sizeof(h));
		res->hit[res->nhit++] = h;
	}
	if (res->nhit)
		qsort_r(res->hit, res->nhit, sizeof(*res->hit), hit_cmp, ck);
	if (res->nsub)
		qsort_r(res->sub, res->nsub, sizeof(*res->sub), hit_cmp, ck);
	/* PerMsgStatus check: (sprintf "%0.3f", score) + 0 */
	snprintf(sc, sizeof(sc), "%0.3f", sum);
	res->score = strtod(sc, NULL);
	if (res->score == 0)
		res->score = 0;	/* no -0 */
	res->required = saconf_settings(ck->conf)->required_score;
	res->is_spam = res->score >= res->required;
	autolearn(&rn, res);

	if (rn.aborted.len)
		log_warn("regex match limit reached, rules stopped: rules=%s",
		    buf_str(&rn.aborted));
	if (rn.dm)
		dnsbl_msg_free(rn.dm);
	if (rn.pq)
		pyzor_free(rn.pq);
	eval_msg_release(&em);
	relays_free(&relays);
	for (i = 0; rn.parts && i < mt.mime.nparts; i++)
		if (rn.parts[i]) {
			msgtext_free(rn.parts[i]);
			xfree(rn.parts[i]);
		}
	xfree(rn.parts);
	msgtext_free(&mt);
	for (i = 0; i < ck->nhreq; i++)
		buf_free(&rn.hval[i]);
	xfree(rn.hval);
	xfree(rn.hstate);
	xfree(rn.val);
	xfree(rn.ran);
	buf_free(&rn.aborted);
	buf_free(&rn.lbody);
	buf_free(&rn.uritext);
	buf_free(&rn.luri);
	xfree(rn.urioff);
	xfree(rn.urilen);
	buf_free(&rn.tags);
	buf_free(&rn.lraw);
	for (i = 0; i < 3; i++)
		xfree(rn.lfound[i]);
	mstate_put(ck, rn.ms);
	res->elapsed = now() - rn.t0;
	return 0;
}

/* check_result_free - release what check_message put in res */
void
check_result_free(struct check_result *res)
{
	xfree(res->hit);
	xfree(res->sub);
	xfree(res->lang);
	memset(res, 0, sizeof(*res));
}

/* check_tests_string - "A,B,C": the counted hits, sorted by name */
void
check_tests_string(const struct checker *ck, const struct check_result *res,
    struct buf *out)
{
	int i;

	for (i = 0; i < res->nhit; i++) {
		if (i)
			buf_addc(out, ',');
		buf_adds(out, ck->cr[res->hit[i].rule].r->name);
	}
}

/* why_cmp - disabled rules by reason, then name */
static int
why_cmp(const void *a, const void *b, void *arg)
{
	const struct checker *ck = arg;
	const struct saconf_rule *x = ck->cr[*(const int *)a].r;
	const struct saconf_rule *y = ck->cr[*(const int *)b].r;
	int d = strcmp(x->disabled, y->disabled);

	return d ? d : strcmp(x->name, y->name);
}

/*
 * check_disabled_format - the disabled rules grouped by reason, one
 * line a reason: "disabled (N): REASON: A B C" (after the summary of
 * saconf_summary_format, for mailsiftctl rules)
 */
void
check_disabled_format(const struct checker *ck, struct buf *out)
{
	int *v, n = 0, i, j;

	v = xcalloc(ck->n + 1, sizeof(int));
	for (i = 0; i < ck->n; i++)
		if (ck->cr[i].r->disabled)
			v[n++] = i;
	qsort_r(v, n, sizeof(int), why_cmp, (void *)ck);
	for (i = 0; i < n; i = j) {
		const char *why = ck->cr[v[i]].r->disabled;

		for (j = i; j < n && strcmp(ck->cr[v[j]].r->disabled, why) ==
		    0; j++)
			;
		buf_addf(out, "disabled (%d): %s:", j - i, why);
		for (int k = i; k < j; k++)
			buf_addf(out, " %s", ck->cr[v[k]].r->name);
		buf_addc(out, '\n');
	}
	xfree(v);
}
