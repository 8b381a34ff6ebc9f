/*
 * smtpd.c - smtpd-in: the SMTP and LMTP server in front of qmgr.
 *
 * One client at a time per process (the skeleton's SKEL_SINGLE shape;
 * the master runs as many processes as master.cf allows).  This file
 * has main(), the session, the command loop (pipelining-aware
 * flushing, line limits, error limit, timeouts), HELO/EHLO/LHLO, RSET,
 * NOOP, VRFY, QUIT and the reply and log helpers.  Exports main and
 * the smtpd.c part of smtpd.h.
 *
 * Inputs: everything the client sends (hostile): lines of any length,
 * NULs, bare LF, pipelined garbage.  Runs unprivileged (mail_owner)
 * after the skeleton's privilege drop; the only thing it opens is the
 * qmgr socket (smtpd_data.c).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bsd/string.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "netio.h"
#include "skel.h"
#include "smtp.h"
#include "smtpd.h"
#include "sock.h"

/* a 421 after a timeout gets this long at most to go out */
#define LAST_WORD_MS	10000

typedef void	cmd_fn(struct smtpd_session *, char *);

static cmd_fn	cmd_helo, cmd_ehlo, cmd_lhlo, cmd_rset, cmd_noop, cmd_vrfy,
		cmd_quit;

static const struct {
	const char	*name;		/* as the client sends it */
	const char	*logname;	/* in the disconnect line */
	cmd_fn		*fn;
} cmds[SMTPD_NCMD] = {
	[SMTPD_HELO] = { "HELO", "helo", cmd_helo },
	[SMTPD_EHLO] = { "EHLO", "ehlo", cmd_ehlo },
	[SMTPD_LHLO] = { "LHLO", "lhlo", cmd_lhlo },
	[SMTPD_XFORWARD] = { "XFORWARD", "xforward", smtpd_xforward },
	[SMTPD_MAIL] = { "MAIL", "mail", smtpd_mail },
	[SMTPD_RCPT] = { "RCPT", "rcpt", smtpd_rcpt },
	[SMTPD_DATA] = { "DATA", "data", smtpd_data },
	[SMTPD_RSET] = { "RSET", "rset", cmd_rset },
	[SMTPD_NOOP] = { "NOOP", "noop", cmd_noop },
	[SMTPD_VRFY] = { "VRFY", "vrfy", cmd_vrfy },
	[SMTPD_QUIT] = { "QUIT", "quit", cmd_quit },
	[SMTPD_UNKNOWN] = { "UNKNOWN", "unknown", NULL },
};

/* smtpd_printable - at most max bytes of s, controls shown as '?' */
const char *
smtpd_printable(struct buf *b, const char *s, size_t max)
{
	size_t i;

	buf_reset(b);
	for (i = 0; s[i] && i < max; i++)
		buf_addc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i]);
	return buf_str(b);
}

/* smtpd_reply_line - queue one reply line as is (not counted as error) */
void
smtpd_reply_line(struct smtpd_session *s, const char *line)
{
	log_debug("> %s[%s]: %s", s->name, s->addr, line);
	netio_write(&s->io, line, strlen(line));
	netio_write(&s->io, "\r\n", 2);
	s->last_code = smtp_reply_code(line);
}

/* smtpd_reply - queue a reply to a command; 4xx and 5xx count as errors */
void
smtpd_reply(struct smtpd_session *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	smtpd_reply_line(s, buf_str(&b));
	if (s->last_code >= 400)
		s->errors++;
	buf_free(&b);
}

/* smtpd_reset - forget the transaction and the XFORWARD attributes */
void
smtpd_reset(struct smtpd_session *s)
{
	queue_env_free(&s->env);
	smtpd_xforward_reset(s);
}

/*
 * smtpd_log_reject - one Postfix-style "reject:" line for a refused
 * command or message; to may be NULL.
 */
void
smtpd_log_reject(struct smtpd_session *s, const char *to, const char *reply)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s: reject: %s from %s[%s]: %s;",
	    s->env.id[0] ? s->env.id : "NOQUEUE", s->where, s->name, s->addr,
	    reply);
	if (s->env.sender)
		buf_addf(&b, " from=<%s>", s->env.sender);
	if (to)
		buf_addf(&b, " to=<%s>", to);
	buf_addf(&b, " proto=%s helo=<%s>", s->proto, s->helo ? s->helo : "");
	log_info("%s", buf_str(&b));
	buf_free(&b);
}

/* smtpd_io_end - the client timed out or went away: say so and stop */
void
smtpd_io_end(struct smtpd_session *s)
{
	s->quit = 1;
	if (s->io.err != NETIO_TIMEOUT) {
		log_info("lost connection after %s from %s[%s]", s->where,
		    s->name, s->addr);
		return;
	}
	log_info("timeout after %s from %s[%s]", s->where, s->name, s->addr);
	/* the last word gets a short deadline of its own */
	if (s->io.timeout_ms > LAST_WORD_MS)
		s->io.timeout_ms = LAST_WORD_MS;
	smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded", cf->myhostname);
	netio_flush(&s->io);
}

