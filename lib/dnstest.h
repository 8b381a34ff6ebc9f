/*
 * dnstest.h - a small DNS responder for the unit tests of dns.c and
 * scorer/dnsbl.c: a thread answering UDP queries on 127.0.0.1 from a
 * table of records the test fills, and logging every question.
 *
 * Exports (static, test programs only) struct dnstest, dnstest_start,
 * dnstest_add, dnstest_servers, dnstest_count, dnstest_asked,
 * dnstest_clear_log, dnstest_stop.  Behaviour by name:
 *   a record added with dnstest_add     answered (A or TXT; other type
 *                                        of a known name: NODATA)
 *   first label "2" under bl.test        A 127.0.0.2, TXT "listed in "
 *                                        "bl.test" + "second" record
 *   two.bl.test                          A 127.0.0.2 and 127.0.0.4
 *   nodata.test                          NOERROR, no records
 *   servfail.test                        SERVFAIL
 *   *silent.test                         no answer at all
 *   many.test                            70 A records (fits EDNS 1232)
 *   nul.test                             TXT "a\0b"
 *   garbage.test                         an answer cut in the middle
 *   anything else                        NXDOMAIN
 */
#ifndef DNSTEST_H
#define DNSTEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DNSTEST_MAX_REC	256
#define DNSTEST_MAX_LOG	4096

struct dnstest_rec {
	char		 name[256];
	int		 type;
	char		 value[256];	/* dotted quad or TXT text */
};

struct dnstest {
	int		 fd, stop[2];
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	char		 servers[64];
	struct dnstest_rec rec[DNSTEST_MAX_REC];
	int		 nrec;
	char		*log[DNSTEST_MAX_LOG];	/* "name/A", "name/TXT" */
	int		 nlog;
};

/* dnstest_qname - the question's name (lower case) into out; its end */
static int __attribute__((unused))
dnstest_qname(const unsigned char *p, int len, int off, char *out,
    size_t size)
{
	size_t o = 0;
	int l, i;

	while (off < len && (l = p[off]) != 0) {
		if (l > 63 || off + 1 + l > len || o + (size_t)l + 2 > size)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (i = 0; i < l; i++) {
			unsigned char c = p[off + 1 + i];
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		off += 1 + l;
	}
	if (off >= len)
		return -1;
	out[o] = '\0';
	return off + 1;
}

/* dnstest_rr - append one answer record pointing at the question */
static int __attribute__((unused))
dnstest_rr(unsigned char *r, int n, int type, const void *data, int dlen)
{
	if (n + 12 + dlen > 4000)
		return n;
	r[n++] = 0xc0; r[n++] = 12;
	r[n++] = 0; r[n++] = (unsigned char)type;
	r[n++] = 0; r[n++] = 1;
	r[n++] = 0; r[n++] = 0; r[n++] = 0; r[n++] = 60;
	r[n++] = (unsigned char)(dlen >> 8); r[n++] = (unsigned char)dlen;
	memcpy(r + n, data, (size_t)dlen);
	return n + dlen;
}

/* dnstest_txt - a TXT rdata of one character-string per '|' part */
static int __attribute__((unused))
dnstest_txt(const char *s, unsigned char *out)
{
	int n = 0;
	size_t l;

	for (;;) {
		l = strcspn(s, "|");
		out[n++] = (unsigned char)l;
		memcpy(out + n, s, l);
		n += (int)l;
		if (s[l] == '\0')
			return n;
		s += l + 1;
	}
}

/* dnstest_answer - the reply to one query into r; its length, 0: none */
static int __attribute__((unused))
dnstest_answer(struct dnstest *t, const unsigned char *q, int qlen,
    unsigned char *r)
{
	char name[256], logline[300];
	unsigned char rd[300];
	struct in_addr a;
	int end, type, n, i, an = 0, rcode = 0, known = 0, bl;
	size_t nl;

	if (qlen < 12 || (end = dnstest_qname(q, qlen, 12, name,
	    sizeof(name))) < 0 || end + 4 > qlen)
		return 0;
	type = q[end] << 8 | q[end + 1];
	snprintf(logline, sizeof(logline), "%s/%s", name, type == 1 ? "A" :
	    type == 16 ? "TXT" : "?");
	pthread_mutex_lock(&t->mu);
	if (t->nlog < DNSTEST_MAX_LOG)
		t->log[t->nlog++] = strdup(logline);
	pthread_mutex_unlock(&t->mu);
	nl = strlen(name);
	if (nl >= 11 && strcmp(name + nl - 11, "silent.test") == 0)
		return 0;
	memcpy(r, q, (size_t)end + 4);
	n = end + 4;
	bl = strncmp(name, "2.", 2) == 0 && nl > 8 &&
	    strcmp(name + nl - 8, ".bl.test") == 0;
	if (strcmp(name, "servfail.test") == 0) {
		rcode = 2;
	} else if (strcmp(name, "garbage.test") == 0) {
		r[7] = 1;	/* one answer, absent */
		r[2] = 0x81;
		r[3] = 0x80;
		return n + 3;
	} else if (strcmp(name, "nodata.test") == 0) {
		known = 1;
	} else if (strcmp(name, "many.test") == 0) {
		known = 1;
		for (i = 0; type == 1 && i < 70; i++, an++) {
			rd[0] = 127; rd[1] = 0; rd[2] = 1; rd[3] = (unsigned char)i;
			n = dnstest_rr(r, n, 1, rd, 4);
		}
	} else if (strcmp(name, "nul.test") == 0) {
		known = 1;
		if (type == 16) {
			n = dnstest_rr(r, n, 16, "\003a\0b", 4);
			an++;
		}
	} else if (bl || strcmp(name, "two.bl.test") == 0) {
		known = 1;
		if (type == 1) {
			inet_pton(AF_INET, "127.0.0.2", &a);
			n = dnstest_rr(r, n, 1, &a, 4);
			an++;
			if (!bl) {
				inet_pton(AF_INET, "127.0.0.4", &a);
				n = dnstest_rr(r, n, 1, &a, 4);
				an++;
			}
		} else if (type == 16) {
			i = dnstest_txt("listed in |bl.test", rd);
			n = dnstest_rr(r, n, 16, rd, i);
			i = dnstest_txt("second", rd);
			n = dnstest_rr(r, n, 16, rd, i);
			an += 2;
		}
	}
	pthread_mutex_lock(&t->mu);
	for (i = 0; i < t->nrec; i++) {
		if (strcasecmp(t->rec[i].name, name) != 0)
			continue;
		known = 1;
		if (t->rec[i].type != type)
			continue;
		if (type == 1 && inet_pton(AF_INET, t->rec[i].value, rd) == 1)
			n = dnstest_rr(r, n, 1, rd, 4);
		else if (type == 16)
			n = dnstest_rr(r, n, 16, rd,
			    dnstest_txt(t->rec[i].value, rd));
		else
			continue;
		an++;
	}
	pthread_mutex_unlock(&t->mu);
	if (!known && rcode == 0)
		rcode = 3;
	r[2] = 0x81 | (q[2] & 0x01);	/* QR, RD as asked */
	r[3] = (unsigned char)(0x80 | rcode);
	r[4] = 0; r[5] = 1;
	r[6] = (unsigned char)(an >> 8); r[7] = (unsigned char)an;
	r[8] = r[9] = r[10] = r[11] = 0;
	return n;
}

/* dnstest_loop - the responder thread */
static void * __attribute__((unused))
dnstest_loop(void *arg)
{
	struct dnstest *t = arg;
	unsigned char q[1500], r[4096];
	struct sockaddr_in from;
	struct pollfd pfd[2];
	socklen_t fl;
	ssize_t got;
	int n;

	pfd[0].fd = t->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = t->stop[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents)
			return NULL;
		fl = sizeof(from);
		got = recvfrom(t->fd, q, sizeof(q), 0,
		    (struct sockaddr *)&from, &fl);
		if (got <= 0)
			continue;
		if ((n = dnstest_answer(t, q, (int)got, r)) > 0)
			sendto(t->fd, r, (size_t)n, 0,
			    (struct sockaddr *)&from, fl);
	}
}

