/*
 * event.h - a small epoll event loop with one-shot timers.
 *
 * Exports event_init, event_add, event_set, event_mod, event_del, event_timer,
 * event_timer_cancel, event_run_once, event_now_ms.  One loop per
 * process; callbacks run from event_run_once and may add or delete any
 * fd or timer, including their own.
 */
#ifndef EVENT_H
#define EVENT_H

#define EV_READ		0x1
#define EV_WRITE	0x2

typedef void	(*event_fn)(int fd, int events, void *ctx);
typedef void	(*timer_fn)(void *ctx);

struct event_timer;

void			 event_init(void);
void			 event_add(int fd, int events, event_fn, void *ctx);
void			 event_mod(int fd, int events);
void			 event_set(int fd, int events, event_fn, void *ctx);
void			 event_del(int fd);
struct event_timer	*event_timer(long ms, timer_fn, void *ctx);
void			 event_timer_cancel(struct event_timer *);
int			 event_run_once(long max_wait_ms);
long long		 event_now_ms(void);

#endif
