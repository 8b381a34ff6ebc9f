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
 * As clamd 1.4.6: outside IDSESSION one command per connection,
 * answered and closed; inside, replies carry "<id>: " and may come out
 * of order.  Each packet is decoded as it arrives (a legacy command is
 * one packet), and a descriptor counts only with the packet it came in:
 * FILDES takes it with the byte after the command, a packet whose byte
 * came without one gets "No file descriptor received", and a descriptor
 * no FILDES took is a protocol error.  SCAN, CONTSCAN, MULTISCAN and
 * ALLMATCHSCAN walk a tree as libclamav's cli_ftw does for clamd (files
 * of a directory first, then its subdirectories, each in inode order;
 * no symlink followed; 15 levels deep) and open the files as
 * mail_owner; ALLMATCHSCAN gives a line per signature that matches.
 * Deliberate differences: relative paths are refused (clamd would take
 * them from its own cwd, ours is the queue); a session ended by an
 * invalid command still gets the replies of the scans in flight (clamd
 * drops them when it closes at once).  A scan limit is reported OK, as
 * clamd without AlertExceedsMax.
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
#include <time.h>
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

#define MAX_RECV_FDS	8	/* room for descriptors in one recvmsg */
#define MAX_DIR_DEPTH	15	/* clamd's MaxDirectoryRecursion default */
/* clamd's answer to a descriptor that no FILDES took */
#define PROTOCOL_ERROR \
	"PROTOCOL ERROR: ancillary data sent without FILDES. ERROR"

struct cconn {
	int		 fd;
	int		 closed;
	int		 pending;	/* jobs in the threads */
	struct clamd_decoder *dec;
	struct buf	 in, out;
	int		 recvfd;	/* came with the packet being decoded */
	int		 session;	/* inside IDSESSION */
	unsigned	 next_id;
	enum clamd_term	 last_term;	/* of the last command, as clamd's */
	int		 no_more;	/* take no further command */
	int		 dispatched;	/* a command clamd hands to a thread
					   (not the end of a stream) */
	int		 eof;
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
	if (!c->closed) {
		if (c->registered)
			event_del(c->fd);
		close(c->fd);
		c->closed = 1;
		event_timer_cancel(c->timer);
		c->timer = NULL;
		if (c->recvfd >= 0)
			close(c->recvfd);
		c->recvfd = -1;
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
	if (c->out.len == 0 && c->pending == 0 && (c->no_more || c->eof))
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

/* A path scan, as clamd's scan_callback over cli_ftw. */
struct walk {
	struct scanjob	*job;
	int		 stop;		/* SCAN, ALLMATCHSCAN: end at a hit */
	int		 allmatch;	/* ALLMATCHSCAN: a line per signature */
	int		 need_stat;	/* stat each entry: not in MULTISCAN */
	dev_t		 procdev;	/* clamd skips the files of /proc */
	int		 have_procdev;
	/* clamd's counts: "<path>: OK" when nothing was found and not all
	   failed; MULTISCAN counts its files (the jobs clamd dispatches) */
	unsigned	 total, errors, infected, files, failed;
	const char	*path;		/* the file being scanned */
};

/* walk_reply - one reply line of a path scan */
static void
walk_reply(struct walk *w, const char *path, const char *what,
    const char *status)
{
	struct scanjob *j = w->job;

	clamd_reply(&j->reply, j->term, j->sid, "%s: %s%s%s", path, what,
	    *status ? " " : "", status);
}

/* stat_error - a path that cannot be examined (clamd's error_stat) */
static void
stat_error(struct walk *w, const char *path, int err)
{
	char eb[128], msg[192];

	w->total++;
	w->errors++;
	snprintf(msg, sizeof(msg), "File path check failure: %s.",
	    strerror_r(err, eb, sizeof(eb)));
	walk_reply(w, path, msg, "ERROR");
}

/* found_one - ALLMATCHSCAN: each signature is a line, as clamd's */
static void
found_one(const char *virname, void *ctx)
{
	struct walk *w = ctx;

	w->infected++;
	walk_reply(w, w->path, virname, "FOUND");
}

/* scan_open - scan one open file: 1 infected, 0 clean, -1 failed */
static int
scan_open(struct walk *w, int fd, long long size)
{
	struct scanjob *j = w->job;
	struct buf err = BUF_INIT;
	const char *name;
	struct rules *r;
	enum scan_result res;
	unsigned before = w->infected;

	if (!w->allmatch) {
		xfree(j->name);
		xfree(j->error);
		j->name = j->error = NULL;
		scan_fd(j, fd, 0, size);
		if (j->result == SCAN_VIRUS) {
			w->infected++;
			walk_reply(w, w->path, j->name, "FOUND");
			return 1;
		}
		if (j->result != SCAN_ERROR)
			return 0;
		walk_reply(w, w->path, j->error ? j->error : "scan failed",
		    "ERROR");
		return -1;
	}
	r = rules_get();
	res = engine_scan_all(r->engine, fd, 0, size, found_one, w, &name,
	    &err);
	/* a verdict that came without its report still gets its line */
	if (res == SCAN_VIRUS && w->infected == before)
		found_one(name, w);
	rules_put(r);
	if (res == SCAN_ERROR)
		walk_reply(w, w->path, err.len ? buf_str(&err) : "scan failed",
		    "ERROR");
	buf_free(&err);
	return res == SCAN_VIRUS ? 1 : res == SCAN_ERROR ? -1 : 0;
}

/*
 * visit_file - one file of a path scan (st when stat()ed); -1 ends the
 * walk, as clamd's SCAN ends at the first hit or scan failure
 */
static int
visit_file(struct walk *w, const char *path, const struct stat *st)
{
	struct stat fst;
	int fd, rc;

	w->total++;
	w->files++;
	if (st != NULL && ((w->have_procdev && st->st_dev == w->procdev) ||
	    st->st_size == 0))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) < 0) {
		w->errors++;
		w->failed++;
		/* libclamav tells EACCES apart; clamd goes on after it */
		if (errno == EACCES) {
			walk_reply(w, path, "Access denied.", "ERROR");
			return 0;
		}
		walk_reply(w, path, cl_strerror(CL_EOPEN), "ERROR");
		return w->stop ? -1 : 0;
	}
	rc = 0;
	if (fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_size > 0) {
		w->path = path;
		rc = scan_open(w, fd, (long long)fst.st_size);
		w->path = NULL;
		if (rc < 0) {
			w->errors++;
			w->failed++;
		}
	}
	close(fd);
	return rc != 0 && w->stop ? -1 : 0;
}

