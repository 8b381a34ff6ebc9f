/*
 * job.c - one message through qmgr, from "new" to "done".
 *
 *   request=new	create incoming/ID (locked), hand its fd to smtpd-in
 *   request=commit	check the file, rename it to active/, fsync the
 *			directory (batched), run the pipeline stages,
 *			prepend the Received: line, have reinject deliver,
 *			answer smtpd-in with the reply for its client
 *   request=done	the client has its reply: remove the file
 *
 * Nothing is removed before its outcome is final.  A delivery whose
 * client may not have seen the 250 is remembered (dedup.c) so that the
 * client's retry is not delivered again.
 *
 * Inputs: requests and queue files from smtpd-in (an unprivileged peer
 * facing hostile clients: parsed strictly), replies from reinject.
 * Runs unprivileged in qmgr's event loop: nothing here may block.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ipc_proto.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "smtp.h"
#include "skel.h"
#include "sock.h"

struct job *jobs;
static struct job *syncq;		/* committed, waiting for dirsync */

/*
 * The pipeline: each stage starts asynchronously and calls
 * job_next_stage() when its verdict is in.  The scanner and scorer
 * plug in here; with no stage, mail passes straight to delivery.
 */
struct stage {
	const char	*name;
	void		(*start)(struct job *);
};
static const struct stage stages[] = {
	{ "scan", scan_start },		/* scan.c: viruses, banned parts */
	{ "score", score_start },	/* score.c: spam score */
	{ NULL, NULL },
};

static void job_next_stage(struct job *);
static void job_deliver(struct job *);
static void job_reply(struct job *);
static void job_maybe_free(struct job *);

/*
 * job_count - jobs in flight, including those waiting for the fsync of
 * active/ (a draining qmgr must not exit under them)
 */
int
job_count(void)
{
	struct job *j;
	int n = 0;

	for (j = jobs; j; j = j->next)
		n++;
	for (j = syncq; j; j = j->next)
		n++;
	return n;
}

/* send_fail - status=fail with a reason, to the client */
static void
send_fail(int fd, const char *reason)
{
	struct ipc_msg m;

	ipc_msg_init(&m);
	ipc_add(&m, "status", "fail");
	ipc_add(&m, "reason", reason);
	(void)ipc_send(fd, &m, -1);
	ipc_msg_free(&m);
}

