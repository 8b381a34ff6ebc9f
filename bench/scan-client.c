/*
 * scan-client - clamd-protocol FILDES load generator for bench/scan.
 *
 * usage: scan-client -s SOCKET -l LIST [-c CLIENTS] [-n COUNT | -d SECONDS]
 *                    [-S PER_SESSION] [-U] [-r RELOADS -i INTERVAL [-u FILE]]
 *                    [-o VERDICTS] [-L LATENCIES] [-t TIMEOUT]
 *
 * CLIENTS threads (4) take the next file of LIST (one path a line, cycled)
 * from a shared counter and have it scanned by the daemon on the unix
 * socket SOCKET: "nFILDES\n", then one sendmsg() with a dummy byte and the
 * open file in SCM_RIGHTS, then one reply line.  Without -S each message
 * has a connection of its own (clamd closes after the reply); with -S K a
 * thread sends K FILDES in one "nIDSESSION" (replies "<id>: <reply>"),
 * then "nEND".  With -U, each scan gets a copy of the file in a memfd
 * with a first line "X-Bench-Scan: N\r\n" (N counts the scans), so that no
 * two scans are of the same file (libclamav's cache).  It stops after COUNT messages (default: LIST's length) or,
 * with -d, after SECONDS.  With -r, another thread sends "nRELOAD\n" on a
 * connection of its own RELOADS times, INTERVAL seconds apart, the first
 * INTERVAL seconds after the start; with -u, FILE.K is renamed to FILE
 * just before the K-th RELOAD (bench/scan puts a database file there that
 * changes at each reload, for a daemon that reloads only on a change, and
 * checks afterwards that the last one took effect).  With -o, the first reply to each file
 * of LIST is written to VERDICTS ("index<TAB>reply"); with -L, the latency
 * of every reply to LATENCIES (milliseconds, one a line).  TIMEOUT (120 s) is
 * the longest wait for a reply.
 *
 * A scan is "ok" (reply ending in " OK"), "found" (" FOUND") or "failed"
 * (an ERROR reply, a refused or broken connection, a timeout).  The report
 * on stdout is one "key=value" per line (elapsed time from the start of
 * all threads to the last reply; latency from connect, or from the
 * command in a session, to the reply; nearest-rank percentiles; this
 * program's CPU time), then "error N TEXT" for each kind of failure and
 * "found N NAME" for each name found.  Exit 0, or 2 on a usage error.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_KINDS 32

struct kind {
	char text[160];
	long n;
};

struct worker {
	pthread_t tid;
	double *lat;
	size_t nlat, alat;
	long ok, found, failed;
	double last;		/* time of the last reply */
	/* IDSESSION state: the connection, FILDES sent in it */
	int s, insession;
	char buf[4096];
	size_t blen;
};

static const char *sockpath, *reload_file;
static char **files;
static size_t nfiles;
static int clients = 4, per_session, unique;
static long count = -1;
static double duration = -1, timeout_s = 120, interval;
static int reloads;
static char **verdicts;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct kind errs[MAX_KINDS], founds[MAX_KINDS];
static long errs_other, founds_other;
static atomic_long next_i;
static atomic_int stop_all, aborted;
static atomic_long fail_run;	/* consecutive connection failures, all threads */
static double t0, deadline;
static pthread_barrier_t go;

struct reload {
	double at;
	char reply[160];
};
static struct reload *rl;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: scan-client -s SOCKET -l LIST [-c CLIENTS] [-n COUNT | -d SECONDS]\n"
		"                   [-S PER_SESSION] [-U] [-r RELOADS -i INTERVAL [-u FILE]] [-o VERDICTS]\n"
		"                   [-L LATENCIES] [-t TIMEOUT]\n");
	exit(2);
}

static void tally(struct kind *t, long *other, const char *text)
{
	int i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < MAX_KINDS && t[i].n; i++) {
		if (strcmp(t[i].text, text) == 0) {
			t[i].n++;
			goto out;
		}
	}
	if (i < MAX_KINDS) {
		snprintf(t[i].text, sizeof t[i].text, "%s", text);
		t[i].n = 1;
	} else {
		(*other)++;
	}
out:
	pthread_mutex_unlock(&mu);
}

static int dial(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { (time_t)timeout_s, (suseconds_t)((timeout_s - (time_t)timeout_s) * 1e6) };
	int s;

	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(s, (struct sockaddr *)&sun, sizeof sun) < 0) {
		int e = errno;

		close(s);
		errno = e;
		return -1;
	}
	return s;
}