/* smtpd_bare_lf - a bare LF while they are forbidden: 521 and stop */
void
smtpd_bare_lf(struct smtpd_session *s)
{
	log_info("bare <LF> received after %s from %s[%s]", s->where, s->name,
	    s->addr);
	smtpd_reply(s, "521 5.5.2 %s Error: bare <LF> received",
	    cf->myhostname);
	netio_flush(&s->io);
	s->quit = 1;
}

/* hello - common part of HELO, EHLO and LHLO; -1 if refused */
static int
hello(struct smtpd_session *s, const char *verb, char *arg,
    const char *proto)
{
	struct buf b = BUF_INIT;

	if (*arg == '\0') {
		smtpd_reply(s, "501 Syntax: %s hostname", verb);
		return -1;
	}
	smtpd_reset(s);
	xfree(s->helo);
	s->helo = xstrdup(smtpd_printable(&b, arg, strlen(arg)));
	buf_free(&b);
	s->proto = proto;
	s->lmtp = strcmp(proto, "LMTP") == 0;
	return 0;
}

/* ehlo_reply - the extensions we offer */
static void
ehlo_reply(struct smtpd_session *s)
{
	smtpd_reply(s, "250-%s", cf->myhostname);
	smtpd_reply(s, "250-PIPELINING");
	smtpd_reply(s, "250-SIZE %lld", cf->message_size_limit);
	smtpd_reply(s, "250-8BITMIME");
	smtpd_reply(s, "250-ENHANCEDSTATUSCODES");
	smtpd_reply(s, "250-DSN");
	if (s->xforward_ok)
		smtpd_reply(s,
		    "250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE");
	smtpd_reply(s, "250 SMTPUTF8");
}

/* cmd_helo - HELO: plain SMTP */
static void
cmd_helo(struct smtpd_session *s, char *arg)
{
	if (hello(s, "HELO", arg, "SMTP") == 0)
		smtpd_reply(s, "250 %s", cf->myhostname);
}

/* cmd_ehlo - EHLO: ESMTP */
static void
cmd_ehlo(struct smtpd_session *s, char *arg)
{
	if (hello(s, "EHLO", arg, "ESMTP") == 0)
		ehlo_reply(s);
}

/* cmd_lhlo - LHLO: LMTP, one reply per recipient after the message */
static void
cmd_lhlo(struct smtpd_session *s, char *arg)
{
	if (hello(s, "LHLO", arg, "LMTP") == 0)
		ehlo_reply(s);
}

/* cmd_rset - RSET: drop the transaction */
static void
cmd_rset(struct smtpd_session *s, char *arg)
{
	if (*arg) {
		smtpd_reply(s, "501 5.5.4 Syntax: RSET");
		return;
	}
	smtpd_reset(s);
	smtpd_reply(s, "250 2.0.0 Ok");
}

/* cmd_noop - NOOP */
static void
cmd_noop(struct smtpd_session *s, char *arg)
{
	smtpd_reply(s, "250 2.0.0 Ok");
}

/* cmd_vrfy - VRFY: a filter knows no mailboxes */
static void
cmd_vrfy(struct smtpd_session *s, char *arg)
{
	if (*arg == '\0')
		smtpd_reply(s, "501 5.5.4 Syntax: VRFY address");
	else
		smtpd_reply(s, "252 2.0.0 Cannot verify here; send the mail "
		    "and it will be tried");
}

/* cmd_quit - QUIT */
static void
cmd_quit(struct smtpd_session *s, char *arg)
{
	smtpd_reply(s, "221 2.0.0 Bye");
	s->quit = 1;
}

/* count - per-command statistics for the disconnect line */
static void
count(struct smtpd_session *s, int cmd, int ok)
{
	s->total[cmd]++;
	if (ok)
		s->ok[cmd]++;
}

/* bad_line - an empty line, a NUL or an over-long line */
static void
bad_line(struct smtpd_session *s, const char *reply)
{
	s->where = cmds[SMTPD_UNKNOWN].name;
	smtpd_reply(s, "%s", reply);
	count(s, SMTPD_UNKNOWN, 0);
}

/* command - split one command line and run it */
static void
command(struct smtpd_session *s)
{
	char *line = s->line.data, *arg;
	size_t n = s->line.len, vlen;
	int i;

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n == 0 || memchr(line, '\0', n) != NULL) {
		bad_line(s, "500 5.5.2 Error: bad syntax");
		return;
	}
	line[n] = '\0';
	log_debug("< %s[%s]: %s", s->name, s->addr, line);
	vlen = strcspn(line, " \t");
	for (arg = line + vlen; *arg == ' ' || *arg == '\t'; arg++)
		;
	for (i = 0; i < SMTPD_UNKNOWN; i++)
		if (strlen(cmds[i].name) == vlen &&
		    strncasecmp(line, cmds[i].name, vlen) == 0)
			break;
	s->where = cmds[i].name;
	if (i == SMTPD_UNKNOWN)
		smtpd_reply(s, "502 5.5.2 Error: command not recognized");
	else
		cmds[i].fn(s, arg);
	count(s, i, s->last_code < 400);
}