/* job_free - unlink from the list, close what is open, release */
void
job_free(struct job *j)
{
	struct job **pp;
	int i;

	for (pp = &jobs; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
	for (pp = &syncq; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
	event_timer_cancel(j->deadline);
	scan_forget(j);
	score_forget(j);
	if (j->ctl_fd >= 0) {
		event_del(j->ctl_fd);
		close(j->ctl_fd);
	}
	xfree(j->verdict_name);
	xfree(j->verdict_why);
	xfree(j->pol);
	if (j->dsn)
		j->dsn->parent = NULL;	/* it will find nobody to tell */
	if (j->parent)
		j->parent->dsn = NULL;
	if (j->client_fd >= 0) {
		event_del(j->client_fd);
		close(j->client_fd);
	}
	if (j->rj_fd >= 0)
		rjpool_drop(j->rj_fd);	/* mid-delivery: it cannot be reused */
	rjpool_forget(j);
	if (j->tk_fd >= 0) {
		event_del(j->tk_fd);
		close(j->tk_fd);
	}
	event_timer_cancel(j->tk_timer);
	xfree(j->tk_rcpt);
	buf_free(&j->tk_buf);
	if (j->queue_fd >= 0)
		close(j->queue_fd);
	for (i = 0; j->reply && i < j->env.nrcpt; i++)
		xfree(j->reply[i]);
	xfree(j->reply);
	xfree(j->delivered);
	xfree(j->suppressed);
	xfree(j->bounced);
	xfree(j->dup_of);
	buf_free(&j->extra);
	queue_env_free(&j->env);
	xfree(j);
}

/* remove_file - unlink the job's queue file */
static void
remove_file(struct job *j)
{
	struct buf path = BUF_INIT;

	if (strcmp(j->dir, "corrupt") == 0)
		return;		/* kept for the postmaster */
	qmgr_path(&path, j->dir, j->id);
	if (unlink(buf_str(&path)) < 0 && errno != ENOENT)
		log_warn("%s: unlink %s: %m", j->id, buf_str(&path));
	buf_free(&path);
}

/* job_new - request=new: create a queue file, hand over its fd */
void
job_new(int client_fd)
{
	struct job *j = xcalloc(1, sizeof(*j));
	struct buf path = BUF_INIT;
	struct ipc_msg m;

	j->client_fd = client_fd;
	j->rj_fd = -1;
	j->tk_fd = -1;
	j->ctl_fd = -1;
	queue_env_init(&j->env);
	snprintf(j->dir, sizeof(j->dir), "incoming");
	queue_new_id(j->id, sizeof(j->id));
	qmgr_path(&path, "incoming", j->id);
	j->queue_fd = open(buf_str(&path), O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600);
	if (j->queue_fd < 0 || flock(j->queue_fd, LOCK_EX | LOCK_NB) < 0) {
		log_warn("cannot create queue file %s: %m", buf_str(&path));
		send_fail(client_fd, "cannot create queue file");
		buf_free(&path);
		j->next = NULL;
		job_free(j);
		return;
	}
	buf_free(&path);
	j->next = jobs;
	jobs = j;
	j->state = JOB_RECEIVING;
	ipc_msg_init(&m);
	ipc_add(&m, "status", "ok");
	ipc_add(&m, "id", j->id);
	if (ipc_send(client_fd, &m, j->queue_fd) < 0) {
		log_warn("%s: cannot pass the queue file: %m", j->id);
		remove_file(j);
		job_free(j);
	} else {
		event_set(client_fd, EV_READ, job_client_ready, j);
	}
	ipc_msg_free(&m);
}

/* deadline_expired - filter_timeout passed: answer 451 now */
static void
deadline_expired(void *ctx)
{
	struct job *j = ctx;
	struct ipc_msg m;
	int i;

	j->deadline = NULL;
	j->timed_out = 1;
	log_warn("%s: no outcome after %llds (filter_timeout)", j->id,
	    cf->filter_timeout);
	if (j->rj_fd >= 0 && !j->rj_aborted) {
		ipc_msg_init(&m);
		ipc_add(&m, "request", "abort");
		(void)ipc_send(j->rj_fd, &m, -1);
		ipc_msg_free(&m);
		j->rj_aborted = 1;
	}
	for (i = 0; i < j->env.nrcpt; i++) {
		if (j->reply[i] == NULL)
			j->reply[i] = xstrdup("451 4.4.7 Error: processing "
			    "timed out");
	}
	job_reply(j);
}

/* job_arm - per-recipient state and the deadline of a committed job */
static void
job_arm(struct job *j)
{
	size_t n = (size_t)j->env.nrcpt;

	j->reply = xcalloc(n, sizeof(char *));
	j->delivered = xcalloc(n, sizeof(int));
	j->suppressed = xcalloc(n, sizeof(int));
	j->bounced = xcalloc(n, sizeof(int));
	j->pol = xcalloc(n, sizeof(int));
	j->committed_ms = event_now_ms();
	j->state = JOB_PIPELINE;
	j->deadline = event_timer(cf->filter_timeout * 1000L,
	    deadline_expired, j);
}

/* job_start_internal - deliver a message qmgr made itself (a DSN) */
void
job_start_internal(struct job *j)
{
	job_arm(j);
	j->next = jobs;
	jobs = j;
	job_deliver(j);
}

/* job_discard - drop an internal job that could not start */
void
job_discard(struct job *j)
{
	remove_file(j);
	j->parent = NULL;
	job_free(j);
}

/* commit_check - validate what smtpd-in wrote; -1 with why */
static int
commit_check(struct job *j, struct buf *why)
{
	struct stat st;

	if (queue_read_envelope(j->queue_fd, &j->env, why) < 0)
		return -1;
	if (strcmp(j->env.id, j->id) != 0) {
		buf_adds(why, "queue id mismatch");
		return -1;
	}
	if (j->env.state != QUEUE_RECEIVED) {
		buf_addf(why, "state %c, not complete", j->env.state);
		return -1;
	}
	if (fstat(j->queue_fd, &st) < 0 ||
	    st.st_size < j->env.msg_off + j->env.msg_len) {
		buf_adds(why, "queue file shorter than its message");
		return -1;
	}
	return 0;
}

/* job_synced - active/ is synced up to ticket done: go on */
void
job_synced(unsigned long done)
{
	struct job **pp, *j, *ready = NULL;

	for (pp = &syncq; (j = *pp) != NULL;) {
		if (j->sync_ticket <= done) {
			*pp = j->next;
			j->next = ready;
			ready = j;
		} else {
			pp = &j->next;
		}
	}
	while ((j = ready) != NULL) {
		ready = j->next;
		j->next = jobs;
		jobs = j;
		job_next_stage(j);
	}
}

/* job_commit - request=commit: the message is complete */
static void
job_commit(struct job *j)
{
	struct buf why = BUF_INIT, from = BUF_INIT, to = BUF_INIT;
	struct job **pp;
	int n;

	if (commit_check(j, &why) < 0) {
		log_error("%s: bad queue file from smtpd-in: %s; moved to "
		    "corrupt/", j->id, buf_str(&why));
		qmgr_path(&from, "incoming", j->id);
		qmgr_path(&to, "corrupt", j->id);
		if (rename(buf_str(&from), buf_str(&to)) < 0)
			log_warn("%s: rename to corrupt: %m", j->id);
		snprintf(j->dir, sizeof(j->dir), "corrupt");
		queue_env_free(&j->env);
		send_fail(j->client_fd, "bad queue file");
		j->state = JOB_REPLIED;
		goto out;
	}
	qmgr_path(&from, "incoming", j->id);
	qmgr_path(&to, "active", j->id);
	if (rename(buf_str(&from), buf_str(&to)) < 0) {
		log_warn("%s: rename to active: %m", j->id);
		send_fail(j->client_fd, "queue rename failed");
		remove_file(j);
		j->state = JOB_REPLIED;
		goto out;
	}
	snprintf(j->dir, sizeof(j->dir), "active");
	n = j->env.nrcpt;
	job_arm(j);
	log_info("%s: from=<%s>, size=%lld, nrcpt=%d", j->id, j->env.sender,
	    j->env.msg_len, n);
	qmgr_stat_count("received");
	if (!cf->queue_fsync) {
		job_next_stage(j);
		goto out;
	}
	/* move to the sync queue; one fsync serves all commits of a round */
	for (pp = &jobs; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
	j->next = syncq;
	syncq = j;
	j->sync_ticket = dirsync_request();
out:
	buf_free(&why);
	buf_free(&from);
	buf_free(&to);
}

/* job_next_stage - run the next pipeline stage, or deliver */
static void
job_next_stage(struct job *j)
{
	int i, all;

	if (j->stage == 0) {
		/* a retry of a message that was delivered already? */
		qmgr_recover_pending();
		if (dedup_lookup(j) > 0) {
			for (all = 1, i = 0; i < j->env.nrcpt; i++)
				all &= j->suppressed[i];
			log_info("%s: %s of an earlier delivery (%s)", j->id,
			    all ? "duplicate" : "partial duplicate",
			    j->dup_of);
			qmgr_stat_count("duplicates");
			if (all) {
				job_reply(j);
				return;
			}
		}
	}
	while (stages[j->stage].start) {
		j->stage++;
		stages[j->stage - 1].start(j);
		return;
	}
	if (policy_apply(j) <= 0) {
		job_reply(j);		/* nobody left to deliver to */
		return;
	}
	job_deliver(j);
}

/* job_stage_done - a stage has its verdict: go on */
void
job_stage_done(struct job *j)
{
	if (j->state != JOB_PIPELINE)
		return;		/* timed out or abandoned meanwhile */
	job_next_stage(j);
}

/* job_rj_done - the outcome is in: answer the client (or just remember) */
void
job_rj_done(struct job *j, int any)
{
	if (j->tk_fd >= 0) {
		event_del(j->tk_fd);
		close(j->tk_fd);
		j->tk_fd = -1;
	}
	event_timer_cancel(j->tk_timer);
	j->tk_timer = NULL;
	if (j->timed_out) {
		/* the client already has its 451: only remember */
		if (any && !j->internal)
			dedup_record(j);
		job_maybe_free(j);
		return;
	}
	job_reply(j);
}

/* rj_ready - reinject answered (or went away) */
static void
rj_ready(int fd, int events, void *ctx)
{
	struct job *j = ctx;
	struct ipc_msg m;
	struct buf name = BUF_INIT;
	const char *r, *err, *status;
	int n, i, any = 0;

	(void)events;
	ipc_msg_init(&m);
	n = ipc_recv(fd, &m, 0);
	if (n == 1)
		rjpool_heard(fd);
	status = n == 1 ? ipc_get(&m, "status") : NULL;
	if (status && strcmp(status, "sending") == 0 && m.fd >= 0 &&
	    j->tk_fd < 0) {
		takeover_sending(j, &m);
		ipc_msg_free(&m);
		return;		/* the answer comes next */
	}
	j->rj_fd = -1;
	if (n == 1 && status && strcmp(status, "ok") == 0 && !j->rj_aborted)
		rjpool_put(fd);		/* reinject waits for the next one */
	else
		rjpool_drop(fd);
	if (n != 1 && j->tk_fd >= 0 && j->tk_n > 0 && !j->rj_aborted) {
		ipc_msg_free(&m);
		takeover_start(j);
		return;
	}
	err = n == 1 ? ipc_get(&m, "error") : NULL;
	for (i = 0; i < j->env.nrcpt; i++) {
		if (j->suppressed[i] || j->pol[i] != D_PASS)
			continue;
		buf_reset(&name);
		buf_addf(&name, "reply_%d", i);
		r = status && strcmp(status, "ok") == 0 ?
		    ipc_get(&m, buf_str(&name)) : NULL;
		if (r == NULL && status && strcmp(status, "ok") == 0)
			r = ipc_get(&m, "reply");	/* the common reply */
		if (r && smtp_reply_code(r) != 0) {
			xfree(j->reply[i]);
			j->reply[i] = xstrdup(r);
			j->delivered[i] = r[0] == '2';
			any |= j->delivered[i];
		} else if (j->reply[i] == NULL) {
			j->reply[i] = xstrdup(status ?
			    "451 4.3.0 Error: delivery agent failed" :
			    "451 4.3.0 Error: delivery agent died");
		}
	}
	if (n != 1)
		log_warn("%s: reinject %s without an answer%s", j->id,
		    n == 0 ? "closed the connection" : "failed",
		    j->rj_aborted ? " (aborted)" : "");
	else if (err)
		log_info("%s: next hop: %s", j->id, err);
	/* reinject recorded the delivery in the file before answering */
	buf_free(&name);
	ipc_msg_free(&m);
	job_rj_done(j, any);
}

/* job_deliver_fail - no reinject: every recipient gets a 451 */
void
job_deliver_fail(struct job *j, const char *why)
{
	int i;

	log_warn("%s: cannot hand the message to reinject: %s", j->id, why);
	for (i = 0; i < j->env.nrcpt; i++)
		if (!j->suppressed[i] && j->pol[i] == D_PASS &&
		    j->reply[i] == NULL)
			j->reply[i] = xstrdup("451 4.3.0 Error: delivery "
			    "agent unavailable");
	job_reply(j);
}

/* job_deliver - prepend our header lines, ask reinject to deliver */
static void
job_deliver(struct job *j)
{
	long long off = j->env.msg_off + j->env.msg_len, skip = 0;
	int fd;

	buf_reset(&j->extra);
	received_line(&j->extra, &j->env, cf->myhostname);
	if (!j->internal)
		skip = policy_headers(j, &j->extra);
	if (queue_pwrite(j->queue_fd, j->extra.data, j->extra.len, off) < 0 ||
	    queue_set_extra(j->queue_fd, &j->env, off,
	    (long long)j->extra.len, skip) < 0) {
		job_deliver_fail(j, "cannot write the queue file");
		return;
	}
	if ((fd = rjpool_get(j)) >= 0)
		job_deliver_with(j, fd);
	else if (errno != EAGAIN)
		job_deliver_fail(j, strerror(errno));
	/* else: rjpool.c calls job_deliver_with() when a connection frees */
}

/* job_deliver_with - send the delivery request on connection fd */
void
job_deliver_with(struct job *j, int fd)
{
	struct buf rcpts = BUF_INIT;
	struct ipc_msg m;
	int i;

	for (i = 0; i < j->env.nrcpt; i++)
		if (!j->suppressed[i] && j->pol[i] == D_PASS)
			buf_addf(&rcpts, "%s%d", rcpts.len ? "," : "", i);
	ipc_msg_init(&m);
	ipc_add(&m, "request", "deliver");
	ipc_add(&m, "id", j->id);
	ipc_add(&m, "rcpts", buf_str(&rcpts));
	if (ipc_send(fd, &m, j->queue_fd) < 0) {
		/* a pooled connection reinject has just closed: not our fault */
		log_debug("%s: reinject connection lost: %m; retrying", j->id);
		rjpool_drop(fd);
		if ((fd = rjpool_get(j)) >= 0 && ipc_send(fd, &m, j->queue_fd)
		    == 0) {
			j->rj_fd = fd;
			j->state = JOB_DELIVERING;
			event_set(fd, EV_READ, rj_ready, j);
		} else if (fd >= 0 || errno != EAGAIN) {
			if (fd >= 0)
				rjpool_drop(fd);
			job_deliver_fail(j, strerror(errno));
		}
	} else {
		j->rj_fd = fd;
		j->state = JOB_DELIVERING;
		event_set(fd, EV_READ, rj_ready, j);
	}
	ipc_msg_free(&m);
	buf_free(&rcpts);
}

/* enh - the enhanced code of reply r, or a default for its class */
static void
enh(const char *r, char *out, size_t len)
{
	if (!smtp_reply_enh(r, out, len))
		snprintf(out, len, "%c.%s", r[0], r[0] == '2' ? "6.0" :
		    r[0] == '4' ? "5.0" : "5.0");
}

/* client_reply - the client's reply for recipient i */
static void
client_reply(struct job *j, int i, struct buf *out)
{
	const char *r = j->reply[i];
	char code[16];

	if (j->suppressed[i]) {
		buf_addf(out, "250 2.6.0 Ok, id=%s, already delivered as %s",
		    j->id, j->dup_of ? j->dup_of : "an earlier copy");
		return;
	}
	if (r == NULL)
		r = "451 4.3.0 Error: no outcome";
	if (j->pol[i] != D_PASS) {
		/* the filter's own verdict, in amavisd-new's words */
		if (j->pol[i] == D_BOUNCE && j->bounced[i])
			buf_addf(out, "250 2.5.0 Ok, id=%s, DSN was sent (%s)",
			    j->id, r);
		else
			buf_adds(out, r);
		return;
	}
	enh(r, code, sizeof(code));
	if (r[0] == '2')
		buf_addf(out, "250 2.6.0 Ok, id=%s, from MTA: %s", j->id, r);
	else if (r[0] == '5')
		buf_addf(out, "%.3s %s Rejected, id=%s, from MTA: %s", r, code,
		    j->id, r);
	else if (strstr(r, " Error: "))
		buf_addf(out, "451 %s Error, id=%s: %s", code, j->id,
		    strstr(r, " Error: ") + 8);
	else
		buf_addf(out, "451 %s Temporary failure, id=%s, from MTA: %s",
		    code, j->id, r);
}

/* handled - recipient i needs nothing more from this attempt */
static int
handled(const struct job *j, int i)
{
	return j->suppressed[i] || j->delivered[i] || j->bounced[i] ||
	    j->pol[i] == D_DISCARD;
}

/* outcome_counts - ", but 1 BOUNCE, and 2 DISCARD" after a 250 reply */
static void
outcome_counts(const struct job *j, struct buf *out)
{
	int i, bounced = 0, discarded = 0;

	for (i = 0; i < j->env.nrcpt; i++) {
		if (j->bounced[i])
			bounced++;
		else if (j->pol[i] == D_DISCARD)
			discarded++;
	}
	if (bounced + discarded == 0)
		return;
	if (bounced + discarded == j->env.nrcpt && !(bounced && discarded)) {
		/* every recipient alike: amavisd-new's "..., BOUNCE" */
		buf_adds(out, bounced ? ", BOUNCE" : ", DISCARD");
		return;
	}
	buf_addf(out, ", %s", bounced + discarded < j->env.nrcpt ? "but " :
	    "");
	if (bounced)
		buf_addf(out, "%d BOUNCE", bounced);
	if (discarded)
		buf_addf(out, "%s%d DISCARD", bounced ? ", and " : "",
		    discarded);
}

/*
 * smtp_reply - one reply for every recipient (SMTP input).  All
 * delivered: 250.  All refused: the next hop's 5xx, the client bounces.
 * Some delivered and some refused: 250 "..., but N BOUNCE" (the DSN was
 * sent by bounce.c).  Any temporary failure: 451; if part of the
 * message got through, the retry delivers only the rest (dedup.c).
 */
static void
smtp_reply(struct job *j, struct buf *out, int *partial)
{
	int i, done = 0, rej = 0, tmp = 0, bounced = 0, first_tmp = -1;
	int first_rej = -1, first_ok = -1, discarded = 0, first_disc = -1;

	for (i = 0; i < j->env.nrcpt; i++) {
		const char *r = j->reply[i];

		if (handled(j, i)) {
			done++;
			bounced += j->bounced[i];
			if (j->pol[i] == D_DISCARD && !j->bounced[i]) {
				discarded++;
				if (first_disc < 0)
					first_disc = i;
			}
			if (first_ok < 0 && j->delivered[i])
				first_ok = i;
		} else if (r && r[0] == '5') {
			rej++;
			if (first_rej < 0)
				first_rej = i;
		} else {
			tmp++;
			if (first_tmp < 0)
				first_tmp = i;
		}
	}
	*partial = 0;
	if (done == j->env.nrcpt && discarded == j->env.nrcpt) {
		client_reply(j, first_disc, out);
	} else if (done == j->env.nrcpt && bounced + discarded == 0) {
		client_reply(j, first_ok >= 0 ? first_ok : 0, out);
	} else if (done == j->env.nrcpt) {
		if (first_ok >= 0)
			client_reply(j, first_ok, out);
		else
			buf_addf(out, "250 2.5.0 Ok, id=%s", j->id);
		outcome_counts(j, out);
	} else if (rej == j->env.nrcpt) {
		client_reply(j, first_rej, out);
	} else if (done == 0 && tmp > 0) {
		client_reply(j, first_tmp, out);
	} else {
		*partial = 1;
		buf_addf(out, "451 4.5.0 Partial delivery, id=%s: %d of %d "
		    "recipients done; retry for the others", j->id, done,
		    j->env.nrcpt);
	}
}

/*
 * need_dsn - recipients that need a DSN from us: those whose content
 * destiny is bounce, and, over SMTP, those the next hop (or a reject
 * destiny) refused while others were delivered, bounced or discarded,
 * since one reply cannot say both.  Marks in which those that want one;
 * those that don't (null sender, NOTIFY) are marked bounced at once, or,
 * for a content bounce, discarded.  Returns how many DSN recipients.
 */
static int
need_dsn(struct job *j, int *which, int lmtp)
{
	int i, rej = 0, others = 0, pb = 0, n = 0;

	for (i = 0; i < j->env.nrcpt; i++) {
		if (!handled(j, i) && j->reply[i] && j->reply[i][0] == '5') {
			if (j->pol[i] == D_BOUNCE)
				pb++;
			else
				rej++;
		} else {
			others++;
		}
	}
	if (pb == 0 && (lmtp || rej == 0 || others == 0))
		return 0;
	for (i = 0; i < j->env.nrcpt; i++) {
		if (handled(j, i) || !j->reply[i] || j->reply[i][0] != '5')
			continue;
		if (j->pol[i] != D_BOUNCE && (lmtp || others + pb == 0))
			continue;
		if (bounce_wanted(&j->env, i)) {
			which[i] = 1;
			n++;
		} else if (j->pol[i] == D_BOUNCE) {
			/* no DSN to <>: what is left is a discard */
			j->pol[i] = D_DISCARD;
			xfree(j->reply[i]);
			j->reply[i] = xstrdup("250 2.7.1 Ok, discarded, "
			    "DSN suppressed");
			log_info("%s: to=<%s>, status=discarded (no DSN to "
			    "the null sender or against NOTIFY)", j->id,
			    j->env.rcpt[i].addr);
		} else {
			j->bounced[i] = 1;
			log_info("%s: to=<%s>, status=bounced (%s), no DSN "
			    "(null sender or NOTIFY)", j->id, j->env.rcpt[i].addr,
			    j->reply[i]);
		}
	}
	return n;
}

/* job_bounce_done - the DSN for job j was delivered (ok) or not */
void
job_bounce_done(struct job *j, int ok)
{
	int i;

	j->dsn = NULL;
	if (j->state == JOB_REPLIED)
		return;		/* timed out meanwhile: the client has a 451 */
	for (i = 0; i < j->env.nrcpt; i++) {
		if (!handled(j, i) && j->reply[i] && j->reply[i][0] == '5' &&
		    bounce_wanted(&j->env, i)) {
			j->bounced[i] = ok;
			if (ok)
				log_info("%s: to=<%s>, status=bounced (%s)",
				    j->id, j->env.rcpt[i].addr, j->reply[i]);
		}
	}
	if (!ok)
		log_warn("%s: the DSN could not be delivered; the client "
		    "gets 451 and will retry", j->id);
	job_reply(j);
}

/* internal_done - a DSN job finished: report to its parent */
static void
internal_done(struct job *d)
{
	struct job *parent = d->parent;
	int ok = d->delivered[0];

	d->parent = NULL;
	if (parent)
		parent->dsn = NULL;
	d->state = JOB_REPLIED;
	if (d->ctl_fd >= 0)
		release_done(d);
	else
		log_info("%s: %s %s: %s", d->id, parent ? "DSN" : "notice",
		    ok ? "delivered" : "failed", d->reply[0] ? d->reply[0] :
		    "no reply");
	if (d->rj_fd < 0) {
		remove_file(d);
		job_free(d);
	}
	if (parent)
		job_bounce_done(parent, ok);
}

/* job_reply - tell smtpd-in what to answer its client */
static void
job_reply(struct job *j)
{
	struct ipc_msg m;
	struct buf r = BUF_INIT, name = BUF_INIT, first = BUF_INIT;
	int i, partial = 0, lmtp, tempfail = 0, delivered = 0, *which;
	long long ms = event_now_ms() - j->committed_ms;

	if (j->internal) {
		internal_done(j);
		return;
	}
	lmtp = j->env.proto && strcmp(j->env.proto, "LMTP") == 0;
	if (!j->dsn_tried && !j->timed_out) {
		which = xcalloc((size_t)j->env.nrcpt, sizeof(int));
		if (need_dsn(j, which, lmtp) > 0) {
			j->dsn_tried = 1;
			if (bounce_start(j, which) == 0) {
				xfree(which);
				return;		/* job_bounce_done goes on */
			}
		}
		xfree(which);
	}
	event_timer_cancel(j->deadline);
	j->deadline = NULL;
	ipc_msg_init(&m);
	ipc_add(&m, "status", "ok");
	if (!lmtp) {
		smtp_reply(j, &first, &partial);
		ipc_add(&m, "reply", buf_str(&first));
		tempfail = first.data[0] == '4';
	} else {
		for (i = 0; i < j->env.nrcpt; i++) {
			buf_reset(&r);
			client_reply(j, i, &r);
			tempfail |= r.data[0] == '4';
			if (i == 0) {
				buf_adds(&first, buf_str(&r));
				ipc_add(&m, "reply", buf_str(&r));
			} else if (strcmp(buf_str(&r), buf_str(&first)) != 0) {
				buf_reset(&name);
				buf_addf(&name, "reply_%d", i);
				ipc_add(&m, buf_str(&name), buf_str(&r));
			}
		}
	}
	for (i = 0; i < j->env.nrcpt; i++)
		delivered += j->delivered[i] || j->bounced[i];
	log_info("%s: reply=%s, delay=%lld.%03llds", j->id, buf_str(&first),
	    ms / 1000, ms % 1000);
	qmgr_stat_count(tempfail ? "tempfailed" : first.data[0] == '5' ?
	    "rejected" : "delivered");
	qmgr_stat_latency(ms);
	/* a 451 after some recipients were done: the retry must not repeat */
	if ((tempfail || partial) && delivered)
		dedup_record(j);
	j->state = JOB_REPLIED;
	if (j->client_gone || ipc_send(j->client_fd, &m, -1) < 0) {
		if (!j->client_gone)
			log_warn("%s: smtpd-in went away before the reply",
			    j->id);
		j->client_gone = 1;
		if (!(tempfail || partial) && delivered)
			dedup_record(j);
		if (j->client_fd >= 0) {
			event_del(j->client_fd);
			close(j->client_fd);
			j->client_fd = -1;
		}
		job_maybe_free(j);
	}
	ipc_msg_free(&m);
	buf_free(&r);
	buf_free(&name);
	buf_free(&first);
}

/* job_maybe_free - done when neither smtpd-in nor reinject is left */
static void
job_maybe_free(struct job *j)
{
	if (j->client_fd >= 0 || j->rj_fd >= 0 || j->tk_timer != NULL ||
	    j->state != JOB_REPLIED)
		return;
	remove_file(j);
	job_free(j);
}

/* client_gone - smtpd-in is done with this job, hung up, or erred */
static void
client_gone(struct job *j, int done)
{
	struct ipc_msg m;
	int i, any = 0;

	if (done && !skel_draining()) {
		qmgr_serve(j->client_fd);	/* the next message may come */
	} else {
		event_del(j->client_fd);
		close(j->client_fd);
	}
	j->client_fd = -1;
	switch (j->state) {
	case JOB_RECEIVING:
		remove_file(j);		/* the client never saw a 250 */
		job_free(j);
		return;
	case JOB_PIPELINE:
		j->client_gone = 1;
		j->state = JOB_REPLIED;
		job_maybe_free(j);
		return;
	case JOB_DELIVERING:
		j->client_gone = 1;
		if (!j->rj_aborted) {
			ipc_msg_init(&m);
			ipc_add(&m, "request", "abort");
			(void)ipc_send(j->rj_fd, &m, -1);
			ipc_msg_free(&m);
			j->rj_aborted = 1;
		}
		return;		/* rj_ready finishes the job */
	case JOB_REPLIED:
		for (i = 0; j->delivered && i < j->env.nrcpt; i++)
			any |= j->delivered[i];
		if (!done && any && !j->timed_out)
			dedup_record(j);	/* the 250 may be lost */
		job_maybe_free(j);
		return;
	}
}

/* job_client_ready - a request (or end of file) from smtpd-in */
void
job_client_ready(int fd, int events, void *ctx)
{
	struct job *j = ctx;
	struct ipc_msg m;
	const char *req;
	int n;

	(void)events;
	ipc_msg_init(&m);
	n = ipc_recv(fd, &m, 0);
	req = n == 1 ? ipc_get(&m, "request") : NULL;
	if (n == 1 && m.fd >= 0)
		req = NULL;		/* nobody sends us fds */
	if (req && strcmp(req, "commit") == 0 && j->state == JOB_RECEIVING) {
		job_commit(j);
	} else if (req && strcmp(req, "done") == 0 &&
	    j->state == JOB_REPLIED) {
		client_gone(j, 1);
	} else {
		if (n != 0 && j->state != JOB_REPLIED)
			log_warn("%s: protocol error from smtpd-in (%s)",
			    j->id, req ? req : n < 0 ? strerror(errno) :
			    "no request");
		client_gone(j, 0);
	}
	ipc_msg_free(&m);
}