static int write_all(int s, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(s, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* the FILDES command and the descriptor */
static int send_fd(int s, int fd)
{
	char dummy = 0;
	struct iovec iov = { &dummy, 1 };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof u.b };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof u);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (write_all(s, "nFILDES\n", 8) < 0)
		return -1;
	for (;;) {
		ssize_t w = sendmsg(s, &m, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		return w == 1 ? 0 : -1;
	}
}

/* one reply line into OUT (without the newline); -1 with a reason in OUT */
static int read_line(int s, char *buf, size_t *blen, size_t cap, char *out, size_t outsz)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *blen);
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - buf);

			snprintf(out, outsz, "%.*s", (int)n, buf);
			memmove(buf, nl + 1, *blen - n - 1);
			*blen -= n + 1;
			return 0;
		}
		if (*blen == cap) {
			snprintf(out, outsz, "reply line too long");
			return -1;
		}
		r = read(s, buf + *blen, cap - *blen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(out, outsz, "read: %s", errno == EAGAIN ? "timeout" : strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (*blen)
				snprintf(out, outsz, "connection closed after \"%.*s\"", (int)*blen, buf);
			else
				snprintf(out, outsz, "connection closed without a reply");
			return -1;
		}
		*blen += (size_t)r;
	}
}

static void end_session(struct worker *w)
{
	if (w->s >= 0) {
		write_all(w->s, "nEND\n", 5);
		close(w->s);
	}
	w->s = -1;
	w->insession = 0;
	w->blen = 0;
}

/* scan one file; REPLY gets the daemon's reply or what went wrong;
 * returns 0 when a reply came, 1 on a connection failure, -1 otherwise */
static int scan(struct worker *w, int fd, char *reply, size_t rsz)
{
	char buf[4096];
	size_t blen = 0;
	int s, rc;

	if (per_session == 0) {
		if ((s = dial()) < 0) {
			snprintf(reply, rsz, "connect: %s", strerror(errno));
			return 1;
		}
		if (send_fd(s, fd) < 0) {
			snprintf(reply, rsz, "send: %s", strerror(errno));
			close(s);
			return -1;
		}
		rc = read_line(s, buf, &blen, sizeof buf, reply, rsz);
		close(s);
		return rc;
	}
	if (w->s < 0) {
		if ((w->s = dial()) < 0) {
			snprintf(reply, rsz, "connect: %s", strerror(errno));
			return 1;
		}
		if (write_all(w->s, "nIDSESSION\n", 11) < 0) {
			snprintf(reply, rsz, "send IDSESSION: %s", strerror(errno));
			end_session(w);
			return -1;
		}
		w->insession = 0;
	}
	if (send_fd(w->s, fd) < 0) {
		snprintf(reply, rsz, "send: %s", strerror(errno));
		end_session(w);
		return -1;
	}
	if (read_line(w->s, w->buf, &w->blen, sizeof w->buf, reply, rsz) < 0) {
		end_session(w);
		return -1;
	}
	/* "<id>: reply" */
	{
		char *p = reply;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p > reply && p[0] == ':' && p[1] == ' ')
			memmove(reply, p + 2, strlen(p + 2) + 1);
	}
	if (++w->insession >= per_session)
		end_session(w);
	return 0;
}

/* with -U: a memfd holding "X-Bench-Scan: I" and PATH's content */
static int unique_copy(const char *path, long i)
{
	char buf[65536];
	int in, fd = -1, n, e;
	ssize_t r;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((fd = memfd_create("scan", MFD_CLOEXEC)) < 0)
		goto fail;
	n = snprintf(buf, sizeof buf, "X-Bench-Scan: %ld\r\n", i);
	if (write(fd, buf, (size_t)n) != n)
		goto fail;
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)r) != r)
			goto fail;
	if (r < 0)
		goto fail;
	close(in);
	return fd;
