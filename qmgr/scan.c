/*
 * scan.c - the pipeline stage that asks the scanner about a message.
 *
 * One connection to private/scanner carries every job's request, each
 * with a tag; answers come back in any order and are matched by tag.
 * A job waits at most max_scan_time plus a margin.  If the scanner
 * closes the connection (it died) the jobs in flight are UNCHECKED, as
 * after a timeout or when the scanner is busy; a request that could not
 * even be sent (the connection was already gone) is sent once more on a
 * new connection.  The policy
 * (policy.c) decides what UNCHECKED means; nothing is lost here.
 *
 * Inputs: answers of the scanner (a trusted peer, parsed strictly; the
 * virus name and reason come from hostile content and are only ever
 * copied into replies and headers after policy.c cleans them).
 * Runs in qmgr's event loop: nothing here blocks.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "ipc_proto.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "sock.h"

#define SCAN_MARGIN_MS	30000	/* beyond max_scan_time */

/* A connection to the scanner; a retired one takes no new request. */
struct sconn {
	int		 fd;
	int		 retired;	/* the scanner said bye */
	int		 greeted;	/* a scanner accepted it (hello) */
	struct event_timer *hello_timer;
	struct sconn	*next;
};

static struct sconn *conns, *cur;	/* cur: where new requests go */
static unsigned long next_tag;
static struct job *waiting;	/* jobs with a request in flight */

static void scan_send(struct job *);

/* unwait - take j off the waiting list */
static void
unwait(struct job *j)
{
	struct job **pp;

	for (pp = &waiting; *pp && *pp != j; pp = &(*pp)->scan_next)
		;
	if (*pp)
		*pp = j->scan_next;
	j->scan_next = NULL;
	event_timer_cancel(j->scan_timer);
	j->scan_timer = NULL;
	j->scan_tag = 0;
	j->scan_conn = NULL;
}

/* scan_forget - the job goes away: drop its request */
void
scan_forget(struct job *j)
{
	if (j->scan_tag)
		unwait(j);
}

/* verdict - record the outcome and go on with the pipeline */
static void
verdict(struct job *j, enum verdict v, const char *name, const char *why)
{
	unwait(j);
	j->verdict = v;
	xfree(j->verdict_name);
	xfree(j->verdict_why);
	j->verdict_name = name ? xstrdup(name) : NULL;
	j->verdict_why = why ? xstrdup(why) : NULL;
	job_stage_done(j);
}

