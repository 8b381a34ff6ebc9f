/*
 * clamd.c - the scanner speaks the clamd protocol, so that clamdscan,
 * freshclam's NotifyClamd and amavisd-new's clamd entry can use it.
 *
 * Exports clamd_bind (root, before the privilege drop: the listeners),
 * clamd_start, clamd_drain, clamd_busy and clamd_unlink.  Every byte a
 * client sends is hostile; clamdproto.c decodes it.  Scans run in the
 * scanner's threads (scanner.c); this file only runs in the main
 * thread's event loop, except the *_run functions, which run in a
 * thread and touch nothing but their job.
 *
 * As clamd 1.4: outside IDSESSION one command per connection, answered
 * and closed; inside, replies carry "<id>: " and may come out of order.
 * SCAN/CONTSCAN/MULTISCAN/ALLMATCHSCAN open the path as mail_owner.
 * A scan limit is reported OK, as clamd without AlertExceedsMax.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clamav.h>

#include "clamdproto.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "scanner.h"
#include "skel.h"
#include "sock.h"

#define MAX_HELD_FDS	8	/* descriptors received but not yet asked for */
#define MAX_DIR_DEPTH	64

struct cconn {
	int		 fd;
	int		 closed;
	int		 pending;	/* jobs in the threads */
	struct clamd_decoder *dec;
	struct buf	 in, out;
	int		 held[MAX_HELD_FDS];
	int		 nheld;
	int		 session;	/* inside IDSESSION */
	unsigned	 next_id;
	int		 no_more;	/* take no further command */
	int		 eof;
	int		 want_fd;	/* FILDES waits for its descriptor */
	unsigned	 want_sid;
	enum clamd_term	 want_term;
	int		 sfd;		/* INSTREAM data, a memfd */
	unsigned	 ssid;
	enum clamd_term	 sterm;
	struct event_timer *timer;
	int		 watching_write;
	int		 registered;	/* in the event loop */
	struct cconn	*next;
};

static struct cconn *cconns;
static int unix_fd = -1, tcp_fd = -1;
static dev_t unix_dev;
static ino_t unix_ino;
static int have_unix_ino;

static void cconn_flush(struct cconn *);

/* ------------------------------------------------------- connections */

static struct event_timer *reaper;

/* reap - free closed connections that no job refers to any more */
static void
reap(void *ctx)
{
	struct cconn **pp, *c;

	(void)ctx;
	reaper = NULL;
	for (pp = &cconns; (c = *pp) != NULL;) {
		if (!c->closed || c->pending > 0) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		clamd_decoder_free(c->dec);
		buf_free(&c->in);
		buf_free(&c->out);
		xfree(c);
	}
}

/*
 * cconn_close - close the socket and what it holds; the memory goes at
 * the next turn of the loop (reap), so callers may still look at c
 */
static void
cconn_close(struct cconn *c)
{
	int i;

	if (!c->closed) {
		if (c->registered)
			event_del(c->fd);
		close(c->fd);
		c->closed = 1;
		event_timer_cancel(c->timer);
		c->timer = NULL;
		for (i = 0; i < c->nheld; i++)
			close(c->held[i]);
		c->nheld = 0;
		if (c->sfd >= 0)
			close(c->sfd);
		c->sfd = -1;
	}
	if (c->pending == 0 && reaper == NULL)
		reaper = event_timer(0, reap, NULL);
}

/* idle_timeout - a client silent for command_read_timeout */
static void
idle_timeout(void *ctx)
{
	struct cconn *c = ctx;

	c->timer = NULL;
	if (c->pending > 0) {		/* it waits for us, not we for it */
		c->timer = event_timer(cf->command_read_timeout * 1000L,
		    idle_timeout, c);
		return;
	}
	log_debug("clamd client silent for %llds: closing",
	    cf->command_read_timeout);
	cconn_close(c);
}

/* rearm - restart the idle timer */
static void
rearm(struct cconn *c)
{
	event_timer_cancel(c->timer);
	c->timer = event_timer(cf->command_read_timeout * 1000L, idle_timeout,
	    c);
}

/* finish_when_done - no further command: close once all is answered */
static void
finish_when_done(struct cconn *c)
{
	c->no_more = 1;
	cconn_flush(c);
}

static void cconn_ready(int, int, void *);