fail:
	e = errno;
	close(in);
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char reply[512];

	w->s = -1;
	pthread_barrier_wait(&go);
	for (;;) {
		long i = atomic_fetch_add(&next_i, 1);
		const char *path;
		double a, b;
		int fd, rc;

		if (atomic_load(&stop_all))
			break;
		if (count >= 0 && i >= count)
			break;
		if (duration >= 0 && now() >= deadline)
			break;
		path = files[(size_t)i % nfiles];
		if ((fd = unique ? unique_copy(path, i) : open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			fprintf(stderr, "scan-client: %s: %s\n", path, strerror(errno));
			atomic_store(&aborted, 1);
			atomic_store(&stop_all, 1);
			break;
		}
		a = now();
		rc = scan(w, fd, reply, sizeof reply);
		b = now();
		close(fd);
		w->last = b;
		if (rc == 1) {
			/* a dead daemon: stop after 200 refusals in a row */
			if (atomic_fetch_add(&fail_run, 1) >= 200) {
				atomic_store(&aborted, 1);
				atomic_store(&stop_all, 1);
			}
		} else {
			atomic_store(&fail_run, 0);
		}
		if (rc == 0 && ends_with(reply, " OK")) {
			w->ok++;
		} else if (rc == 0 && ends_with(reply, " FOUND")) {
			char *p = strchr(reply, ' ');

			w->found++;
			tally(founds, &founds_other, p ? p + 1 : reply);
		} else {
			w->failed++;
			tally(errs, &errs_other, reply);
		}
		if (rc == 0) {
			if (w->nlat == w->alat) {
				w->alat = w->alat ? 2 * w->alat : 1024;
				if (!(w->lat = realloc(w->lat, w->alat * sizeof *w->lat))) {
					perror("scan-client: realloc");
					exit(1);
				}
			}
			w->lat[w->nlat++] = b - a;
		}
		if (verdicts && verdicts[(size_t)i % nfiles] == NULL) {
			char *v = strdup(reply);

			pthread_mutex_lock(&mu);
			if (verdicts[(size_t)i % nfiles] == NULL)
				verdicts[(size_t)i % nfiles] = v, v = NULL;
			pthread_mutex_unlock(&mu);
			free(v);
		}
	}
	end_session(w);
	return NULL;
}

static void *reloader(void *arg)
{
	char buf[512], line[160];
	int k;

	(void)arg;
	for (k = 0; k < reloads; k++) {
		double at = t0 + interval * (k + 1);
		size_t blen = 0;
		int s;

		while (!atomic_load(&stop_all) && now() < at) {
			double d = at - now();
			struct timespec ts = { 0, 0 };

			if (d > 0.05)
				d = 0.05;
			if (d > 0) {
				ts.tv_nsec = (long)(d * 1e9);
				nanosleep(&ts, NULL);
			}
		}
		if (atomic_load(&stop_all))
			break;
		if (reload_file) {
			char from[4096];

			snprintf(from, sizeof from, "%s.%d", reload_file, k + 1);
			if (rename(from, reload_file) < 0)
				fprintf(stderr, "scan-client: rename %s: %s\n", from, strerror(errno));
		}
		rl[k].at = now() - t0;
		if ((s = dial()) < 0) {
			snprintf(rl[k].reply, sizeof rl[k].reply, "connect: %s", strerror(errno));
			continue;
		}
		if (write_all(s, "nRELOAD\n", 8) < 0)
			snprintf(line, sizeof line, "send: %s", strerror(errno));
		else
			read_line(s, buf, &blen, sizeof buf, line, sizeof line);
		snprintf(rl[k].reply, sizeof rl[k].reply, "%s", line);
		close(s);
	}
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return -1;
	k = (size_t)(p * n + 0.999999999);
	return v[k ? k - 1 : 0];
}