/* conn_close - close c and forget it */
static void
conn_close(struct sconn *c)
{
	struct sconn **pp;

	for (pp = &conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	if (cur == c)
		cur = NULL;
	event_timer_cancel(c->hello_timer);
	event_del(c->fd);
	close(c->fd);
	xfree(c);
}

/* conn_jobs - requests in flight on c */
static int
conn_jobs(const struct sconn *c)
{
	struct job *j;
	int n = 0;

	for (j = waiting; j; j = j->scan_next)
		n += j->scan_conn == c;
	return n;
}

/*
 * drop_connection - the scanner is gone from c: the jobs it had are
 * UNCHECKED (a scanner that died on a message must not be fed it again
 * at once; the policy's tempfail makes the client retry later)
 */
static void
drop_connection(struct sconn *c, const char *why)
{
	struct job **pp, *j, *lost = NULL;

	for (pp = &waiting; (j = *pp) != NULL;) {
		if (j->scan_conn == c) {
			*pp = j->scan_next;
			j->scan_next = lost;
			lost = j;
		} else {
			pp = &j->scan_next;
		}
	}
	conn_close(c);
	while ((j = lost) != NULL) {
		lost = j->scan_next;
		j->scan_next = NULL;
		event_timer_cancel(j->scan_timer);
		j->scan_timer = NULL;
		j->scan_tag = 0;
		j->scan_conn = NULL;
		log_warn("%s: %s", j->id, why);
		verdict(j, V_UNCHECKED, NULL, "virus scanner failed");
	}
}

/* answer - a packet from the scanner */
static void
answer(int fd, int events, void *ctx)
{
	struct sconn *c = ctx;
	struct ipc_msg m;
	const char *status, *tag, *result;
	struct job *j;
	char tagbuf[32];
	int n;

	(void)events;
	(void)fd;
	ipc_msg_init(&m);
	n = ipc_recv(c->fd, &m, 0);
	if (n != 1) {
		ipc_msg_free(&m);
		drop_connection(c, n == 0 ? "the scanner closed the "
		    "connection" : "the scanner connection failed");
		return;
	}
	status = ipc_get(&m, "status");
	if (status && strcmp(status, "hello") == 0) {
		c->greeted = 1;
		event_timer_cancel(c->hello_timer);
		c->hello_timer = NULL;
		ipc_msg_free(&m);
		return;
	}
	if (status && strcmp(status, "bye") == 0) {
		/* a new scanner generation: finish here, start there */
		c->retired = 1;
		if (cur == c)
			cur = NULL;
		if (conn_jobs(c) == 0)
			conn_close(c);
		ipc_msg_free(&m);
		return;
	}
	tag = ipc_get(&m, "tag");
	for (j = waiting; j && tag; j = j->scan_next) {
		snprintf(tagbuf, sizeof(tagbuf), "%lu", j->scan_tag);
		if (strcmp(tagbuf, tag) == 0)
			break;
	}
	if (j == NULL || status == NULL) {
		log_warn("scanner answer for no job (tag %s)", tag ? tag : "-");
		ipc_msg_free(&m);
		return;
	}
	result = ipc_get(&m, "result");
	if (strcmp(status, "busy") == 0) {
		verdict(j, V_UNCHECKED, NULL, "virus scanner busy");
	} else if (strcmp(status, "ok") != 0 || result == NULL) {
		verdict(j, V_UNCHECKED, NULL, "virus scanner failed");
	} else if (strcmp(result, "clean") == 0) {
		verdict(j, V_CLEAN, NULL, NULL);
	} else if (strcmp(result, "virus") == 0) {
		verdict(j, V_VIRUS, ipc_get(&m, "name"), NULL);
	} else if (strcmp(result, "banned") == 0) {
		verdict(j, V_BANNED, ipc_get(&m, "name"), NULL);
	} else {
		verdict(j, V_UNCHECKED, NULL, ipc_get(&m, "reason") ?
		    ipc_get(&m, "reason") : "not fully scanned");
	}
	ipc_msg_free(&m);
	if (c->retired && conn_jobs(c) == 0)
		conn_close(c);
}

/*
 * no_hello - no scanner accepted the connection within ipc_timeout: it
 * is not running (no database, crash loop); the requests waiting in the
 * listener's backlog are UNCHECKED now rather than after max_scan_time
 */
static void
no_hello(void *ctx)
{
	struct sconn *c = ctx;

	c->hello_timer = NULL;
	drop_connection(c, "no scanner is running (see the scanner's log)");
}

/* scan_timeout - no answer in time */
static void
scan_timeout(void *ctx)
{
	struct job *j = ctx;

	j->scan_timer = NULL;
	log_warn("%s: no answer from the scanner in %llds", j->id,
	    cf->max_scan_time + SCAN_MARGIN_MS / 1000);
	verdict(j, V_UNCHECKED, NULL, "virus scan timed out");
}

/* scan_send - (re)send j's request, connecting if need be */
static void
scan_send(struct job *j)
{
	struct buf path = BUF_INIT;
	struct ipc_msg m;
	struct sconn *c;
	char tag[32];
	int fd;

	j->scan_tries++;
	if (cur == NULL) {
		buf_addf(&path, "%s/%s", cf->queue_directory,
		    IPC_SCANNER_SOCKET);
		fd = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET, 1000);
		buf_free(&path);
		if (fd < 0) {
			log_warn("%s: cannot reach the scanner: %m", j->id);
			verdict(j, V_UNCHECKED, NULL,
			    "virus scanner unavailable");
			return;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->next = conns;
		conns = cur = c;
		event_add(fd, EV_READ, answer, c);
		c->hello_timer = event_timer(cf->ipc_timeout * 1000L, no_hello,
		    c);
	}
	c = cur;
	j->scan_tag = ++next_tag;
	j->scan_conn = c;
	snprintf(tag, sizeof(tag), "%lu", j->scan_tag);
	ipc_msg_init(&m);
	ipc_add(&m, "request", "scan");
	ipc_add(&m, "tag", tag);
	ipc_add(&m, "id", j->id);
	ipc_addl(&m, "off", j->env.msg_off);
	ipc_addl(&m, "len", j->env.msg_len);
	ipc_addl(&m, "virus", j->scan_virus);
	ipc_addl(&m, "banned", j->scan_banned);
	j->scan_next = waiting;
	waiting = j;
	j->scan_timer = event_timer(cf->max_scan_time * 1000L + SCAN_MARGIN_MS,
	    scan_timeout, j);
	if (ipc_send(c->fd, &m, j->queue_fd) < 0) {
		/* the connection was dead before this request: try a new one */
		ipc_msg_free(&m);
		unwait(j);
		drop_connection(c, "the scanner connection was lost");
		if (j->scan_tries < 2)
			scan_send(j);
		else
			verdict(j, V_UNCHECKED, NULL,
			    "virus scanner unavailable");
		return;
	}
	ipc_msg_free(&m);
}

/* scan_start - the stage: scan unless every recipient bypasses it */
void
scan_start(struct job *j)
{
	j->scan_virus = !policy_all_bypass(j, cf->bypass_virus_checks);
	j->scan_banned = !policy_all_bypass(j, cf->bypass_banned_checks);
	j->verdict = V_CLEAN;
	if (!j->scan_virus && !j->scan_banned) {
		job_stage_done(j);
		return;
	}
	j->scan_tries = 0;
	scan_send(j);
}
