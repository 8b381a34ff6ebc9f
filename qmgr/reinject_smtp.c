/*
 * reinject_smtp.c - reinject's SMTP/LMTP client: one delivery of one
 * queue file to the next hop, over a cached connection when it can.
 *
 * Exports rj_deliver (run one request=deliver, fill in a final reply
 * per recipient) and rj_shutdown (QUIT the cached connection).
 *
 * Inputs: replies of the next hop (hostile: every line is checked for
 * syntax and length, and only a sanitised last line is passed on); the
 * queue file (written by smtpd-in, which faces hostile clients: its
 * strings were checked by reinject.c, its offsets against the file
 * size).  Runs unprivileged, as mail_owner.
 *
 * A transaction is one write with PIPELINING (RSET when the connection
 * is reused, XFORWARD, MAIL, RCPT..., DATA), then the body with
 * sendfile(2) when no line needs dot-stuffing, then the final dot.
 * Every failure yields a 4xx for the recipients still without a reply,
 * so that the message is retried, and closes the connection.
 */
#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "dotstuff.h"
#include "log.h"
#include "mem.h"
#include "netio.h"
#include "reinject.h"
#include "smtp.h"
#include "sock.h"

#define LINE_MAX_LEN	4096		/* longest reply line (RFC: 512) */
#define REPLY_LINES_MAX	1000		/* most lines in one reply */
#define XF_CMD_MAX	512		/* one XFORWARD, CRLF included */
#define XF_VALUE_MAX	255		/* one XFORWARD value, decoded */
#define BODY_CHUNK	(128 * 1024)	/* copy-path read size */
#define QUIT_WAIT_MS	5000		/* for 221 and the peer's close */

/* Server extensions we use. */
enum {
	CAP_PIPELINING	= 1 << 0,
	CAP_SIZE	= 1 << 1,
	CAP_8BITMIME	= 1 << 2,
	CAP_DSN		= 1 << 3,
	CAP_SMTPUTF8	= 1 << 4,
	CAP_ENHANCED	= 1 << 5,
	CAP_XFORWARD	= 1 << 6,
};

/* XFORWARD attributes, in the order Postfix sends them. */
static const char *const xf_name[] = {
	"NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE",
};
#define XF_NATTR	7
#define XF_SPLIT	3	/* NAME ADDR PORT | PROTO HELO IDENT SOURCE */

/* The connection to the next hop; kept between requests for reuse. */
static struct {
	int		fd;		/* -1: none */
	struct netio	io;
	unsigned	caps;		/* CAP_* */
	unsigned	xf_attrs;	/* 1 << index in xf_name */
	long long	size_max;	/* SIZE limit, 0 if none */
	double		born;		/* monotonic seconds */
	double		used;		/* end of the last transaction */
	unsigned	txns;
} conn = { .fd = -1 };

/* A command whose reply is pending. */
enum cmd { C_RSET, C_XFORWARD, C_MAIL, C_RCPT, C_DATA };
static const char *const cmd_name[] = {
	"RSET", "XFORWARD", "MAIL", "RCPT", "DATA",
};

struct pending {
	enum cmd	cmd;
	int		k;		/* C_RCPT: position in the request */
	size_t		off, len;	/* its text in cmdtext */
};

/* Transaction outcomes. */
enum { T_KEEP, T_CLOSE, T_RETRY, T_ABORT };

/* Reused between requests: no allocation per message once warm. */
static struct buf cmdtext, last, scratch, line;
static struct pending *pend;
static size_t npend_max;
static char *accepted;			/* per position: RCPT got 2xx */
static size_t naccepted_max;
static char *inbuf, *outbuf;		/* copy path */

/* mono - monotonic clock in seconds */
static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ms - a TIME parameter in milliseconds, for poll() */
static int
ms(long long seconds)
{
	return seconds > 86400 ? 86400 * 1000 : (int)seconds * 1000;
}

/* has_reply - does the recipient at position k have its final reply? */
static int
has_reply(const struct rj_delivery *d, int k)
{
	return d->reply[k].len > 0;
}

/*
 * set_reply - a next-hop reply line as the final reply of position k:
 * control bytes become '?', the length is bounded, and 421 (which
 * means "closing" on our side too) is passed on as 451.
 */
static void
set_reply(struct rj_delivery *d, int k, const struct buf *r)
{
	struct buf *b = &d->reply[k];
	size_t i, n = r->len < RJ_REPLY_MAX ? r->len : RJ_REPLY_MAX;
	unsigned char c;

	buf_reset(b);
	for (i = 0; i < n; i++) {
		c = (unsigned char)r->data[i];
		buf_addc(b, c < ' ' || c == 0x7f ? '?' : c);
	}
	if (b->len >= 3 && memcmp(b->data, "421", 3) == 0)
		memcpy(b->data, "451", 3);
}

