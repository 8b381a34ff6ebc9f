/*
 * test.h - a tiny TAP producer for the C unit tests (lib/NAME_test.c).
 *
 * Exports TEST_OK(cond, fmt...), TEST_IS_INT, TEST_IS_STR, TEST_DONE(),
 * and TEST_FATAL(stmt) which asserts that stmt takes a log_fatal or
 * log_panic path (caught through log_set_exit_hook and a longjmp);
 * test_now() and test_slow() for tests with time bounds.
 * A unit test is a main() that calls these; prove reads its output.
 */
#ifndef TEST_H
#define TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int test_n, test_failed;
static jmp_buf test_jmp;

/* test_now - monotonic seconds, for time bounds */
static double __attribute__((unused))
test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * test_slow - the factor for time bounds: MAILSIFT_TEST_SLOW (e.g. 30
 * under valgrind), times 5 under AddressSanitizer
 */
static double __attribute__((unused))
test_slow(void)
{
	const char *s = getenv("MAILSIFT_TEST_SLOW");
	double f = s && atof(s) > 1 ? atof(s) : 1.0;

#if defined(__SANITIZE_ADDRESS__)
	f *= 5;
#endif
	return f;
}

static void __attribute__((unused))
test_exit_hook(int status)
{
	longjmp(test_jmp, status ? status : 1);
}

#define TEST_OK(cond, ...) do {						\
	int ok_ = (cond) ? 1 : 0;					\
	printf("%sok %d - ", ok_ ? "" : "not ", ++test_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_) {							\
		test_failed++;						\
		printf("#   at %s:%d\n", __FILE__, __LINE__);		\
	}								\
} while (0)

#define TEST_IS_INT(got, want, ...) do {				\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	TEST_OK(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_)							\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

#define TEST_IS_STR(got, want, ...) do {				\
	const char *g_ = (got), *w_ = (want);				\
	int e_ = (g_ == NULL && w_ == NULL) ||				\
	    (g_ && w_ && strcmp(g_, w_) == 0);				\
	TEST_OK(e_, __VA_ARGS__);					\
	if (!e_)							\
		printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",\
		    w_ ? w_ : "(null)");				\
} while (0)

#define TEST_FATAL(stmt, ...) do {					\
	volatile int took_ = 0;						\
	log_set_stderr(0);						\
	log_set_exit_hook(test_exit_hook);				\
	if (setjmp(test_jmp) == 0) {					\
		stmt;							\
	} else {							\
		took_ = 1;						\
	}								\
	log_set_exit_hook(NULL);					\
	log_set_stderr(1);						\
	TEST_OK(took_, __VA_ARGS__);					\
} while (0)

#define TEST_DONE() do {						\
	printf("1..%d\n", test_n);					\
	return test_failed ? 1 : 0;					\
} while (0)

#endif
