/*
 * qmgr - the queue manager: sole owner of the queue directory.
 *
 * One process, one event loop.  smtpd-in asks it for queue files and
 * commits them; it runs each message through the pipeline, has
 * reinject deliver it and gives smtpd-in the reply for its client
 * (job.c).  mailsiftctl asks it for statistics and the queue listing.
 *
 * At start-up it deals with what a crash left behind: a file still
 * being written or never delivered is removed (its client was never
 * told 250 and keeps the message); a delivered one becomes a duplicate
 * record (dedup.c) so that the client's retry is not delivered twice.
 * Files another qmgr (an older generation, still draining) or an
 * smtpd-in still holds are locked; they are looked at again until free.
 *
 * Inputs: requests from smtpd-in and mailsiftctl, queue files.  Runs
 * unprivileged (mail_owner).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>

#include "config.h"
#include "ipc.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "skel.h"

static const char *const queue_dirs[] = {
	"incoming", "active", "deferred", "hold", "corrupt", "quarantine",
	"sent",
};
#define NQUEUE_DIRS (sizeof(queue_dirs) / sizeof(queue_dirs[0]))

/* Counters for "mailsiftctl stats". */
static const char *const stat_names[] = {
	"received", "delivered", "tempfailed", "rejected", "duplicates",
	"recovered", "viruses", "banned", "unchecked", "quarantined",
	"scored", "spam", "ham", "spam_blocked", "spam_unscored",
};
#define NSTATS (sizeof(stat_names) / sizeof(stat_names[0]))
static unsigned long long stats[NSTATS];
static time_t started;

/* Latency histogram: bucket k holds delays below 2^k ms. */
#define NLAT 24
static unsigned long long lat_hist[NLAT];
static unsigned long long lat_count, lat_sum_ms, lat_max_ms;

/* Files seen locked by a scan: looked at again until free. */
struct pending {
	char		 dir[16];
	char		 id[QUEUE_ID_MAX];
	struct pending	*next;
};
static struct pending *pending;
static struct event_timer *pending_timer;

static void scan_dir(const char *dir);

/* qmgr_stat_count - bump a counter */
void
qmgr_stat_count(const char *what)
{
	size_t i;

	for (i = 0; i < NSTATS; i++)
		if (strcmp(stat_names[i], what) == 0)
			stats[i]++;
}

/* qmgr_stat_latency - record the commit-to-reply time of a message */
void
qmgr_stat_latency(long long ms)
{
	int k = 0;

	while (k < NLAT - 1 && (1LL << k) <= ms)
		k++;
	lat_hist[k]++;
	lat_count++;
	lat_sum_ms += (unsigned long long)ms;
	if ((unsigned long long)ms > lat_max_ms)
		lat_max_ms = (unsigned long long)ms;
}

/* percentile - upper bound (ms) of the bucket holding fraction p */
static long long
percentile(double p)
{
	unsigned long long seen = 0, want = (unsigned long long)(p *
	    (double)lat_count);
	int k;

	for (k = 0; k < NLAT; k++) {
		seen += lat_hist[k];
		if (seen > want)
			return 1LL << k;
	}
	return 1LL << (NLAT - 1);
}

/* qmgr_path - $queue_directory/dir[/id] */
int
qmgr_path(struct buf *b, const char *dir, const char *id)
{
	buf_reset(b);
	buf_addf(b, "%s/%s", cf->queue_directory, dir);
	if (id)
		buf_addf(b, "/%s", id);
	return 0;
}

/* count_dir - queue files in a directory */
static long long
count_dir(const char *dir)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	long long n = 0;
	DIR *d;

	qmgr_path(&path, dir, NULL);
	if ((d = opendir(buf_str(&path))) != NULL) {
		while ((de = readdir(d)) != NULL)
			n += queue_valid_id(de->d_name);
		closedir(d);
	}
	buf_free(&path);
	return n;
}

/* send_stats - request=stats */
static void
send_stats(int fd)
{
	struct ipc_msg m;
	struct buf name = BUF_INIT;
	size_t i;

	ipc_msg_init(&m);
	ipc_add(&m, "status", "ok");
	for (i = 0; i < NSTATS; i++)
		ipc_addl(&m, stat_names[i], (long long)stats[i]);
	ipc_addl(&m, "in_flight", job_count());
	ipc_addl(&m, "latency_count", (long long)lat_count);
	ipc_addf(&m, "latency_avg_ms", "%.1f", lat_count ?
	    (double)lat_sum_ms / (double)lat_count : 0.0);
	ipc_addf(&m, "latency_p50_ms", "<%lld", lat_count ? percentile(0.5) :
	    0);
	ipc_addf(&m, "latency_p99_ms", "<%lld", lat_count ?
	    percentile(0.99) : 0);
	ipc_addl(&m, "latency_max_ms", (long long)lat_max_ms);
	ipc_addl(&m, "duplicate_records", dedup_count());
	ipc_addl(&m, "uptime", (long long)(time(NULL) - started));
	for (i = 0; i < NQUEUE_DIRS; i++) {
		buf_reset(&name);
		buf_addf(&name, "q_%s", queue_dirs[i]);
		ipc_addl(&m, buf_str(&name), count_dir(queue_dirs[i]));
	}
	(void)ipc_send(fd, &m, -1);
	ipc_msg_free(&m);
	buf_free(&name);
}