struct entry {
	char		*path;
	ino_t		 ino;
	int		 is_dir;
	int		 stated;
	struct stat	 st;
};

/* entry_cmp - files before directories, then ascending inode */
static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->is_dir != y->is_dir)
		return x->is_dir - y->is_dir;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

/*
 * walk_dir - a directory as cli_ftw_dir: read it whole, classify each
 * entry (symlinks are not followed, special files skipped), then visit
 * in entry_cmp order; -1 ends the walk
 */
static int
walk_dir(struct walk *w, const char *dir, int depth)
{
	struct entry *ents = NULL, *e;
	size_t n = 0, i;
	struct dirent *de;
	struct stat st;
	struct buf p = BUF_INIT;
	int special, rc = 0;
	DIR *d;

	if (depth < 0) {		/* too deep: skipped, as clamd */
		w->total++;
		return 0;
	}
	if ((d = opendir(dir)) == NULL) {
		stat_error(w, dir, errno);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 || de->d_type == DT_LNK)
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name);
		special = de->d_type != DT_DIR && de->d_type != DT_REG &&
		    de->d_type != DT_UNKNOWN;
		memset(&st, 0, sizeof(st));
		if (de->d_type == DT_UNKNOWN) {
			if (lstat(buf_str(&p), &st) < 0) {
				stat_error(w, buf_str(&p), errno);
				continue;
			}
			if (S_ISLNK(st.st_mode)) {
				w->total++;	/* a skipped link */
				continue;
			}
			special = !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode);
		} else if (w->need_stat && stat(buf_str(&p), &st) < 0) {
			stat_error(w, buf_str(&p), errno);
			continue;
		}
		if (special) {
			w->total++;	/* skipped, said only at the top */
			continue;
		}
		ents = xreallocarray(ents, n + 1, sizeof(*ents));
		e = &ents[n++];
		e->path = xstrdup(buf_str(&p));
		e->ino = de->d_ino;
		e->is_dir = de->d_type == DT_DIR || (de->d_type ==
		    DT_UNKNOWN && S_ISDIR(st.st_mode));
		e->stated = w->need_stat;
		e->st = st;
	}
	closedir(d);
	buf_free(&p);
	if (n > 0)
		qsort(ents, n, sizeof(*ents), entry_cmp);
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = ents[i].is_dir ?
			    walk_dir(w, ents[i].path, depth - 1) :
			    visit_file(w, ents[i].path,
			    ents[i].stated ? &ents[i].st : NULL);
		xfree(ents[i].path);
	}
	xfree(ents);
	return rc;
}

/* walk_top - the path of the command, as cli_ftw's top level */
static void
walk_top(struct walk *w, const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		stat_error(w, path, errno);
		return;
	}
	if (S_ISREG(st.st_mode)) {
		(void)visit_file(w, path, &st);
		return;
	}
	w->total++;
	if (S_ISLNK(st.st_mode))
		return;			/* clamd follows no symlink */
	if (S_ISDIR(st.st_mode))
		(void)walk_dir(w, path, MAX_DIR_DEPTH);
	else
		walk_reply(w, path, "Not supported file type", "ERROR");
}

