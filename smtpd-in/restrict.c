/*
 * restrict.c - smtpd_client_restrictions for smtpd-in, as Postfix with
 * smtpd_delay_reject=yes: the list is judged at RCPT TO, and the DNS
 * lists it names are asked when the client connects, so the answers
 * are usually there by then.
 *
 * Exports smtpd_restrict_start (at connect: send the lookups),
 * smtpd_restrict_check (at RCPT: NULL or the refusal) and
 * smtpd_restrict_end (end of session: drop what is pending).
 * Restrictions: permit_mynetworks, reject_rbl_client DOMAIN[=PATTERN]
 * (PATTERN d.d.d.d, each d a number or [n;n..m]), permit, reject.
 * default_rbl_reply fills $rbl_code, $rbl_class, $rbl_what,
 * $rbl_domain, $rbl_reason, $rbl_txt and ${rbl_reason?TEXT} /
 * ${rbl_reason:TEXT}; the reason is the list's TXT records, the first
 * character-string of each, joined by " / ", as Postfix 3.7 writes
 * them.  A DNS failure or timeout never refuses: it is logged and the
 * list counts as not listing the client.
 *
 * Inputs: the client address (from the kernel) and the DNS answers
 * (hostile: TXT text is cut and made printable).  Runs unprivileged.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dns.h"
#include "log.h"
#include "mem.h"
#include "smtp.h"
#include "smtpd.h"

#define REASON_MAX	400	/* bytes of TXT text put in a reply */

enum { R_PERMIT_MYNETWORKS, R_REJECT_RBL, R_PERMIT, R_REJECT };
enum { L_NONE, L_PENDING, L_DONE, L_FAILED };

#define MAX_ADDRS	16	/* A records of a listing kept */

/* one DNS list asked about the client (shared by its restrictions) */
struct lookup {
	struct smtpd_restrict *owner;
	char		*domain;
	char		*name;		/* reversed address + domain */
	int		 state;		/* L_* of the A lookup */
	int		 dns_status;	/* DNS_* when L_FAILED */
	struct in_addr	 a[MAX_ADDRS];	/* the listing's A records */
	int		 na;
	int		 txt_state;	/* L_* of the TXT lookup */
	struct buf	 reason;	/* TXT text, " / " between records */
	int		 logged;	/* failure said once */
};

struct restriction {
	int		 type;		/* R_* */
	char		*domain;	/* R_REJECT_RBL: as written */
	char		*pattern;	/* its =PATTERN, or NULL: any */
	struct lookup	*lk;
};

struct smtpd_restrict {
	struct restriction *r;
	int		 n;
	struct lookup	**lk;
	int		 nlk;
	double		 deadline;	/* CLOCK_MONOTONIC: end of the wait */
	int		 decided;
	char		*reply;		/* the decision: NULL lets through */
	char		*config_error;	/* a bad list: why */
};

static struct dns *resolver;	/* one per process, made on first use */
static int resolver_failed;

/* now - CLOCK_MONOTONIC seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* get_resolver - the process's resolver; NULL (logged once) if none */
static struct dns *
get_resolver(void)
{
	struct buf err = BUF_INIT;

	if (resolver == NULL && !resolver_failed) {
		resolver = dns_new(cf->dns_servers, (double)cf->dns_timeout,
		    &err);
		if (resolver == NULL) {
			log_warn("dns_servers: %s; DNS lists are not used",
			    buf_str(&err));
			resolver_failed = 1;
		}
	}
	buf_free(&err);
	return resolver;
}

/* octet_match - does number v match one octet pattern: d or [n;n..m] */
static int
octet_match(const char *p, size_t len, int v, int *valid)
{
	const char *end = p + len, *q;
	long lo, hi;
	char *e;
	int hit = 0;

	*valid = 0;
	if (len > 2 && p[0] == '[' && p[len - 1] == ']') {
		p++;
		end--;
	} else if (len == 0 || memchr(p, '[', len) || memchr(p, ';', len) ||
	    memchr(p, ']', len)) {
		return 0;
	}
	while (p < end) {
		q = memchr(p, ';', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (!isdigit((unsigned char)*p))
			return 0;
		lo = hi = strtol(p, &e, 10);
		if (e + 2 <= q && e[0] == '.' && e[1] == '.') {
			if (!isdigit((unsigned char)e[2]))
				return 0;
			hi = strtol(e + 2, &e, 10);
		}
		if (e != q || lo > 255 || hi > 255 || lo > hi)
			return 0;
		if (v >= lo && v <= hi)
			hit = 1;
		p = q + (q < end);
		if (q < end && p == end)
			return 0;	/* a trailing ';' */
	}
	*valid = 1;
	return hit;
}

/*
 * pattern_match - does address a match d.d.d.d (Postfix's
 * reject_rbl_client DOMAIN=PATTERN); -1 when the pattern is bad
 */
static int
pattern_match(const char *pat, struct in_addr a)
{
	const unsigned char *o = (const unsigned char *)&a.s_addr;
	const char *p = pat, *dot;
	int i, hit = 1, valid;
	size_t len;

	for (i = 0; i < 4; i++) {
		/* a dot inside [..] is part of a range */
		for (dot = p; *dot && *dot != '.'; dot++)
			if (*dot == '[')
				dot = strchr(dot, ']') ? strchr(dot, ']') :
				    dot + strlen(dot) - 1;
		if ((i < 3 && *dot != '.') || (i == 3 && *dot))
			return -1;
		len = (size_t)(dot - p);
		if (!octet_match(p, len, o[i], &valid))
			hit = 0;
		if (!valid)
			return -1;
		p = dot + 1;
	}
	return hit;
}

/* add_reason - one TXT record's first string to the reason */
static void
add_reason(struct buf *b, const char *s)
{
	if (b->len > 0)
		buf_adds(b, " / ");
	for (; *s && b->len < REASON_MAX; s++)
		buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' :
		    *s);
}

