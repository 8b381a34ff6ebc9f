/*
 * score.c - the pipeline stage that asks a scorer for a message's spam
 * score.
 *
 * One connection to private/scorer per message: the master's pool of
 * scorer processes (maxproc in master.cf) takes them one at a time, so
 * a slow message holds one scorer, not the others.  The request carries
 * the queue file's fd; the answer the score, the required score and the
 * rules hit with their points.  A job waits at most score_time_limit
 * (plus the longer of dns_timeout and pyzor_timeout with network tests)
 * plus a margin.  A scorer that fails, dies or is not running leaves
 * the message unscored: it is delivered without spam headers (as
 * amavisd-new does when SpamAssassin fails) and the log says why;
 * nothing is lost or held here.  Mail from a whitelist_sender, or to
 * recipients who all bypass spam checks, is not scored at all.
 *
 * Inputs: answers of a scorer (a trusted peer, parsed strictly; rule
 * names come from the rule files).  Runs in qmgr's event loop: nothing
 * here blocks.
 */
#include <sys/socket.h>

#include <bsd/string.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "ipc_proto.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "sock.h"

#define SCORE_MARGIN_MS	20000	/* beyond score_time_limit */

struct spamreq {
	int			 fd;
	struct event_timer	*timer;
};

/* req_close - forget j's request */
static void
req_close(struct job *j)
{
	struct spamreq *q = j->score_req;

	if (q == NULL)
		return;
	event_timer_cancel(q->timer);
	event_del(q->fd);
	close(q->fd);
	xfree(q);
	j->score_req = NULL;
}

/* score_forget - the job goes away: drop its request */
void
score_forget(struct job *j)
{
	req_close(j);
	xfree(j->spam_tests);
	j->spam_tests = NULL;
}

/* unscored - no score for j: it goes on without one */
static void
unscored(struct job *j, const char *why)
{
	req_close(j);
	log_warn("%s: not scored for spam: %s", j->id, why);
	qmgr_stat_count("spam_unscored");
	job_stage_done(j);
}

/* valid_tests - "NAME=PTS,..." with rule-name characters only */
static int
valid_tests(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '=' ||
		    *s == ',' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

/* answer - the scorer's verdict */
static void
answer(int fd, int events, void *ctx)
{
	struct job *j = ctx;
	struct ipc_msg m;
	const char *status, *sc, *req, *tests, *al;
	char *e1, *e2;
	double s, r;
	int n;

	(void)fd;
	(void)events;
	ipc_msg_init(&m);
	n = ipc_recv(j->score_req->fd, &m, 0);
	if (n != 1) {
		ipc_msg_free(&m);
		unscored(j, n == 0 ? "the scorer closed the connection "
		    "(it died, or none is running)" : "scorer connection "
		    "failed");
		return;
	}
	status = ipc_get(&m, "status");
	sc = ipc_get(&m, "score");
	req = ipc_get(&m, "required");
	tests = ipc_get(&m, "tests");
	if (status == NULL || strcmp(status, "ok") != 0 || sc == NULL ||
	    req == NULL || tests == NULL) {
		unscored(j, ipc_get(&m, "reason") ? ipc_get(&m, "reason") :
		    "bad answer from the scorer");
		ipc_msg_free(&m);
		return;
	}
	s = strtod(sc, &e1);
	r = strtod(req, &e2);
	if (*e1 || *e2 || !valid_tests(tests)) {
		unscored(j, "bad answer from the scorer");
		ipc_msg_free(&m);
		return;
	}
	req_close(j);
	j->spam_scored = 1;
	j->spam_score = s;
	j->spam_required = r;
	xfree(j->spam_tests);
	j->spam_tests = xstrdup(tests);
	al = ipc_get(&m, "autolearn");
	strlcpy(j->spam_autolearn, al && strspn(al, "abcdefghijklmnopqrstuvwxyz")
	    == strlen(al) ? al : "disabled", sizeof(j->spam_autolearn));
	qmgr_stat_count("scored");
	ipc_msg_free(&m);
	job_stage_done(j);
}

/* score_timeout - no answer in time */
static void
score_timeout(void *ctx)
{
	struct job *j = ctx;

	j->score_req->timer = NULL;
	unscored(j, "no answer from the scorer in time");
}

/* score_start - the stage: ask a scorer, unless nobody wants a score */
void
score_start(struct job *j)
{
	struct buf path = BUF_INIT;
	struct ipc_msg m;
	struct spamreq *q;
	int fd;

	j->spam_scored = 0;
	if (j->internal || policy_all_bypass(j, cf->bypass_spam_checks) ||
	    policy_sender_listed(j, cf->whitelist_sender)) {
		job_stage_done(j);
		return;
	}
	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_SCORER_SOCKET);
	fd = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET, 1000);
	buf_free(&path);
	if (fd < 0 && errno == ENOENT) {
		/* no scorer line in master.cf: spam checks are off */
		static int told;

		if (!told++)
			log_info("no scorer service (%s): mail is not scored "
			    "for spam", IPC_SCORER_SOCKET);
		job_stage_done(j);
		return;
	}
	if (fd < 0) {
		log_warn("%s: not scored for spam: cannot reach the scorer: "
		    "%m", j->id);
		qmgr_stat_count("spam_unscored");
		job_stage_done(j);
		return;
	}
	ipc_msg_init(&m);
	ipc_add(&m, "request", "score");
	ipc_add(&m, "id", j->id);
	ipc_addl(&m, "off", j->env.msg_off);
	ipc_addl(&m, "len", j->env.msg_len);
	ipc_add(&m, "from", j->env.sender);
	if (ipc_send(fd, &m, j->queue_fd) < 0) {
		ipc_msg_free(&m);
		close(fd);
		log_warn("%s: not scored for spam: cannot send to the scorer: "
		    "%m", j->id);
		qmgr_stat_count("spam_unscored");
		job_stage_done(j);
		return;
	}
	ipc_msg_free(&m);
	q = xcalloc(1, sizeof(*q));
	q->fd = fd;
	j->score_req = q;
	event_add(fd, EV_READ, answer, j);
	q->timer = event_timer((cf->score_time_limit + (cf->spam_network_tests ?
	    (cf->dns_timeout > cf->pyzor_timeout ? cf->dns_timeout :
	    cf->pyzor_timeout) : 0)) * 1000L + SCORE_MARGIN_MS,
	    score_timeout, j);
}
