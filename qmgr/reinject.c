/*
 * reinject.c - the reinject service: delivers queue files that qmgr
 * hands over to the next hop (forward_method) over SMTP or LMTP.
 *
 * Exports main() only.  Runs on the skeleton (SKEL_SINGLE): one qmgr
 * connection at a time on private/reinject, one or more requests each
 * (ipc_proto.h):
 *   request=deliver id=ID rcpts=N,N,... + fd
 *     -> status=ok mta=NEXTHOP reply_N=SMTP-REPLY for each N, or for
 *        a request of more than RJ_MAX_LISTED recipients: reply=the
 *        most common reply, reply_N only where it differs
 *     -> status=fail reason=TEXT when the request itself is bad
 *     -> nothing, when qmgr went away before the final dot
 * The SMTP/LMTP client is reinject_smtp.c.
 *
 * Inputs: requests from qmgr (a peer: decoded strictly); the queue
 * file (written by smtpd-in, which faces hostile clients, so every
 * string that goes into an SMTP command is checked for control bytes
 * and the offsets against the file's size); next-hop replies (in
 * reinject_smtp.c).  Runs unprivileged, as mail_owner; needs no file
 * system access of its own.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "ipc.h"
#include "log.h"
#include "mem.h"
#include "nexthop.h"
#include "queue.h"
#include "reinject.h"
#include "skel.h"

struct nexthop rj_nexthop;

/* Per-recipient arrays, grown to the largest request seen. */
static struct buf *replies;
static int *rcpt_idx, *order;
static size_t nmax, norder;

/* grow - room for n recipients in the per-recipient arrays */
static void
grow(size_t n)
{
	if (n <= nmax)
		return;
	replies = xreallocarray(replies, n, sizeof(*replies));
	rcpt_idx = xreallocarray(rcpt_idx, n, sizeof(*rcpt_idx));
	for (; nmax < n; nmax++)
		buf_init(&replies[nmax]);
}

/* cmp_reply - qsort_r: order recipient positions by their reply text */
static int
cmp_reply(const void *a, const void *b, void *arg)
{
	const struct buf *r = arg;

	return strcmp(buf_str(&r[*(const int *)a]),
	    buf_str(&r[*(const int *)b]));
}

/*
 * rj_common_reply - the position of a reply that the most recipients
 * of r[0..n) share (empty ones count as one more text); how many share
 * it in *count.
 */
int
rj_common_reply(const struct buf *r, int n, int *count)
{
	int i, run = 0, best = 0, best_run = 0;

	if ((size_t)n > norder) {
		norder = (size_t)n;
		order = xreallocarray(order, norder, sizeof(*order));
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, (size_t)n, sizeof(*order), cmp_reply, (void *)r);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(buf_str(&r[order[i]]),
		    buf_str(&r[order[i - 1]])) == 0)
			run++;
		else
			run = 1;
		if (run > best_run) {
			best_run = run;
			best = order[i];
		}
	}
	*count = best_run;
	return best;
}

