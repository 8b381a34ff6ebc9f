/*
 * smtpd_data.c - DATA for smtpd-in: queue file, message, commit.
 *
 * Asks qmgr for a new queue file (its fd comes over private/qmgr),
 * writes the envelope, reads the message with dotreader (the hot path:
 * whole network chunks in, 64 KB pwrite batches out at our own offset,
 * since the file offset is shared with qmgr), then has qmgr commit it
 * and answers the client with qmgr's verdict: one reply in SMTP, one
 * per accepted recipient in LMTP.  Closing the qmgr connection without
 * a commit discards the file.  Exports smtpd_data.
 *
 * Inputs: message bytes from the client (hostile) and qmgr's replies
 * (a peer: checked, never assumed well-formed).  Runs unprivileged and
 * never opens a queue path itself.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "config.h"
#include "dotreader.h"
#include "ipc.h"
#include "ipc_proto.h"
#include "log.h"
#include "mem.h"
#include "sock.h"
#include "smtp.h"
#include "smtpd.h"

#define BATCH		(64 * 1024)	/* bytes per pwrite */
#define REPLY_MAX	512		/* longest reply line we relay */
#define COMMIT_SLACK	30		/* seconds beyond filter_timeout */

enum { MSG_OK, MSG_TOO_BIG, MSG_WRITE_ERR, MSG_BARE_LF, MSG_IO };

/* The connection to qmgr for one message. */
struct qconn {
	int	sock;		/* private/qmgr, -1 when closed */
	int	fd;		/* the queue file, -1 when closed */
	int	reusable;	/* "done" went out: the next message may use it */
};

/*
 * The qmgr connection outlives a message: after "done" it waits here
 * for the next one, which saves a connect and an accept per message.
 * A connection dropped in the middle of a message tells qmgr to throw
 * the file away, so that one is never kept.
 */
static int qmgr_idle = -1;

/* Where the decoded message goes. */
struct sink {
	int		fd;
	off_t		off;		/* file offset of the next byte */
	long long	len;		/* message bytes so far */
	uint64_t	hash;
	int		too_big;	/* > message_size_limit: not stored */
	int		write_err;	/* errno of a failed write, or 0 */
	struct buf	out;		/* decoded, not yet written */
};

/* qmgr_close - hang up on qmgr; without a commit the file is dropped */
static void
qmgr_close(struct qconn *q)
{
	if (q->fd >= 0)
		close(q->fd);
	if (q->sock >= 0 && q->reusable && qmgr_idle < 0)
		qmgr_idle = q->sock;
	else if (q->sock >= 0)
		close(q->sock);
	q->fd = q->sock = -1;
	q->reusable = 0;
}

/* new_reply - check qmgr's answer to request=new; the id, or NULL */
static const char *
new_reply(const struct ipc_msg *rep)
{
	const char *st = ipc_get(rep, "status"), *id = ipc_get(rep, "id");
	const char *why = ipc_get(rep, "reason");

	if (st == NULL || strcmp(st, "ok") != 0) {
		log_warn("%s: qmgr refused a queue file: %s", __func__,
		    why ? why : "no reason given");
		return NULL;
	}
	if (id == NULL || !queue_valid_id(id) || rep->fd < 0) {
		log_warn("%s: malformed reply from qmgr", __func__);
		return NULL;
	}
	return id;
}

/* qmgr_open - a new queue file from qmgr, id into env; -1 (logged) */
static int
qmgr_open(struct smtpd_session *s, struct qconn *q)
{
	struct ipc_msg req, rep;
	struct buf path = BUF_INIT;
	int ms = (int)cf->ipc_timeout * 1000, rc = -1;
	const char *id;

	q->sock = q->fd = -1;
	q->reusable = 0;
	ipc_msg_init(&req);
	ipc_msg_init(&rep);
	ipc_add(&req, "request", "new");
	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_QMGR_SOCKET);
	/* an idle connection may have died with its qmgr: then reconnect */
	if (qmgr_idle >= 0 && ipc_call(qmgr_idle, &req, -1, &rep, ms) == 0) {
		q->sock = qmgr_idle;
		qmgr_idle = -1;
	} else {
		if (qmgr_idle >= 0)
			close(qmgr_idle);
		qmgr_idle = -1;
		q->sock = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET,
		    ms);
		if (q->sock < 0) {
			log_warn("%s: connect to %s: %m", __func__,
			    buf_str(&path));
			goto out;
		}
		if (ipc_call(q->sock, &req, -1, &rep, ms) < 0) {
			log_warn("%s: request=new to qmgr: %m", __func__);
			goto out;
		}
	}
	if ((id = new_reply(&rep)) != NULL) {
		strlcpy(s->env.id, id, sizeof(s->env.id));
		q->fd = ipc_take_fd(&rep);
		rc = 0;
	}
out:
	ipc_msg_free(&req);
	ipc_msg_free(&rep);
	buf_free(&path);
	if (rc < 0)
		qmgr_close(q);
	return rc;
}

