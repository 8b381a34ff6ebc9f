/*
 * scanner - virus and banned-attachment checks: a libclamav engine
 * shared by max_threads threads.
 *
 * qmgr hands it a queue file's fd with the offset and length of the
 * message; a thread scans that region in place (engine.c) and looks for
 * banned attachments (banned.c) in a read-only map of it.  The same
 * engine answers clamd-protocol clients (clamd.c).  A bounded queue of
 * max_connection_queue_length jobs waits for the threads; beyond it
 * qmgr is told "busy" at once and answers its client 451.
 *
 * Signatures are reloaded when self_check finds the database changed,
 * on a clamd RELOAD and on "mailsiftctl reload" (a new generation): the
 * reload thread builds a complete new rule set beside the old one and
 * swaps a pointer; every scan holds the set it started with.  A broken
 * database keeps the old set.  At start, no usable database is fatal.
 *
 * Requests (ipc_proto.h), from qmgr and mailsiftctl on private/scanner:
 *   request=scan tag= id= off= len= virus=0|1 banned=0|1, fd
 *	-> status=ok tag= result=clean|virus|banned|unchecked [name=]
 *	   [reason=]   |  status=busy tag=
 *   request=status -> status=ok signatures= dbversion= ... 
 *   request=reload -> status=ok (the reload runs in the background)
 *
 * Inputs: queue file fds (hostile message content), requests from qmgr
 * (trusted peer, parsed strictly), the signature directory and the
 * banned table (trusted).  Runs as mail_owner; writes nothing.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clamav.h>

#include "banned.h"
#include "clamdproto.h"
#include "config.h"
#include "event.h"
#include "ipc.h"
#include "log.h"
#include "mem.h"
#include "scanner.h"
#include "skel.h"

struct scan_stats stats;

/* ------------------------------------------------------------- rules */

static pthread_mutex_t rules_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rules *current;

/* limits - the engine limits of the configuration */
static void
limits(struct engine_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_scansize = cf->max_scan_size;
	lim->max_filesize = cf->archive_max_file_size;
	lim->max_recursion = (int)cf->archive_max_recursion;
	lim->max_files = (int)cf->archive_max_files;
	lim->max_scantime_ms = (int)(cf->max_scan_time * 1000);
	lim->no_mail = !cf->scan_mail;
	lim->no_archive = !cf->scan_archive;
	lim->no_cache = cf->disable_cache;
	lim->tmpdir = cf->temporary_directory;
}

/* table_path - banned_filename_table without "regexp:", made absolute */
static void
table_path(struct buf *out)
{
	const char *t = cf->banned_filename_table;

	if (strncmp(t, "regexp:", 7) == 0)
		t += 7;
	else if (strncmp(t, "pcre:", 5) == 0)
		t += 5;
	if (*t != '/')
		buf_addf(out, "%s/", cf->config_directory);
	buf_adds(out, t);
}

