/*
 * sapyzor.c - a Pyzor client for postmasters, like the pyzor command:
 *
 *	sapyzor [-s host:port[,host:port...]] [-t timeout]
 *	    digest|predigest|check|report|whitelist|ping < message
 *
 * digest prints the message's digest as "pyzor digest" does (nothing,
 * exit 1, for a message pyzor cannot digest); predigest the lines it is
 * made of; check, report, whitelist and ping ask every server at once
 * and print a line per server as pyzor does
 * ("host:port\t(200, 'OK')\tCount\tWL-Count" for check).  The exit
 * status is pyzor's: 0 when every server answered 200 (and, for check,
 * the message is listed and not whitelisted), else 1; 2 for a usage
 * error.  Exports main only.  The message on stdin and the answers are
 * hostile.  Runs unprivileged, as whoever calls it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "pyzor.h"

#define SAPYZOR_MSG_MAX	(64 * 1024 * 1024)

/* usage - say how and exit */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sapyzor [-s host:port[,host:port]] "
	    "[-t timeout] digest|predigest|check|report|whitelist|ping "
	    "< message\n");
	exit(2);
}

/* read_stdin - the whole message, bounded */
static int
read_stdin(struct buf *b)
{
	char	 tmp[65536];
	ssize_t	 n;

	for (;;) {
		n = read(0, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "sapyzor: read: %s\n", strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > SAPYZOR_MSG_MAX) {
			fprintf(stderr, "sapyzor: message larger than %d "
			    "bytes\n", SAPYZOR_MSG_MAX);
			return -1;
		}
		buf_add(b, tmp, (size_t)n);
	}
}

/* mono - CLOCK_MONOTONIC seconds */
static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* query - ask every server, print as pyzor does; the exit status */
static int
query(const char *servers, double timeout, const char *op,
    const char *digest)
{
	struct pyzor_conf	*conf;
	struct pyzor_query	*q;
	struct buf		 err = BUF_INIT;
	const char		*name, *diag;
	long			 count, wl;
	size_t			 i;
	int			 code, st, all_ok = 1, hit = 0, listed = 0;

	if ((conf = pyzor_conf_new(servers, timeout, NULL, &err)) == NULL) {
		fprintf(stderr, "sapyzor: %s\n", buf_str(&err));
		buf_free(&err);
		return 1;
	}
	if ((q = pyzor_start(conf, op, digest)) == NULL) {
		pyzor_conf_free(conf);
		return 1;
	}
	pyzor_wait(q, mono() + timeout + 1);
	for (i = 0; (st = pyzor_server_result(q, i, &name, &code, &diag,
	    &count, &wl)) != -2; i++) {
		if (st == 0) {
			printf("%s\t(504, 'Reading response timed-out.')\n",
			    name);
			all_ok = 0;
		} else if (st < 0) {
			printf("%s\t(400, '%s')\n", name, diag);
			all_ok = 0;
		} else if (strcmp(op, "check") == 0 && code == 200) {
			printf("%s\t(%d, '%s')\t%ld\t%ld\n", name, code, diag,
			    count, wl);
			/* pyzor: the last answer decides, as in its runner */
			hit = count > 0 && wl == 0;
			listed = wl > 0;
		} else {
			printf("%s\t(%d, '%s')\n", name, code, diag);
			if (code != 200)
				all_ok = 0;
		}
	}
	fflush(stdout);
	pyzor_free(q);
	pyzor_conf_free(conf);
	buf_free(&err);
	if (strcmp(op, "check") == 0)
		return all_ok && hit && !listed ? 0 : 1;
	return all_ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char	*servers = "public.pyzor.org:24441", *op;
	struct buf	 msg = BUF_INIT, lines = BUF_INIT;
	char		 digest[41], *end;
	double		 timeout = 5;
	int		 ch, rc;

	log_open("sapyzor");
	log_set_stderr(1);
	while ((ch = getopt(argc, argv, "s:t:")) != -1) {
		switch (ch) {
		case 's':
			servers = optarg;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end != '\0' || timeout <= 0 || timeout > 3600)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	op = argv[optind];
	if (strcmp(op, "ping") == 0)
		return query(servers, timeout, op, NULL);
	if (strcmp(op, "digest") && strcmp(op, "predigest") &&
	    strcmp(op, "check") && strcmp(op, "report") &&
	    strcmp(op, "whitelist"))
		usage();
	if (read_stdin(&msg) < 0)
		return 1;
	if (strcmp(op, "predigest") == 0) {
		rc = pyzor_predigest(msg.data ? msg.data : "", msg.len, &lines);
		fwrite(lines.data ? lines.data : "", 1, lines.len, stdout);
		buf_free(&lines);
		buf_free(&msg);
		return rc < 0 ? 1 : 0;
	}
	if (pyzor_digest(msg.data ? msg.data : "", msg.len, digest) < 0) {
		fprintf(stderr, "sapyzor: pyzor gives this message no digest\n");
		buf_free(&msg);
		return 1;
	}
	buf_free(&msg);
	if (strcmp(op, "digest") == 0) {
		printf("%s\n", digest);
		return 0;
	}
	return query(servers, timeout, op, digest);
}
