/*
 * smtpd_cmd.c - MAIL, RCPT and XFORWARD for smtpd-in.
 *
 * Parses envelope addresses, the ESMTP parameters we announce (SIZE,
 * BODY, RET, ENVID, SMTPUTF8 and AUTH on MAIL; NOTIFY and ORCPT on
 * RCPT) and the XFORWARD attributes, and keeps what must be relayed,
 * normalised, in the session's envelope.  Exports smtpd_mail,
 * smtpd_rcpt, smtpd_xforward, smtpd_xforward_reset.
 *
 * Inputs: command arguments from the client (hostile; no NUL, at most
 * smtpd_command_length_limit bytes, trailing blanks removed).  Runs
 * unprivileged.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "smtp.h"
#include "smtpd.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define IS_CTRL(c)	((unsigned char)(c) < 0x20 || (c) == 0x7f)

#define ADDR_MAX	512	/* longest envelope address */
#define ENVID_MAX	100	/* RFC 3461 */
#define ORCPT_MAX	500	/* RFC 3461 */
#define XF_VALUE_MAX	255	/* XFORWARD_README */
#define XF_PROTO_MAX	64
#define XF_UNAVAILABLE	"[UNAVAILABLE]"

enum { P_OK, P_BAD, P_BIG };

struct esmtp_param {
	const char	*name;
	int		 relay;		/* kept in the queue file */
	int		(*check)(const char *, struct buf *);
};

/* one_of - value is one of words (any case); its canonical form */
static int
one_of(const char *v, const char *const *words, struct buf *norm)
{
	for (; v && *words; words++) {
		if (strcasecmp(v, *words) == 0) {
			buf_adds(norm, *words);
			return P_OK;
		}
	}
	return P_BAD;
}

/* check_size - SIZE=digits; P_BIG above message_size_limit */
static int
check_size(const char *v, struct buf *norm)
{
	size_t n = v ? strlen(v) : 0;

	if (n == 0 || strspn(v, "0123456789") != n)
		return P_BAD;
	if (n > 18)
		return P_BIG;
	return strtoll(v, NULL, 10) > cf->message_size_limit ? P_BIG : P_OK;
}

/* check_body - BODY=7BIT|8BITMIME */
static int
check_body(const char *v, struct buf *norm)
{
	static const char *const words[] = { "7BIT", "8BITMIME", NULL };

	return one_of(v, words, norm);
}

/* check_ret - RET=FULL|HDRS */
static int
check_ret(const char *v, struct buf *norm)
{
	static const char *const words[] = { "FULL", "HDRS", NULL };

	return one_of(v, words, norm);
}

/* check_envid - ENVID=xtext, at most 100 characters */
static int
check_envid(const char *v, struct buf *norm)
{
	if (v == NULL || *v == '\0' || strlen(v) > ENVID_MAX ||
	    !smtp_valid_xtext(v))
		return P_BAD;
	buf_adds(norm, v);
	return P_OK;
}

/* check_flag - a keyword without a value (SMTPUTF8) */
static int
check_flag(const char *v, struct buf *norm)
{
	return v == NULL ? P_OK : P_BAD;
}

/* check_any - accepted and ignored (AUTH: we offer no authentication) */
static int
check_any(const char *v, struct buf *norm)
{
	return P_OK;
}