/* fail_rest - give every recipient still without a reply this one */
static void __attribute__((format(printf, 2, 3)))
fail_rest(struct rj_delivery *d, const char *fmt, ...)
{
	va_list ap;
	int k;

	buf_reset(&scratch);
	va_start(ap, fmt);
	buf_vaddf(&scratch, fmt, ap);
	va_end(ap);
	for (k = 0; k < d->nrcpt; k++)
		if (!has_reply(d, k))
			set_reply(d, k, &scratch);
}

/* reply_rest - the next hop's reply for everyone without one yet */
static void
reply_rest(struct rj_delivery *d, const struct buf *r)
{
	int k;

	for (k = 0; k < d->nrcpt; k++)
		if (!has_reply(d, k))
			set_reply(d, k, r);
}

/* conn_drop - close the connection at once (after an error) */
static void
conn_drop(void)
{
	if (conn.fd < 0)
		return;
	netio_free(&conn.io);
	close(conn.fd);
	conn.fd = -1;
}

/* conn_quit - QUIT, wait for 221 and the peer's close, then close */
static void
conn_quit(void)
{
	int toolong;

	if (conn.fd < 0)
		return;
	conn.io.timeout_ms = QUIT_WAIT_MS;
	netio_write(&conn.io, "QUIT\r\n", 6);
	/*
	 * Let the server close first: the side that closes first keeps
	 * the TIME_WAIT state, and many short connections would otherwise
	 * use up our ephemeral ports.
	 */
	if (netio_flush(&conn.io) == 0 &&
	    netio_getline(&conn.io, &line, LINE_MAX_LEN, &toolong) != 0)
		(void)netio_fill(&conn.io);
	conn_drop();
}

/* io_fail - the connection failed after cmd: 4xx for the rest */
static void
io_fail(struct rj_delivery *d, const char *cmd)
{
	const char *what = conn.io.err == NETIO_TIMEOUT ? "timeout talking to" :
	    "lost connection with";

	log_warn("%s: %s next hop %s after %s", d->env->id, what,
	    rj_nexthop.text, cmd);
	fail_rest(d, "451 4.4.2 Error: %s next hop %s after %s", what,
	    rj_nexthop.text, cmd);
	conn_drop();
}

/* bad_reply - the next hop answered cmd with garbage */
static void
bad_reply(struct rj_delivery *d, const char *cmd)
{
	log_warn("%s: bad reply from next hop %s after %s: %.100s",
	    d->env->id, rj_nexthop.text, cmd, buf_str(&line));
	fail_rest(d, "451 4.5.0 Error: bad reply from next hop %s after %s",
	    rj_nexthop.text, cmd);
	conn_drop();
}

/* read_fail - a reply read failed (rc from read_reply) after cmd */
static void
read_fail(struct rj_delivery *d, int rc, const char *cmd)
{
	if (rc == -2)
		bad_reply(d, cmd);
	else
		io_fail(d, cmd);
}

/* refused - the next hop said no to the session itself: defer all */
static void
refused(struct rj_delivery *d, const char *cmd)
{
	log_warn("%s: next hop %s refused %s: %.200s", d->env->id,
	    rj_nexthop.text, cmd, buf_str(&last));
	fail_rest(d, "451 4.4.0 Error: next hop %s said: %.200s "
	    "(in reply to %s)", rj_nexthop.text, buf_str(&last), cmd);
}

/* add_cap - record one EHLO keyword line (after "250-") */
static void
add_cap(const char *s)
{
	size_t n = strcspn(s, " =");
	const char *arg = s + n;
	int i;

	while (*arg == ' ' || *arg == '=')
		arg++;
	if (n == 10 && strncasecmp(s, "PIPELINING", n) == 0)
		conn.caps |= CAP_PIPELINING;
	else if (n == 4 && strncasecmp(s, "SIZE", n) == 0) {
		conn.caps |= CAP_SIZE;
		conn.size_max = strtoll(arg, NULL, 10);
		if (conn.size_max < 0)
			conn.size_max = 0;
	} else if (n == 8 && strncasecmp(s, "8BITMIME", n) == 0)
		conn.caps |= CAP_8BITMIME;
	else if (n == 3 && strncasecmp(s, "DSN", n) == 0)
		conn.caps |= CAP_DSN;
	else if (n == 8 && strncasecmp(s, "SMTPUTF8", n) == 0)
		conn.caps |= CAP_SMTPUTF8;
	else if (n == 19 && strncasecmp(s, "ENHANCEDSTATUSCODES", n) == 0)
		conn.caps |= CAP_ENHANCED;
	else if (n == 8 && strncasecmp(s, "XFORWARD", n) == 0) {
		conn.caps |= CAP_XFORWARD;
		while (*arg) {
			n = strcspn(arg, " ");
			for (i = 0; i < XF_NATTR; i++)
				if (strlen(xf_name[i]) == n &&
				    strncasecmp(arg, xf_name[i], n) == 0)
					conn.xf_attrs |= 1u << i;
			arg += n;
			while (*arg == ' ')
				arg++;
		}
	}
}