/* cconn_flush - write what we can; close when finished */
static void
cconn_flush(struct cconn *c)
{
	ssize_t n;

	if (c->closed)
		return;
	while (c->out.len > 0) {
		n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			cconn_close(c);
			return;
		}
		buf_drop(&c->out, (size_t)n);
	}
	if (c->out.len > 0 && !c->watching_write) {
		if (c->registered)
			event_mod(c->fd, EV_READ | EV_WRITE);
		else
			event_add(c->fd, EV_WRITE, cconn_ready, c);
		c->registered = 1;
		c->watching_write = 1;
	} else if (c->out.len == 0 && c->watching_write) {
		c->watching_write = 0;
		if (c->eof) {
			event_del(c->fd);
			c->registered = 0;
		} else {
			event_mod(c->fd, EV_READ);
		}
	}
	if (c->out.len == 0 && c->pending == 0 && !c->want_fd &&
	    (c->no_more || c->eof))
		cconn_close(c);
}

/* ------------------------------------------------------------- jobs */

/* fd_run - FILDES or INSTREAM: scan the whole descriptor, in a thread */
static void
fd_run(struct scanjob *j)
{
	struct stat st;
	const char *err = NULL;

	if (fstat(j->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		clamd_reply_result(&j->reply, j->term, j->sid, j->what, NULL,
		    "Not a regular file");
		return;
	}
	j->want_virus = 1;
	scan_fd(j, j->fd, 0, (long long)st.st_size);
	if (j->result == SCAN_ERROR)
		err = j->error ? j->error : "scan failed";
	clamd_reply_result(&j->reply, j->term, j->sid, j->what,
	    j->result == SCAN_VIRUS ? j->name : NULL, err);
}

struct walk {
	struct scanjob	*job;
	int		 found;		/* hits so far */
	int		 stop_at_first;	/* SCAN */
};

/* scan_file - one file of a path scan; 1 if it was infected */
static int
scan_file(struct walk *w, const char *path)
{
	struct scanjob *j = w->job;
	struct stat st;
	int fd, hit = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		struct buf e = BUF_INIT;

		buf_addf(&e, "Access denied");
		clamd_reply_result(&j->reply, j->term, j->sid, path, NULL,
		    buf_str(&e));
		buf_free(&e);
		return 0;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		xfree(j->name);
		xfree(j->error);
		j->name = j->error = NULL;
		scan_fd(j, fd, 0, (long long)st.st_size);
		if (j->result == SCAN_VIRUS) {
			clamd_reply_result(&j->reply, j->term, j->sid, path,
			    j->name, NULL);
			hit = 1;
		} else if (j->result == SCAN_ERROR) {
			clamd_reply_result(&j->reply, j->term, j->sid, path,
			    NULL, j->error ? j->error : "scan failed");
		}
	}
	close(fd);
	return hit;
}