/* rules_build - a complete new rule set, or NULL with why */
static struct rules *
rules_build(struct buf *err, int *db_failed)
{
	struct engine_limits lim;
	struct buf path = BUF_INIT;
	struct rules *r;
	struct engine *e;
	struct regtable *t = NULL;

	if (cf->banned_filename_table[0]) {
		table_path(&path);
		t = regtable_open(buf_str(&path), err);
		buf_free(&path);
		if (t == NULL) {
			*db_failed = 0;
			return NULL;
		}
	}
	limits(&lim);
	if ((e = engine_load(cf->database_directory, &lim, err)) == NULL) {
		*db_failed = 1;
		regtable_free(t);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->engine = e;
	r->banned = t;
	r->sigs = engine_signatures(e);
	r->loaded = time(NULL);
	engine_dbversion(cf->database_directory, r->dbversion,
	    sizeof(r->dbversion));
	atomic_init(&r->refs, 1);
	return r;
}

/* rules_get - the current set, held until rules_put */
struct rules *
rules_get(void)
{
	struct rules *r;

	pthread_mutex_lock(&rules_mu);
	r = current;
	atomic_fetch_add(&r->refs, 1);
	pthread_mutex_unlock(&rules_mu);
	return r;
}

/* rules_put - let go of a set; the last holder frees it */
void
rules_put(struct rules *r)
{
	if (r == NULL || atomic_fetch_sub(&r->refs, 1) > 1)
		return;
	engine_unref(r->engine);
	regtable_free(r->banned);
	xfree(r);
}

/* ------------------------------------------------------------ reload */

static pthread_mutex_t reload_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reload_cv = PTHREAD_COND_INITIALIZER;
static int reload_want;		/* 1 check for changes, 2 reload anyway */
static int reload_outcome;	/* for the main thread: 1 ok, -1 failed */
static struct cl_stat dbstat;
static int reload_fd = -1;	/* eventfd: a reload finished */

/* reload_request - ask the reload thread for a check or a reload */
void
reload_request(int force)
{
	pthread_mutex_lock(&reload_mu);
	if (reload_want < (force ? 2 : 1))
		reload_want = force ? 2 : 1;
	pthread_cond_signal(&reload_cv);
	pthread_mutex_unlock(&reload_mu);
}

/* db_watch - remember the state of the database directory */
static void
db_watch(void)
{
	(void)cl_statfree(&dbstat);
	memset(&dbstat, 0, sizeof(dbstat));
	if (cl_statinidir(cf->database_directory, &dbstat) != CL_SUCCESS)
		log_warn("cannot watch %s for changes", cf->database_directory);
}

/* reload_main - the reload thread: build, check, swap */
static void *
reload_main(void *arg)
{
	struct rules *r, *old;
	struct buf err = BUF_INIT;
	long long t0;
	uint64_t one = 1;
	int want, rc;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&reload_mu);
		while (reload_want == 0)
			pthread_cond_wait(&reload_cv, &reload_mu);
		want = reload_want;
		reload_want = 0;
		pthread_mutex_unlock(&reload_mu);
		if (want == 1 && cl_statchkdir(&dbstat) != 1)
			continue;	/* nothing changed */
		log_info("reloading signatures from %s",
		    cf->database_directory);
		t0 = event_now_ms();
		buf_reset(&err);
		if ((r = rules_build(&err, &rc)) == NULL) {
			log_error("reload failed: %s; still scanning with the "
			    "previous signatures", buf_str(&err));
			rc = -1;
		} else {
			pthread_mutex_lock(&rules_mu);
			old = current;
			current = r;
			pthread_mutex_unlock(&rules_mu);
			rules_put(old);
			log_info("reloaded: %u signatures%s%s in %lld ms",
			    r->sigs, r->dbversion[0] ? ", daily " : "",
			    r->dbversion, event_now_ms() - t0);
			rc = 1;
		}
		db_watch();
		pthread_mutex_lock(&reload_mu);
		reload_outcome = rc;
		pthread_mutex_unlock(&reload_mu);
		if (write(reload_fd, &one, sizeof(one)) < 0)
			log_warn("reload notification: %m");
	}
	return NULL;
}