/* line_waiting - is a whole command line already buffered? */
static int
line_waiting(struct smtpd_session *s)
{
	const char *p;
	size_t n = netio_peek(&s->io, &p);

	return n > 0 && memchr(p, '\n', n) != NULL;
}

/* too_many_errors - the hard error limit was reached */
static void
too_many_errors(struct smtpd_session *s)
{
	log_info("too many errors after %s from %s[%s]", s->where, s->name,
	    s->addr);
	smtpd_reply(s, "421 4.7.0 %s Error: too many errors", cf->myhostname);
	s->quit = 1;
}

/*
 * session_loop - read and run commands until QUIT, an error that ends
 * the session, or the client goes.  Replies are flushed only when no
 * further command is buffered (PIPELINING), i.e. before we would wait.
 */
static void
session_loop(struct smtpd_session *s)
{
	size_t max = (size_t)cf->smtpd_command_length_limit;
	int rc, toolong;

	while (!s->quit) {
		if (s->errors >= cf->smtpd_hard_error_limit) {
			too_many_errors(s);
			break;
		}
		if (!line_waiting(s) && netio_flush(&s->io) < 0) {
			smtpd_io_end(s);
			break;
		}
		/* + 1: netio_getline counts the CR */
		rc = netio_getline(&s->io, &s->line, max + 1, &toolong);
		if (rc == 0)
			smtpd_io_end(s);
		else if (rc == 2 && cf->smtpd_forbid_bare_newline)
			smtpd_bare_lf(s);
		else if (toolong || s->line.len > max)
			bad_line(s, "500 5.5.2 Error: line too long");
		else
			command(s);
	}
}

/* log_disconnect - the Postfix-style summary line */
static void
log_disconnect(struct smtpd_session *s)
{
	struct buf b = BUF_INIT;
	int i, ok = 0, total = 0;

	for (i = 0; i < SMTPD_NCMD; i++) {
		if (s->total[i] == 0)
			continue;
		buf_addf(&b, " %s=%d", cmds[i].logname, s->ok[i]);
		if (s->ok[i] != s->total[i])
			buf_addf(&b, "/%d", s->total[i]);
		ok += s->ok[i];
		total += s->total[i];
	}
	buf_addf(&b, " commands=%d", ok);
	if (ok != total)
		buf_addf(&b, "/%d", total);
	log_info("disconnect from %s[%s]%s", s->name, s->addr, buf_str(&b));
	buf_free(&b);
}

/* session_init - a new session on fd; no DNS lookups yet */
static void
session_init(struct smtpd_session *s, int fd)
{
	memset(s, 0, sizeof(*s));
	netio_init(&s->io, fd, (int)cf->read_timeout * 1000);
	buf_init(&s->line);
	queue_env_init(&s->env);
	if (sock_peer_addr(fd, s->addr, sizeof(s->addr), s->port,
	    sizeof(s->port)) < 0) {
		strlcpy(s->addr, "unknown", sizeof(s->addr));
		strlcpy(s->port, "0", sizeof(s->port));
	}
	s->name = smtp_netlist_match("127.0.0.0/8 ::1", s->addr) ?
	    "localhost" : "unknown";
	s->xforward_ok = smtp_netlist_match(cf->smtpd_authorized_xforward_hosts,
	    s->addr);
	s->proto = "SMTP";
	s->where = "CONNECT";
}

/* session_free - release everything the session holds */
static void
session_free(struct smtpd_session *s)
{
	smtpd_restrict_end(s);
	smtpd_reset(s);
	xfree(s->helo);
	buf_free(&s->line);
	netio_free(&s->io);
}

/* on_client - one whole SMTP/LMTP session on an accepted socket */
static void
on_client(int fd)
{
	struct smtpd_session s;

	session_init(&s, fd);
	log_info("connect from %s[%s]", s.name, s.addr);
	/* the DNS lists are asked now, answered while the client talks */
	smtpd_restrict_start(&s);
	smtpd_reply(&s, "220 %s", cf->smtpd_banner);
	session_loop(&s);
	netio_flush(&s.io);
	log_disconnect(&s);
	session_free(&s);
}

/* main - declare the service and hand over to the skeleton */
int
main(int argc, char **argv)
{
	static const struct skel_service svc = {
		.name = "smtpd-in",
		.shape = SKEL_SINGLE,
		.on_client = on_client,
	};

	return skel_main(argc, argv, &svc);
}
