/*
 * event_test.c - unit tests of event.c: timers fire in deadline order
 * and never early, cancellation (also from inside another timer's
 * callback), fd callbacks on pipes, event_del and event_mod inside
 * callbacks, and the max wait of event_run_once.  Inputs: none
 * (self-contained).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "event.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct buf trace = BUF_INIT;	/* what ran, in order */
static long long t_start;

/* make_pipe - a pipe, or the test ends */
static void
make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("pipe");
		exit(2);
	}
}

/* run_for - run the loop until ms have passed; callbacks that ran */
static int
run_for(long ms)
{
	long long end = event_now_ms() + ms;
	int ran = 0;

	while (event_now_ms() < end)
		ran += event_run_once(end - event_now_ms());
	return ran;
}

/* note - a timer that appends its name to the trace */
static void
note(void *ctx)
{
	buf_addf(&trace, "%s%s", trace.len ? " " : "", (const char *)ctx);
}

/*
 * Timers made in this order, with these delays: they must fire sorted
 * by deadline, equal deadlines in the order they were made.
 */
static const struct {
	long		 ms;
	const char	*name;
} order[] = {
	{ 40, "40" }, { 10, "10a" }, { 25, "25" }, { 10, "10b" }, { 0, "0" },
	{ 1, "1" }, { 10, "10c" },
};

/* late - a timer that records how long after t_start it fired */
static void
late(void *ctx)
{
	*(long long *)ctx = event_now_ms() - t_start;
}

/* test_order - the table above, and no timer fires early */
static void
test_order(void)
{
	long long fired[3] = { -1, -1, -1 };
	size_t i;
	int ran;

	event_init();
	event_init();		/* twice is harmless */
	buf_reset(&trace);
	for (i = 0; i < NELEM(order); i++)
		event_timer(order[i].ms, note, (void *)order[i].name);
	ran = run_for(200);
	TEST_IS_INT(ran, NELEM(order), "every timer ran once");
	TEST_IS_STR(buf_str(&trace), "0 1 10a 10b 10c 25 40",
	    "timers fire in deadline order, ties in creation order");

	t_start = event_now_ms();
	event_timer(30, late, &fired[0]);
	event_timer(60, late, &fired[1]);
	event_timer(0, late, &fired[2]);
	run_for(400);
	/* never early; "late" allows for a loaded machine */
	TEST_OK(fired[2] >= 0 && fired[2] < 200, "0 ms fires at once (%lld)",
	    fired[2]);
	TEST_OK(fired[0] >= 30 && fired[0] < 300, "30 ms fires after 30 "
	    "ms (%lld)", fired[0]);
	TEST_OK(fired[1] >= 60 && fired[1] < 400 && fired[1] >= fired[0],
	    "60 ms fires after 60 ms, after the 30 ms one (%lld)", fired[1]);
}

static struct event_timer *victim;

/* cancel_victim - a timer callback that cancels another timer */
static void
cancel_victim(void *ctx)
{
	note(ctx);
	event_timer_cancel(victim);
	victim = NULL;
}

static struct event_timer *self;

/* cancel_self - a timer callback that cancels itself (a no-op) */
static void
cancel_self(void *ctx)
{
	note(ctx);
	event_timer_cancel(self);
}

/* rearm - a timer callback that starts another timer */
static void
rearm(void *ctx)
{
	note(ctx);
	event_timer(5, note, "rearmed");
}

/* test_cancel - before firing, from another callback, of itself */
static void
test_cancel(void)
{
	struct event_timer *t;

	buf_reset(&trace);
	event_timer(10, note, "kept");
	t = event_timer(10, note, "cancelled");
	event_timer_cancel(t);
	event_timer_cancel(NULL);
	run_for(150);
	TEST_IS_STR(buf_str(&trace), "kept", "a cancelled timer does not "
	    "fire");

	/* both due in the same pass: the first cancels the second */
	buf_reset(&trace);
	event_timer(5, cancel_victim, "canceller");
	victim = event_timer(5, note, "victim");
	run_for(150);
	TEST_IS_STR(buf_str(&trace), "canceller", "cancelled from inside an "
	    "earlier timer of the same pass");

	/* the victim is due later */
	buf_reset(&trace);
	victim = event_timer(30, note, "victim");
	event_timer(5, cancel_victim, "canceller");
	run_for(200);
	TEST_IS_STR(buf_str(&trace), "canceller", "cancelled from inside a "
	    "timer before it was due");

	/* the last timer of a list, the only timer */
	buf_reset(&trace);
	event_timer(5, note, "a");
	t = event_timer(50, note, "b");
	event_timer_cancel(t);
	t = event_timer(1, note, "c");
	event_timer_cancel(t);
	run_for(150);
	TEST_IS_STR(buf_str(&trace), "a", "cancel the last and the first");

	buf_reset(&trace);
	self = event_timer(1, cancel_self, "self");
	run_for(100);
	TEST_IS_STR(buf_str(&trace), "self", "a timer may cancel itself "
	    "while it runs");

	buf_reset(&trace);
	event_timer(1, rearm, "first");
	run_for(150);
	TEST_IS_STR(buf_str(&trace), "first rearmed", "a timer may start "
	    "another");
}