/* reload_done - count the outcome in the main thread */
static void
reload_done(int fd, int events, void *ctx)
{
	uint64_t n;
	int rc;

	(void)events;
	(void)ctx;
	if (read(fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&reload_mu);
	rc = reload_outcome;
	reload_outcome = 0;
	pthread_mutex_unlock(&reload_mu);
	if (rc > 0)
		stats.reloads++;
	else if (rc < 0)
		stats.reload_failures++;
}

/* self_check_tick - every self_check seconds: has the database changed? */
static void
self_check_tick(void *ctx)
{
	(void)ctx;
	reload_request(0);
	event_timer(cf->self_check * 1000L, self_check_tick, NULL);
}

/* -------------------------------------------------------------- pool */

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static struct scanjob *todo_head, *todo_tail, *done_list;
static int ntodo, nrunning, nthreads;
static int done_fd = -1;	/* eventfd: jobs are done */

/* scanjob_new - an empty job */
struct scanjob *
scanjob_new(void)
{
	struct scanjob *j = xcalloc(1, sizeof(*j));

	j->fd = -1;
	return j;
}

/* scanjob_free - release a job (its fd too, if still open) */
void
scanjob_free(struct scanjob *j)
{
	if (j->fd >= 0)
		close(j->fd);
	xfree(j->path);
	xfree(j->tag);
	xfree(j->what);
	xfree(j->name);
	xfree(j->error);
	buf_free(&j->reply);
	xfree(j);
}

/*
 * pool_submit - queue a job for a thread.  bounded: refuse (-1) when
 * max_connection_queue_length jobs already wait.
 */
int
pool_submit(struct scanjob *j, int bounded)
{
	pthread_mutex_lock(&pool_mu);
	if (bounded && ntodo >= cf->max_connection_queue_length) {
		pthread_mutex_unlock(&pool_mu);
		stats.busy++;
		return -1;
	}
	j->next = NULL;
	if (todo_tail)
		todo_tail->next = j;
	else
		todo_head = j;
	todo_tail = j;
	ntodo++;
	pthread_cond_signal(&pool_cv);
	pthread_mutex_unlock(&pool_mu);
	return 0;
}

/* pool_load - threads, busy ones, waiting jobs */
void
pool_load(int *live, int *busy, int *queued)
{
	pthread_mutex_lock(&pool_mu);
	*live = nthreads;
	*busy = nrunning;
	*queued = ntodo;
	pthread_mutex_unlock(&pool_mu);
}

/* worker_main - take a job, run it, hand it back */
static void *
worker_main(void *arg)
{
	struct scanjob *j;
	uint64_t one = 1;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&pool_mu);
		while (todo_head == NULL)
			pthread_cond_wait(&pool_cv, &pool_mu);
		j = todo_head;
		if ((todo_head = j->next) == NULL)
			todo_tail = NULL;
		ntodo--;
		nrunning++;
		pthread_mutex_unlock(&pool_mu);

		j->run(j);

		pthread_mutex_lock(&pool_mu);
		nrunning--;
		j->next = done_list;
		done_list = j;
		pthread_mutex_unlock(&pool_mu);
		if (write(done_fd, &one, sizeof(one)) < 0)
			log_warn("job notification: %m");
	}
	return NULL;
}

/* jobs_done - the main thread takes finished jobs back */
static void
jobs_done(int fd, int events, void *ctx)
{
	struct scanjob *list, *j, *rev = NULL;
	uint64_t n;

	(void)events;
	(void)ctx;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("read eventfd: %m");
	pthread_mutex_lock(&pool_mu);
	list = done_list;
	done_list = NULL;
	pthread_mutex_unlock(&pool_mu);
	while ((j = list) != NULL) {	/* oldest first */
		list = j->next;
		j->next = rev;
		rev = j;
	}
	while ((j = rev) != NULL) {
		rev = j->next;
		j->done(j);
	}
}

/* ---------------------------------------------------------- scanning */

/*
 * scan_fd - scan [off, off+len) of fd with the current rules: viruses
 * if want_virus, then (no virus found) banned content if want_banned.
 * Fills result, banned, name, error.  In a thread.
 */