/*
 * read_reply - read one reply, maybe multi-line, leaving its last line
 * in `last'.  Returns the code, -1 on I/O error (conn.io.err says
 * which) or -2 if malformed.  With ehlo set, records the extensions.
 */
static int
read_reply(int ehlo)
{
	int code = 0, c, toolong, nlines = 0;

	for (;;) {
		if (netio_getline(&conn.io, &line, LINE_MAX_LEN, &toolong) == 0)
			return -1;
		if (toolong || ++nlines > REPLY_LINES_MAX)
			return -2;
		c = smtp_reply_code(buf_str(&line));
		if (c == 0 || (code != 0 && c != code))
			return -2;
		code = c;
		if (ehlo && nlines > 1 && line.len > 4)
			add_cap(line.data + 4);
		if (line.len < 4 || line.data[3] != '-')
			break;
	}
	buf_reset(&last);
	buf_add(&last, line.data, line.len);
	return code;
}

/* send_cmd - send one command line now and read its reply */
static int
send_cmd(const char *cmd, int ehlo)
{
	netio_printf(&conn.io, "%s\r\n", cmd);
	if (netio_flush(&conn.io) < 0)
		return -1;
	return read_reply(ehlo);
}

/*
 * conn_open - connect, read the greeting, EHLO/LHLO (HELO when EHLO is
 * refused over SMTP).  0, or -1 with every recipient given a 4xx.
 */
static int
conn_open(struct rj_delivery *d)
{
	const struct nexthop *nh = &rj_nexthop;
	int fd, code, tmo = ms(cf->smtp_connect_timeout);
	const char *hello = nh->lmtp ? "LHLO" : "EHLO";

	if (nh->is_unix)
		fd = sock_connect_unix(nh->path, SOCK_STREAM, tmo);
	else
		fd = sock_connect_inet(nh->host, nh->port, tmo);
	if (fd < 0) {
		log_warn("%s: cannot connect to next hop %s: %m", d->env->id,
		    nh->text);
		fail_rest(d, "451 4.4.1 Error: cannot connect to next hop "
		    "%s: %s", nh->text, strerror(errno));
		return -1;
	}
	conn.fd = fd;
	netio_init(&conn.io, fd, ms(cf->smtp_reply_timeout));
	conn.caps = conn.xf_attrs = 0;
	conn.size_max = 0;
	conn.txns = 0;
	if ((code = read_reply(0)) < 0) {
		read_fail(d, code, "CONNECT");
		return -1;
	}
	if (code != 220) {
		/* like Postfix's smtp_skip_5xx_greeting: never a bounce */
		refused(d, "CONNECT");
		conn_quit();
		return -1;
	}
	buf_reset(&scratch);
	buf_addf(&scratch, "%s %s", hello, cf->smtp_helo_name);
	code = send_cmd(buf_str(&scratch), 1);
	if (code >= 500 && !nh->lmtp) {
		conn.caps = conn.xf_attrs = 0;
		conn.size_max = 0;
		hello = "HELO";
		buf_reset(&scratch);
		buf_addf(&scratch, "HELO %s", cf->smtp_helo_name);
		code = send_cmd(buf_str(&scratch), 0);
	}
	if (code < 0) {
		read_fail(d, code, hello);
		return -1;
	}
	if (code / 100 != 2) {
		refused(d, hello);
		conn_quit();
		return -1;
	}
	conn.born = conn.used = mono();
	log_debug("%s: connected to %s, extensions 0x%x", d->env->id, nh->text,
	    conn.caps);
	return 0;
}

/*
 * conn_reusable - is the cached connection fit for another message?
 * Closes it when it is too old, idle too long or the server spoke
 * (a 421 timeout notice, or end of file) while it was idle.
 */
static int
conn_reusable(void)
{
	double now = mono();

	if (conn.fd < 0)
		return 0;
	if (cf->smtp_connection_cache_time_limit <= 0 ||
	    now - conn.used >= (double)cf->smtp_connection_cache_time_limit ||
	    now - conn.born >= (double)cf->smtp_connection_reuse_time_limit) {
		conn_quit();
		return 0;
	}
	if (netio_pending(&conn.io) > 0 || sock_wait(conn.fd, POLLIN, 0) != 0) {
		log_debug("cached connection to %s went away",
		    rj_nexthop.text);
		conn_drop();
		return 0;
	}
	return 1;
}