/* scan_tree - a directory, depth first, in name order */
static void
scan_tree(struct walk *w, const char *path, int depth)
{
	struct dirent **list = NULL;
	struct buf sub = BUF_INIT;
	struct stat st;
	int n, i;

	if (depth > MAX_DIR_DEPTH)
		return;
	if ((n = scandir(path, &list, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") == 0 ||
		    strcmp(list[i]->d_name, "..") == 0 ||
		    (w->stop_at_first && w->found))
			continue;
		buf_reset(&sub);
		buf_addf(&sub, "%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", list[i]->d_name);
		if (lstat(buf_str(&sub), &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode))
			scan_tree(w, buf_str(&sub), depth + 1);
		else if (S_ISREG(st.st_mode))
			w->found += scan_file(w, buf_str(&sub));
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	buf_free(&sub);
}

/* path_run - SCAN, CONTSCAN, MULTISCAN, ALLMATCHSCAN, in a thread */
static void
path_run(struct scanjob *j)
{
	struct walk w = { j, 0, j->cmd == CLAMD_SCAN };
	struct stat st;
	struct buf e = BUF_INIT;

	j->want_virus = 1;
	if (j->path[0] != '/') {
		clamd_reply_result(&j->reply, j->term, j->sid, j->path, NULL,
		    "File path check failure: Relative paths are not allowed.");
		return;
	}
	if (stat(j->path, &st) < 0) {
		buf_addf(&e, "File path check failure: %s.", strerror(errno));
		clamd_reply_result(&j->reply, j->term, j->sid, j->path, NULL,
		    buf_str(&e));
		buf_free(&e);
		return;
	}
	if (S_ISDIR(st.st_mode))
		scan_tree(&w, j->path, 0);
	else
		w.found = scan_file(&w, j->path);
	if (w.found == 0 && j->reply.len == 0)
		clamd_reply_result(&j->reply, j->term, j->sid, j->path, NULL,
		    NULL);
}

/* job_back - a scan for a clamd client is done: queue its reply */
static void
job_back(struct scanjob *j)
{
	struct cconn *c = j->owner;

	c->pending--;
	if (!c->closed)
		buf_add(&c->out, j->reply.data, j->reply.len);
	scanjob_free(j);
	if (c->closed)
		cconn_close(c);
	else
		cconn_flush(c);
}

/* submit - hand a scan to the threads; busy gets an ERROR reply */
static void
submit(struct cconn *c, struct scanjob *j)
{
	j->owner = c;
	j->done = job_back;
	if (pool_submit(j, 1) < 0) {
		clamd_reply_result(&c->out, (enum clamd_term)j->term, j->sid,
		    j->what ? j->what : j->path, NULL,
		    "Server busy: MaxConnectionQueueLength reached.");
		scanjob_free(j);
		return;
	}
	c->pending++;
}

/* start_fildes - FILDES with its descriptor */
static void
start_fildes(struct cconn *c, int fd, unsigned sid, enum clamd_term term)
{
	struct scanjob *j = scanjob_new();
	struct buf w = BUF_INIT;

	buf_addf(&w, "fd[%d]", fd);
	j->fd = fd;
	j->what = buf_steal(&w);
	j->sid = sid;
	j->term = term;
	j->run = fd_run;
	submit(c, j);
}

/* ---------------------------------------------------------- commands */

/* stats_reply - STATS, in clamd's (declared unstable) layout */
static void
stats_reply(struct cconn *c, unsigned sid, enum clamd_term term)
{
	int live, busy, queued;
	struct buf b = BUF_INIT;

	pool_load(&live, &busy, &queued);
	if (sid)
		buf_addf(&b, "%u: ", sid);
	buf_addf(&b, "POOLS: 1\n\nSTATE: VALID PRIMARY\n"
	    "THREADS: live %d  idle %d max %lld idle-timeout %lld\n"
	    "QUEUE: %d items\n\n"
	    "MEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A "
	    "pools 1 pools_used N/A pools_total N/A\nEND", busy, live - busy,
	    cf->max_threads, cf->command_read_timeout, queued);
	buf_add(&c->out, b.data, b.len);
	buf_addc(&c->out, term == CLAMD_TERM_NUL ? '\0' : '\n');
	buf_free(&b);
}

/* version_reply - VERSION: "ClamAV 1.4.6/27400/<date>" */
static void
version_reply(struct cconn *c, unsigned sid, enum clamd_term term)
{
	struct rules *r = rules_get();

	if (r->dbversion[0])
		clamd_reply(&c->out, term, sid, "ClamAV %s/%s", cl_retver(),
		    r->dbversion);
	else
		clamd_reply(&c->out, term, sid, "ClamAV %s", cl_retver());
	rules_put(r);
}

/* request - one decoded command */
static void
request(struct cconn *c, const struct clamd_request *req)
{
	struct scanjob *j;
	unsigned sid = 0;

	if (c->session && req->cmd != CLAMD_END)
		sid = ++c->next_id;
	if (c->session && !clamd_session_allowed(req->cmd) &&
	    req->cmd != CLAMD_UNKNOWN) {
		clamd_reply(&c->out, req->term, sid,
		    "Command invalid inside IDSESSION. ERROR");
		finish_when_done(c);
		return;
	}
	switch (req->cmd) {
	case CLAMD_PING:
		clamd_reply(&c->out, req->term, sid, "PONG");
		break;
	case CLAMD_VERSION:
		version_reply(c, sid, req->term);
		break;
	case CLAMD_VERSIONCOMMANDS:
		clamd_reply(&c->out, req->term, sid, "%s",
		    clamd_versioncommands());
		break;
	case CLAMD_RELOAD:
		log_info("RELOAD from a clamd client");
		reload_request(1);
		clamd_reply(&c->out, req->term, sid, "RELOADING");
		break;
	case CLAMD_SHUTDOWN:
		/* the master owns our life: a client may not end it */
		log_warn("SHUTDOWN from a clamd client ignored (use "
		    "mailsiftctl stop)");
		finish_when_done(c);
		return;
	case CLAMD_SCAN:
	case CLAMD_CONTSCAN:
	case CLAMD_MULTISCAN:
	case CLAMD_ALLMATCHSCAN:
		j = scanjob_new();
		j->path = xstrdup(req->arg);
		j->cmd = req->cmd;
		j->sid = sid;
		j->term = req->term;
		j->run = path_run;
		submit(c, j);
		break;
	case CLAMD_INSTREAM:
		c->sfd = memfd_create("instream", MFD_CLOEXEC);
		if (c->sfd < 0) {
			clamd_reply(&c->out, req->term, sid, "stream: %s ERROR",
			    strerror(errno));
			finish_when_done(c);
			return;
		}
		c->ssid = sid;
		c->sterm = req->term;
		return;		/* the data follows */
	case CLAMD_FILDES:
		if (c->nheld > 0) {
			int fd = c->held[0];

			memmove(c->held, c->held + 1, (size_t)--c->nheld *
			    sizeof(int));
			start_fildes(c, fd, sid, req->term);
		} else {
			c->want_fd = 1;
			c->want_sid = sid;
			c->want_term = req->term;
		}
		break;
	case CLAMD_STATS:
		stats_reply(c, sid, req->term);
		break;
	case CLAMD_IDSESSION:
		c->session = 1;
		return;
	case CLAMD_END:
		finish_when_done(c);
		return;
	default:
		clamd_reply(&c->out, req->term, sid, "UNKNOWN COMMAND");
		finish_when_done(c);
		return;
	}
	if (!c->session)
		c->no_more = 1;
}

/* stream_end - the INSTREAM upload is complete: scan it */
static void
stream_end(struct cconn *c)
{
	struct scanjob *j = scanjob_new();

	j->fd = c->sfd;
	c->sfd = -1;
	j->what = xstrdup("stream");
	j->sid = c->ssid;
	j->term = c->sterm;
	j->run = fd_run;
	submit(c, j);
	if (!c->session)
		c->no_more = 1;
}

/* write_stream - INSTREAM bytes into the memfd; -1 with a reply */
static int
write_stream(struct cconn *c, const char *data, size_t dlen)
{
	ssize_t n;

	while (dlen > 0) {
		n = write(c->sfd, data, dlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			clamd_reply(&c->out, c->sterm, c->ssid,
			    "stream: %s ERROR", strerror(errno));
			return -1;
		}
		data += n;
		dlen -= (size_t)n;
	}
	return 0;
}

/* process - decode and act on what the client sent */
static void
process(struct cconn *c)
{
	struct clamd_request req;
	const char *data;
	size_t used, dlen;
	int r;

	while (!c->closed && !c->no_more && !c->want_fd) {
		if (c->in.len == 0 && !c->eof)
			break;
		if (c->in.len == 0) {
			r = clamd_finish(c->dec, &req);
			if (r == CLAMD_REQUEST)
				request(c, &req);
			else if (r != CLAMD_NEED_MORE && c->sfd >= 0)
				log_debug("clamd client: stream cut short");
			c->no_more = 1;
			break;
		}
		r = clamd_feed(c->dec, c->in.data, c->in.len, &used, &req,
		    &data, &dlen);
		if (r == CLAMD_DATA && write_stream(c, data, dlen) < 0) {
			finish_when_done(c);
			return;
		}
		/* data and req.arg point into c->in: used before the drop */
		if (r == CLAMD_REQUEST)
			request(c, &req);
		buf_drop(&c->in, used);
		switch (r) {
		case CLAMD_NEED_MORE:
			break;
		case CLAMD_REQUEST:
		case CLAMD_DATA:
			continue;
		case CLAMD_STREAM_END:
			stream_end(c);
			continue;
		case CLAMD_ERR_TOO_LONG:
			if (c->sfd >= 0)
				clamd_reply(&c->out, c->sterm, c->ssid,
				    "INSTREAM size limit exceeded. ERROR");
			finish_when_done(c);
			return;
		default:
			clamd_reply(&c->out, req.term, c->session ?
			    ++c->next_id : 0, "UNKNOWN COMMAND");
			finish_when_done(c);
			return;
		}
		break;
	}
	if (c->want_fd && c->eof) {
		clamd_reply(&c->out, c->want_term, c->want_sid,
		    "FILDES: didn't receive file descriptor. ERROR");
		c->want_fd = 0;
		c->no_more = 1;
	}
	cconn_flush(c);
}

/* take_fds - descriptors that came with the bytes */
static void
take_fds(struct cconn *c, struct msghdr *mh)
{
	struct cmsghdr *cm;
	int *fds, n, i;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)CMSG_DATA(cm);
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < n; i++) {
			if (c->want_fd) {
				c->want_fd = 0;
				start_fildes(c, fds[i], c->want_sid,
				    c->want_term);
				if (!c->session)
					c->no_more = 1;
			} else if (c->nheld < MAX_HELD_FDS) {
				c->held[c->nheld++] = fds[i];
			} else {
				close(fds[i]);
			}
		}
	}
}

