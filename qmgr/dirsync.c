/*
 * dirsync.c - fsync of the active directory off the event loop.
 *
 * A committed message is renamed into active/; with queue_fsync the
 * rename must reach the disk before the message goes on.  An fsync
 * blocks for a disk round trip, and qmgr serves every client from one
 * event loop, so a helper thread does it: the loop hands out tickets,
 * the thread syncs everything requested so far in one fsync (group
 * commit: the busier qmgr is, the more commits share one sync), and
 * wakes the loop through a pipe.  The thread touches nothing but two
 * counters and the directory fd.
 *
 * Inputs: none from outside.  Runs unprivileged in qmgr.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "qmgr.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wanted = PTHREAD_COND_INITIALIZER;
static unsigned long requested, completed;
static int sync_errno;
static int dir_fd = -1;
static int wake_fd[2] = { -1, -1 };
static void (*on_synced)(unsigned long);

/* worker - sync whenever something was requested */
static void *
worker(void *arg)
{
	unsigned long target;
	int err;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (requested == completed)
			pthread_cond_wait(&wanted, &lock);
		target = requested;
		pthread_mutex_unlock(&lock);
		err = fsync(dir_fd) < 0 ? errno : 0;
		pthread_mutex_lock(&lock);
		completed = target;
		if (err)
			sync_errno = err;
		pthread_mutex_unlock(&lock);
		if (write(wake_fd[1], "x", 1) < 0 && errno != EAGAIN) {
			/* the loop polls the counter anyway at the next wake */
		}
	}
	return NULL;
}

/* wake_ready - the thread finished a sync: tell the jobs */
static void
wake_ready(int fd, int events, void *ctx)
{
	char junk[64];
	unsigned long done;
	int err;

	(void)events;
	(void)ctx;
	while (read(fd, junk, sizeof(junk)) > 0)
		;
	pthread_mutex_lock(&lock);
	done = completed;
	err = sync_errno;
	sync_errno = 0;
	pthread_mutex_unlock(&lock);
	if (err)
		log_warn("fsync of %s/active: %s", cf->queue_directory,
		    strerror(err));
	on_synced(done);
}

/* dirsync_init - open active/ and start the thread; -1 if impossible */
int
dirsync_init(void (*callback)(unsigned long))
{
	pthread_t tid;
	struct buf path = BUF_INIT;

	on_synced = callback;
	qmgr_path(&path, "active", NULL);
	dir_fd = open(buf_str(&path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf_free(&path);
	if (dir_fd < 0 || pipe2(wake_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	if (pthread_create(&tid, NULL, worker, NULL) != 0)
		return -1;
	pthread_detach(tid);
	event_add(wake_fd[0], EV_READ, wake_ready, NULL);
	return 0;
}

/* dirsync_request - a ticket that is done once active/ was synced */
unsigned long
dirsync_request(void)
{
	unsigned long t;

	pthread_mutex_lock(&lock);
	t = ++requested;
	pthread_cond_signal(&wanted);
	pthread_mutex_unlock(&lock);
	return t;
}