/* post_jail - check forward_method and smtp_helo_name once */
static void
post_jail(void)
{
	struct buf err = BUF_INIT;
	const char *p;

	if (nexthop_parse(cf->forward_method, &rj_nexthop, &err) < 0)
		log_fatal("parameter forward_method: bad value \"%s\": %s",
		    cf->forward_method, buf_str(&err));
	buf_free(&err);
	if (cf->smtp_helo_name[0] == '\0')
		log_fatal("parameter smtp_helo_name: empty value");
	for (p = cf->smtp_helo_name; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			log_fatal("parameter smtp_helo_name: bad value \"%s\"",
			    cf->smtp_helo_name);
}

/* clean - is s free of bytes that could break an SMTP command line? */
static int
clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * parse_rcpts - "0,2,3" into rcpt_idx: decimal indexes of the
 * envelope, no duplicates.  The count, or -1 with the reason in err.
 */
static int
parse_rcpts(const char *s, const struct queue_env *e, struct buf *err)
{
	char *seen;
	long v;
	int n = 0;

	if (s == NULL || *s == '\0') {
		buf_adds(err, "no recipients");
		return -1;
	}
	grow((size_t)e->nrcpt);
	seen = xcalloc((size_t)e->nrcpt, 1);
	for (;;) {
		if (!isdigit((unsigned char)*s)) {
			buf_adds(err, "malformed rcpts");
			goto fail;
		}
		for (v = 0; isdigit((unsigned char)*s); s++) {
			v = v * 10 + (*s - '0');
			if (v >= e->nrcpt)
				break;
		}
		if (v >= e->nrcpt) {
			buf_adds(err, "no such recipient");
			goto fail;
		}
		if (seen[v]) {
			buf_adds(err, "recipient given twice");
			goto fail;
		}
		seen[v] = 1;
		rcpt_idx[n++] = (int)v;
		if (*s == '\0')
			break;
		if (*s++ != ',') {
			buf_adds(err, "malformed rcpts");
			goto fail;
		}
	}
	xfree(seen);
	return n;
fail:
	xfree(seen);
	return -1;
}

/*
 * check_file - do the envelope's offsets lie inside the file, and is
 * every string we will put into a command clean?  -1 with err if not.
 */
static int
check_file(int qfd, const struct queue_env *e, const int *idx, int n,
    struct buf *err)
{
	struct stat st;
	int k;

	if (fstat(qfd, &st) < 0) {
		buf_addf(err, "cannot stat queue file: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_adds(err, "not a regular file");
		return -1;
	}
	if (e->state == QUEUE_RECEIVING) {
		buf_adds(err, "queue file is incomplete");
		return -1;
	}
	if (e->msg_len > st.st_size || e->msg_off > st.st_size - e->msg_len ||
	    e->extra_len > st.st_size ||
	    e->extra_off > st.st_size - e->extra_len) {
		buf_adds(err, "queue file is shorter than its header says");
		return -1;
	}
	if (!clean(e->sender) || !clean(e->mail_params)) {
		buf_adds(err, "bad sender in queue file");
		return -1;
	}
	for (k = 0; k < n; k++)
		if (!clean(e->rcpt[idx[k]].addr) ||
		    !clean(e->rcpt[idx[k]].params)) {
			buf_adds(err, "bad recipient in queue file");
			return -1;
		}
	return 0;
}

/* log_rcpt - the Postfix-style delivery line of one recipient */
static void
log_rcpt(const struct queue_env *e, const char *addr, const struct buf *r)
{
	struct timeval now;
	double delay;
	const char *status;

	gettimeofday(&now, NULL);
	delay = (double)(now.tv_sec - e->arrival_sec) +
	    (double)(now.tv_usec - e->arrival_usec) / 1e6;
	if (delay < 0)
		delay = 0;
	switch (r->data[0]) {
	case '2':
		status = "sent";
		break;
	case '5':
		status = "bounced";
		break;
	default:
		status = "deferred";
	}
	log_info("%s: to=<%s>, relay=%s, delay=%.2f, status=%s (%s)", e->id,
	    addr, rj_nexthop.text, delay, status, buf_str(r));
}

/* reply_fail - answer the request with status=fail */
static void
reply_fail(int ipcfd, const char *id, const char *reason)
{
	struct ipc_msg rep;

	log_warn("%s: request refused: %s", id ? id : "?", reason);
	ipc_msg_init(&rep);
	ipc_add(&rep, "status", "fail");
	ipc_add(&rep, "reason", reason);
	if (ipc_send(ipcfd, &rep, -1) < 0)
		log_warn("%s: cannot answer the queue manager: %m", __func__);
	ipc_msg_free(&rep);
}

/*
 * answer - status=ok with the replies of the n recipients in one
 * packet (see reinject.h for the large form); -1 if it cannot be sent.
 */
static int
answer(int ipcfd, const char *id, int n)
{
	static struct ipc_msg rep;
	static struct buf text;
	static int rep_init;
	char name[32];
	int i, common = -1, shared, ntext = n;
	size_t max;

	if (!rep_init) {
		ipc_msg_init(&rep);
		rep_init = 1;
	}
	ipc_msg_reset(&rep);
	ipc_add(&rep, "status", "ok");
	ipc_add(&rep, "mta", rj_nexthop.text);
	if (n > RJ_MAX_LISTED) {
		common = rj_common_reply(replies, n, &shared);
		ntext = n - shared + 1;
		/* reinject_smtp.c checked this before the dot */
		if (ntext > RJ_MAX_LISTED + 1)
			log_panic("%s: %s: %d different replies", __func__, id,
			    ntext);
	}
	/* each reply text gets its share of the packet */
	max = (IPC_MAX_PACKET - 1024) / (size_t)ntext - 16;
	if (common >= 0) {
		buf_reset(&text);
		buf_add(&text, replies[common].data, replies[common].len);
		buf_trunc(&text, max);
		ipc_add(&rep, "reply", buf_str(&text));
	}
	for (i = 0; i < n; i++) {
		/* replies[common] itself is skipped here, never cut */
		if (common >= 0 && strcmp(buf_str(&replies[i]),
		    buf_str(&replies[common])) == 0)
			continue;
		buf_trunc(&replies[i], max);
		snprintf(name, sizeof(name), "reply_%d", rcpt_idx[i]);
		ipc_add(&rep, name, buf_str(&replies[i]));
	}
	return ipc_send(ipcfd, &rep, -1);
}

/*
 * record - write who got the message into the queue file, before
 * qmgr hears of it: "O " and a letter per recipient of the envelope
 * (D accepted, - not), after qmgr's header block, and state D when the
 * next hop accepted it for anyone.  If qmgr dies before it reads our
 * answer, the next qmgr finds the delivery here and does not let the
 * client's retry deliver it twice.
 */
static void
record(int qfd, const struct queue_env *e, int n)
{
	struct buf b = BUF_INIT;
	int i, any = 0;

	buf_adds(&b, "O ");
	for (i = 0; i < e->nrcpt; i++)
		buf_addc(&b, '-');
	for (i = 0; i < n; i++) {
		if (replies[i].len && buf_str(&replies[i])[0] == '2') {
			b.data[2 + rcpt_idx[i]] = 'D';
			any = 1;
		}
	}
	buf_addc(&b, '\n');
	if (any && (queue_pwrite(qfd, b.data, b.len, e->extra_off +
	    e->extra_len) < 0 || queue_set_state(qfd, QUEUE_DELIVERED) < 0))
		log_warn("%s: cannot record the delivery in the queue file: %m",
		    e->id);
	buf_free(&b);
}

/*
 * handle - one request.  Returns 0 to read the next, -1 when the
 * connection to qmgr is done for (it left, or we must hang up).
 */
static int
handle(int ipcfd, struct ipc_msg *req)
{
	struct queue_env env;
	struct rj_delivery d;
	struct buf err = BUF_INIT;
	const char *rq, *id;
	int qfd, i, n, rc = 0;

	queue_env_init(&env);
	qfd = ipc_take_fd(req);
	rq = ipc_get(req, "request");
	id = ipc_get(req, "id");
	for (i = 0; i < req->nattr; i++)
		if (strcmp(req->name[i], "request") != 0 &&
		    strcmp(req->name[i], "id") != 0 &&
		    strcmp(req->name[i], "rcpts") != 0) {
			buf_addf(&err, "unexpected attribute %s",
			    req->name[i]);
			goto fail;
		}
	if (rq == NULL || strcmp(rq, "deliver") != 0) {
		buf_addf(&err, "unknown request %s", rq ? rq : "(none)");
		goto fail;
	}
	if (id == NULL || !queue_valid_id(id)) {
		buf_adds(&err, "missing or malformed id");
		id = NULL;
		goto fail;
	}
	if (qfd < 0) {
		buf_adds(&err, "no queue file");
		goto fail;
	}
	if (queue_read_envelope(qfd, &env, &err) < 0)
		goto fail;
	if (strcmp(env.id, id) != 0) {
		buf_addf(&err, "queue file is %s, not %s", env.id, id);
		goto fail;
	}
	if ((n = parse_rcpts(ipc_get(req, "rcpts"), &env, &err)) < 0)
		goto fail;
	if (check_file(qfd, &env, rcpt_idx, n, &err) < 0)
		goto fail;
	/*
	 * qmgr's block replaces the message's first skip_len bytes (it
	 * edited the header): from here on "the message" starts after them
	 */
	env.msg_off += env.skip_len;
	env.msg_len -= env.skip_len;
	if (rj_nexthop.lmtp && n > RJ_MAX_LISTED) {
		buf_addf(&err, "more than %d recipients in one LMTP request",
		    RJ_MAX_LISTED);
		goto fail;
	}

	memset(&d, 0, sizeof(d));
	d.env = &env;
	d.qfd = qfd;
	d.ipcfd = ipcfd;
	d.nrcpt = n;
	d.rcpt = rcpt_idx;
	d.reply = replies;
	rj_deliver(&d);
	if (d.aborted) {
		log_info("%s: delivery aborted: queue manager went away", id);
		rc = -1;
		goto done;
	}
	record(qfd, &env, n);
	for (i = 0; i < n; i++)
		log_rcpt(&env, env.rcpt[rcpt_idx[i]].addr, &replies[i]);
	if (answer(ipcfd, id, n) < 0) {
		log_warn("%s: cannot answer the queue manager: %m", id);
		rc = -1;
	}
	goto done;
fail:
	reply_fail(ipcfd, id, buf_str(&err));
done:
	if (qfd >= 0)
		close(qfd);
	queue_env_free(&env);
	buf_free(&err);
	return rc;
}

/* on_client - serve one qmgr connection until it closes */
static void
on_client(int ipcfd)
{
	static struct ipc_msg req;
	static int req_init;
	int n;

	if (!req_init) {
		ipc_msg_init(&req);
		req_init = 1;
	}
	for (;;) {
		n = ipc_recv(ipcfd, &req, (int)cf->ipc_timeout * 1000);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == ETIMEDOUT)
				log_warn("%s: queue manager silent for %llds",
				    __func__, cf->ipc_timeout);
			else
				log_warn("%s: bad request: %m", __func__);
			break;
		}
		if (handle(ipcfd, &req) < 0)
			break;
		/* qmgr keeps us: let go when a reload wants new processes */
		if (!skel_alive())
			break;
	}
	ipc_msg_reset(&req);
}

int
main(int argc, char **argv)
{
	static const struct skel_service svc = {
		"reinject", SKEL_SINGLE, NULL, post_jail, on_client,
		NULL, NULL, NULL,
	};
	int rc;

	rc = skel_main(argc, argv, &svc);
	rj_shutdown();
	return rc;
}
