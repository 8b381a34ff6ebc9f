/*
 * clamdproto.c - the clamd wire protocol (clamd 1.4.x): an incremental
 * decoder of requests and INSTREAM chunks, and the reply formats.
 *
 * Exports clamd_decoder_new, clamd_feed, clamd_finish, clamd_idle,
 * clamd_decoder_free, clamd_cmd_name, clamd_session_allowed,
 * clamd_reply, clamd_reply_result and clamd_versioncommands.
 * Every byte fed in is hostile: it comes from any client of the clamd
 * socket.  Runs unprivileged in the scanner; opens and scans nothing.
 *
 * Framing, as clamd 1.4.6 reads it: a 'z' prefix ends the command at
 * NUL, 'n' at LF; no prefix (legacy) means "one packet, one command":
 * what one clamd_feed call is given (the caller feeds each packet as it
 * arrives), cut at LF, as freshclam's NotifyClamd sends "RELOAD\0".
 * Like clamd, the decoder reads a command as a C string (a NUL inside an
 * 'n' or legacy line ends it), chomps trailing CRs and LFs except in 'z'
 * lines, and matches keywords as prefixes in clamd's table order: the
 * argument of SCAN etc. starts one byte after the keyword, whatever that
 * byte is, and anything after a keyword without argument makes the
 * command unknown.  A FILDES request is complete only with the byte
 * after its terminator, the one that carries the descriptor; that byte
 * is consumed.  Errors are sticky: after one, every call returns it
 * again and the caller closes.  CLAMD_ERR_SYNTAX means that the input
 * ended inside a command, a FILDES request or a stream.
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
	ST_FDBYTE,		/* FILDES read: waiting for the byte after it */
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
	enum clamd_term	 fdterm;	/* the pending FILDES request's */
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
	int		 need_arg;	/* a path follows the keyword */
	int		 legacy_ok;	/* allowed without a prefix */
	int		 alias;		/* not the command's own name */
};

/*
 * clamd 1.4's command table, in its order: keywords match as prefixes,
 * first match wins (VERSIONCOMMANDS before VERSION), and VERSIONCOMMANDS
 * lists them in this order.  QUIT is clamd's old alias of SHUTDOWN.
 */
static const struct cmdinfo cmds[] = {
	{ "SCAN",		CLAMD_SCAN,		1, 1, 0 },
	{ "QUIT",		CLAMD_SHUTDOWN,		0, 1, 1 },
	{ "RELOAD",		CLAMD_RELOAD,		0, 1, 0 },
	{ "PING",		CLAMD_PING,		0, 1, 0 },
	{ "CONTSCAN",		CLAMD_CONTSCAN,		1, 1, 0 },
	{ "VERSIONCOMMANDS",	CLAMD_VERSIONCOMMANDS,	0, 0, 0 },
	{ "VERSION",		CLAMD_VERSION,		0, 1, 0 },
	{ "END",		CLAMD_END,		0, 0, 0 },
	{ "SHUTDOWN",		CLAMD_SHUTDOWN,		0, 1, 0 },
	{ "MULTISCAN",		CLAMD_MULTISCAN,	1, 1, 0 },
	{ "FILDES",		CLAMD_FILDES,		0, 1, 0 },
	{ "STATS",		CLAMD_STATS,		0, 0, 0 },
	{ "IDSESSION",		CLAMD_IDSESSION,	0, 0, 0 },
	{ "INSTREAM",		CLAMD_INSTREAM,		0, 0, 0 },
	{ "DETSTATSCLEAR",	CLAMD_DETSTATSCLEAR,	0, 1, 0 },
	{ "DETSTATS",		CLAMD_DETSTATS,		0, 1, 0 },
	{ "ALLMATCHSCAN",	CLAMD_ALLMATCHSCAN,	1, 0, 0 },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))
#define FILDES_LEN	(sizeof("FILDES\n") - 1)

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

	for (i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd && !cmds[i].alias)
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
 * parse_line - turn the complete line into *req, as clamd's
 * parse_command; a FILDES line only arms ST_FDBYTE (CLAMD_NEED_MORE)
 */