/* dnstest_start - a responder on 127.0.0.1, a free port */
static struct dnstest * __attribute__((unused))
dnstest_start(void)
{
	struct dnstest *t = calloc(1, sizeof(*t));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	if (t == NULL)
		abort();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (t->fd < 0 || bind(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(t->fd, (struct sockaddr *)&sa, &sl) < 0 ||
	    pipe(t->stop) < 0) {
		perror("dnstest");
		abort();
	}
	snprintf(t->servers, sizeof(t->servers), "127.0.0.1:%u",
	    ntohs(sa.sin_port));
	pthread_mutex_init(&t->mu, NULL);
	if (pthread_create(&t->thread, NULL, dnstest_loop, t) != 0)
		abort();
	return t;
}

/* dnstest_add - one record: type 1 (A, dotted quad) or 16 (TXT, '|'
 * separates character-strings) */
static void __attribute__((unused))
dnstest_add(struct dnstest *t, const char *name, int type, const char *v)
{
	pthread_mutex_lock(&t->mu);
	if (t->nrec < DNSTEST_MAX_REC) {
		snprintf(t->rec[t->nrec].name, sizeof(t->rec[0].name), "%s",
		    name);
		snprintf(t->rec[t->nrec].value, sizeof(t->rec[0].value), "%s",
		    v);
		t->rec[t->nrec++].type = type;
	}
	pthread_mutex_unlock(&t->mu);
}

static const char * __attribute__((unused))
dnstest_servers(struct dnstest *t)
{
	return t->servers;
}

/* dnstest_count - questions seen for name, any type */
static int __attribute__((unused))
dnstest_count(struct dnstest *t, const char *name)
{
	size_t l = strlen(name);
	int i, c = 0;

	pthread_mutex_lock(&t->mu);
	for (i = 0; i < t->nlog; i++)
		if (strncmp(t->log[i], name, l) == 0 && t->log[i][l] == '/')
			c++;
	pthread_mutex_unlock(&t->mu);
	return c;
}

/* dnstest_asked - the questions seen, sorted, one "name/TYPE" a line */
static int __attribute__((unused))
dnstest_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void __attribute__((unused))
dnstest_asked(struct dnstest *t, char *out, size_t size)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	pthread_mutex_lock(&t->mu);
	qsort(t->log, (size_t)t->nlog, sizeof(t->log[0]), dnstest_cmp);
	for (i = 0; i < t->nlog && o + strlen(t->log[i]) + 2 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s\n", t->log[i]);
	pthread_mutex_unlock(&t->mu);
}

static void __attribute__((unused))
dnstest_clear_log(struct dnstest *t)
{
	int i;

	pthread_mutex_lock(&t->mu);
	for (i = 0; i < t->nlog; i++)
		free(t->log[i]);
	t->nlog = 0;
	pthread_mutex_unlock(&t->mu);
}

static void __attribute__((unused))
dnstest_stop(struct dnstest *t)
{
	if (write(t->stop[1], "x", 1) != 1)
		abort();
	pthread_join(t->thread, NULL);
	dnstest_clear_log(t);
	close(t->fd);
	close(t->stop[0]);
	close(t->stop[1]);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

#endif