struct fdctx {
	int	 calls, last_fd, last_events;
	int	 other;		/* an fd to event_del, or -1 */
	int	 del_self, drain;
};

/* on_fd - record the call; drain, delete ourselves or another fd */
static void
on_fd(int fd, int events, void *arg)
{
	struct fdctx *c = arg;
	char b[64];

	c->calls++;
	c->last_fd = fd;
	c->last_events = events;
	if (c->drain && read(fd, b, sizeof(b)) < 0)
		exit(2);
	if (c->del_self)
		event_del(fd);
	if (c->other >= 0) {
		event_del(c->other);
		c->other = -1;
	}
}

/* test_fd - read and write readiness on pipes */
static void
test_fd(void)
{
	struct fdctx c = { 0, -1, 0, -1, 0, 1 }, w = { 0, -1, 0, -1, 0, 0 };
	int p[2], hi;

	make_pipe(p);
	event_add(p[0], EV_READ, on_fd, &c);
	TEST_IS_INT(event_run_once(20), 0, "an empty pipe: nothing runs");
	TEST_IS_INT(c.calls, 0, "no call");
	if (write(p[1], "x", 1) != 1)
		exit(2);
	TEST_IS_INT(event_run_once(1000), 1, "a byte in the pipe: one "
	    "callback");
	TEST_OK(c.calls == 1 && c.last_fd == p[0] && c.last_events == EV_READ,
	    "called with the fd, EV_READ and the context");
	TEST_IS_INT(event_run_once(20), 0, "drained: nothing more");

	/* level-triggered: an undrained fd is reported again */
	c.drain = 0;
	if (write(p[1], "yz", 2) != 2)
		exit(2);
	event_run_once(1000);
	event_run_once(1000);
	TEST_IS_INT(c.calls, 3, "not drained: called again");
	c.drain = 1;
	event_run_once(1000);

	/* write readiness, then event_mod to reading only */
	event_add(p[1], EV_WRITE, on_fd, &w);
	TEST_IS_INT(event_run_once(1000), 1, "an empty pipe is writable");
	TEST_OK(w.last_fd == p[1] && w.last_events == EV_WRITE, "EV_WRITE");
	event_mod(p[1], EV_READ);
	w.calls = 0;
	event_run_once(20);
	TEST_IS_INT(w.calls, 0, "after event_mod to EV_READ: not called");
	event_mod(p[1], EV_READ | EV_WRITE);
	event_run_once(1000);
	TEST_OK(w.calls == 1 && w.last_events == EV_WRITE, "event_mod back: "
	    "EV_WRITE only, as that is what happened");
	event_del(p[1]);

	/* the writer goes away: the reader sees EV_READ (then EOF) */
	c.calls = 0;
	close(p[1]);
	event_run_once(1000);
	TEST_OK(c.calls == 1 && c.last_events == EV_READ, "hang-up is "
	    "reported as EV_READ");
	event_del(p[0]);
	close(p[0]);

	/* an fd number far above the first table size */
	make_pipe(p);
	hi = 300;
	if (dup2(p[0], hi) < 0)
		exit(2);
	c.calls = 0;
	event_add(hi, EV_READ, on_fd, &c);
	if (write(p[1], "x", 1) != 1)
		exit(2);
	event_run_once(1000);
	TEST_OK(c.calls == 1 && c.last_fd == hi, "fd %d works", hi);
	event_del(hi);
	close(hi);
	close(p[0]);
	close(p[1]);

	/* deleting what is not there is harmless */
	event_del(-1);
	event_del(5000);
	event_del(hi);
	TEST_OK(1, "event_del of unknown fds is a no-op");
}

static int swap_fd[2] = { -1, -1 }, swap_new[2] = { -1, -1 };
static int swap_calls, swap_new_calls;

/* on_new - the handler of the fd that took a closed one's number */
static void
on_new(int fd, int events, void *arg)
{
	swap_new_calls++;
}

/*
 * on_swap - the first of two ready fds to run closes the other and
 * opens a new, empty pipe, which gets the closed fd's number.
 */
static void
on_swap(int fd, int events, void *arg)
{
	char b[8];
	int other = fd == swap_fd[0] ? swap_fd[1] : swap_fd[0];

	swap_calls++;
	if (read(fd, b, sizeof(b)) < 0)
		exit(2);
	if (swap_new[0] >= 0)
		return;
	event_del(other);
	close(other);
	make_pipe(swap_new);
	event_add(swap_new[0], EV_READ, on_new, NULL);
}