static void read_list(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, a = 0;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "scan-client: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (n == 0)
			continue;
		if (nfiles == a) {
			a = a ? 2 * a : 4096;
			if (!(files = realloc(files, a * sizeof *files))) {
				perror("scan-client: realloc");
				exit(1);
			}
		}
		files[nfiles++] = strdup(line);
	}
	free(line);
	fclose(f);
	if (nfiles == 0) {
		fprintf(stderr, "scan-client: %s: no files\n", path);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *list = NULL, *vout = NULL, *lout = NULL;
	struct worker *ws;
	pthread_t rtid;
	struct rusage r0, r1;
	double *all, last = 0, el, cpu, sum = 0;
	size_t n = 0, k;
	long ok = 0, found = 0, failed = 0;
	int c, i;

	while ((c = getopt(argc, argv, "s:l:c:n:d:S:Ur:i:u:o:L:t:")) != -1) {
		switch (c) {
		case 's': sockpath = optarg; break;
		case 'l': list = optarg; break;
		case 'c': clients = atoi(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'S': per_session = atoi(optarg); break;
		case 'U': unique = 1; break;
		case 'r': reloads = atoi(optarg); break;
		case 'i': interval = atof(optarg); break;
		case 'u': reload_file = optarg; break;
		case 'o': vout = optarg; break;
		case 'L': lout = optarg; break;
		case 't': timeout_s = atof(optarg); break;
		default: usage();
		}
	}
	if (!sockpath || !list || optind != argc || clients < 1 || per_session < 0 ||
	    (reloads > 0 && interval <= 0) || timeout_s <= 0 || strlen(sockpath) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		usage();
	read_list(list);
	if (count < 0 && duration < 0)
		count = (long)nfiles;
	if (vout && !(verdicts = calloc(nfiles, sizeof *verdicts))) {
		perror("scan-client: calloc");
		return 1;
	}
	if (!(ws = calloc((size_t)clients, sizeof *ws)) || !(rl = calloc((size_t)reloads + 1, sizeof *rl))) {
		perror("scan-client: calloc");
		return 1;
	}
	pthread_barrier_init(&go, NULL, (unsigned)clients + 1);
	for (i = 0; i < clients; i++) {
		if (pthread_create(&ws[i].tid, NULL, work, &ws[i]) != 0) {
			fprintf(stderr, "scan-client: pthread_create failed\n");
			return 1;
		}
	}
	getrusage(RUSAGE_SELF, &r0);
	t0 = now();
	deadline = t0 + duration;
	pthread_barrier_wait(&go);
	if (reloads > 0)
		pthread_create(&rtid, NULL, reloader, NULL);
	for (i = 0; i < clients; i++) {
		pthread_join(ws[i].tid, NULL);
		ok += ws[i].ok;
		found += ws[i].found;
		failed += ws[i].failed;
		n += ws[i].nlat;
		if (ws[i].last > last)
			last = ws[i].last;
	}
	if (reloads > 0) {
		atomic_store(&stop_all, 1);
		pthread_join(rtid, NULL);
	}
	getrusage(RUSAGE_SELF, &r1);
	el = last > t0 ? last - t0 : 0;
	cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
	      (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
	if (!(all = malloc((n + 1) * sizeof *all))) {
		perror("scan-client: malloc");
		return 1;
	}
	n = 0;
	for (i = 0; i < clients; i++) {
		memcpy(all + n, ws[i].lat, ws[i].nlat * sizeof *all);
		n += ws[i].nlat;
	}
	qsort(all, n, sizeof *all, cmp_d);
	for (k = 0; k < n; k++)
		sum += all[k];
	printf("clients=%d\nmode=%s\nper_session=%d\nscans=%ld\nok=%ld\nfound=%ld\nfailed=%ld\n",
	       clients, per_session ? "idsession" : "connection", per_session, ok + found + failed, ok, found, failed);
	printf("aborted=%d\n", atomic_load(&aborted));
	printf("elapsed_s=%.6f\nmsg_per_s=%.3f\n", el, el > 0 ? (ok + found) / el : 0.0);
	printf("p50_ms=%.4f\np99_ms=%.4f\nmax_ms=%.4f\nmean_ms=%.4f\n",
	       pct(all, n, 0.50) * 1e3, pct(all, n, 0.99) * 1e3, n ? all[n - 1] * 1e3 : -1, n ? sum / n * 1e3 : -1);
	printf("cpu_us_per_msg=%.2f\ncpu_pct=%.2f\n", (ok + found + failed) ? cpu / (ok + found + failed) * 1e6 : 0,
	       el > 0 ? cpu / el * 100 : 0);
	if (reloads > 0) {
		int sent = 0, good = 0;

		for (i = 0; i < reloads; i++) {
			if (!rl[i].reply[0])
				continue;
			sent++;
			good += strcmp(rl[i].reply, "RELOADING") == 0;
			printf("reload %.3f %s\n", rl[i].at, rl[i].reply);
		}
		printf("reload_sent=%d\nreload_ok=%d\n", sent, good);
	}
	for (i = 0; i < MAX_KINDS && errs[i].n; i++)
		printf("error %ld %s\n", errs[i].n, errs[i].text);
	if (errs_other)
		printf("error %ld (other kinds)\n", errs_other);
	for (i = 0; i < MAX_KINDS && founds[i].n; i++)
		printf("found %ld %s\n", founds[i].n, founds[i].text);
	if (founds_other)
		printf("found %ld (other names)\n", founds_other);
	if (lout) {
		FILE *f = fopen(lout, "w");

		if (!f) {
			fprintf(stderr, "scan-client: %s: %s\n", lout, strerror(errno));
			return 1;
		}
		for (k = 0; k < n; k++)
			fprintf(f, "%.4f\n", all[k] * 1e3);
		fclose(f);
	}
	if (vout) {
		FILE *f = fopen(vout, "w");

		if (!f) {
			fprintf(stderr, "scan-client: %s: %s\n", vout, strerror(errno));
			return 1;
		}
		for (k = 0; k < nfiles; k++)
			if (verdicts[k])
				fprintf(f, "%zu\t%s\n", k, verdicts[k]);
		fclose(f);
	}
	return 0;
}