/* grow - make room for n pending commands and n recipients */
static void
grow(size_t n)
{
	if (n + 8 > npend_max) {
		npend_max = n + 8;
		pend = xreallocarray(pend, npend_max, sizeof(*pend));
	}
	if (n > naccepted_max) {
		naccepted_max = n;
		accepted = xreallocarray(accepted, naccepted_max, 1);
	}
}

/* push - record a command whose text was just added to cmdtext */
static void
push(size_t *np, enum cmd cmd, int k, size_t off)
{
	pend[*np].cmd = cmd;
	pend[*np].k = k;
	pend[*np].off = off;
	pend[*np].len = cmdtext.len - off;
	(*np)++;
}

/* unavailable - is v missing, empty or Postfix's [UNAVAILABLE]? */
static int
unavailable(const char *v)
{
	return v == NULL || *v == '\0' || strcasecmp(v, "[UNAVAILABLE]") == 0;
}

/*
 * add_xforward - the XFORWARD commands for the original client: the
 * upstream's XFORWARD values when it sent any (unchanged), else the
 * session smtpd-in saw.  Only attributes the server announced; two
 * commands like Postfix, more if one would exceed 512 bytes.
 */
static void
add_xforward(const struct queue_env *e, size_t *np)
{
	const char *v[XF_NATTR];
	const struct queue_xforward *xf = &e->xf;
	int i, upstream, nattr = 0;
	size_t start = 0, item;

	upstream = xf->name || xf->addr || xf->port || xf->proto ||
	    xf->helo || xf->ident || xf->source;
	if (upstream) {
		v[0] = xf->name;
		v[1] = xf->addr;
		v[2] = xf->port;
		v[3] = xf->proto;
		v[4] = xf->helo;
		v[5] = xf->ident;
		v[6] = xf->source;
	} else {
		v[0] = e->client_name;
		v[1] = e->client_addr;
		v[2] = e->client_port;
		v[3] = e->proto;
		v[4] = e->helo;
		v[5] = e->id;
		v[6] = "REMOTE";
	}
	for (i = 0; i < XF_NATTR; i++) {
		if (i == XF_SPLIT && nattr > 0) {
			buf_adds(&cmdtext, "\r\n");
			push(np, C_XFORWARD, 0, start);
			nattr = 0;
		}
		if (!(conn.xf_attrs & (1u << i)) || (upstream && v[i] == NULL))
			continue;
		buf_reset(&scratch);
		buf_addf(&scratch, " %s=", xf_name[i]);
		if (unavailable(v[i]) || strlen(v[i]) > XF_VALUE_MAX) {
			buf_adds(&scratch, "[UNAVAILABLE]");
		} else {
			/* Postfix writes IPv6 client addresses as IPV6:... */
			if (!upstream && i == 1 && strchr(v[i], ':') &&
			    strncasecmp(v[i], "IPv6:", 5) != 0)
				buf_adds(&scratch, "IPV6:");
			smtp_xtext_encode(v[i], &scratch);
		}
		item = scratch.len;
		if (nattr > 0 && cmdtext.len - start + item + 2 > XF_CMD_MAX) {
			buf_adds(&cmdtext, "\r\n");
			push(np, C_XFORWARD, 0, start);
			nattr = 0;
		}
		if (nattr == 0) {
			start = cmdtext.len;
			buf_adds(&cmdtext, "XFORWARD");
		}
		if (strlen("XFORWARD") + item + 2 > XF_CMD_MAX) {
			buf_reset(&scratch);
			buf_addf(&scratch, " %s=[UNAVAILABLE]", xf_name[i]);
		}
		buf_add(&cmdtext, scratch.data, scratch.len);
		nattr++;
	}
	if (nattr > 0) {
		buf_adds(&cmdtext, "\r\n");
		push(np, C_XFORWARD, 0, start);
	}
}

/* keyword_is - does the parameter at p (length n) have keyword kw? */
static int
keyword_is(const char *p, size_t n, const char *kw)
{
	size_t k = strlen(kw);

	return n >= k && strncasecmp(p, kw, k) == 0 && (n == k || p[k] == '=');
}

/*
 * add_params - append the relayable parameters of list (as received:
 * space-separated) that the server supports; mail says which set.
 */