/* send_queue - request=queue: one packet per queue file */
static void
send_queue(int fd)
{
	struct buf path = BUF_INIT, err = BUF_INIT, rcpts = BUF_INIT;
	struct queue_env e;
	struct ipc_msg m;
	struct dirent *de;
	struct stat st;
	size_t i;
	int qfd, k;
	DIR *d;

	ipc_msg_init(&m);
	for (i = 0; i < NQUEUE_DIRS; i++) {
		if (strcmp(queue_dirs[i], "sent") == 0)
			continue;
		qmgr_path(&path, queue_dirs[i], NULL);
		if ((d = opendir(buf_str(&path))) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (!queue_valid_id(de->d_name))
				continue;
			qmgr_path(&path, queue_dirs[i], de->d_name);
			qfd = open(buf_str(&path), O_RDONLY | O_CLOEXEC);
			if (qfd < 0)
				continue;
			ipc_msg_reset(&m);
			ipc_add(&m, "id", de->d_name);
			ipc_add(&m, "dir", queue_dirs[i]);
			buf_reset(&err);
			if (queue_read_envelope(qfd, &e, &err) == 0) {
				buf_reset(&rcpts);
				for (k = 0; k < e.nrcpt && k < 5; k++)
					buf_addf(&rcpts, "%s<%s>", k ? " " : "",
					    e.rcpt[k].addr);
				if (e.nrcpt > 5)
					buf_addf(&rcpts, " (+%d)", e.nrcpt - 5);
				ipc_addf(&m, "state", "%c", e.state);
				ipc_add(&m, "sender", e.sender);
				ipc_addl(&m, "nrcpt", e.nrcpt);
				ipc_add(&m, "rcpts", buf_str(&rcpts));
				ipc_addl(&m, "size", e.msg_len);
				ipc_addl(&m, "age", (long long)time(NULL) -
				    e.arrival_sec);
				queue_env_free(&e);
			} else {
				ipc_add(&m, "state", "?");
				if (fstat(qfd, &st) == 0) {
					ipc_addl(&m, "size", st.st_size);
					ipc_addl(&m, "age", (long long)
					    (time(NULL) - st.st_mtime));
				}
			}
			close(qfd);
			if (ipc_send(fd, &m, -1) < 0)
				break;
		}
		closedir(d);
	}
	ipc_msg_reset(&m);
	ipc_add(&m, "end", "1");
	(void)ipc_send(fd, &m, -1);
	ipc_msg_free(&m);
	buf_free(&path);
	buf_free(&err);
	buf_free(&rcpts);
}

/* first_request - what a new connection wants decides what it is */
static void
first_request(int fd, int events, void *ctx)
{
	struct ipc_msg m;
	const char *req;
	int n;

	(void)events;
	(void)ctx;
	ipc_msg_init(&m);
	n = ipc_recv(fd, &m, 0);
	req = n == 1 && m.fd < 0 ? ipc_get(&m, "request") : NULL;
	if (req && strcmp(req, "new") == 0 && !skel_draining()) {
		job_new(fd);
		fd = -1;
	} else if (req && strcmp(req, "stats") == 0) {
		send_stats(fd);
	} else if (req && strcmp(req, "queue") == 0) {
		send_queue(fd);
	} else if (req && strcmp(req, "quarantine") == 0) {
		if (quarantine_request(fd, &m))
			fd = -1;	/* a release job answers later */
	} else if (n != 0) {
		log_warn("bad first request%s%s", req ? ": " : "",
		    req ? req : "");
	}
	if (fd >= 0) {
		event_del(fd);
		close(fd);
	}
	ipc_msg_free(&m);
}

/*
 * qmgr_serve - wait for the first request of a connection: a new one,
 * or an smtpd-in connection whose previous message is done.
 */
void
qmgr_serve(int fd)
{
	event_set(fd, EV_READ, first_request, NULL);
}

/* on_accept - a new connection (smtpd-in or mailsiftctl) */
static void
on_accept(int fd)
{
	qmgr_serve(fd);
}

