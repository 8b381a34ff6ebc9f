/*
 * rjpool.c - qmgr's connections to reinject, kept between deliveries.
 *
 * A connection per delivery would cost a connect, an accept and two
 * status reports to the master for every message; instead qmgr keeps up
 * to qmgr_reinject_limit connections open and hands an idle one to the
 * next delivery.  A reinject process serves one connection at a time,
 * so the limit must not exceed reinject's maxproc: a job that finds every
 * connection busy waits here until one is free, rather than queue a
 * connect that no process could accept.  And should the limit be set
 * above maxproc after all, a new connection may wait unaccepted while
 * every reinject process sits on one of ours: so while any new
 * connection has not been answered yet, a finished connection is
 * closed instead of kept, which frees its process to accept the new
 * one.  An idle connection that reinject closes (idle timeout, reload)
 * is simply forgotten.
 *
 * Inputs: none from outside.  Runs unprivileged in qmgr's event loop.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ipc_proto.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "sock.h"

struct idle {
	int		fd;
	long long	since;		/* event_now_ms() when it went idle */
};
static struct idle *idle;	/* idle connections, a stack */
static int nidle;
static int total;		/* idle + busy */
static struct job *waitq, **waitq_tail = &waitq;
static int *fresh;		/* connected, nothing heard on them yet */
static int nfresh;

/* unfresh - fd was heard from (or is gone): no longer waits for accept */
static void
unfresh(int fd)
{
	int i;

	for (i = 0; i < nfresh; i++) {
		if (fresh[i] == fd) {
			fresh[i] = fresh[--nfresh];
			return;
		}
	}
}

/* rjpool_heard - reinject answered on fd: a process has accepted it */
void
rjpool_heard(int fd)
{
	unfresh(fd);
}

/* idle_event - an idle connection spoke or closed: drop it */
static void
idle_event(int fd, int events, void *ctx)
{
	int i;

	(void)events;
	(void)ctx;
	for (i = 0; i < nidle; i++) {
		if (idle[i].fd == fd) {
			idle[i] = idle[--nidle];
			break;
		}
	}
	rjpool_drop(fd);
}

/* discard - close a connection without handing its place on */
static void
discard(int fd)
{
	unfresh(fd);
	event_del(fd);
	close(fd);
	total--;
}

/* connect_new - a new connection to reinject, or -1 */
static int
connect_new(void)
{
	struct buf path = BUF_INIT;
	int fd;

	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_REINJECT_SOCKET);
	fd = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET, 0);
	if (fd < 0)
		log_warn("connect to %s: %m", buf_str(&path));
	buf_free(&path);
	if (fd >= 0) {
		total++;
		fresh = xreallocarray(fresh, (size_t)nfresh + 1, sizeof(int));
		fresh[nfresh++] = fd;
	}
	return fd;
}

/*
 * rjpool_get - a connection for job j: an idle one, a new one, or -1
 * with errno EAGAIN when the limit is reached (j then waits and gets
 * job_deliver_with() later) or another errno when reinject is down.
 */
int
rjpool_get(struct job *j)
{
	int fd;

	/*
	 * reinject hangs up after ipc_timeout without a request: a
	 * connection idle for half of that is not worth the race
	 */
	while (nidle > 0) {
		nidle--;
		fd = idle[nidle].fd;
		if (event_now_ms() - idle[nidle].since < cf->ipc_timeout * 500)
			return fd;	/* its watch changes hands, see event_set */
		discard(fd);
	}
	if (total < cf->qmgr_reinject_limit)
		return connect_new();
	j->next_wait = NULL;
	*waitq_tail = j;
	waitq_tail = &j->next_wait;
	j->waiting = 1;
	errno = EAGAIN;
	return -1;
}

/* next_waiter - the first job waiting for a connection, or NULL */
static struct job *
next_waiter(void)
{
	struct job *j = waitq;

	if (j) {
		waitq = j->next_wait;
		if (waitq == NULL)
			waitq_tail = &waitq;
		j->waiting = 0;
	}
	return j;
}

/* rjpool_put - a delivery ended well: the connection serves the next */
void
rjpool_put(int fd)
{
	struct job *j;

	unfresh(fd);
	if (nfresh > 0) {
		/* a new connection may be waiting for this very process */
		rjpool_drop(fd);
		return;
	}
	if ((j = next_waiter()) != NULL) {
		job_deliver_with(j, fd);
		return;
	}
	idle = xreallocarray(idle, (size_t)nidle + 1, sizeof(*idle));
	idle[nidle].fd = fd;
	idle[nidle++].since = event_now_ms();
	event_set(fd, EV_READ, idle_event, NULL);
}

/* rjpool_drop - a connection ended (or must end) */
void
rjpool_drop(int fd)
{
	struct job *j;

	discard(fd);
	/* its place may go to a waiting job */
	while (total < cf->qmgr_reinject_limit && (j = next_waiter()) !=
	    NULL) {
		if ((fd = connect_new()) < 0) {
			job_deliver_fail(j, strerror(errno));
			continue;
		}
		job_deliver_with(j, fd);
	}
}

/* rjpool_forget - job j goes away while it waits */
void
rjpool_forget(struct job *j)
{
	struct job **pp;

	if (!j->waiting)
		return;
	for (pp = &waitq; *pp && *pp != j; pp = &(*pp)->next_wait)
		;
	if (*pp) {
		*pp = j->next_wait;
		if (*pp == NULL)
			waitq_tail = pp;
	}
	j->waiting = 0;
}
