/*
 * spamdproto.c - the spamd wire protocol (SPAMC/1.5 requests, SPAMD/1.1
 * replies, as spamd 4.0.1 speaks it): an incremental decoder of one
 * request per connection, and the reply formats.
 *
 * Exports spamd_decoder_new, spamd_feed, spamd_finish,
 * spamd_decoder_free, spamd_error_code, spamd_reply_error,
 * spamd_method_name, spamd_reply_fail, spamd_score_str,
 * spamd_reply_result, spamd_reply_pong and spamd_reply_tell.
 * Every byte fed in is hostile: it comes from any client of the spamd
 * socket.  Runs unprivileged in the scorer; opens and scores nothing.
 *
 * The request, as spamd 4.0.1 reads it: a line "METHOD SPAMC/x.y"
 * (LF or CRLF); then, for CHECK & co. above version 1.0, for TELL, and
 * for PING and SKIP from 1.5 on, up to 255 "Name: value" header lines
 * ended by CRLF and a CRLF line (a bare LF line is not the end: it is a
 * header line without a colon); then, for all but PING and SKIP, the
 * message.  Header names are case-sensitive (spamd ignores
 * "Content-Length"); a value starts after the colon and any white space.
 * spamd reads the message line by line and stops after the line that
 * reaches Content-length, then compares: so the message ends at the
 * first LF at or after Content-length bytes, or at the end of input,
 * and any bytes after it are ignored.  Without Content-length the
 * message runs to the end of input.  Errors are spamd's replies, kept
 * in the decoder (spamd_reply_error) and sticky; the caller sends the
 * reply and closes.
 *
 * Stricter than spamd, on purpose: the method must start the line and
 * the version must be digits ("XCHECK SPAMC/1.5" and "CHECK SPAMC/abc"
 * get "Bad header line", spamd takes both); an empty Content-length is
 * non-numeric (spamd takes it as "" and then reports a mismatch); an
 * invalid Message-class is rejected with the error spamd's own check
 * means to send (a logic slip there lets every value through); lines
 * longer than SPAMD_LINE_MAX and messages over the decoder's limit get
 * errors of our own (spamd has neither limit); control bytes echoed in
 * an error are shown as '?'.  Compress: zlib is not supported (mailsift
 * does not link zlib), with the error spamd gives when Compress::Zlib
 * is missing.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "spamdproto.h"

enum dstate {
	ST_REQLINE,		/* reading "METHOD SPAMC/x.y" */
	ST_HEADER,		/* reading header lines */
	ST_BODY,		/* inside the first Content-length bytes */
	ST_BODY_EOL,		/* past them: counting up to a LF */
	ST_DONE			/* complete: the rest is ignored */
};

struct spamd_decoder {
	enum dstate	 state;
	int		 failed;	/* sticky error */
	int		 code;		/* its sysexits code */
	struct buf	 errtext;	/* its text, after the code */
	int		 eof;		/* spamd_finish was called */
	struct buf	 line;		/* the line so far, LF and all */
	struct buf	 user;		/* the User header's value */
	struct spamd_request req;	/* the request so far */
	int		 nhdr;		/* header lines seen */
	long long	 total;		/* message bytes counted */
	long long	 max;		/* message limit, 0 = none */
	int		 allow_tell;	/* spamd --allow-tell */
};

static const struct {
	const char		*name;
	enum spamd_method	 method;
} methods[] = {
	{ "CHECK",		SPAMD_CHECK },
	{ "SYMBOLS",		SPAMD_SYMBOLS },
	{ "REPORT",		SPAMD_REPORT },
	{ "REPORT_IFSPAM",	SPAMD_REPORT_IFSPAM },
	{ "PROCESS",		SPAMD_PROCESS },
	{ "HEADERS",		SPAMD_HEADERS },
	{ "PING",		SPAMD_PING },
	{ "SKIP",		SPAMD_SKIP },
	{ "TELL",		SPAMD_TELL },
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))
#define CLEN_DIGITS	18	/* more is taken as LLONG_MAX */