static void
add_params(const char *list, int mail)
{
	const char *p = list;
	size_t n;
	int keep;

	while (*p) {
		while (*p == ' ')
			p++;
		if ((n = strcspn(p, " ")) == 0)
			break;
		if (mail) {
			keep = (keyword_is(p, n, "BODY") &&
			    (conn.caps & CAP_8BITMIME) &&
			    !keyword_is(p, n, "BODY=BINARYMIME")) ||
			    (keyword_is(p, n, "SMTPUTF8") &&
			    (conn.caps & CAP_SMTPUTF8)) ||
			    ((keyword_is(p, n, "RET") ||
			    keyword_is(p, n, "ENVID")) &&
			    (conn.caps & CAP_DSN));
		} else {
			keep = (keyword_is(p, n, "NOTIFY") ||
			    keyword_is(p, n, "ORCPT")) &&
			    (conn.caps & CAP_DSN);
		}
		if (keep) {
			buf_addc(&cmdtext, ' ');
			buf_add(&cmdtext, p, n);
		}
		p += n;
	}
}

/* has_param - does the parameter list contain keyword kw? */
static int
has_param(const char *list, const char *kw)
{
	const char *p = list;
	size_t n;

	while (*p) {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n && keyword_is(p, n, kw))
			return 1;
		p += n;
	}
	return 0;
}

/* nonascii - does s contain a byte outside ASCII? */
static int
nonascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/*
 * headers_nonascii - does the header block (qmgr's extra block and
 * the message up to its first empty line) contain 8-bit bytes?
 */
static int
headers_nonascii(const struct rj_delivery *d)
{
	const struct queue_env *e = d->env;
	long long off, end, i;
	ssize_t n;
	int state = 2;		/* 2: at line start, 1: after CR there */

	for (off = e->extra_off, end = off + e->extra_len; off < end; off += n) {
		n = pread(d->qfd, inbuf, (size_t)(end - off < BODY_CHUNK ?
		    end - off : BODY_CHUNK), off);
		if (n <= 0)
			return 0;
		for (i = 0; i < n; i++)
			if ((unsigned char)inbuf[i] >= 0x80)
				return 1;
	}
	for (off = e->msg_off, end = off + e->msg_len; off < end; off += n) {
		n = pread(d->qfd, inbuf, (size_t)(end - off < BODY_CHUNK ?
		    end - off : BODY_CHUNK), off);
		if (n <= 0)
			return 0;
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)inbuf[i];

			if (c >= 0x80)
				return 1;
			if (c == '\n' && state >= 1)
				return 0;	/* the empty line */
			state = c == '\n' ? 2 : c == '\r' && state == 2 ? 1 : 0;
		}
	}
	return 0;
}

/*
 * precheck - refuse what the next hop cannot take before sending
 * anything: 1 when every recipient got its reply, else 0.
 */
static int
precheck(struct rj_delivery *d)
{
	const struct queue_env *e = d->env;
	long long size = e->extra_len + e->msg_len;
	int k, utf8 = 0;

	if ((conn.caps & CAP_SIZE) && conn.size_max > 0 &&
	    size > conn.size_max) {
		fail_rest(d, "552 5.3.4 Error: message size %lld exceeds the "
		    "limit of next hop %s (%lld)", size, rj_nexthop.text,
		    conn.size_max);
		return 1;
	}
	if (!(conn.caps & CAP_SMTPUTF8) && has_param(e->mail_params,
	    "SMTPUTF8")) {
		/* Postfix: refuse only when the mail really needs it */
		utf8 = nonascii(e->sender);
		for (k = 0; k < d->nrcpt && !utf8; k++)
			utf8 = nonascii(e->rcpt[d->rcpt[k]].addr);
		if (!utf8)
			utf8 = headers_nonascii(d);
		if (utf8) {
			fail_rest(d, "550 5.6.7 Error: next hop does not "
			    "support SMTPUTF8");
			return 1;
		}
	}
	return 0;
}

/* build - the command group of one transaction; count in *np */
static void
build(const struct rj_delivery *d, int reused, size_t *np)
{
	const struct queue_env *e = d->env;
	size_t off;
	int k;

	buf_reset(&cmdtext);
	*np = 0;
	if (reused) {
		buf_adds(&cmdtext, "RSET\r\n");
		push(np, C_RSET, 0, 0);
	}
	if (cf->smtp_send_xforward_command && (conn.caps & CAP_XFORWARD))
		add_xforward(e, np);
	off = cmdtext.len;
	buf_adds(&cmdtext, "MAIL FROM:<");
	buf_adds(&cmdtext, e->sender);
	buf_adds(&cmdtext, ">");
	if (conn.caps & CAP_SIZE)
		buf_addf(&cmdtext, " SIZE=%lld", e->extra_len + e->msg_len);
	add_params(e->mail_params, 1);
	buf_adds(&cmdtext, "\r\n");
	push(np, C_MAIL, 0, off);
	for (k = 0; k < d->nrcpt; k++) {
		off = cmdtext.len;
		buf_adds(&cmdtext, "RCPT TO:<");
		buf_adds(&cmdtext, e->rcpt[d->rcpt[k]].addr);
		buf_adds(&cmdtext, ">");
		add_params(e->rcpt[d->rcpt[k]].params, 0);
		buf_adds(&cmdtext, "\r\n");
		push(np, C_RCPT, k, off);
	}
	off = cmdtext.len;
	buf_adds(&cmdtext, "DATA\r\n");
	push(np, C_DATA, 0, off);
}