void
scan_fd(struct scanjob *j, int fd, long long off, long long len)
{
	struct rules *r = rules_get();
	struct buf err = BUF_INIT;
	struct banned_verdict v;
	struct banned_limits bl;
	const char *name = NULL;
	char *map;

	j->result = SCAN_CLEAN;
	if (j->want_virus) {
		j->result = engine_scan(r->engine, fd, off, len, &name, &err);
		if (name)
			j->name = xstrdup(name);	/* it lives in the engine */
		if (j->result == SCAN_ERROR || (j->result == SCAN_LIMIT &&
		    err.len))
			j->error = buf_steal(&err);
		else if (j->result == SCAN_LIMIT)
			j->error = xstrdup(name ? name : "scan limit");
	}
	if (j->result != SCAN_VIRUS && j->want_banned && len > 0) {
		memset(&bl, 0, sizeof(bl));
		bl.arch.max_depth = (int)cf->archive_max_recursion;
		bl.arch.max_files = (int)cf->archive_max_files;
		bl.arch.max_total = cf->max_scan_size;
		memset(&v, 0, sizeof(v));
		map = mmap(NULL, (size_t)(off + len), PROT_READ, MAP_PRIVATE,
		    fd, 0);
		if (map == MAP_FAILED) {
			if (j->result == SCAN_CLEAN) {
				j->result = SCAN_ERROR;
				buf_reset(&err);
				buf_addf(&err, "cannot map the message: %s",
				    strerror(errno));
				j->error = buf_steal(&err);
			}
		} else {
			banned_check(map + off, (size_t)len, r->banned, &bl, &v);
			munmap(map, (size_t)(off + len));
			if (v.banned) {
				j->banned = 1;
				xfree(j->name);
				j->name = xstrdup(v.reason);
			} else if (v.unchecked && j->result == SCAN_CLEAN) {
				j->result = SCAN_LIMIT;
				j->error = xstrdup(v.why_unchecked ?
				    v.why_unchecked : "attachment not examined");
			}
			banned_verdict_free(&v);
		}
	}
	buf_free(&err);
	rules_put(r);
}

/* ---------------------------------------------------- qmgr requests */

struct qconn {
	int		 fd;
	int		 pending;	/* jobs in the threads */
	int		 closed;	/* fd gone: free when pending is 0 */
	struct qconn	*next;
};
static struct qconn *qconns;

