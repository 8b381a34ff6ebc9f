/*
 * clamdproto.c - the clamd wire protocol (clamd 1.4.x): an incremental
 * decoder of requests and INSTREAM chunks, and the reply formats.
 *
 * Exports clamd_decoder_new, clamd_feed, clamd_finish,
 * clamd_decoder_free, clamd_cmd_name, clamd_session_allowed,
 * clamd_reply, clamd_reply_result and clamd_versioncommands.
 * Every byte fed in is hostile: it comes from any client of the clamd
 * socket.  Runs unprivileged in the scanner; opens and scans nothing.
 *
 * Framing: a 'z' prefix ends the command at NUL, 'n' at LF (CR
 * chomped), no prefix (legacy) at LF or NUL, as freshclam's NotifyClamd
 * sends "RELOAD\0"; clamd_finish ends a legacy command at end of input.
 * An empty legacy line (a lone NUL or LF) is skipped, which also drops
 * the dummy byte that carries a FILDES descriptor.  Errors are sticky:
 * after one, every call returns it again and the caller closes.
 * CLAMD_ERR_SYNTAX means: a NUL inside an 'n' line, INSTREAM,
 * ALLMATCHSCAN, IDSESSION, END or VERSIONCOMMANDS without a prefix
 * (req->cmd says which, so the caller can answer "... ERROR"), legacy
 * FILDES or STATS not ended by LF, or input ending mid-request.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "clamdproto.h"
#include "log.h"
#include "mem.h"

enum dstate {
	ST_CMD,			/* reading a command line */
	ST_HDR,			/* reading a chunk length */
	ST_DATA			/* inside a chunk */
};

struct clamd_decoder {
	enum dstate	 state;
	int		 err;		/* sticky error, 0 = none */
	/* command mode */
	struct buf	 line;		/* after the prefix, no terminator */
	int		 started;	/* first byte seen: term is known */
	int		 done;		/* line was returned: reset on entry */
	enum clamd_term	 term;
	/* INSTREAM mode */
	unsigned char	 hdr[4];
	size_t		 hdr_have;
	uint32_t	 left;		/* bytes left in this chunk */
	long long	 total;		/* stream bytes announced so far */
	long long	 max;		/* 0 = no limit */
};

struct cmdinfo {
	const char	*name;
	enum clamd_cmd	 cmd;
	int		 need_arg;	/* a path follows after one space */
	int		 legacy_ok;	/* allowed without a prefix */
	int		 need_lf;	/* legacy form must end at LF */
};

/* As clamd's command table; QUIT is clamd's old alias of SHUTDOWN. */
static const struct cmdinfo cmds[] = {
	{ "PING",		CLAMD_PING,		0, 1, 0 },
	{ "VERSION",		CLAMD_VERSION,		0, 1, 0 },
	{ "VERSIONCOMMANDS",	CLAMD_VERSIONCOMMANDS,	0, 0, 0 },
	{ "RELOAD",		CLAMD_RELOAD,		0, 1, 0 },
	{ "SHUTDOWN",		CLAMD_SHUTDOWN,		0, 1, 0 },
	{ "QUIT",		CLAMD_SHUTDOWN,		0, 1, 0 },
	{ "SCAN",		CLAMD_SCAN,		1, 1, 0 },
	{ "CONTSCAN",		CLAMD_CONTSCAN,		1, 1, 0 },
	{ "MULTISCAN",		CLAMD_MULTISCAN,	1, 1, 0 },
	{ "ALLMATCHSCAN",	CLAMD_ALLMATCHSCAN,	1, 0, 0 },
	{ "INSTREAM",		CLAMD_INSTREAM,		0, 0, 0 },
	{ "FILDES",		CLAMD_FILDES,		0, 1, 1 },
	{ "STATS",		CLAMD_STATS,		0, 1, 1 },
	{ "IDSESSION",		CLAMD_IDSESSION,	0, 0, 0 },
	{ "END",		CLAMD_END,		0, 0, 0 },
	{ "DETSTATSCLEAR",	CLAMD_DETSTATSCLEAR,	0, 1, 0 },
	{ "DETSTATS",		CLAMD_DETSTATS,		0, 1, 0 },
};

/* clamd_decoder_new - a decoder in command mode; stream_max 0 = no limit */
struct clamd_decoder *
clamd_decoder_new(long long stream_max)
{
	struct clamd_decoder *d;

	if (stream_max < 0)
		log_panic("%s: negative stream_max", __func__);
	d = xcalloc(1, sizeof(*d));
	buf_init(&d->line);
	d->state = ST_CMD;
	d->max = stream_max;
	return d;
}