/* available - an XFORWARD value that says something */
static int
available(const char *v)
{
	return v != NULL && strcmp(v, "[UNAVAILABLE]") != 0;
}

/* log_client - "ID: client=NAME[ADDR]", with what XFORWARD told us */
static void
log_client(struct smtpd_session *s)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s: client=%s[%s]", s->env.id, s->name, s->addr);
	if (available(s->xf.ident))
		buf_addf(&b, ", orig_queue_id=%s", s->xf.ident);
	if (available(s->xf.addr))
		buf_addf(&b, ", orig_client=%s[%s]", available(s->xf.name) ?
		    s->xf.name : "unknown", s->xf.addr);
	log_info("%s", buf_str(&b));
	buf_free(&b);
}

/* dup_or_null - copy of s, or NULL */
static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* fill_env - the envelope fields the session knows, now the id is set */
static void
fill_env(struct smtpd_session *s)
{
	struct queue_env *e = &s->env;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	e->arrival_sec = tv.tv_sec;
	e->arrival_usec = tv.tv_usec;
	e->client_addr = xstrdup(s->addr);
	e->client_port = xstrdup(s->port);
	e->client_name = xstrdup(s->name);
	e->helo = dup_or_null(s->helo);
	e->proto = xstrdup(s->proto);
	e->xf.name = dup_or_null(s->xf.name);
	e->xf.addr = dup_or_null(s->xf.addr);
	e->xf.port = dup_or_null(s->xf.port);
	e->xf.proto = dup_or_null(s->xf.proto);
	e->xf.helo = dup_or_null(s->xf.helo);
	e->xf.ident = dup_or_null(s->xf.ident);
	e->xf.source = dup_or_null(s->xf.source);
}

/* sink_flush - hash and write the decoded batch, unless storing stopped */
static void
sink_flush(struct sink *k)
{
	k->len += (long long)k->out.len;
	if (k->len > cf->message_size_limit)
		k->too_big = 1;
	if (k->out.len > 0 && !k->too_big && !k->write_err) {
		k->hash = queue_hash(k->hash, k->out.data, k->out.len);
		if (queue_pwrite(k->fd, k->out.data, k->out.len, k->off) < 0)
			k->write_err = errno ? errno : EIO;
		k->off += (off_t)k->out.len;
	}
	buf_reset(&k->out);
}

/*
 * read_message - decode the message to the end marker into the sink.
 * Storing stops on a size or write problem, reading does not, so the
 * client gets its reply in step.
 */
static int
read_message(struct smtpd_session *s, struct sink *k, long long *dots)
{
	struct dotreader dr;
	const char *p;
	size_t n, used;
	int rc = DOTREADER_MORE;

	dotreader_init(&dr, !cf->smtpd_forbid_bare_newline);
	do {
		if ((n = netio_peek(&s->io, &p)) == 0) {
			if (netio_fill(&s->io) <= 0)
				return MSG_IO;
			continue;
		}
		rc = dotreader_feed(&dr, p, n, &used, &k->out);
		netio_consume(&s->io, used);
		if (rc == DOTREADER_BARE_LF)
			return MSG_BARE_LF;
		if (rc == DOTREADER_END || k->out.len >= BATCH)
			sink_flush(k);
	} while (rc != DOTREADER_END);
	*dots = dr.dot_lines;
	if (k->too_big)
		return MSG_TOO_BIG;
	return k->write_err ? MSG_WRITE_ERR : MSG_OK;
}

/* eom_reply - reply for recipient i after the message (all, in SMTP) */
static void
eom_reply(struct smtpd_session *s, int i, const char *reply)
{
	smtpd_reply_line(s, reply);
	if (s->last_code >= 400)
		smtpd_log_reject(s, s->lmtp ? s->env.rcpt[i].addr : NULL,
		    reply);
}

/* eom_reply_all - one reply for the message (per recipient in LMTP) */
static void
eom_reply_all(struct smtpd_session *s, const char *reply)
{
	int i, n = s->lmtp ? s->env.nrcpt : 1;

	for (i = 0; i < n; i++)
		eom_reply(s, i, reply);
}