/* qconn_free - forget a connection whose jobs are all back */
static void
qconn_close(struct qconn *c)
{
	struct qconn **pp;

	if (!c->closed) {
		event_del(c->fd);
		close(c->fd);
		c->fd = -1;
		c->closed = 1;
	}
	if (c->pending > 0)
		return;
	for (pp = &qconns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	xfree(c);
}

/* mail_run - a qmgr scan, in a thread */
static void
mail_run(struct scanjob *j)
{
	scan_fd(j, j->fd, j->off, j->len);
}

/* mail_done - answer qmgr */
static void
mail_done(struct scanjob *j)
{
	struct qconn *c = j->owner;
	struct ipc_msg m;
	const char *result;

	stats.scans++;
	if (j->result == SCAN_VIRUS) {
		result = "virus";
		stats.viruses++;
	} else if (j->banned) {
		result = "banned";
		stats.banned++;
	} else if (j->result == SCAN_CLEAN) {
		result = "clean";
	} else {
		result = "unchecked";
		stats.unchecked++;
		if (j->result == SCAN_ERROR)
			stats.errors++;
	}
	log_info("%s: %s%s%s%s%s", j->what, result, j->name ? " " : "",
	    j->name ? j->name : "", j->error ? ": " : "",
	    j->error ? j->error : "");
	c->pending--;
	if (!c->closed) {
		ipc_msg_init(&m);
		ipc_add(&m, "status", "ok");
		ipc_add(&m, "tag", j->tag);
		ipc_add(&m, "result", result);
		if (j->name && (j->result == SCAN_VIRUS || j->banned))
			ipc_add(&m, "name", j->name);
		if (j->error)
			ipc_add(&m, "reason", j->error);
		if (ipc_send(c->fd, &m, -1) < 0) {
			log_warn("cannot answer qmgr: %m");
			ipc_msg_free(&m);
			scanjob_free(j);
			qconn_close(c);
			return;
		}
		ipc_msg_free(&m);
	}
	scanjob_free(j);
	if (c->closed)
		qconn_close(c);
}

/* status_reply - request=status */
static void
status_reply(struct ipc_msg *m)
{
	struct rules *r = rules_get();
	int live, busy, queued;

	pool_load(&live, &busy, &queued);
	ipc_add(m, "status", "ok");
	ipc_addl(m, "signatures", r->sigs);
	ipc_add(m, "dbversion", r->dbversion);
	ipc_add(m, "database", cf->database_directory);
	ipc_addl(m, "loaded", (long long)r->loaded);
	ipc_addl(m, "threads", live);
	ipc_addl(m, "busy", busy);
	ipc_addl(m, "queued", queued);
	ipc_addl(m, "queue_max", cf->max_connection_queue_length);
	ipc_addl(m, "scans", (long long)stats.scans);
	ipc_addl(m, "viruses", (long long)stats.viruses);
	ipc_addl(m, "banned", (long long)stats.banned);
	ipc_addl(m, "unchecked", (long long)stats.unchecked);
	ipc_addl(m, "errors", (long long)stats.errors);
	ipc_addl(m, "busy_refusals", (long long)stats.busy);
	ipc_addl(m, "reloads", (long long)stats.reloads);
	ipc_addl(m, "reload_failures", (long long)stats.reload_failures);
	rules_put(r);
}

/* qconn_ready - a request from qmgr or mailsiftctl */
static void
qconn_ready(int fd, int events, void *ctx)
{
	struct qconn *c = ctx;
	struct scanjob *j;
	struct ipc_msg m, a;
	const char *req, *tag, *id;
	long long off, len, virus = 1, ban = 1;
	int n;

	(void)events;
	ipc_msg_init(&m);
	ipc_msg_init(&a);
	n = ipc_recv(fd, &m, 0);
	req = n == 1 ? ipc_get(&m, "request") : NULL;
	if (req == NULL) {
		if (n != 0)
			log_warn("bad request on private/scanner: %s",
			    n < 0 ? strerror(errno) : "no request");
		qconn_close(c);
		goto out;
	}
	if (strcmp(req, "scan") == 0) {
		tag = ipc_get(&m, "tag");
		id = ipc_get(&m, "id");
		if (m.fd < 0 || tag == NULL || ipc_getl(&m, "off", &off) < 0 ||
		    ipc_getl(&m, "len", &len) < 0 || off < 0 || len < 0 ||
		    (ipc_get(&m, "virus") && ipc_getl(&m, "virus", &virus) < 0) ||
		    (ipc_get(&m, "banned") &&
		    ipc_getl(&m, "banned", &ban) < 0)) {
			log_warn("malformed scan request");
			qconn_close(c);
			goto out;
		}
		j = scanjob_new();
		j->fd = ipc_take_fd(&m);
		j->off = off;
		j->len = len;
		j->want_virus = virus != 0;
		j->want_banned = ban != 0;
		j->tag = xstrdup(tag);
		j->what = xstrdup(id ? id : "message");
		j->owner = c;
		j->run = mail_run;
		j->done = mail_done;
		if (pool_submit(j, 1) < 0) {
			log_warn("%s: all %lld queue places taken: busy",
			    j->what, cf->max_connection_queue_length);
			ipc_add(&a, "status", "busy");
			ipc_add(&a, "tag", tag);
			scanjob_free(j);
		} else {
			c->pending++;
			goto out;
		}
	} else if (strcmp(req, "status") == 0) {
		status_reply(&a);
	} else if (strcmp(req, "reload") == 0) {
		reload_request(1);
		ipc_add(&a, "status", "ok");
	} else {
		ipc_add(&a, "status", "fail");
		ipc_add(&a, "reason", "unknown request");
	}
	if (ipc_send(fd, &a, -1) < 0)
		qconn_close(c);
out:
	ipc_msg_free(&m);
	ipc_msg_free(&a);
}

/* on_accept - a new connection on private/scanner */
static void
on_accept(int fd)
{
	struct qconn *c = xcalloc(1, sizeof(*c));
	struct ipc_msg m;

	c->fd = fd;
	c->next = qconns;
	qconns = c;
	event_add(fd, EV_READ, qconn_ready, c);
	/* tells qmgr a scanner took the connection (not just the backlog) */
	ipc_msg_init(&m);
	ipc_add(&m, "status", "hello");
	if (ipc_send(fd, &m, -1) < 0)
		qconn_close(c);
	ipc_msg_free(&m);
}

/* ------------------------------------------------------------- setup */

/* pre_jail - as root: the clamd listeners */
static void
pre_jail(void)
{
	clamd_bind();
}

/* post_jail - load the signatures (fatal without), start the threads */
static void
post_jail(void)
{
	struct buf err = BUF_INIT;
	pthread_t t;
	long long t0 = event_now_ms();
	int i, rc;

	if ((current = rules_build(&err, &rc)) == NULL)
		log_fatal("cannot start: %s%s", buf_str(&err), rc ?
		    " (install clamav-freshclam and run freshclam, or set "
		    "database_directory)" : "");
	log_info("loaded %u signatures from %s%s%s in %lld ms", current->sigs,
	    cf->database_directory, current->dbversion[0] ? ", daily " : "",
	    current->dbversion, event_now_ms() - t0);
	if (current->dbversion[0] == '\0')
		log_warn("no official ClamAV database (daily.cvd/cld) in %s: "
		    "only the %u custom signatures there are used; unless "
		    "they are your own, real viruses will NOT be detected "
		    "(run freshclam)", cf->database_directory, current->sigs);
	db_watch();
	event_init();
	if ((done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (reload_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		log_fatal("eventfd: %m");
	event_add(done_fd, EV_READ, jobs_done, NULL);
	event_add(reload_fd, EV_READ, reload_done, NULL);
	for (i = 0; i < cf->max_threads; i++) {
		if ((rc = pthread_create(&t, NULL, worker_main, NULL)) != 0)
			log_fatal("cannot start a scanning thread: %s",
			    strerror(rc));
		pthread_detach(t);
		nthreads++;
	}
	if ((rc = pthread_create(&t, NULL, reload_main, NULL)) != 0)
		log_fatal("cannot start the reload thread: %s", strerror(rc));
	pthread_detach(t);
	if (cf->self_check > 0)
		event_timer(cf->self_check * 1000L, self_check_tick, NULL);
	clamd_start();
	buf_free(&err);
	log_info("ready: %d threads, queue %lld", nthreads,
	    cf->max_connection_queue_length);
}

/* busy - work in flight: a draining scanner finishes it first */
static int
busy(void)
{
	struct qconn *c;
	int n = 0;

	for (c = qconns; c; c = c->next)
		n += c->closed ? c->pending : 1;
	return n + clamd_busy();
}

/* drain_tick - a drained scanner closes connections still left */
static void
drain_tick(void *ctx)
{
	struct qconn *c, *next;

	(void)ctx;
	for (c = qconns; c; c = next) {
		next = c->next;
		if (!c->closed)
			qconn_close(c);
	}
}

/*
 * on_drain - a new generation takes over: stop accepting (new qmgr
 * connections reach it), and tell each qmgr connection "bye": qmgr
 * sends new requests to the new scanner and closes this connection
 * once its answers are in, so no request is caught in between.  After
 * max_idle, whatever is left is closed.
 */
static void
on_drain(void)
{
	struct qconn *c;
	struct ipc_msg m;

	clamd_drain();
	ipc_msg_init(&m);
	ipc_add(&m, "status", "bye");
	for (c = qconns; c; c = c->next)
		if (!c->closed)
			(void)ipc_send(c->fd, &m, -1);
	ipc_msg_free(&m);
	event_timer(cf->max_idle * 1000L, drain_tick, NULL);
}

/* main - declare the service and hand over to the skeleton */
int
main(int argc, char **argv)
{
	static const struct skel_service svc = {
		.name = "scanner",
		.shape = SKEL_EVENT,
		.pre_jail = pre_jail,
		.post_jail = post_jail,
		.on_accept = on_accept,
		.on_drain = on_drain,
		.busy = busy,
	};
	int rc;

	rc = skel_main(argc, argv, &svc);
	clamd_unlink();
	/* nothing is in flight once drained: free what the engine holds */
	pthread_mutex_lock(&reload_mu);
	pthread_mutex_lock(&rules_mu);
	rules_put(current);
	current = NULL;
	(void)cl_statfree(&dbstat);
	return rc;
}