/* cork - hold back partial TCP segments while the body goes out */
static void
cork(int on)
{
	if (!rj_nexthop.is_unix)
		(void)setsockopt(conn.fd, IPPROTO_TCP, TCP_CORK, &on,
		    sizeof(on));
}

/* send_raw - write n bytes to the next hop within the reply timeout */
static int
send_raw(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(conn.fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (sock_wait(conn.fd, POLLOUT, conn.io.timeout_ms) == 1)
				continue;
			conn.io.err = conn.io.werr = NETIO_TIMEOUT;
			return -1;
		}
		conn.io.err = conn.io.werr = NETIO_ERROR;
		return -1;
	}
	return 0;
}

/*
 * send_file - sendfile(2) len bytes of the queue file from off.
 * 0, -1 for a network error (conn.io.err), -2 if the file is short
 * or unreadable (errno), -3 if sendfile cannot do it at all.
 */
static int
send_file(int qfd, off_t off, long long len)
{
	ssize_t w;
	int first = 1;

	while (len > 0) {
		w = sendfile(conn.fd, qfd, &off, (size_t)(len > (1 << 30) ?
		    (1 << 30) : len));
		if (w > 0) {
			len -= w;
			first = 0;
			continue;
		}
		if (w == 0) {
			errno = EIO;	/* the queue file is shorter */
			return -2;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (sock_wait(conn.fd, POLLOUT, conn.io.timeout_ms) == 1)
				continue;
			conn.io.err = conn.io.werr = NETIO_TIMEOUT;
			return -1;
		}
		if (first && (errno == EINVAL || errno == ENOSYS))
			return -3;
		if (errno == EIO)
			return -2;
		conn.io.err = conn.io.werr = NETIO_ERROR;
		return -1;
	}
	return 0;
}

/*
 * send_copy - len bytes of the queue file from off through user space,
 * dot-stuffed.  Return values as send_file.
 */