/* spamd_decoder_new - a decoder for one request; body_max 0 = no limit */
struct spamd_decoder *
spamd_decoder_new(long long body_max, int allow_tell)
{
	struct spamd_decoder *d;

	if (body_max < 0)
		log_panic("%s: negative body_max", __func__);
	d = xcalloc(1, sizeof(*d));
	buf_init(&d->errtext);
	buf_init(&d->line);
	buf_init(&d->user);
	d->state = ST_REQLINE;
	d->req.method = SPAMD_NONE;
	d->req.clen = -1;
	d->max = body_max;
	d->allow_tell = allow_tell != 0;
	return d;
}

/* spamd_decoder_free - release a decoder (NULL is fine) */
void
spamd_decoder_free(struct spamd_decoder *d)
{
	if (d == NULL)
		return;
	buf_free(&d->errtext);
	buf_free(&d->line);
	buf_free(&d->user);
	xfree(d);
}

/* spamd_method_name - the keyword of a method, for logs */
const char *
spamd_method_name(enum spamd_method m)
{
	size_t i;

	for (i = 0; i < NMETHODS; i++)
		if (methods[i].method == m)
			return methods[i].name;
	return "NONE";
}

/* fail - record a sticky error reply "SPAMD/1.0 code text" */
static int __attribute__((format(printf, 3, 4)))
fail(struct spamd_decoder *d, int code, const char *fmt, ...)
{
	va_list ap;

	d->failed = 1;
	d->code = code;
	buf_reset(&d->errtext);
	va_start(ap, fmt);
	buf_vaddf(&d->errtext, fmt, ap);
	va_end(ap);
	return SPAMD_ERROR;
}

/* add_safe - append hostile bytes for an error text, controls as '?' */
static void
add_safe(struct buf *b, const char *p, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		buf_addc(b, c < 0x20 || c == 0x7f ? '?' : c);
	}
}

/* fail_echo - "Bad header line: " and hostile bytes, as spamd echoes */
static int
fail_echo(struct spamd_decoder *d, const char *prefix, const char *p,
    size_t n, const char *suffix)
{
	fail(d, SPAMD_EX_PROTOCOL, "Bad header line: %s", prefix);
	add_safe(&d->errtext, p, n);
	buf_adds(&d->errtext, suffix);
	return SPAMD_ERROR;
}

/* spamd_error_code - the sysexits code of the decoder's error, 0 = none */
int
spamd_error_code(const struct spamd_decoder *d)
{
	return d->failed ? d->code : 0;
}

/* spamd_reply_error - append the decoder's error reply */
void
spamd_reply_error(struct buf *out, const struct spamd_decoder *d)
{
	if (!d->failed)
		log_panic("%s: no error", __func__);
	buf_addf(out, "SPAMD/1.0 %d ", d->code);
	buf_add(out, d->errtext.data, d->errtext.len);
	buf_adds(out, "\r\n");
}

/* parse_version - "x" or "x.y", 1-3 digits each, in thousandths */
static int
parse_version(const char *p, size_t n, int *version)
{
	size_t i = 0, k;
	int major = 0, frac = 0, scale = 1000;

	for (k = 0; i < n && p[i] >= '0' && p[i] <= '9' && k < 3; i++, k++)
		major = major * 10 + (p[i] - '0');
	if (k == 0)
		return -1;
	if (i < n && p[i] == '.') {
		i++;
		for (k = 0; i < n && p[i] >= '0' && p[i] <= '9' && k < 3;
		    i++, k++) {
			scale /= 10;
			frac += (p[i] - '0') * scale;
		}
		if (k == 0)
			return -1;
	}
	if (i != n)
		return -1;
	*version = major * 1000 + frac;
	return 0;
}

/* begin_body - headers done: the message follows */
static int
begin_body(struct spamd_decoder *d)
{
	d->req.has_body = 1;
	d->total = 0;
	if (d->max > 0 && d->req.clen > d->max)
		return fail(d, SPAMD_EX_DATAERR,
		    "Message too big: more than %lld bytes", d->max);
	/* spamd reads one line even for Content-length: 0 */
	d->state = d->req.clen == 0 ? ST_BODY_EOL : ST_BODY;
	return SPAMD_REQUEST;
}