static int
parse_line(struct clamd_decoder *d, struct clamd_request *req)
{
	const char *s = buf_str(&d->line), *rest;
	size_t len, i, klen;

	req->term = d->term;
	req->cmd = CLAMD_UNKNOWN;
	d->done = 1;
	/* clamd holds the command as a C string, chomped but for 'z' */
	len = strnlen(s, d->line.len);
	if (d->term != CLAMD_TERM_NUL)
		while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n'))
			len--;
	if (len < d->line.len)
		d->line.data[len] = '\0';
	for (i = 0; i < NCMDS; i++) {
		klen = strlen(cmds[i].name);
		if (strncmp(s, cmds[i].name, klen) != 0)
			continue;
		rest = s + klen;
		if (cmds[i].need_arg ? *rest == '\0' : *rest != '\0')
			return CLAMD_REQUEST;
		if (d->term == CLAMD_TERM_LEGACY && !cmds[i].legacy_ok)
			return CLAMD_REQUEST;
		req->cmd = cmds[i].cmd;
		/* clamd skips the byte after the keyword, space or not */
		if (cmds[i].need_arg)
			req->arg = rest + 1;
		break;
	}
	if (req->cmd == CLAMD_INSTREAM) {
		d->state = ST_HDR;
		d->hdr_have = 0;
		d->total = 0;
	} else if (req->cmd == CLAMD_FILDES) {
		d->state = ST_FDBYTE;
		d->fdterm = d->term;
		req->cmd = CLAMD_NONE;
		return CLAMD_NEED_MORE;
	}
	return CLAMD_REQUEST;
}

/* feed_cmd - command mode: collect one line */
static int
feed_cmd(struct clamd_decoder *d, const char *buf, size_t len, size_t *used,
    struct clamd_request *req)
{
	const char *end, *p;
	size_t n, take;
	int rc;

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
			/*
			 * Legacy: clamd takes the packet (as much as its
			 * buffer holds) as the command, cut at LF.
			 */
			d->term = CLAMD_TERM_LEGACY;
			take = n < CLAMD_LINE_MAX ? n : CLAMD_LINE_MAX;
			if ((end = memchr(p, '\n', take)) != NULL)
				take = (size_t)(end - p);
			buf_add(&d->line, p, take);
			rc = parse_line(d, req);
			/* FILDES: one byte after "FILDES", then its own */
			if (d->state == ST_FDBYTE)
				*used += n < FILDES_LEN ? n : FILDES_LEN;
			else
				*used += take + (end != NULL);
			return rc;
		}
		end = memchr(p, d->term == CLAMD_TERM_NUL ? '\0' : '\n', n);
		take = end ? (size_t)(end - p) : n;
		/* prefix, line and terminator must fit clamd's buffer */
		if (1 + d->line.len + take + 1 > CLAMD_LINE_MAX)
			return fail(d, CLAMD_ERR_TOO_LONG);
		buf_add(&d->line, p, take);
		if (end == NULL) {
			*used = len;
			return CLAMD_NEED_MORE;
		}
		*used += take + 1;
		return parse_line(d, req);
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
 * many bytes it took (all of them on CLAMD_NEED_MORE).  A legacy
 * command ends where buf ends: feed each packet once, as it arrives.
 */
int
clamd_feed(struct clamd_decoder *d, const char *buf, size_t len,
    size_t *used, struct clamd_request *req, const char **data,
    size_t *dlen)
{
	int rc;

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
	for (;;) {
		switch (d->state) {
		case ST_CMD:
			rc = feed_cmd(d, buf, len, used, req);
			if (d->state == ST_FDBYTE)
				continue;
			return rc;
		case ST_FDBYTE:
			if (*used == len)
				return CLAMD_NEED_MORE;
			/* the byte that carries the descriptor: any byte */
			++*used;
			d->state = ST_CMD;
			req->cmd = CLAMD_FILDES;
			req->term = d->fdterm;
			return CLAMD_REQUEST;
		default:
			return feed_stream(d, buf, len, used, data, dlen);
		}
	}
}

/*
 * clamd_finish - the client stopped sending: CLAMD_NEED_MORE when
 * nothing was pending, CLAMD_ERR_SYNTAX when a command, a FILDES
 * request or a stream was cut short (clamd answers neither)
 */
int
clamd_finish(struct clamd_decoder *d)
{
	if (d->err)
		return d->err;
	if (d->done)
		line_reset(d);
	if (d->state != ST_CMD || d->started)
		return fail(d, CLAMD_ERR_SYNTAX);
	return CLAMD_NEED_MORE;
}

/* clamd_idle - between requests: the next byte starts a command */
int
clamd_idle(const struct clamd_decoder *d)
{
	return d->err == 0 && d->state == ST_CMD && (d->done || !d->started);
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

/*
 * clamd_versioncommands - append the VERSIONCOMMANDS reply, no
 * terminator: version as VERSION shows it, then clamd's command table
 */
void
clamd_versioncommands(struct buf *out, const char *version)
{
	size_t i;

	buf_addf(out, "%s| COMMANDS:", version);
	for (i = 0; i < NCMDS; i++)
		buf_addf(out, " %s", cmds[i].name);
}