/* cconn_ready - input (maybe with descriptors), or room for output */
static void
cconn_ready(int fd, int events, void *ctx)
{
	struct cconn *c = ctx;
	char data[65536];
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int) * MAX_HELD_FDS)];
	} cbuf;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh;
	ssize_t n;

	if (events & EV_WRITE) {
		cconn_flush(c);
		if (c->closed)
			return;
	}
	if (!(events & EV_READ) || c->eof)
		return;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		cconn_close(c);
		return;
	}
	rearm(c);
	take_fds(c, &mh);
	if (n == 0) {
		/* end of input: only our replies are left to send */
		c->eof = 1;
		if (!c->watching_write) {
			event_del(fd);
			c->registered = 0;
		}
	} else if (!c->no_more) {
		buf_add(&c->in, data, (size_t)n);
	}
	process(c);
}

/* accept_ready - a clamd client connects */
static void
accept_ready(int fd, int events, void *ctx)
{
	struct cconn *c;
	int s;

	(void)events;
	(void)ctx;
	while ((s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK))
	    >= 0) {
		c = xcalloc(1, sizeof(*c));
		c->fd = s;
		c->sfd = -1;
		c->dec = clamd_decoder_new(cf->stream_max_length);
		c->next = cconns;
		cconns = c;
		event_add(s, EV_READ, cconn_ready, c);
		c->registered = 1;
		rearm(c);
	}
	if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		log_warn("accept on the clamd socket: %m");
}