/* request_line - "METHOD SPAMC/x.y", its terminator still on */
static int
request_line(struct spamd_decoder *d)
{
	const char *s = d->line.data;
	size_t n = d->line.len, i, k;
	enum spamd_method m = SPAMD_NONE;

	if (n > 0 && s[n - 1] == '\n') {
		n--;
		if (n > 0 && s[n - 1] == '\r')
			n--;
	}
	for (i = 0; i < NMETHODS; i++) {
		k = strlen(methods[i].name);
		if (n > k + 7 && memcmp(s, methods[i].name, k) == 0 &&
		    memcmp(s + k, " SPAMC/", 7) == 0 &&
		    parse_version(s + k + 7, n - k - 7, &d->req.version) == 0) {
			m = methods[i].method;
			break;
		}
	}
	if (m == SPAMD_NONE)
		return fail_echo(d, "", s, n, "");
	d->req.method = m;
	switch (m) {
	case SPAMD_PING:
	case SPAMD_SKIP:
		if (d->req.version >= 1500)
			break;
		d->state = ST_DONE;
		return SPAMD_REQUEST;
	case SPAMD_TELL:
		break;
	default:
		/* before 1.1 the message follows the request line */
		if (d->req.version <= 1000)
			return begin_body(d);
		break;
	}
	d->state = ST_HEADER;
	return SPAMD_NEED_MORE;
}

/* has_word - does the value contain word, ignoring case (Perl's /w/i) */
static int
has_word(const char *p, size_t n, const char *word)
{
	size_t k = strlen(word), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(p + i, word, k) == 0 &&
		    memchr(p + i, '\0', k) == NULL)
			return 1;
	return 0;
}

/* tell_flags - Set and Remove as spamd reads them: substrings */
static int
tell_flags(const char *p, size_t n)
{
	return (has_word(p, n, "local") ? SPAMD_TELL_LOCAL : 0) |
	    (has_word(p, n, "remote") ? SPAMD_TELL_REMOTE : 0);
}

/* is_name - is the header name exactly s */
static int
is_name(const char *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* end_headers - the blank line: spamd's checks before the message */
static int
end_headers(struct spamd_decoder *d)
{
	struct spamd_request *r = &d->req;

	switch (r->method) {
	case SPAMD_PING:
	case SPAMD_SKIP:
		d->state = ST_DONE;
		return SPAMD_REQUEST;
	case SPAMD_TELL:
		if (!d->allow_tell)
			return fail(d, SPAMD_EX_UNAVAILABLE, "Service "
			    "Unavailable: TELL commands are not enabled, set "
			    "the --allow-tell switch.");
		if (r->set & r->remove & SPAMD_TELL_LOCAL)
			return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
			    "Unable to set local and remove local in the same "
			    "operation.");
		if (r->set & r->remove & SPAMD_TELL_REMOTE)
			return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
			    "Unable to set remote and remove remote in the "
			    "same operation.");
		break;
	default:
		break;
	}
	return begin_body(d);
}

/* content_length - spamd's /^(\d*)$/, but an empty value too is refused */
static int
content_length(struct spamd_decoder *d, const char *v, size_t n)
{
	long long x = 0;
	size_t i, digits = 0;

	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			break;
		if (digits > 0 || v[i] != '0')
			digits++;
		if (digits <= CLEN_DIGITS)
			x = x * 10 + (v[i] - '0');
	}
	if (n == 0 || i < n)
		return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
		    "(Content-Length contains non-numeric bytes)");
	d->req.clen = digits > CLEN_DIGITS ? LLONG_MAX : x;
	return SPAMD_NEED_MORE;
}