/* clamd_decoder_free - release a decoder (NULL is fine) */
void
clamd_decoder_free(struct clamd_decoder *d)
{
	if (d == NULL)
		return;
	buf_free(&d->line);
	xfree(d);
}

/* clamd_cmd_name - the keyword of a command, for logs */
const char *
clamd_cmd_name(enum clamd_cmd cmd)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return cmd == CLAMD_NONE ? "NONE" : "UNKNOWN";
}

/* clamd_session_allowed - may cmd be sent inside IDSESSION */
int
clamd_session_allowed(enum clamd_cmd cmd)
{
	switch (cmd) {
	case CLAMD_SCAN:
	case CLAMD_INSTREAM:
	case CLAMD_FILDES:
	case CLAMD_VERSION:
	case CLAMD_VERSIONCOMMANDS:
	case CLAMD_PING:
	case CLAMD_STATS:
	case CLAMD_END:
		return 1;
	default:
		return 0;
	}
}

/* fail - make err sticky and return it */
static int
fail(struct clamd_decoder *d, int err)
{
	d->err = err;
	return err;
}

/* line_reset - forget the command line, ready for the next one */
static void
line_reset(struct clamd_decoder *d)
{
	buf_reset(&d->line);
	d->started = 0;
	d->done = 0;
	d->term = CLAMD_TERM_LEGACY;
}

/*
 * parse_line - turn the complete line into *req; at_lf says a legacy
 * line ended at LF (not NUL or end of input)
 */
static int
parse_line(struct clamd_decoder *d, struct clamd_request *req, int at_lf)
{
	char *s = d->line.data ? d->line.data : (char *)"";
	size_t len = d->line.len, i, klen;
	const struct cmdinfo *ci = NULL;
	char *sp;

	req->term = d->term;
	d->done = 1;
	if (d->term != CLAMD_TERM_NUL && len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	/* a NUL would cut the line short of what the client meant */
	if (memchr(s, '\0', len) != NULL)
		return fail(d, CLAMD_ERR_SYNTAX);
	sp = memchr(s, ' ', len);
	klen = sp ? (size_t)(sp - s) : len;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strlen(cmds[i].name) == klen &&
		    memcmp(cmds[i].name, s, klen) == 0) {
			ci = &cmds[i];
			break;
		}
	if (ci == NULL || (ci->need_arg && (sp == NULL || sp[1] == '\0')) ||
	    (!ci->need_arg && sp != NULL)) {
		req->cmd = CLAMD_UNKNOWN;
		return CLAMD_REQUEST;
	}
	req->cmd = ci->cmd;
	if (d->term == CLAMD_TERM_LEGACY &&
	    (!ci->legacy_ok || (ci->need_lf && !at_lf)))
		return fail(d, CLAMD_ERR_SYNTAX);
	if (ci->need_arg) {
		*sp = '\0';
		req->arg = sp + 1;
	}
	if (ci->cmd == CLAMD_INSTREAM) {
		d->state = ST_HDR;
		d->hdr_have = 0;
		d->total = 0;
	}
	return CLAMD_REQUEST;
}

/* feed_cmd - command mode: collect one line, skip empty legacy ones */
static int
feed_cmd(struct clamd_decoder *d, const char *buf, size_t len, size_t *used,
    struct clamd_request *req)
{
	const char *end, *p;
	size_t n;

	while (*used < len) {
		p = buf + *used;
		n = len - *used;
		if (!d->started) {
			d->started = 1;
			if (*p == 'z' || *p == 'n') {
				d->term = *p == 'z' ? CLAMD_TERM_NUL :
				    CLAMD_TERM_NL;
				++*used;
				continue;
			}
			d->term = CLAMD_TERM_LEGACY;
		}
		if (d->term == CLAMD_TERM_NUL)
			end = memchr(p, '\0', n);
		else if (d->term == CLAMD_TERM_NL)
			end = memchr(p, '\n', n);
		else {
			const char *nul = memchr(p, '\0', n);

			end = memchr(p, '\n', nul ? (size_t)(nul - p) : n);
			if (end == NULL)
				end = nul;
		}
		if (end == NULL) {
			if (d->line.len + n + (d->term != CLAMD_TERM_LEGACY) >
			    CLAMD_LINE_MAX)
				return fail(d, CLAMD_ERR_TOO_LONG);
			buf_add(&d->line, p, n);
			*used = len;
			return CLAMD_NEED_MORE;
		}
		n = (size_t)(end - p);
		if (d->line.len + n + (d->term != CLAMD_TERM_LEGACY) >
		    CLAMD_LINE_MAX)
			return fail(d, CLAMD_ERR_TOO_LONG);
		buf_add(&d->line, p, n);
		*used += n + 1;
		if (d->term == CLAMD_TERM_LEGACY && d->line.len == 0) {
			line_reset(d);
			continue;
		}
		return parse_line(d, req, *end == '\n');
	}
	return CLAMD_NEED_MORE;
}