/* path_run - SCAN, CONTSCAN, MULTISCAN, ALLMATCHSCAN, in a thread */
static void
path_run(struct scanjob *j)
{
	struct walk w;
	struct stat st;
	char *path = j->path, *end;
	int ok;

	memset(&w, 0, sizeof(w));
	w.job = j;
	w.stop = j->cmd == CLAMD_SCAN || j->cmd == CLAMD_ALLMATCHSCAN;
	w.allmatch = j->cmd == CLAMD_ALLMATCHSCAN;
	w.need_stat = 1;
	j->want_virus = 1;
	if (stat("/proc", &st) == 0) {
		w.procdev = st.st_dev;
		w.have_procdev = 1;
	}
	/*
	 * cli_ftw collapses leading slashes for the walk and cuts trailing
	 * ones in place: the final "<path>: OK" shows the latter only
	 */
	if (path[0] && path[1]) {
		while (path[0] == '/' && path[1] == '/')
			path++;
		end = path + strlen(path);
		while (end > path && end[-1] == '/')
			--end;
		*end = '\0';
	}
	if (path[0] != '/') {
		clamd_reply_result(&j->reply, j->term, j->sid, path, NULL,
		    "File path check failure: Relative paths are not allowed.");
		return;
	}
	/* clamd's MULTISCAN is for directories; on a file it is CONTSCAN */
	if (j->cmd == CLAMD_MULTISCAN && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		w.need_stat = 0;
	walk_top(&w, path);
	if (!w.need_stat)
		ok = w.infected == 0 && w.files > 0 && w.failed != w.files;
	else
		ok = w.infected == 0 && w.errors != w.total;
	if (ok)
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

/*
 * stats_reply - STATS in clamd's (declared unstable) layout.  clamd
 * prints a tab line per thread; the pool does not publish what each
 * scanning thread does, so the one line is the thread that answers (the
 * main thread, doing STATS).  The memory of libclamav's pools is not
 * public either: "pools 0", as clamd prints when it cannot read them.
 */
static void
stats_reply(struct cconn *c, unsigned sid, enum clamd_term term)
{
	int live, busy, queued;
	struct timespec t0, t1;
	struct buf b = BUF_INIT;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pool_load(&live, &busy, &queued);
	if (sid)
		buf_addf(&b, "%u: ", sid);
	buf_addf(&b, "POOLS: 1\n\nSTATE: VALID PRIMARY\n"
	    "THREADS: live %d  idle %d max %lld idle-timeout %lld\n"
	    "QUEUE: %d items\n", live, live - busy, cf->max_threads,
	    cf->command_read_timeout, queued);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	buf_addf(&b, "\tSTATS %f \n\n", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	buf_adds(&b, "MEMSTATS: heap N/A mmap N/A used N/A free N/A "
	    "releasable N/A pools 0 pools_used 0.000M pools_total 0.000M\n"
	    "END");
	buf_add(&c->out, b.data, b.len);
	buf_addc(&c->out, term == CLAMD_TERM_NUL ? '\0' : '\n');
	buf_free(&b);
}

/* version_text - "ClamAV 1.4.6/27400/<date>", as clamd's print_ver */
static void
version_text(struct buf *b)
{
	struct rules *r = rules_get();

	buf_addf(b, "ClamAV %s", cl_retver());
	if (r->dbversion[0])
		buf_addf(b, "/%s", r->dbversion);
	rules_put(r);
}

/* version_reply - VERSION, or VERSIONCOMMANDS with the command list */
static void
version_reply(struct cconn *c, unsigned sid, enum clamd_term term,
    int commands)
{
	struct buf v = BUF_INIT, b = BUF_INIT;

	version_text(&v);
	if (commands)
		clamd_versioncommands(&b, buf_str(&v));
	else
		buf_adds(&b, buf_str(&v));
	clamd_reply(&c->out, term, sid, "%s", buf_str(&b));
	buf_free(&v);
	buf_free(&b);
}

/* request - one decoded command */
static void
request(struct cconn *c, const struct clamd_request *req)
{
	struct scanjob *j;
	unsigned sid = 0;
	int fd;

	if (c->session)
		sid = ++c->next_id;
	if (c->session && req->term == CLAMD_TERM_LEGACY) {
		/*
		 * clamd's words, backslashes and all; then its complaint
		 * about a descriptor in the packet, or its generic one
		 */
		clamd_reply(&c->out, c->last_term, sid, "Only nCMDS\\n and "
		    "zCMDS\\0 are accepted inside IDSESSION. ERROR");
		clamd_reply(&c->out, c->last_term, sid, "%s", c->recvfd >= 0 ?
		    PROTOCOL_ERROR : "Error processing command. ERROR");
		finish_when_done(c);
		return;
	}
	c->last_term = req->term;
	if (c->session && !clamd_session_allowed(req->cmd)) {
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
	case CLAMD_VERSIONCOMMANDS:
		version_reply(c, sid, req->term,
		    req->cmd == CLAMD_VERSIONCOMMANDS);
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
	case CLAMD_DETSTATSCLEAR:
	case CLAMD_DETSTATS:
		/* still listed, but clamd 1.4 answers them with a close */
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
		c->dispatched = 1;
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
		/* the byte after the command came: with a descriptor or not */
		if (c->recvfd < 0) {
			clamd_reply(&c->out, req->term, sid,
			    "No file descriptor received. ERROR");
			finish_when_done(c);
			return;
		}
		fd = c->recvfd;
		c->recvfd = -1;
		start_fildes(c, fd, sid, req->term);
		c->dispatched = 1;
		break;
	case CLAMD_STATS:
		stats_reply(c, sid, req->term);
		c->dispatched = 1;
		break;
	case CLAMD_IDSESSION:
		c->session = 1;
		return;
	case CLAMD_END:
		if (c->session) {
			finish_when_done(c);
			return;
		}
		/* FALLTHROUGH */
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

/*
 * process - decode and act on the packet just received, after what an
 * earlier one left unfinished: clamd's buffer after a recv
 */
static void
process(struct cconn *c)
{
	struct clamd_request req;
	const char *data;
	size_t used, dlen, taken = 0;
	unsigned sid;
	int r, first = 1;

	/* at the end of input clamd acts on nothing left in its buffer */
	while (!c->eof && !c->closed && !c->no_more && c->in.len > 0) {
		/* clamd looks for a legacy command at the buffer's start only */
		if (!first && clamd_idle(c->dec) && c->in.data[0] != 'z' &&
		    c->in.data[0] != 'n')
			break;
		first = 0;
		r = clamd_feed(c->dec, c->in.data, c->in.len, &used, &req,
		    &data, &dlen);
		if (r == CLAMD_DATA && write_stream(c, data, dlen) < 0) {
			finish_when_done(c);
			break;
		}
		/* data and req.arg point into c->in: used before the drop */
		if (r == CLAMD_REQUEST)
			request(c, &req);
		buf_drop(&c->in, used);
		taken += used;
		if (r == CLAMD_STREAM_END)
			stream_end(c);
		else if (r == CLAMD_ERR_TOO_LONG) {
			/* an over-long command line gets no answer, as clamd */
			if (c->sfd >= 0)
				clamd_reply(&c->out, c->sterm, c->ssid,
				    "INSTREAM size limit exceeded. ERROR");
			finish_when_done(c);
		} else if (r < 0)
			finish_when_done(c);
		/*
		 * clamd's word for more after a command it gave a thread,
		 * if its buffer (CLAMD_LINE_MAX) held any of it
		 */
		if (c->no_more && !c->session && c->dispatched &&
		    c->in.len > 0 && taken < CLAMD_LINE_MAX)
			clamd_reply(&c->out, c->last_term, 0,
			    "Error processing command. ERROR");
	}
	if (c->no_more)
		buf_reset(&c->in);	/* nothing more is read */
	if (c->recvfd >= 0) {
		/* a descriptor no FILDES took with its byte */
		close(c->recvfd);
		c->recvfd = -1;
		if (!c->no_more) {
			/* clamd's id: the next command's, or the stream's */
			sid = !c->session ? 0 : c->sfd >= 0 ? c->ssid :
			    c->next_id + 1;
			clamd_reply(&c->out, c->last_term, sid, PROTOCOL_ERROR);
			if (c->sfd >= 0)
				clamd_reply(&c->out, c->last_term, sid,
				    "Error processing command. ERROR");
			finish_when_done(c);
		}
	}
	if (c->eof && !c->no_more) {
		/* a request cut short gets no answer, as from clamd */
		if (clamd_finish(c->dec) != CLAMD_NEED_MORE)
			log_debug("clamd client: request cut short");
		c->no_more = 1;
	}
	cconn_flush(c);
}

/*
 * take_fds - the descriptor that came with this packet, for FILDES;
 * any more in it, or one after the last command, is closed
 */
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
			if (c->recvfd < 0 && !c->no_more)
				c->recvfd = fds[i];
			else
				close(fds[i]);
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
		char		buf[CMSG_SPACE(sizeof(int) * MAX_RECV_FDS)];
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
		c->recvfd = -1;
		c->last_term = CLAMD_TERM_NUL;	/* clamd's initial '\0' */
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