/* header_line - one "Name: value" line, its terminator still on */
static int
header_line(struct spamd_decoder *d)
{
	const char *s = d->line.data, *colon, *v;
	size_t n = d->line.len, vn, i;

	if (n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n') {
		n -= 2;
		if (n == 0)
			return end_headers(d);
	} else if (n > 0 && s[n - 1] == '\n') {
		/* Perl's $ matches before a final LF: a bare LF line is
		   no end of headers but a line without a colon */
		n--;
	}
	d->nhdr++;
	if ((colon = memchr(s, ':', n)) == NULL)
		return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
		    "(header not in 'Name: value' format)");
	v = colon + 1;
	vn = n - (size_t)(v - s);
	while (vn > 0 && (*v == ' ' || *v == '\t' || *v == '\r' ||
	    *v == '\n' || *v == '\f' || *v == '\v')) {
		v++;
		vn--;
	}
	n = (size_t)(colon - s);
	if (is_name(s, n, "Content-length")) {
		if (content_length(d, v, vn) == SPAMD_ERROR)
			return SPAMD_ERROR;
	} else if (is_name(s, n, "User")) {
		for (i = 0; i < vn; i++)
			if ((unsigned char)v[i] < 0x20)
				return fail(d, SPAMD_EX_PROTOCOL, "Bad header "
				    "line: (User header contains control "
				    "chars)");
		buf_reset(&d->user);
		buf_add(&d->user, v, vn);
		d->req.user = buf_str(&d->user);
	} else if (is_name(s, n, "Message-class")) {
		if (vn == 4 && strncasecmp(v, "spam", 4) == 0)
			d->req.msgclass = SPAMD_CLASS_SPAM;
		else if (vn == 3 && strncasecmp(v, "ham", 3) == 0)
			d->req.msgclass = SPAMD_CLASS_HAM;
		else
			return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
			    "(Message-class header contains invalid class)");
	} else if (is_name(s, n, "Set")) {
		d->req.set = tell_flags(v, vn);
	} else if (is_name(s, n, "Remove")) {
		d->req.remove = tell_flags(v, vn);
	} else if (is_name(s, n, "Compress")) {
		if (has_word(v, vn, "zlib"))
			return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
			    "(compression not supported, Compress::Zlib not "
			    "installed: no zlib in this build)");
		return fail_echo(d, "(compression type not supported: ", v,
		    vn, ")");
	}
	if (d->nhdr > SPAMD_HEADERS_MAX)
		return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
		    "(too many headers)");
	return SPAMD_NEED_MORE;
}

/*
 * take_line - collect one line into d->line: 1 when it is complete
 * (or cut by the end of input), else SPAMD_NEED_MORE or SPAMD_ERROR
 */
static int
take_line(struct spamd_decoder *d, const char *buf, size_t len, size_t *used)
{
	const char *p = buf + *used, *end;
	size_t n = len - *used, take;

	if (n == 0) {
		if (!d->eof)
			return SPAMD_NEED_MORE;
		if (d->line.len > 0)
			return 1;	/* spamd's getline returns the rest */
		if (d->state == ST_REQLINE)
			return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
			    "(closed before headers)");
		return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
		    "(EOF during headers)");
	}
	end = memchr(p, '\n', n);
	take = end ? (size_t)(end - p) + 1 : n;
	if (d->line.len + take > SPAMD_LINE_MAX)
		return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
		    "(line too long)");
	buf_add(&d->line, p, take);
	*used += take;
	return end != NULL || d->eof ? 1 : SPAMD_NEED_MORE;
}

/* body_done - the message ended: check it against Content-length */
static int
body_done(struct spamd_decoder *d)
{
	if (d->req.clen >= 0 && d->total != d->req.clen)
		return fail(d, SPAMD_EX_PROTOCOL, "Bad header line: "
		    "(Content-Length mismatch: Expected %lld bytes, got %lld "
		    "bytes)", d->req.clen, d->total);
	d->state = ST_DONE;
	return SPAMD_BODY_END;
}

/* body - a slice of the message; the last one comes with BODY_END */
static int
body(struct spamd_decoder *d, const char *buf, size_t len, size_t *used,
    const char **data, size_t *dlen)
{
	size_t n = len - *used;

	if (n == 0)
		return d->eof ? body_done(d) : SPAMD_NEED_MORE;
	if (d->req.clen >= 0 && (long long)n > d->req.clen - d->total)
		n = (size_t)(d->req.clen - d->total);
	if (d->req.clen < 0 && d->max > 0 && (long long)n > d->max - d->total)
		return fail(d, SPAMD_EX_DATAERR,
		    "Message too big: more than %lld bytes", d->max);
	*data = buf + *used;
	*dlen = n;
	*used += n;
	d->total += (long long)n;
	if (d->req.clen >= 0 && d->total == d->req.clen) {
		if (buf[*used - 1] == '\n')
			return body_done(d);
		d->state = ST_BODY_EOL;
	}
	return SPAMD_DATA;
}