/* txt_done - the TXT answer of a listed client: the reason */
static void
txt_done(void *arg, const char *name, const struct dns_answer *ans)
{
	struct lookup *lk = arg;
	int i;

	lk->txt_state = ans->status == DNS_OK ? L_DONE : L_FAILED;
	for (i = 0; ans->status == DNS_OK && i < ans->n; i++)
		add_reason(&lk->reason, ans->txt1[i]);
}

/* lists - does one restriction on lookup lk list the client? */
static int
lists(const struct restriction *r, const struct lookup *lk)
{
	int i;

	for (i = 0; i < lk->na; i++)
		if (r->pattern == NULL || pattern_match(r->pattern,
		    lk->a[i]) == 1)
			return 1;
	return 0;
}

/* a_done - the A answer; a listing that refuses asks for the TXT */
static void
a_done(void *arg, const char *name, const struct dns_answer *ans)
{
	struct lookup *lk = arg;
	struct smtpd_restrict *sr = lk->owner;
	int i, refuse = 0;

	if (ans->status != DNS_OK && ans->status != DNS_NXDOMAIN) {
		lk->state = L_FAILED;
		lk->dns_status = ans->status;
		return;
	}
	lk->state = L_DONE;
	for (i = 0; ans->status == DNS_OK && i < ans->n && i < MAX_ADDRS; i++)
		lk->a[lk->na++] = ans->a[i];
	for (i = 0; i < sr->n; i++)
		if (sr->r[i].lk == lk && lists(&sr->r[i], lk))
			refuse = 1;
	if (refuse && resolver) {
		lk->txt_state = L_PENDING;
		if (dns_query(resolver, lk->name, DNS_T_TXT, txt_done, lk) < 0)
			lk->txt_state = L_FAILED;
	}
}

/* lookup_for - the session's lookup of domain, made on first use */
static struct lookup *
lookup_for(struct smtpd_restrict *sr, const char *domain)
{
	struct lookup *lk;
	int i;

	for (i = 0; i < sr->nlk; i++)
		if (strcasecmp(sr->lk[i]->domain, domain) == 0)
			return sr->lk[i];
	lk = xcalloc(1, sizeof(*lk));
	lk->owner = sr;
	lk->domain = xstrdup(domain);
	sr->lk = xreallocarray(sr->lk, (size_t)sr->nlk + 1, sizeof(*sr->lk));
	sr->lk[sr->nlk++] = lk;
	return lk;
}

/* parse - the restriction list into sr; -1 with sr->config_error */
static int
parse(struct smtpd_restrict *sr, const char *list)
{
	struct buf b = BUF_INIT;
	struct in_addr any = { 0 };
	char **v = config_split(list, NULL), *eq;
	struct restriction *r;
	int i;

	for (i = 0; v[i]; i++)
		;
	sr->r = xcalloc((size_t)i + 1, sizeof(*sr->r));
	for (i = 0; v[i] && b.len == 0; i++) {
		r = &sr->r[sr->n++];
		if (strcmp(v[i], "permit_mynetworks") == 0) {
			r->type = R_PERMIT_MYNETWORKS;
		} else if (strcmp(v[i], "permit") == 0) {
			r->type = R_PERMIT;
		} else if (strcmp(v[i], "reject") == 0) {
			r->type = R_REJECT;
		} else if (strcmp(v[i], "reject_rbl_client") == 0 && v[i + 1]) {
			r->type = R_REJECT_RBL;
			r->domain = xstrdup(v[++i]);
			if ((eq = strchr(r->domain, '=')) != NULL) {
				*eq = '\0';
				r->pattern = xstrdup(eq + 1);
			}
			if (*r->domain == '\0' || (r->pattern &&
			    pattern_match(r->pattern, any) < 0))
				buf_addf(&b, "reject_rbl_client %s: bad "
				    "domain or pattern", v[i]);
			else
				r->lk = lookup_for(sr, r->domain);
		} else {
			buf_addf(&b, "unknown restriction or missing argument "
			    "\"%s\"", v[i]);
		}
	}
	config_split_free(v);
	if (b.len == 0)
		return 0;
	sr->config_error = buf_steal(&b);
	return -1;
}

