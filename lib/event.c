/*
 * event.c - epoll event loop with one-shot timers.
 *
 * Inputs: none from outside; it only dispatches.  Runs at any
 * privilege.  Timers live on a list sorted by deadline: the processes
 * that use this loop hold at most a few thousand timers, and insertion
 * happens per request, not per byte.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "mem.h"

struct handler {
	event_fn	 fn;
	void		*ctx;
	int		 events;	/* 0: not registered */
	uint32_t	 gen;		/* bumped at every registration */
};

struct event_timer {
	long long		 when;
	timer_fn		 fn;
	void			*ctx;
	struct event_timer	*next;
};

static int epfd = -1;
static struct handler *handlers;
static int nhandlers;
static struct event_timer *timers;

/* event_now_ms - monotonic milliseconds */
long long
event_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* event_init - create the loop (once per process) */
void
event_init(void)
{
	if (epfd >= 0)
		return;
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		log_fatal("epoll_create1: %m");
}

/* ep_events - our flags to epoll's */
static unsigned
ep_events(int events)
{
	return (events & EV_READ ? EPOLLIN : 0) |
	    (events & EV_WRITE ? EPOLLOUT : 0);
}

/* event_add - watch fd for events, calling fn(fd, events, ctx) */
void
event_add(int fd, int events, event_fn fn, void *ctx)
{
	struct epoll_event ev;

	event_init();
	if (fd >= nhandlers) {
		int n = nhandlers ? nhandlers : 64;

		while (n <= fd)
			n *= 2;
		handlers = xreallocarray(handlers, (size_t)n,
		    sizeof(*handlers));
		memset(handlers + nhandlers, 0,
		    (size_t)(n - nhandlers) * sizeof(*handlers));
		nhandlers = n;
	}
	if (handlers[fd].events)
		log_panic("%s: fd %d already registered", __func__, fd);
	/*
	 * The event carries fd and generation: an event fetched for an fd
	 * that a callback then closed and reused is not delivered to the
	 * new registration.
	 */
	handlers[fd].gen++;
	memset(&ev, 0, sizeof(ev));
	ev.events = ep_events(events);
	ev.data.u64 = (uint64_t)handlers[fd].gen << 32 | (uint32_t)fd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_panic("%s: epoll_ctl add %d: %m", __func__, fd);
	handlers[fd].fn = fn;
	handlers[fd].ctx = ctx;
	handlers[fd].events = events | 0x100;	/* registered */
}

/*
 * event_set - watch fd for events with fn and ctx, whether or not it is
 * watched already: a connection that changes hands inside one process
 * costs no system call when the events stay the same.
 */
void
event_set(int fd, int events, event_fn fn, void *ctx)
{
	if (fd < nhandlers && handlers[fd].events) {
		if ((handlers[fd].events & (EV_READ | EV_WRITE)) != events)
			event_mod(fd, events);
		handlers[fd].fn = fn;
		handlers[fd].ctx = ctx;
		return;
	}
	event_add(fd, events, fn, ctx);
}

/* event_mod - change the events watched on fd */
void
event_mod(int fd, int events)
{
	struct epoll_event ev;

	if (fd >= nhandlers || !handlers[fd].events)
		log_panic("%s: fd %d not registered", __func__, fd);
	memset(&ev, 0, sizeof(ev));
	ev.events = ep_events(events);
	ev.data.u64 = (uint64_t)handlers[fd].gen << 32 | (uint32_t)fd;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		log_panic("%s: epoll_ctl mod %d: %m", __func__, fd);
	handlers[fd].events = events | 0x100;
}

/* event_del - stop watching fd (before closing it) */
void
event_del(int fd)
{
	if (fd < 0 || fd >= nhandlers || !handlers[fd].events)
		return;
	(void)epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	handlers[fd].events = 0;
	handlers[fd].fn = NULL;
}

/* event_timer - call fn(ctx) once, ms milliseconds from now */
struct event_timer *
event_timer(long ms, timer_fn fn, void *ctx)
{
	struct event_timer *t = xmalloc(sizeof(*t)), **pp;

	t->when = event_now_ms() + ms;
	t->fn = fn;
	t->ctx = ctx;
	for (pp = &timers; *pp && (*pp)->when <= t->when; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t;
}

/* event_timer_cancel - forget a timer that has not fired; NULL is ok */
void
event_timer_cancel(struct event_timer *t)
{
	struct event_timer **pp;

	for (pp = &timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			xfree(t);
			return;
		}
	}
}

/*
 * event_run_once - wait at most max_wait_ms (-1: no limit) for events
 * or timers, run their callbacks, return how many ran.
 */
int
event_run_once(long max_wait_ms)
{
	struct epoll_event evs[64];
	struct event_timer *t;
	long long now = event_now_ms();
	long wait = max_wait_ms;
	int n, i, fd, ran = 0, got;

	if (timers) {
		long until = timers->when > now ? (long)(timers->when - now) :
		    0;

		if (wait < 0 || until < wait)
			wait = until;
	}
	n = epoll_wait(epfd, evs, 64, (int)wait);
	if (n < 0 && errno != EINTR)
		log_fatal("epoll_wait: %m");
	for (i = 0; i < n; i++) {
		fd = (int)(uint32_t)evs[i].data.u64;
		if (fd >= nhandlers || !handlers[fd].events ||
		    handlers[fd].gen != (uint32_t)(evs[i].data.u64 >> 32))
			continue;	/* deleted (or reused) by a callback */
		got = 0;
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			got |= EV_READ;
		if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			got |= EV_WRITE;
		got &= handlers[fd].events;
		if (got == 0)
			got = handlers[fd].events & (EV_READ | EV_WRITE);
		handlers[fd].fn(fd, got, handlers[fd].ctx);
		ran++;
	}
	now = event_now_ms();
	while ((t = timers) != NULL && t->when <= now) {
		timers = t->next;
		t->fn(t->ctx);
		xfree(t);
		ran++;
	}
	return ran;
}