/* valid_reply - one final SMTP reply line that we may pass on */
static int
valid_reply(const char *r)
{
	const char *p;

	if (r == NULL || strlen(r) > REPLY_MAX || smtp_reply_code(r) == 0 ||
	    r[0] == '3' || r[3] == '-')
		return 0;
	for (p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* rcpt_reply - qmgr's reply for recipient i (reply_i, else reply) */
static const char *
rcpt_reply(const struct ipc_msg *rep, int i)
{
	char name[32];
	const char *r;

	snprintf(name, sizeof(name), "reply_%d", i);
	r = ipc_get(rep, name);
	return r ? r : ipc_get(rep, "reply");
}

/* commit_reply - check qmgr's verdict; 0 if every reply is usable */
static int
commit_reply(struct smtpd_session *s, const struct ipc_msg *rep)
{
	const char *st = ipc_get(rep, "status"), *why = ipc_get(rep, "reason");
	int i;

	if (st == NULL || strcmp(st, "ok") != 0) {
		log_warn("%s: %s: qmgr: status=%s reason=%s", __func__,
		    s->env.id, st ? st : "(none)", why ? why : "(none)");
		return -1;
	}
	for (i = 0; i < (s->lmtp ? s->env.nrcpt : 1); i++) {
		if (!valid_reply(rcpt_reply(rep, i))) {
			log_warn("%s: %s: qmgr sent no usable reply%s",
			    __func__, s->env.id, s->lmtp ? " for a recipient" :
			    "");
			return -1;
		}
	}
	return 0;
}

/* send_done - tell qmgr the client has its answer (no reply comes) */
static void
send_done(struct qconn *q)
{
	struct ipc_msg m;

	ipc_msg_init(&m);
	ipc_add(&m, "request", "done");
	(void)ipc_send(q->sock, &m, -1);
	ipc_msg_free(&m);
}

/*
 * commit - hand the complete file to qmgr, wait for its verdict, give
 * it to the client and only then tell qmgr we are done.
 */
static void
commit(struct smtpd_session *s, struct qconn *q)
{
	struct ipc_msg req, rep;
	int ms = (int)(cf->filter_timeout + COMMIT_SLACK) * 1000, i;

	ipc_msg_init(&req);
	ipc_msg_init(&rep);
	ipc_add(&req, "request", "commit");
	if (ipc_call(q->sock, &req, -1, &rep, ms) < 0) {
		log_warn("%s: %s: request=commit to qmgr: %m", __func__,
		    s->env.id);
		eom_reply_all(s, "451 4.3.0 Error: queue manager failed, try "
		    "again later");
	} else if (commit_reply(s, &rep) < 0) {
		eom_reply_all(s, "451 4.3.0 Error: queue manager failed, try "
		    "again later");
	} else {
		for (i = 0; i < (s->lmtp ? s->env.nrcpt : 1); i++)
			eom_reply(s, i, rcpt_reply(&rep, i));
		if (netio_flush(&s->io) == 0) {
			send_done(q);
			q->reusable = 1;
		}
	}
	ipc_msg_free(&req);
	ipc_msg_free(&rep);
}

/* finish - complete the queue file, make it durable, commit it */
static void
finish(struct smtpd_session *s, struct qconn *q)
{
	struct queue_env *e = &s->env;

	if (queue_finish(q->fd, e) < 0 ||
	    (cf->queue_fsync && fdatasync(q->fd) < 0)) {
		log_warn("%s: %s: queue file write error: %m", __func__, e->id);
		eom_reply_all(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	log_info("%s: from=<%s>, size=%lld, nrcpt=%d", e->id, e->sender,
	    e->msg_len, e->nrcpt);
	commit(s, q);
}

/* receive - read the message into the queue file and answer for it */
static void
receive(struct smtpd_session *s, struct qconn *q)
{
	struct sink k = { q->fd, (off_t)s->env.msg_off, 0, s->env.hash, 0, 0,
	    BUF_INIT };
	int rc;

	rc = read_message(s, &k, &s->env.dot_lines);
	if (rc != MSG_IO && rc != MSG_BARE_LF)
		s->where = "END-OF-MESSAGE";
	if (rc == MSG_IO) {
		smtpd_io_end(s);
	} else if (rc == MSG_BARE_LF) {
		smtpd_bare_lf(s);
	} else if (rc == MSG_TOO_BIG) {
		eom_reply_all(s, "552 5.3.4 Error: message file too big");
	} else if (rc == MSG_WRITE_ERR) {
		log_warn("%s: %s: queue file write error: %s", __func__,
		    s->env.id, strerror(k.write_err));
		eom_reply_all(s, "451 4.3.0 Error: queue file write error");
	} else {
		s->env.msg_len = k.len;
		s->env.hash = k.hash;
		finish(s, q);
	}
	buf_free(&k.out);
}

/* transaction - envelope, 354, message, verdict: qmgr is connected */
static void
transaction(struct smtpd_session *s, struct qconn *q)
{
	log_client(s);
	fill_env(s);
	if (queue_write_envelope(q->fd, &s->env) < 0) {
		log_warn("%s: %s: queue file write error: %m", __func__,
		    s->env.id);
		smtpd_reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	smtpd_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (netio_flush(&s->io) < 0)
		smtpd_io_end(s);
	else
		receive(s, q);
}

/* smtpd_data - DATA: the message, then qmgr's verdict */
void
smtpd_data(struct smtpd_session *s, char *arg)
{
	struct qconn q;

	if (s->env.nrcpt == 0) {
		smtpd_reply(s, "%s", s->env.sender ?
		    "554 5.5.1 Error: no valid recipients" :
		    "503 5.5.1 Error: need RCPT command");
		return;
	}
	if (*arg) {
		smtpd_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (qmgr_open(s, &q) < 0) {
		smtpd_reply(s, "451 4.3.0 Error: queue manager unavailable, "
		    "try again later");
	} else {
		transaction(s, &q);
		qmgr_close(&q);
	}
	smtpd_reset(s);
}