/* test_del_in_callback - a callback deletes itself or a ready peer */
static void
test_del_in_callback(void)
{
	struct fdctx a = { 0, -1, 0, -1, 0, 1 }, b = a;
	int p[2], q[2];

	make_pipe(p);
	make_pipe(q);
	/* both readable in the same pass; each deletes the other */
	a.other = q[0];
	b.other = p[0];
	event_add(p[0], EV_READ, on_fd, &a);
	event_add(q[0], EV_READ, on_fd, &b);
	if (write(p[1], "x", 1) != 1 || write(q[1], "x", 1) != 1)
		exit(2);
	TEST_IS_INT(event_run_once(1000), 1, "two ready fds, the first "
	    "deletes the second: one callback");
	TEST_IS_INT(a.calls + b.calls, 1, "the deleted one was not called");
	run_for(100);
	TEST_IS_INT(a.calls + b.calls, 1, "and is not called later");
	event_del(p[0]);
	event_del(q[0]);

	/* a deleted fd may be added again */
	a.calls = b.calls = 0;
	a.other = b.other = -1;
	a.drain = b.drain = 0;
	if (write(p[1], "x", 1) != 1)
		exit(2);
	event_add(p[0], EV_READ, on_fd, &a);
	event_run_once(1000);
	TEST_IS_INT(a.calls, 1, "re-added after event_del: called");

	/* a callback deletes its own fd and closes nothing */
	a.del_self = 1;
	a.drain = 0;
	run_for(100);
	TEST_IS_INT(a.calls, 2, "a callback that deletes itself runs once");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);

	/*
	 * The fd of a pending event is closed and its number reused in
	 * the same pass: the new fd must not get the old fd's event.
	 */
	make_pipe(p);
	make_pipe(q);
	swap_fd[0] = p[0];
	swap_fd[1] = q[0];
	event_add(p[0], EV_READ, on_swap, NULL);
	event_add(q[0], EV_READ, on_swap, NULL);
	if (write(p[1], "x", 1) != 1 || write(q[1], "x", 1) != 1)
		exit(2);
	event_run_once(1000);
	TEST_OK(swap_calls == 1 && (swap_new[0] == p[0] ||
	    swap_new[0] == q[0]), "setup: one ran, the new pipe took the "
	    "closed fd's number (%d)", swap_new[0]);
	TEST_OK(swap_new_calls == 0, "a stale event is not delivered to "
	    "the new fd with the same number (%d calls)", swap_new_calls);
	event_del(p[0]);
	event_del(q[0]);
	close(swap_new[0] == p[0] ? q[0] : p[0]);
	close(swap_new[0]);
	close(swap_new[1]);
	close(p[1]);
	close(q[1]);
}

/* test_misuse - our own bugs are panics */
static void
test_misuse(void)
{
	struct fdctx c = { 0, -1, 0, -1, 0, 1 };
	int p[2];

	make_pipe(p);
	event_add(p[0], EV_READ, on_fd, &c);
	TEST_FATAL(event_add(p[0], EV_READ, on_fd, &c), "event_add of a "
	    "registered fd panics");
	event_del(p[0]);
	TEST_FATAL(event_mod(p[0], EV_READ), "event_mod of an unregistered "
	    "fd panics");
	TEST_FATAL(event_mod(9999, EV_READ), "event_mod beyond the table "
	    "panics");
	TEST_FATAL(event_add(9999, EV_READ, on_fd, &c), "event_add of a "
	    "closed fd panics");
	close(p[0]);
	close(p[1]);
}

/* test_max_wait - event_run_once returns when max wait expires */
static void
test_max_wait(void)
{
	struct event_timer *t;
	long long t0, dt;
	int ran;

	buf_reset(&trace);
	t0 = event_now_ms();
	ran = event_run_once(50);
	dt = event_now_ms() - t0;
	TEST_IS_INT(ran, 0, "nothing to do: 0");
	TEST_OK(dt >= 49 && dt < 500, "after the max wait of 50 ms (%lld)",
	    dt);

	t = event_timer(1000, note, "far");
	t0 = event_now_ms();
	ran = event_run_once(50);
	dt = event_now_ms() - t0;
	TEST_OK(ran == 0 && dt >= 49 && dt < 500 && trace.len == 0,
	    "a far timer does not stretch the max wait (%lld)", dt);
	event_timer_cancel(t);

	event_timer(30, note, "near");
	t0 = event_now_ms();
	ran = event_run_once(2000);
	dt = event_now_ms() - t0;
	TEST_OK(ran == 1 && dt >= 29 && dt < 1000, "a near timer cuts the "
	    "wait short (%lld)", dt);
	TEST_IS_STR(buf_str(&trace), "near", "and runs");

	t0 = event_now_ms();
	TEST_IS_INT(event_run_once(0), 0, "max wait 0 polls");
	TEST_OK(event_now_ms() - t0 < 200, "at once");
	TEST_OK(event_now_ms() >= t0, "event_now_ms does not go back");
}

/* main - run every area */
int
main(void)
{
	test_order();
	test_cancel();
	test_fd();
	test_del_in_callback();
	test_misuse();
	test_max_wait();
	buf_free(&trace);
	TEST_DONE();
}