/* feed_stream - INSTREAM mode: chunk lengths, then slices of data */
static int
feed_stream(struct clamd_decoder *d, const char *buf, size_t len,
    size_t *used, const char **data, size_t *dlen)
{
	size_t n;

	while (d->state == ST_HDR && *used < len) {
		d->hdr[d->hdr_have++] = (unsigned char)buf[(*used)++];
		if (d->hdr_have < 4)
			continue;
		d->hdr_have = 0;
		d->left = (uint32_t)d->hdr[0] << 24 |
		    (uint32_t)d->hdr[1] << 16 | (uint32_t)d->hdr[2] << 8 |
		    d->hdr[3];
		if (d->left == 0) {
			d->state = ST_CMD;
			line_reset(d);
			return CLAMD_STREAM_END;
		}
		/* checked on the announced length, before any data, as clamd */
		if (d->max > 0 && d->left > d->max - d->total)
			return fail(d, CLAMD_ERR_TOO_LONG);
		d->total += d->left;
		d->state = ST_DATA;
	}
	if (d->state != ST_DATA || *used == len)
		return CLAMD_NEED_MORE;
	n = len - *used;
	if (n > d->left)
		n = d->left;
	*data = buf + *used;
	*dlen = n;
	*used += n;
	d->left -= (uint32_t)n;
	if (d->left == 0)
		d->state = ST_HDR;
	return CLAMD_DATA;
}

/*
 * clamd_feed - consume bytes; returns at most one event, *used says how
 * many bytes it took (all of them on CLAMD_NEED_MORE)
 */
int
clamd_feed(struct clamd_decoder *d, const char *buf, size_t len,
    size_t *used, struct clamd_request *req, const char **data,
    size_t *dlen)
{
	*used = 0;
	req->cmd = CLAMD_NONE;
	req->term = CLAMD_TERM_LEGACY;
	req->arg = NULL;
	*data = NULL;
	*dlen = 0;
	if (d->err)
		return d->err;
	if (d->done)
		line_reset(d);
	if (d->state == ST_CMD)
		return feed_cmd(d, buf, len, used, req);
	return feed_stream(d, buf, len, used, data, dlen);
}

/*
 * clamd_finish - the client stopped sending: complete a legacy command
 * cut at end of input (CLAMD_REQUEST), or CLAMD_NEED_MORE when nothing
 * was pending, or an error when a request or stream was cut short
 */
int
clamd_finish(struct clamd_decoder *d, struct clamd_request *req)
{
	req->cmd = CLAMD_NONE;
	req->term = CLAMD_TERM_LEGACY;
	req->arg = NULL;
	if (d->err)
		return d->err;
	if (d->done)
		line_reset(d);
	if (d->state != ST_CMD)
		return fail(d, CLAMD_ERR_SYNTAX);
	if (!d->started)
		return CLAMD_NEED_MORE;
	if (d->term != CLAMD_TERM_LEGACY)
		return fail(d, CLAMD_ERR_SYNTAX);
	return parse_line(d, req, 0);
}

/* add_end - the reply terminator of the request's mode */
static void
add_end(struct buf *out, enum clamd_term term)
{
	buf_addc(out, term == CLAMD_TERM_NUL ? '\0' : '\n');
}

/* clamd_reply - append one reply: "<id>: " in a session, text, end */
void
clamd_reply(struct buf *out, enum clamd_term term, unsigned session_id,
    const char *fmt, ...)
{
	va_list ap;

	if (session_id)
		buf_addf(out, "%u: ", session_id);
	va_start(ap, fmt);
	buf_vaddf(out, fmt, ap);
	va_end(ap);
	add_end(out, term);
}

/*
 * clamd_reply_result - append a scan result: "what: OK",
 * "what: NAME FOUND" or "what: MSG ERROR" (error wins over virname)
 */
void
clamd_reply_result(struct buf *out, enum clamd_term term,
    unsigned session_id, const char *what, const char *virname,
    const char *error)
{
	if (error)
		clamd_reply(out, term, session_id, "%s: %s ERROR", what, error);
	else if (virname)
		clamd_reply(out, term, session_id, "%s: %s FOUND", what,
		    virname);
	else
		clamd_reply(out, term, session_id, "%s: OK", what);
}

/* clamd_versioncommands - the VERSIONCOMMANDS reply, no terminator */
const char *
clamd_versioncommands(void)
{
	return CLAMD_VERSION_STRING "| COMMANDS: SCAN QUIT RELOAD PING "
	    "CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN MULTISCAN FILDES "
	    "STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS ALLMATCHSCAN";
}
