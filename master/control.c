/*
 * control.c - the master's control socket, for mailsiftctl.
 *
 * One request per connection (ipc_proto.h): status, reload, stop.
 * Inputs: requests from local clients; only root (or our own uid) is
 * served, checked with SO_PEERCRED.  Runs as root.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "ipc.h"
#include "log.h"
#include "master.h"
#include "master_proto.h"
#include "mem.h"
#include "sock.h"

static int control_fd = -1;
static char *control_path;

/* send_status - one packet per service, then the master's own */
static void
send_status(int fd)
{
	struct ipc_msg m;
	struct service *s;
	struct proc *p;
	struct buf procs = BUF_INIT;
	time_t now = time(NULL);

	ipc_msg_init(&m);
	for (s = services; s; s = s->next) {
		ipc_msg_reset(&m);
		buf_reset(&procs);
		for (p = s->procs; p; p = p->next)
			buf_addf(&procs, "%s%ld:%s:%u:%u", procs.len ? "," : "",
			    (long)p->pid, p->state == MASTER_STAT_BUSY ?
			    "busy" : p->state == MASTER_STAT_IDLE ? "idle" :
			    "starting", p->jobs, p->gen);
		ipc_add(&m, "service", s->name);
		ipc_add(&m, "type", s->type == SERV_INET ? "inet" : "unix");
		ipc_add(&m, "command", s->command);
		ipc_add(&m, "listen", s->listen_desc ? s->listen_desc : "");
		ipc_addl(&m, "maxproc", s->maxproc);
		ipc_add(&m, "procs", procs.len ? buf_str(&procs) : "-");
		ipc_addl(&m, "busy", s->nprocs - s->nidle);
		ipc_addl(&m, "idle", s->nidle);
		ipc_addl(&m, "restarts", s->restarts);
		ipc_addl(&m, "throttled", s->throttled_until > now ?
		    (long long)(s->throttled_until - now) : 0);
		if (ipc_send(fd, &m, -1) < 0)
			goto out;
	}
	ipc_msg_reset(&m);
	ipc_add(&m, "end", "1");
	ipc_addl(&m, "pid", getpid());
	ipc_addl(&m, "uptime", (long long)(now - master_started));
	ipc_addl(&m, "generation", generation);
	(void)ipc_send(fd, &m, -1);
out:
	buf_free(&procs);
	ipc_msg_free(&m);
}

/* client_ready - read the one request of a control client */
static void
client_ready(int fd, int events, void *ctx)
{
	struct ipc_msg req, rep;
	struct buf err = BUF_INIT;
	const char *what;
	int n, stop = 0;

	(void)events;
	(void)ctx;
	event_del(fd);
	ipc_msg_init(&req);
	ipc_msg_init(&rep);
	n = ipc_recv(fd, &req, 0);
	if (n <= 0 || (what = ipc_get(&req, "request")) == NULL) {
		if (n < 0)
			log_warn("control: bad request: %m");
		goto done;
	}
	if (strcmp(what, "status") == 0) {
		send_status(fd);
	} else if (strcmp(what, "reload") == 0) {
		log_info("reload requested by mailsiftctl");
		if (master_reload(&err) == 0) {
			ipc_add(&rep, "status", "ok");
			ipc_addl(&rep, "generation", generation);
		} else {
			ipc_add(&rep, "status", "fail");
			ipc_add(&rep, "reason", buf_str(&err));
		}
		(void)ipc_send(fd, &rep, -1);
	} else if (strcmp(what, "stop") == 0) {
		ipc_add(&rep, "status", "ok");
		(void)ipc_send(fd, &rep, -1);
		stop = 1;
	} else {
		ipc_add(&rep, "status", "fail");
		ipc_addf(&rep, "reason", "unknown request \"%s\"", what);
		(void)ipc_send(fd, &rep, -1);
	}
done:
	close(fd);
	ipc_msg_free(&req);
	ipc_msg_free(&rep);
	buf_free(&err);
	if (stop)
		master_stop();
}

/* control_accept - a new control client; root only */
static void
control_accept(int lfd, int events, void *ctx)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	(void)events;
	(void)ctx;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != 0 && cred.uid != geteuid())) {
			log_warn("control: refused a client with uid %ld",
			    (long)cred.uid);
			close(fd);
			continue;
		}
		event_add(fd, EV_READ, client_ready, NULL);
	}
}

/* control_open - listen on path (mode 0600) */
int
control_open(const char *path)
{
	control_fd = sock_listen_unix(path, SOCK_SEQPACKET, 16, 0600);
	if (control_fd < 0)
		return -1;
	sock_nonblock(control_fd, 1);
	control_path = xstrdup(path);
	event_add(control_fd, EV_READ, control_accept, NULL);
	return 0;
}

/* control_close - stop listening and remove the socket */
void
control_close(void)
{
	if (control_fd < 0)
		return;
	event_del(control_fd);
	close(control_fd);
	unlink(control_path);
	xfree(control_path);
	control_fd = -1;
}