static int
send_copy(int qfd, long long off, long long len, struct dotstuff *ds)
{
	ssize_t n;
	size_t out;

	while (len > 0) {
		n = pread(qfd, inbuf, (size_t)(len < BODY_CHUNK ? len :
		    BODY_CHUNK), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -2;
		}
		out = dotstuff(ds, inbuf, (size_t)n, outbuf);
		if (send_raw(outbuf, out) < 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

/* tail_crlf - does the region [off, off + len) end in CRLF? */
static int
tail_crlf(int qfd, long long off, long long len)
{
	char t[2];

	if (len < 2)
		return 0;
	return pread(qfd, t, 2, (off_t)(off + len - 2)) == 2 &&
	    t[0] == '\r' && t[1] == '\n';
}

/* qmgr_gone - did qmgr hang up (or say anything) while we worked? */
static int
qmgr_gone(int ipcfd)
{
	struct pollfd pfd;
	int n;

	pfd.fd = ipcfd;
	pfd.events = POLLIN | POLLRDHUP;
	do {
		n = poll(&pfd, 1, 0);
	} while (n < 0 && errno == EINTR);
	return n != 0;
}

/*
 * handoff - give qmgr a copy of the connection before the final dot.
 * If we die while the next hop answers, qmgr reads the answer from it
 * and the message is known delivered (or not): the client's retry is
 * not delivered twice.  -1 if qmgr cannot be told (it went away).
 */
static int
handoff(struct rj_delivery *d)
{
	struct ipc_msg m;
	struct buf list = BUF_INIT;
	int k, rc;

	for (k = 0; k < d->nrcpt; k++)
		if (accepted[k])
			buf_addf(&list, "%s%d", list.len ? "," : "", d->rcpt[k]);
	ipc_msg_init(&m);
	ipc_add(&m, "status", "sending");
	ipc_add(&m, "accepted", buf_str(&list));
	ipc_add(&m, "lmtp", rj_nexthop.lmtp ? "1" : "0");
	rc = ipc_send(d->ipcfd, &m, conn.fd);
	ipc_msg_free(&m);
	buf_free(&list);
	return rc;
}

/*
 * send_message - after 354: mark the file, send extra block, message
 * and final dot, read the final reply (one, or one per recipient over
 * LMTP).  Returns a T_* outcome.
 */
static int
send_message(struct rj_delivery *d, char orig_state)
{
	const struct queue_env *e = d->env;
	struct dotstuff ds;
	long long total = e->extra_len + e->msg_len;
	int rc, k, code = 0, crlf;

	if (queue_set_state(d->qfd, QUEUE_SENDING) < 0) {
		log_warn("%s: cannot update queue file: %m", e->id);
		fail_rest(d, "451 4.3.0 Error: cannot update queue file: %s",
		    strerror(errno));
		conn_drop();
		return T_CLOSE;
	}
	cork(1);
	dotstuff_init(&ds);
	/* qmgr's block is small and may hold a line with a dot: copy it */
	rc = send_copy(d->qfd, e->extra_off, e->extra_len, &ds);
	if (rc == 0 && e->dot_lines == 0) {
		rc = send_file(d->qfd, (off_t)e->msg_off, e->msg_len);
		if (rc == -3)
			rc = send_copy(d->qfd, e->msg_off, e->msg_len, &ds);
	} else if (rc == 0) {
		rc = send_copy(d->qfd, e->msg_off, e->msg_len, &ds);
	}
	if (rc == 0 && total > 0) {
		crlf = e->msg_len > 0 ? tail_crlf(d->qfd, e->msg_off,
		    e->msg_len) : tail_crlf(d->qfd, e->extra_off, e->extra_len);
		if (!crlf && e->msg_len == 1 && e->extra_len > 0) {
			/* "\r" ending the extra block, "\n" the message */
			char t[2];

			crlf = pread(d->qfd, &t[0], 1, e->extra_off +
			    e->extra_len - 1) == 1 && pread(d->qfd, &t[1], 1,
			    e->msg_off) == 1 && t[0] == '\r' && t[1] == '\n';
		}
		if (!crlf && send_raw("\r\n", 2) < 0)
			rc = -1;
	}
	if (rc != 0) {
		/* no dot went out: the outcome is known, not delivered */
		(void)queue_set_state(d->qfd, orig_state);
		if (rc == -1) {
			io_fail(d, "DATA");
		} else {
			log_warn("%s: cannot read queue file: %m", e->id);
			fail_rest(d, "451 4.3.0 Error: cannot read queue file: "
			    "%s", strerror(errno));
			conn_drop();
		}
		return T_CLOSE;
	}
	if (qmgr_gone(d->ipcfd) || handoff(d) < 0) {
		(void)queue_set_state(d->qfd, orig_state);
		conn_drop();
		d->aborted = 1;
		return T_ABORT;
	}
	rc = send_raw(".\r\n", 3);
	cork(0);
	if (rc < 0) {
		io_fail(d, "END-OF-MESSAGE");
		return T_CLOSE;
	}
	conn.io.timeout_ms = ms(cf->smtp_data_done_timeout);
	for (k = 0; k < d->nrcpt; k++) {
		if (!accepted[k])
			continue;
		if ((code = read_reply(0)) < 0) {
			log_warn("%s: no reply to the final dot from %s: "
			    "the message may be delivered twice", e->id,
			    rj_nexthop.text);
			conn.io.timeout_ms = ms(cf->smtp_reply_timeout);
			read_fail(d, code, "END-OF-MESSAGE");
			return T_CLOSE;
		}
		if (!rj_nexthop.lmtp) {
			reply_rest(d, &last);
			break;
		}
		set_reply(d, k, &last);
		if (code == 421) {
			reply_rest(d, &last);
			break;
		}
	}
	conn.io.timeout_ms = ms(cf->smtp_reply_timeout);
	if (code == 421) {
		conn_drop();
		return T_CLOSE;
	}
	return T_KEEP;
}

/*
 * replies_fit - can qmgr be told every recipient's outcome?  In a large
 * request only RJ_MAX_LISTED recipients may differ from the most common
 * reply; the accepted ones will share the final reply (SMTP), so count
 * them as one text.  If not, nothing is delivered: every recipient
 * gets a 4xx, before the dot.
 */
static int
replies_fit(struct rj_delivery *d)
{
	int shared, k;

	if (d->nrcpt <= RJ_MAX_LISTED)
		return 1;
	(void)rj_common_reply(d->reply, d->nrcpt, &shared);
	if (d->nrcpt - shared <= RJ_MAX_LISTED)
		return 1;
	log_warn("%s: next hop %s refused %d of %d recipients: too many "
	    "different replies to report, not delivered", d->env->id,
	    rj_nexthop.text, d->nrcpt - shared, d->nrcpt);
	for (k = 0; k < d->nrcpt; k++)
		buf_reset(&d->reply[k]);
	fail_rest(d, "452 4.5.3 Error: too many recipients refused by next "
	    "hop %s; send fewer recipients per message", rj_nexthop.text);
	return 0;
}

/* write_pending - queue command i's text for sending */
static void
write_pending(size_t i)
{
	netio_write(&conn.io, cmdtext.data + pend[i].off, pend[i].len);
}

/*
 * transaction - RSET?, XFORWARD, MAIL, RCPT..., DATA, message.  With
 * reused set, a dead connection found before MAIL's reply is reported
 * as T_RETRY (nothing of the message was accepted) with no replies.
 */
static int
transaction(struct rj_delivery *d, int reused, char orig_state)
{
	size_t np, i;
	int pipelining = (conn.caps & CAP_PIPELINING) != 0;
	int mail_ok = 0, got_mail = 0, nacc = 0, code, k;
	const char *what;

	if (precheck(d))
		return T_KEEP;
	grow((size_t)d->nrcpt);
	memset(accepted, 0, (size_t)d->nrcpt);
	build(d, reused, &np);
	if (pipelining) {
		for (i = 0; i < np; i++)
			write_pending(i);
		if (netio_flush(&conn.io) < 0) {
			if (reused)
				return T_RETRY;
			io_fail(d, cmd_name[pend[0].cmd]);
			return T_CLOSE;
		}
	}
	for (i = 0; i < np; i++) {
		what = cmd_name[pend[i].cmd];
		if (!pipelining) {
			/* lockstep: send only what can still matter */
			if (pend[i].cmd == C_RCPT && !mail_ok)
				return T_KEEP;
			if (pend[i].cmd == C_DATA && nacc == 0)
				return T_KEEP;
			write_pending(i);
			if (netio_flush(&conn.io) < 0) {
				if (reused && !got_mail)
					return T_RETRY;
				io_fail(d, what);
				return T_CLOSE;
			}
		}
		code = read_reply(0);
		if (code == -1 && reused && !got_mail)
			return T_RETRY;
		if (code < 0) {
			read_fail(d, code, what);
			return T_CLOSE;
		}
		switch (pend[i].cmd) {
		case C_RSET:
			if (code / 100 != 2)
				return T_RETRY;	/* reused is set here */
			break;
		case C_XFORWARD:
			if (code / 100 != 2 && code != 421)
				log_warn("%s: next hop %s rejected XFORWARD: "
				    "%.200s", d->env->id, rj_nexthop.text,
				    buf_str(&last));
			break;
		case C_MAIL:
			got_mail = 1;
			if (code / 100 == 2)
				mail_ok = 1;
			else
				reply_rest(d, &last);
			break;
		case C_RCPT:
			if (!mail_ok)
				break;
			k = pend[i].k;
			if (code / 100 == 2) {
				accepted[k] = 1;
				nacc++;
			} else {
				set_reply(d, k, &last);
			}
			break;
		case C_DATA:
			if (code == 354 && (!mail_ok || nacc == 0)) {
				/* it wants a message for nobody: hang up */
				conn_drop();
				return T_CLOSE;
			}
			if (code == 354 && !replies_fit(d)) {
				conn_drop();
				return T_CLOSE;
			}
			if (code == 354)
				return send_message(d, orig_state);
			if (mail_ok && nacc > 0)
				reply_rest(d, &last);
			break;
		}
		if (code == 421) {
			/* the server is closing: the rest get its word */
			reply_rest(d, &last);
			conn_drop();
			return T_CLOSE;
		}
	}
	return T_KEEP;
}

/*
 * rj_deliver - deliver one request: every recipient gets its final
 * reply in d->reply, or d->aborted is set (qmgr left before the dot).
 */
void
rj_deliver(struct rj_delivery *d)
{
	int attempt, reused, t = T_CLOSE, k;
	char orig_state = d->env->state;

	if (inbuf == NULL) {
		inbuf = xmalloc(BODY_CHUNK);
		outbuf = xmalloc(DOTSTUFF_MAX(BODY_CHUNK));
	}
	d->aborted = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		for (k = 0; k < d->nrcpt; k++)
			buf_reset(&d->reply[k]);
		reused = conn_reusable();
		if (!reused && conn_open(d) < 0)
			return;
		t = transaction(d, reused, orig_state);
		if (t != T_RETRY)
			break;
		log_info("%s: cached connection to %s is dead, reconnecting",
		    d->env->id, rj_nexthop.text);
		conn_drop();
	}
	if (t == T_ABORT)
		return;
	if (t == T_KEEP && conn.fd >= 0) {
		conn.used = mono();
		conn.txns++;
		if (cf->smtp_connection_cache_time_limit <= 0)
			conn_quit();
	}
	/* our own invariant: nobody leaves without an answer */
	for (k = 0; k < d->nrcpt; k++)
		if (!has_reply(d, k)) {
			log_error("%s: %s: no reply for recipient %d",
			    d->env->id, __func__, k);
			fail_rest(d, "451 4.3.0 Error: internal error in "
			    "reinject");
			conn_drop();
			break;
		}
}

/* rj_shutdown - say goodbye to the cached connection, if any */
void
rj_shutdown(void)
{
	conn_quit();
}