/* send_lookup - ask a list about the client, once a session */
static void
send_lookup(struct lookup *lk, const char *rev)
{
	struct dns *d;

	if (lk->state != L_NONE)
		return;
	lk->name = xmalloc(strlen(rev) + strlen(lk->domain) + 2);
	strcpy(lk->name, rev);
	strcat(strcat(lk->name, "."), lk->domain);
	lk->state = L_PENDING;
	if ((d = get_resolver()) == NULL ||
	    dns_query(d, lk->name, DNS_T_A, a_done, lk) < 0) {
		lk->state = L_FAILED;
		lk->dns_status = DNS_FAIL;
	}
}

/* smtpd_restrict_start - read the list, send its lookups for the client */
void
smtpd_restrict_start(struct smtpd_session *s)
{
	struct smtpd_restrict *sr;
	struct buf rev = BUF_INIT;
	int i, decided = 0;

	if (*cf->smtpd_client_restrictions == '\0')
		return;
	sr = s->rs = xcalloc(1, sizeof(*sr));
	sr->deadline = now() + (double)cf->dns_timeout;
	if (parse(sr, cf->smtpd_client_restrictions) < 0 ||
	    dns_reverse_ip(s->addr, &rev) < 0) {
		buf_free(&rev);
		return;
	}
	/* what comes after a decision is never asked, as Postfix */
	for (i = 0; i < sr->n && !decided; i++) {
		switch (sr->r[i].type) {
		case R_PERMIT_MYNETWORKS:
			decided = smtp_netlist_match(cf->mynetworks, s->addr);
			break;
		case R_PERMIT:
		case R_REJECT:
			decided = 1;
			break;
		case R_REJECT_RBL:
			send_lookup(sr->r[i].lk, buf_str(&rev));
			break;
		}
	}
	buf_free(&rev);
}

/* expand_var - the value of one $rbl_ name, or NULL when unknown */
static const char *
expand_var(const char *name, size_t len, const struct restriction *l,
    const char *code, struct smtpd_session *s)
{
#define IS(w)	(len == sizeof(w) - 1 && strncmp(name, w, len) == 0)
	if (IS("rbl_code"))
		return code;
	if (IS("rbl_class"))
		return "Client host";
	if (IS("rbl_what"))
		return s->addr;
	if (IS("rbl_domain"))
		return l->domain;
	if (IS("rbl_reason") || IS("rbl_txt"))
		return buf_str(&l->lk->reason);
	return NULL;
#undef IS
}

/*
 * expand - fill default_rbl_reply's $rbl_ variables: $name, ${name},
 * ${name?TEXT} (TEXT when the value is not empty), ${name:TEXT} (TEXT
 * when it is); TEXT expanded once more
 */
static void
expand(const char *t, const struct restriction *l, const char *code,
    struct smtpd_session *s, struct buf *out, int depth)
{
	const char *name, *v, *end, *text;
	size_t len, tlen;
	int op;

	while (*t) {
		if (*t != '$') {
			buf_addc(out, *t++);
			continue;
		}
		t++;
		op = 0;
		text = NULL;
		tlen = 0;
		if (*t == '{') {
			name = ++t;
			len = strcspn(name, "}?:");
			end = name + len;
			if (*end == '?' || *end == ':') {
				op = *end;
				text = end + 1;
				/* the TEXT may hold ${...}: find our brace */
				for (end = text; *end && *end != '}'; end++)
					if (end[0] == '$' && end[1] == '{')
						end += strcspn(end, "}");
				tlen = (size_t)(end - text);
			}
			if (*end != '}') {
				buf_addc(out, '$');
				t = name - 1;
				continue;
			}
			t = end + 1;
		} else {
			name = t;
			for (len = 0; isalnum((unsigned char)name[len]) ||
			    name[len] == '_'; len++)
				;
			t = name + len;
		}
		v = expand_var(name, len, l, code, s);
		if (v == NULL) {
			/* not ours: keep it as written */
			buf_addc(out, '$');
			t = name;
			continue;
		}
		if (op == 0) {
			buf_adds(out, v);
		} else if ((op == '?') == (*v != '\0') && depth < 2) {
			char *sub = xstrndup(text, tlen);

			expand(sub, l, code, s, out, depth + 1);
			xfree(sub);
		}
	}
}