/* body_eol - past Content-length: count (not keep) up to the next LF */
static int
body_eol(struct spamd_decoder *d, const char *buf, size_t len, size_t *used)
{
	const char *p = buf + *used, *end;
	size_t n = len - *used, take;

	if (n == 0)
		return d->eof ? body_done(d) : SPAMD_NEED_MORE;
	end = memchr(p, '\n', n);
	take = end ? (size_t)(end - p) + 1 : n;
	*used += take;
	d->total += (long long)take;
	return end ? body_done(d) : SPAMD_NEED_MORE;
}

/* step - run the state machine until one event or the end of buf */
static int
step(struct spamd_decoder *d, const char *buf, size_t len, size_t *used,
    const char **data, size_t *dlen)
{
	int rc;

	for (;;) {
		switch (d->state) {
		case ST_REQLINE:
		case ST_HEADER:
			if ((rc = take_line(d, buf, len, used)) != 1)
				return rc;
			rc = d->state == ST_REQLINE ? request_line(d) :
			    header_line(d);
			buf_reset(&d->line);
			if (rc != SPAMD_NEED_MORE)
				return rc;
			break;
		case ST_BODY:
			return body(d, buf, len, used, data, dlen);
		case ST_BODY_EOL:
			return body_eol(d, buf, len, used);
		default:
			/* spamd answers one request and closes */
			*used = len;
			return SPAMD_NEED_MORE;
		}
	}
}

/*
 * spamd_feed - consume bytes; returns at most one event, *used says how
 * many bytes it took (all of them on SPAMD_NEED_MORE).  *req shows the
 * request so far; *data, *dlen the message bytes of a DATA or BODY_END
 * event (they point into buf).
 */
int
spamd_feed(struct spamd_decoder *d, const char *buf, size_t len,
    size_t *used, struct spamd_request *req, const char **data,
    size_t *dlen)
{
	int rc;

	*used = 0;
	*data = NULL;
	*dlen = 0;
	if (d->eof)
		log_panic("%s: input after spamd_finish", __func__);
	rc = d->failed ? SPAMD_ERROR : step(d, buf, len, used, data, dlen);
	*req = d->req;
	return rc;
}

/*
 * spamd_finish - the client half-closed: one event per call, as
 * spamd_feed (a cut request line still makes a request, a message
 * without Content-length ends); call it until SPAMD_NEED_MORE (nothing
 * more) or SPAMD_ERROR
 */
int
spamd_finish(struct spamd_decoder *d, struct spamd_request *req)
{
	const char *data;
	size_t used = 0, dlen;
	int rc;

	d->eof = 1;
	rc = d->failed ? SPAMD_ERROR : step(d, "", 0, &used, &data, &dlen);
	*req = d->req;
	return rc;
}

/* spamd_reply_fail - append an error reply "SPAMD/1.0 code text" */
void
spamd_reply_fail(struct buf *out, int code, const char *fmt, ...)
{
	va_list ap;

	buf_addf(out, "SPAMD/1.0 %d ", code);
	va_start(ap, fmt);
	buf_vaddf(out, fmt, ap);
	va_end(ap);
	buf_adds(out, "\r\n");
}

/*
 * spamd_score_str - the score as spamd shows it (Util.pm's
 * get_tag_value_for_score): "%2.1f", but a ham whose rounded score is
 * not below the rounded threshold shows the threshold less 0.1, as a
 * Perl number ("%.15g": 4.9, but 1 for a threshold of 1.1)
 */
void
spamd_score_str(struct buf *out, double score, double threshold,
    int is_spam)
{
	char s[512], r[512];
	double rs;

	snprintf(s, sizeof(s), "%2.1f", score);
	snprintf(r, sizeof(r), "%2.1f", threshold);
	rs = strtod(r, NULL);
	if (is_spam || strtod(s, NULL) < rs)
		buf_adds(out, s);
	else
		buf_addf(out, "%.15g", rs - 0.1);
}