/* recover - deal with one unlocked leftover; the fd holds its lock */
static void
recover(const char *dir, const char *id, int fd)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	struct queue_env e;
	char flags[1024 + 3];
	ssize_t n;

	qmgr_path(&path, dir, id);
	if (strcmp(dir, "incoming") == 0) {
		log_info("%s: removed an unfinished queue file (its client "
		    "was never answered and keeps the message)", id);
		unlink(buf_str(&path));
		goto out;
	}
	if (queue_read_envelope(fd, &e, &err) < 0) {
		struct buf to = BUF_INIT;

		qmgr_path(&to, "corrupt", id);
		log_error("%s: %s; moved to corrupt/", id, buf_str(&err));
		if (rename(buf_str(&path), buf_str(&to)) < 0)
			log_warn("%s: rename: %m", id);
		buf_free(&to);
		goto out;
	}
	if (e.state == QUEUE_DELIVERED) {
		memset(flags, 0, sizeof(flags));
		n = pread(fd, flags, sizeof(flags) - 1, e.extra_off +
		    e.extra_len);
		if (n > 2 && flags[0] == 'O' && flags[1] == ' ')
			dedup_record_file(fd, &e, flags + 2);
		else
			log_warn("%s: delivered, but its recipient record is "
			    "missing", id);
	} else {
		log_info("%s: removed a message that was not delivered "
		    "(state %c); its client was not told 250 and will retry",
		    id, e.state);
	}
	qmgr_stat_count("recovered");
	unlink(buf_str(&path));
	queue_env_free(&e);
out:
	buf_free(&path);
	buf_free(&err);
}

/* owned - is (dir, id) one of our own jobs? */
static int
owned(const char *dir, const char *id)
{
	struct job *j;

	for (j = jobs; j; j = j->next)
		if (strcmp(j->id, id) == 0 && strcmp(j->dir, dir) == 0)
			return 1;
	return 0;
}

/* try_recover - recover the file if nobody holds it; 0 if locked */
static int
try_recover(const char *dir, const char *id)
{
	struct buf path = BUF_INIT;
	int fd;

	if (owned(dir, id))
		return 0;
	qmgr_path(&path, dir, id);
	fd = open(buf_str(&path), O_RDWR | O_CLOEXEC);
	buf_free(&path);
	if (fd < 0)
		return 1;	/* gone meanwhile */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return 0;
	}
	recover(dir, id, fd);
	close(fd);
	return 1;
}

/* pending_tick - look at locked leftovers again */
static void
pending_tick(void *ctx)
{
	(void)ctx;
	pending_timer = NULL;
	qmgr_recover_pending();
	if (pending)
		pending_timer = event_timer(1000, pending_tick, NULL);
}

/* qmgr_recover_pending - recover leftovers that are no longer locked */
void
qmgr_recover_pending(void)
{
	struct pending **pp, *p;

	for (pp = &pending; (p = *pp) != NULL;) {
		if (try_recover(p->dir, p->id)) {
			*pp = p->next;
			xfree(p);
		} else {
			pp = &p->next;
		}
	}
}

/* scan_dir - recover every leftover of dir not in use */
static void
scan_dir(const char *dir)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	struct pending *p;
	DIR *d;

	qmgr_path(&path, dir, NULL);
	if ((d = opendir(buf_str(&path))) == NULL) {
		log_warn("opendir %s: %m", buf_str(&path));
		buf_free(&path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!queue_valid_id(de->d_name) || owned(dir, de->d_name))
			continue;
		for (p = pending; p; p = p->next)
			if (strcmp(p->id, de->d_name) == 0)
				break;
		if (p || try_recover(dir, de->d_name))
			continue;
		p = xcalloc(1, sizeof(*p));
		strlcpy(p->dir, dir, sizeof(p->dir));
		strlcpy(p->id, de->d_name, sizeof(p->id));
		p->next = pending;
		pending = p;
	}
	closedir(d);
	buf_free(&path);
	if (pending && pending_timer == NULL)
		pending_timer = event_timer(1000, pending_tick, NULL);
}

/* scan_tick - the periodic look for orphans and expired records */
static void
scan_tick(void *ctx)
{
	(void)ctx;
	scan_dir("incoming");
	scan_dir("active");
	dedup_expire();
	event_timer(cf->queue_scan_interval * 1000L, scan_tick, NULL);
}

/* post_jail - recover what a crash left, then serve */
static void
post_jail(void)
{
	struct buf why = BUF_INIT;

	started = time(NULL);
	if (chdir(cf->queue_directory) < 0)
		log_fatal("chdir %s: %m", cf->queue_directory);
	event_init();
	if (policy_init(&why) < 0)
		log_fatal("%s", buf_str(&why));
	if (cf->queue_fsync && dirsync_init(job_synced) < 0)
		log_fatal("cannot start the fsync thread: %m");
	dedup_load();
	scan_dir("incoming");
	scan_dir("active");
	event_timer(cf->queue_scan_interval * 1000L, scan_tick, NULL);
	log_info("ready");
}

/* busy - jobs in flight (a draining qmgr waits for them) */
static int
busy(void)
{
	return job_count();
}

/* on_drain - stop taking work; the skeleton waits for busy() == 0 */
static void
on_drain(void)
{
	log_info("draining: %d job%s in flight", job_count(),
	    job_count() == 1 ? "" : "s");
}

/* main - declare the service and hand over to the skeleton */
int
main(int argc, char **argv)
{
	static const struct skel_service svc = {
		.name = "qmgr",
		.shape = SKEL_EVENT,
		.post_jail = post_jail,
		.on_accept = on_accept,
		.on_drain = on_drain,
		.busy = busy,
	};

	return skel_main(argc, argv, &svc);
}