/*
 * rbl_reply - the refusal for a listed client: default_rbl_reply
 * filled, with the enhanced status code Postfix adds (5.7.1, or
 * 4.7.1 for a 4xx code) unless the template gives one
 */
static char *
rbl_reply(struct smtpd_session *s, const struct restriction *l)
{
	struct buf t = BUF_INIT, r = BUF_INIT;
	char code[8];
	const char *p;

	snprintf(code, sizeof(code), "%lld", cf->maps_rbl_reject_code);
	expand(cf->default_rbl_reply, l, code, s, &t, 0);
	p = buf_str(&t);
	if (!(p[0] == '4' || p[0] == '5') || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || (p[3] != ' ' && p[3] != '\0')) {
		log_warn("default_rbl_reply: \"%s\" does not begin with a 4xx "
		    "or 5xx code", p);
		buf_free(&t);
		return xstrdup("451 4.3.5 Server configuration error");
	}
	buf_add(&r, p, 3);
	p += 3;
	while (*p == ' ')
		p++;
	/* an enhanced code of the template: d.d.d with d's class */
	if (!(p[0] == r.data[0] && p[1] == '.' && isdigit((unsigned char)p[2])))
		buf_addf(&r, " %c.7.1", r.data[0]);
	if (*p)
		buf_addc(&r, ' ');
	for (; *p; p++)
		buf_addc(&r, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
	buf_free(&t);
	return buf_steal(&r);
}

/* log_failure - a list that could not be asked, said once a session */
static void
log_failure(struct smtpd_session *s, struct lookup *lk)
{
	if (lk->logged)
		return;
	lk->logged = 1;
	log_warn("%s[%s]: reject_rbl_client %s: DNS lookup of %s %s; "
	    "client not rejected", s->name, s->addr, lk->domain,
	    lk->name ? lk->name : lk->domain, lk->state == L_PENDING ||
	    lk->dns_status == DNS_TIMEOUT ? "timed out" : "failed");
}

/* decide - walk the list on the answers received: the reply or NULL */
static char *
decide(struct smtpd_session *s, struct smtpd_restrict *sr)
{
	struct restriction *r;
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < sr->n; i++) {
		r = &sr->r[i];
		switch (r->type) {
		case R_PERMIT_MYNETWORKS:
			if (smtp_netlist_match(cf->mynetworks, s->addr))
				return NULL;
			break;
		case R_PERMIT:
			return NULL;
		case R_REJECT:
			buf_addf(&b, "554 5.7.1 <%s[%s]>: Client host "
			    "rejected: Access denied", s->name, s->addr);
			return buf_steal(&b);
		case R_REJECT_RBL:
			if (r->lk->state == L_NONE)
				break;	/* not an address */
			if (r->lk->state == L_DONE && lists(r, r->lk)) {
				if (r->lk->txt_state == L_PENDING)
					log_info("%s[%s]: TXT of %s not in "
					    "time", s->name, s->addr,
					    r->lk->name);
				return rbl_reply(s, r);
			}
			if (r->lk->state != L_DONE)
				log_failure(s, r->lk);
			break;
		}
	}
	return NULL;
}

/*
 * smtpd_restrict_check - at RCPT: wait for the lookups (until
 * dns_timeout after the connection at most), then the decision, made
 * once a session: NULL to go on, or the reply to refuse with
 */
const char *
smtpd_restrict_check(struct smtpd_session *s)
{
	struct smtpd_restrict *sr = s->rs;

	if (sr == NULL)
		return NULL;
	if (sr->decided)
		return sr->reply;
	if (sr->config_error) {
		log_warn("smtpd_client_restrictions: %s", sr->config_error);
		sr->reply = xstrdup("451 4.3.5 Server configuration error");
		sr->decided = 1;
		return sr->reply;
	}
	if (resolver && dns_pending(resolver) > 0)
		dns_wait(resolver, sr->deadline);
	sr->reply = decide(s, sr);
	sr->decided = 1;
	return sr->reply;
}

/* smtpd_restrict_end - cancel what is pending and free the session's */
void
smtpd_restrict_end(struct smtpd_session *s)
{
	struct smtpd_restrict *sr = s->rs;
	int i;

	if (sr == NULL)
		return;
	/* the callbacks point into sr: end them before it goes */
	if (resolver)
		dns_cancel(resolver);
	for (i = 0; i < sr->n; i++) {
		xfree(sr->r[i].domain);
		xfree(sr->r[i].pattern);
	}
	for (i = 0; i < sr->nlk; i++) {
		xfree(sr->lk[i]->domain);
		xfree(sr->lk[i]->name);
		buf_free(&sr->lk[i]->reason);
		xfree(sr->lk[i]);
	}
	xfree(sr->lk);
	xfree(sr->r);
	xfree(sr->reply);
	xfree(sr->config_error);
	xfree(sr);
	s->rs = NULL;
}