/* headers_len - spamd's HEADERS cut: through the first \r?\n\r?\n */
static size_t
headers_len(const char *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			j = i + 2;
		else if (p[i] == '\n')
			j = i + 1;
		else
			continue;
		if (j + 1 < n && p[j] == '\r' && p[j + 1] == '\n')
			return j + 2;
		if (j < n && p[j] == '\n')
			return j + 1;
	}
	return n;
}

/*
 * spamd_reply_result - append the reply to a scored request, as spamd's
 * check(): msg is the rule list (SYMBOLS), the report (REPORT,
 * REPORT_IFSPAM) or the rewritten message (PROCESS, HEADERS: cut after
 * its header here); CHECK ignores it
 */
void
spamd_reply_result(struct buf *out, const struct spamd_request *req,
    int is_spam, double score, double threshold, const char *msg,
    size_t mlen)
{
	struct buf spam = BUF_INIT;
	int v = req->version;

	buf_addf(&spam, "Spam: %s ; ", req->method == SPAMD_REPORT_IFSPAM ?
	    (is_spam ? "Yes" : "No") : (is_spam ? "True" : "False"));
	spamd_score_str(&spam, score, threshold, is_spam);
	buf_addf(&spam, " / %2.1f", threshold);
	switch (req->method) {
	case SPAMD_PROCESS:
	case SPAMD_HEADERS:
		if (req->method == SPAMD_HEADERS)
			mlen = headers_len(msg, mlen);
		if (v >= 1300)
			buf_addf(out, "SPAMD/1.1 0 EX_OK\r\nContent-length: "
			    "%zu\r\n%s\r\n\r\n", mlen, buf_str(&spam));
		else if (v >= 1200)
			buf_addf(out, "SPAMD/1.1 0 EX_OK\r\nContent-length: "
			    "%zu\r\n\r\n", mlen);
		else
			buf_adds(out, "SPAMD/1.0 0 EX_OK\r\n");
		buf_add(out, msg, mlen);
		break;
	case SPAMD_CHECK:
		buf_addf(out, "SPAMD/1.1 0 EX_OK\r\n%s\r\n\r\n",
		    buf_str(&spam));
		break;
	case SPAMD_SYMBOLS:
	case SPAMD_REPORT:
	case SPAMD_REPORT_IFSPAM:
		if (req->method == SPAMD_REPORT_IFSPAM && !is_spam)
			mlen = 0;
		buf_adds(out, "SPAMD/1.1 0 EX_OK\r\n");
		if (v >= 1300)
			buf_addf(out, "Content-length: %zu\r\n", mlen);
		buf_addf(out, "%s\r\n\r\n", buf_str(&spam));
		buf_add(out, msg, mlen);
		/* before 1.3 the rule list had a line end */
		if (req->method == SPAMD_SYMBOLS && v < 1300)
			buf_adds(out, "\r\n");
		break;
	default:
		log_panic("%s: method %s has no result", __func__,
		    spamd_method_name(req->method));
	}
	buf_free(&spam);
}

/* spamd_reply_pong - append PING's reply (SPAMD/1.5, whatever was asked) */
void
spamd_reply_pong(struct buf *out)
{
	buf_adds(out, "SPAMD/1.5 0 PONG\r\n");
}

/* tell_list - "local", "remote" or "local,remote" */
static const char *
tell_list(int flags)
{
	switch (flags & (SPAMD_TELL_LOCAL | SPAMD_TELL_REMOTE)) {
	case SPAMD_TELL_LOCAL:
		return "local";
	case SPAMD_TELL_REMOTE:
		return "remote";
	default:
		return "local,remote";
	}
}

/*
 * spamd_reply_tell - append TELL's reply: DidSet and DidRemove for what
 * was done, then two CRLFs as spamd sends them
 */
void
spamd_reply_tell(struct buf *out, int did_set, int did_remove)
{
	buf_adds(out, "SPAMD/1.1 0 EX_OK\r\n");
	if (did_set & (SPAMD_TELL_LOCAL | SPAMD_TELL_REMOTE))
		buf_addf(out, "DidSet: %s\r\n", tell_list(did_set));
	if (did_remove & (SPAMD_TELL_LOCAL | SPAMD_TELL_REMOTE))
		buf_addf(out, "DidRemove: %s\r\n", tell_list(did_remove));
	buf_adds(out, "\r\n\r\n");
}