/* check_notify - NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY */
static int
check_notify(const char *v, struct buf *norm)
{
	static const char *const words[] = {
		"SUCCESS", "FAILURE", "DELAY", "NEVER",
	};
	const int never = 1 << 3;
	const char *p = v;
	size_t n, i;
	int mask = 0;

	if (v == NULL)
		return P_BAD;
	for (;;) {
		n = strcspn(p, ",");
		for (i = 0; i < NELEM(words); i++)
			if (n == strlen(words[i]) &&
			    strncasecmp(p, words[i], n) == 0)
				break;
		if (i == NELEM(words))
			return P_BAD;	/* also an empty item */
		mask |= 1 << i;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if ((mask & never) && mask != never)
		return P_BAD;
	for (i = 0; i < NELEM(words); i++)
		if (mask & (1 << i))
			buf_addf(norm, "%s%s", norm->len ? "," : "", words[i]);
	return P_OK;
}

/* check_orcpt - ORCPT=addr-type;xtext, at most 500 characters */
static int
check_orcpt(const char *v, struct buf *norm)
{
	size_t n;

	if (v == NULL || strlen(v) > ORCPT_MAX)
		return P_BAD;
	n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-");
	if (n == 0 || v[n] != ';' || v[n + 1] == '\0' ||
	    !smtp_valid_xtext(v + n + 1))
		return P_BAD;
	buf_adds(norm, v);
	return P_OK;
}

static const struct esmtp_param mail_params[] = {
	{ "SIZE", 0, check_size },
	{ "BODY", 1, check_body },
	{ "RET", 1, check_ret },
	{ "ENVID", 1, check_envid },
	{ "SMTPUTF8", 1, check_flag },
	{ "AUTH", 0, check_any },
};

static const struct esmtp_param rcpt_params[] = {
	{ "NOTIFY", 1, check_notify },
	{ "ORCPT", 1, check_orcpt },
};

#define MAX_PARAMS	NELEM(mail_params)

/* next_word - the next space-separated word of *pp, cut out in place */
static char *
next_word(char **pp)
{
	char *p = *pp, *w;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	w = p;
	p += strcspn(p, " ");
	if (*p)
		*p++ = '\0';
	*pp = p;
	return w;
}

/* policy_reject - refuse, and log it as Postfix logs a reject */
static void
policy_reject(struct smtpd_session *s, const char *to, const char *reply)
{
	smtpd_reply(s, "%s", reply);
	smtpd_log_reject(s, to, reply);
}

/* param_error - reply to a bad parameter; -1 */
static int
param_error(struct smtpd_session *s, const struct esmtp_param *p, int why,
    const char *word)
{
	struct buf b = BUF_INIT;

	if (p == NULL)
		smtpd_reply(s, "555 5.5.4 Unsupported option: %s",
		    smtpd_printable(&b, word, 64));
	else if (why == P_BIG)
		policy_reject(s, NULL, "552 5.3.4 Message size exceeds fixed "
		    "limit");
	else
		smtpd_reply(s, "501 5.5.4 Bad %s parameter syntax", p->name);
	buf_free(&b);
	return -1;
}

/* join_params - the relayable parameters, in table order, to out */
static void
join_params(const struct esmtp_param *tab, size_t ntab, const int *seen,
    const struct buf *norm, struct buf *out)
{
	size_t i;

	for (i = 0; i < ntab; i++) {
		if (!seen[i] || !tab[i].relay)
			continue;
		if (out->len)
			buf_addc(out, ' ');
		buf_adds(out, tab[i].name);
		if (norm[i].len)
			buf_addf(out, "=%s", buf_str(&norm[i]));
	}
}

/*
 * parse_params - check "NAME[=VALUE] ..." against tab; on success the
 * normalised relayable ones go to out.  -1 when a reply was sent.
 */
static int
parse_params(struct smtpd_session *s, char *params,
    const struct esmtp_param *tab, size_t ntab, struct buf *out)
{
	struct buf norm[MAX_PARAMS];
	int seen[MAX_PARAMS] = { 0 }, rc = 0, why;
	char *word, *value;
	size_t i;

	for (i = 0; i < ntab; i++)
		buf_init(&norm[i]);
	while (rc == 0 && (word = next_word(&params)) != NULL) {
		if ((value = strchr(word, '=')) != NULL)
			*value++ = '\0';
		for (i = 0; i < ntab && strcasecmp(word, tab[i].name); i++)
			;
		if (i == ntab)
			rc = param_error(s, NULL, P_BAD, word);
		else if (seen[i]++)
			rc = param_error(s, &tab[i], P_BAD, word);
		else if ((why = tab[i].check(value, &norm[i])) != P_OK)
			rc = param_error(s, &tab[i], why, word);
	}
	if (rc == 0)
		join_params(tab, ntab, seen, norm, out);
	for (i = 0; i < ntab; i++)
		buf_free(&norm[i]);
	return rc;
}

/*
 * valid_addr - an envelope address we are willing to queue: no control
 * characters, no space or angle bracket outside quotes, quotes closed,
 * at most 512 characters.
 */
static int
valid_addr(const char *a)
{
	int quoted = 0;

	if (strlen(a) > ADDR_MAX)
		return 0;
	for (; *a; a++) {
		if (IS_CTRL(*a))
			return 0;
		if (quoted && *a == '\\' && a[1]) {
			if (IS_CTRL(*++a))
				return 0;
		} else if (*a == '"') {
			quoted = !quoted;
		} else if (!quoted && (*a == ' ' || *a == '<' || *a == '>')) {
			return 0;
		}
	}
	return !quoted;
}

/* smtpd_mail - MAIL FROM:<address> [parameters] */
void
smtpd_mail(struct smtpd_session *s, char *arg)
{
	struct buf params = BUF_INIT;
	char *addr, *rest;

	if (s->env.sender != NULL) {
		smtpd_reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (smtp_parse_path(arg, "FROM", &addr, &rest) < 0)
		smtpd_reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
	else if (!valid_addr(addr))
		smtpd_reply(s, "501 5.1.7 Bad sender address syntax");
	else if (parse_params(s, rest, mail_params, NELEM(mail_params),
	    &params) == 0) {
		s->env.sender = addr;
		addr = NULL;
		s->env.mail_params = xstrdup(buf_str(&params));
		smtpd_reply(s, "250 2.1.0 Ok");
	}
	xfree(addr);
	xfree(rest);
	buf_free(&params);
}

/* smtpd_rcpt - RCPT TO:<address> [parameters] */
void
smtpd_rcpt(struct smtpd_session *s, char *arg)
{
	struct buf params = BUF_INIT;
	const char *refusal;
	char *addr, *rest;

	if (s->env.sender == NULL) {
		smtpd_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (smtp_parse_path(arg, "TO", &addr, &rest) < 0)
		smtpd_reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
	else if (*addr == '\0' || !valid_addr(addr))
		smtpd_reply(s, "501 5.1.3 Bad recipient address syntax");
	else if ((refusal = smtpd_restrict_check(s)) != NULL)
		policy_reject(s, addr, refusal);
	else if (s->env.nrcpt >= cf->smtpd_recipient_limit)
		policy_reject(s, addr, "452 4.5.3 Error: too many recipients");
	else if (parse_params(s, rest, rcpt_params, NELEM(rcpt_params),
	    &params) == 0) {
		queue_env_add_rcpt(&s->env, addr, buf_str(&params));
		smtpd_reply(s, "250 2.1.5 Ok");
	}
	xfree(addr);
	xfree(rest);
	buf_free(&params);
}

/* The XFORWARD attributes, in struct queue_xforward's order. */
enum { XF_NAME, XF_ADDR, XF_PORT, XF_PROTO, XF_HELO, XF_IDENT, XF_SOURCE,
	XF_N };
static const char *const xf_names[XF_N] = {
	"NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE",
};

/* xf_field - the session's slot for attribute i */
static char **
xf_field(struct queue_xforward *xf, int i)
{
	char **const f[XF_N] = {
		&xf->name, &xf->addr, &xf->port, &xf->proto, &xf->helo,
		&xf->ident, &xf->source,
	};

	return f[i];
}

/* smtpd_xforward_reset - forget every XFORWARD attribute */
void
smtpd_xforward_reset(struct smtpd_session *s)
{
	int i;

	for (i = 0; i < XF_N; i++) {
		xfree(*xf_field(&s->xf, i));
		*xf_field(&s->xf, i) = NULL;
	}
}

/* xf_value_ok - attribute-specific syntax of a decoded value */
static int
xf_value_ok(int i, const char *v)
{
	unsigned char a[16];
	size_t n = strlen(v);

	if (strcasecmp(v, XF_UNAVAILABLE) == 0)
		return 1;
	switch (i) {
	case XF_ADDR:
		if (strncasecmp(v, "IPv6:", 5) == 0)
			return inet_pton(AF_INET6, v + 5, a) == 1;
		return inet_pton(AF_INET, v, a) == 1 ||
		    inet_pton(AF_INET6, v, a) == 1;
	case XF_PORT:
		return n > 0 && n <= 5 && strspn(v, "0123456789") == n &&
		    atoi(v) <= 65535;
	case XF_PROTO:
		return n <= XF_PROTO_MAX;
	case XF_SOURCE:
		return strcasecmp(v, "LOCAL") == 0 ||
		    strcasecmp(v, "REMOTE") == 0;
	default:
		return 1;
	}
}

/*
 * neuter - controls and characters that could break a header we build
 * from the value become '?' (as Postfix does)
 */
static char *
neuter(const char *v)
{
	char *c = xstrdup(v), *p;

	for (p = c; *p; p++)
		if (IS_CTRL(*p) || strchr(" <>()\\\";@", *p))
			*p = '?';
	return c;
}

/* xforward_attr - one NAME=value word into val[]; -1 when refused */
static int
xforward_attr(struct smtpd_session *s, char *word, char **val)
{
	struct buf dec = BUF_INIT, b = BUF_INIT;
	char *v = strchr(word, '=');
	int i, rc = -1;

	if (v == NULL || v == word || v[1] == '\0') {
		smtpd_reply(s, "501 5.5.4 Syntax: XFORWARD attribute=value...");
		return -1;
	}
	*v++ = '\0';
	for (i = 0; i < XF_N && strcasecmp(word, xf_names[i]) != 0; i++)
		;
	if (i == XF_N)
		smtpd_reply(s, "501 5.5.4 Bad XFORWARD attribute name: %s",
		    smtpd_printable(&b, word, 64));
	else if (smtp_xtext_decode(v, &dec) < 0 ||
	    memchr(dec.data, '\0', dec.len) != NULL ||
	    !xf_value_ok(i, buf_str(&dec)))
		smtpd_reply(s, "501 5.5.4 Bad XFORWARD %s syntax: %s",
		    xf_names[i], smtpd_printable(&b, v, 64));
	else if (dec.len > XF_VALUE_MAX)
		smtpd_reply(s, "501 5.5.4 Error: XFORWARD attribute value "
		    "too long");
	else {
		xfree(val[i]);
		val[i] = neuter(buf_str(&dec));
		rc = 0;
	}
	buf_free(&dec);
	buf_free(&b);
	return rc;
}

/*
 * xforward_apply - store the new values; the first XFORWARD of a
 * transaction makes every attribute it does not give "[UNAVAILABLE]",
 * so forwarded and real client data never mix.
 */
static void
xforward_apply(struct smtpd_session *s, char **val)
{
	char **f;
	int i;

	for (i = 0; i < XF_N; i++) {
		f = xf_field(&s->xf, i);
		if (val[i]) {
			xfree(*f);
			*f = val[i];
			val[i] = NULL;
		} else if (*f == NULL) {
			*f = xstrdup(XF_UNAVAILABLE);
		}
	}
}

/* smtpd_xforward - XFORWARD attribute=value ... from trusted clients */
void
smtpd_xforward(struct smtpd_session *s, char *arg)
{
	char *val[XF_N] = { NULL }, *word;
	int i, rc = 0;

	if (!s->xforward_ok) {
		smtpd_reply(s, "550 5.7.0 Error: insufficient authorization");
		return;
	}
	if (s->env.sender != NULL) {
		smtpd_reply(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	if (*arg == '\0') {
		smtpd_reply(s, "501 5.5.4 Syntax: XFORWARD attribute=value...");
		return;
	}
	while (rc == 0 && (word = next_word(&arg)) != NULL)
		rc = xforward_attr(s, word, val);
	if (rc == 0) {
		xforward_apply(s, val);
		smtpd_reply(s, "250 2.0.0 Ok");
	}
	for (i = 0; i < XF_N; i++)
		xfree(val[i]);
}