/* -------------------------------------------------------------- setup */

/* clamd_bind - as root: the unix and TCP listeners */
void
clamd_bind(void)
{
	struct stat st;
	char port[24];
	long mode;
	char *end;

	if (cf->local_socket[0]) {
		mode = strtol(cf->local_socket_mode, &end, 8);
		if (*end || mode < 0 || mode > 0777)
			log_fatal("local_socket_mode %s: not an octal mode",
			    cf->local_socket_mode);
		if ((unix_fd = sock_listen_unix(cf->local_socket, SOCK_STREAM,
		    256, (int)mode)) < 0)
			log_fatal("cannot listen on %s: %m", cf->local_socket);
		if (stat(cf->local_socket, &st) == 0) {
			unix_dev = st.st_dev;
			unix_ino = st.st_ino;
			have_unix_ino = 1;
		}
		sock_nonblock(unix_fd, 1);
	}
	if (cf->tcp_socket > 0) {
		snprintf(port, sizeof(port), "%lld", cf->tcp_socket);
		if ((tcp_fd = sock_listen_inet(cf->tcp_addr, port, 256)) < 0)
			log_fatal("cannot listen on %s:%s: %m", cf->tcp_addr,
			    port);
		sock_nonblock(tcp_fd, 1);
	}
}

/* clamd_start - serve the listeners */
void
clamd_start(void)
{
	if (unix_fd >= 0) {
		event_add(unix_fd, EV_READ, accept_ready, NULL);
		log_info("clamd protocol on %s", cf->local_socket);
	}
	if (tcp_fd >= 0) {
		event_add(tcp_fd, EV_READ, accept_ready, NULL);
		log_info("clamd protocol on %s:%lld", cf->tcp_addr,
		    cf->tcp_socket);
	}
}

/* clamd_drain - stop taking clients; finish those in flight */
void
clamd_drain(void)
{
	struct cconn *c, *next;

	if (unix_fd >= 0) {
		event_del(unix_fd);
		close(unix_fd);
		unix_fd = -1;
	}
	if (tcp_fd >= 0) {
		event_del(tcp_fd);
		close(tcp_fd);
		tcp_fd = -1;
	}
	for (c = cconns; c; c = next) {
		next = c->next;
		if (c->pending == 0 && c->out.len == 0)
			cconn_close(c);
		else
			c->no_more = 1;
	}
}

/* clamd_busy - clients with work or replies in flight */
int
clamd_busy(void)
{
	struct cconn *c;
	int n = 0;

	for (c = cconns; c; c = c->next)
		if (c->pending > 0 || (!c->closed && c->out.len > 0))
			n++;
	return n;
}

/* clamd_unlink - remove our socket, unless a newer scanner replaced it */
void
clamd_unlink(void)
{
	struct stat st;

	if (have_unix_ino && stat(cf->local_socket, &st) == 0 &&
	    st.st_dev == unix_dev && st.st_ino == unix_ino)
		(void)unlink(cf->local_socket);
}
