/*
 * queue.c - read and write queue files.
 *
 * Inputs: queue files written by smtpd-in (an unprivileged peer that
 * handles hostile clients, so a queue file is parsed as strictly as a
 * network packet: any deviation is an error, never a guess).  Runs
 * unprivileged in smtpd-in, qmgr and reinject.  Every access goes
 * through pread/pwrite: several processes share one open file and its
 * offset means nothing.
 */
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "log.h"
#include "mem.h"
#include "queue.h"

#define HDR_FMT	"MAILSIFT-QUEUE 2 S=%c M=%010lld L=%012lld N=%010lld " \
		"K=%016" PRIx64 " P=%012lld Q=%010lld H=%012lld\n"
#define HDR_LEN	124
#define STATE_OFF 19
#define ENV_MAX	(4 * 1024 * 1024)	/* sanity bound on the envelope */

/* queue_env_init - empty envelope */
void
queue_env_init(struct queue_env *e)
{
	memset(e, 0, sizeof(*e));
	e->state = QUEUE_RECEIVING;
	e->hash = QUEUE_HASH_INIT;
}

/* queue_env_free - release an envelope's strings */
void
queue_env_free(struct queue_env *e)
{
	int i;

	xfree(e->client_addr);
	xfree(e->client_port);
	xfree(e->client_name);
	xfree(e->helo);
	xfree(e->proto);
	xfree(e->xf.name);
	xfree(e->xf.addr);
	xfree(e->xf.port);
	xfree(e->xf.proto);
	xfree(e->xf.helo);
	xfree(e->xf.ident);
	xfree(e->xf.source);
	xfree(e->sender);
	xfree(e->mail_params);
	for (i = 0; i < e->nrcpt; i++) {
		xfree(e->rcpt[i].addr);
		xfree(e->rcpt[i].params);
	}
	xfree(e->rcpt);
	queue_env_init(e);
}

/* queue_env_add_rcpt - append a recipient */
void
queue_env_add_rcpt(struct queue_env *e, const char *addr, const char *params)
{
	e->rcpt = xreallocarray(e->rcpt, (size_t)e->nrcpt + 1,
	    sizeof(*e->rcpt));
	e->rcpt[e->nrcpt].addr = xstrdup(addr);
	e->rcpt[e->nrcpt].params = xstrdup(params ? params : "");
	e->nrcpt++;
}

/* queue_hash - FNV-1a over more bytes (message fingerprint) */
uint64_t
queue_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* queue_encode - append s with bytes that could break a record as %XX */
void
queue_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		buf_addc(b, '-');	/* "not given" */
		return;
	}
	if (*p == '\0') {
		buf_adds(b, "%");	/* empty string */
		return;
	}
	for (; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '%' ||
		    (*p == '-' && p == (const unsigned char *)s && !p[1])) {
			buf_addc(b, '%');
			buf_addc(b, hex[*p >> 4]);
			buf_addc(b, hex[*p & 15]);
		} else {
			buf_addc(b, (char)*p);
		}
	}
}

/* hexval - value of a hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* queue_decode - undo queue_encode in place; -1 if malformed */
int
queue_decode(char *s)
{
	char *w = s;
	int hi, lo;

	if (strcmp(s, "%") == 0) {
		*s = '\0';
		return 0;
	}
	while (*s) {
		if (*s != '%') {
			*w++ = *s++;
			continue;
		}
		if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0)
			return -1;
		if (hi == 0 && lo == 0)
			return -1;	/* no NULs in envelope strings */
		*w++ = (char)(hi << 4 | lo);
		s += 3;
	}
	*w = '\0';
	return 0;
}

/* queue_new_id - a unique, sortable id: microseconds in hex */
void
queue_new_id(char *out, size_t len)
{
	static unsigned long long last;
	unsigned long long now;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	now = (unsigned long long)tv.tv_sec * 1000000ULL +
	    (unsigned long long)tv.tv_usec;
	if (now <= last)
		now = last + 1;
	last = now;
	snprintf(out, len, "%013llX", now);
}

/* queue_valid_id - ids are 8 to 31 characters of [0-9A-Za-z] */
int
queue_valid_id(const char *id)
{
	size_t n = strlen(id), i;

	if (n < 8 || n >= QUEUE_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]))
			return 0;
	return 1;
}

/* queue_pwrite - write all n bytes at off (through short writes) or fail */
int
queue_pwrite(int fd, const void *p, size_t n, off_t off)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = pwrite(fd, s, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* format_header - the fixed-width first line */
static void
format_header(char *hdr, const struct queue_env *e)
{
	int n = snprintf(hdr, HDR_LEN + 1, HDR_FMT, e->state, e->msg_off,
	    e->msg_len, e->dot_lines, e->hash, e->extra_off, e->extra_len,
	    e->skip_len);

	if (n != HDR_LEN)
		log_panic("%s: header length %d, not %d", __func__, n, HDR_LEN);
}

/* add_xf - one XFORWARD field of the X record */
static void
add_xf(struct buf *b, const char *v)
{
	buf_addc(b, ' ');
	queue_encode(b, v);
}

/*
 * queue_write_envelope - write header and envelope at offset 0; sets
 * e->msg_off to where the message must start.  -1 on I/O error.
 */
int
queue_write_envelope(int fd, struct queue_env *e)
{
	struct buf b = BUF_INIT;
	char hdr[HDR_LEN + 1];
	int i, rc;

	buf_reserve(&b, 1024);
	buf_add(&b, "", 0);
	buf_addf(&b, "%*s", HDR_LEN, "");	/* placeholder */
	buf_addf(&b, "I %s\n", e->id);
	buf_addf(&b, "T %lld.%06lld\n", e->arrival_sec, e->arrival_usec);
	buf_adds(&b, "C ");
	queue_encode(&b, e->client_addr);
	buf_addc(&b, ' ');
	queue_encode(&b, e->client_port);
	buf_addc(&b, ' ');
	queue_encode(&b, e->client_name);
	buf_adds(&b, "\nH ");
	queue_encode(&b, e->helo);
	buf_adds(&b, "\nP ");
	queue_encode(&b, e->proto);
	buf_adds(&b, "\nX");
	add_xf(&b, e->xf.name);
	add_xf(&b, e->xf.addr);
	add_xf(&b, e->xf.port);
	add_xf(&b, e->xf.proto);
	add_xf(&b, e->xf.helo);
	add_xf(&b, e->xf.ident);
	add_xf(&b, e->xf.source);
	buf_adds(&b, "\nF ");
	queue_encode(&b, e->sender ? e->sender : "");
	buf_addc(&b, ' ');
	queue_encode(&b, e->mail_params ? e->mail_params : "");
	buf_addc(&b, '\n');
	for (i = 0; i < e->nrcpt; i++) {
		buf_adds(&b, "R ");
		queue_encode(&b, e->rcpt[i].addr);
		buf_addc(&b, ' ');
		queue_encode(&b, e->rcpt[i].params);
		buf_addc(&b, '\n');
	}
	buf_adds(&b, "E\n");
	e->msg_off = (long long)b.len;
	format_header(hdr, e);
	memcpy(b.data, hdr, HDR_LEN);
	rc = queue_pwrite(fd, b.data, b.len, 0);
	buf_free(&b);
	return rc;
}

/* queue_finish - record length, dot lines and hash; state RECEIVED */
int
queue_finish(int fd, const struct queue_env *e)
{
	struct queue_env t = *e;
	char hdr[HDR_LEN + 1];

	t.state = QUEUE_RECEIVED;
	format_header(hdr, &t);
	return queue_pwrite(fd, hdr, HDR_LEN, 0);
}

/* queue_set_state - rewrite the state letter only */
int
queue_set_state(int fd, char state)
{
	return queue_pwrite(fd, &state, 1, STATE_OFF);
}

/* queue_set_extra - record the appended header block; rewrites header */
int
queue_set_extra(int fd, struct queue_env *e, long long off, long long len,
    long long skip)
{
	char hdr[HDR_LEN + 1];

	e->extra_off = off;
	e->extra_len = len;
	e->skip_len = skip;
	format_header(hdr, e);
	return queue_pwrite(fd, hdr, HDR_LEN, 0);
}

/* field - next space-separated field of *pp, decoded; NULL if none */
static char *
field(char **pp, int *bad)
{
	char *s = *pp, *start;

	if (s == NULL || *s == '\0') {
		*bad = 1;
		return NULL;
	}
	start = s;
	while (*s && *s != ' ')
		s++;
	if (*s == ' ') {
		*s++ = '\0';
		if (*s == '\0' || *s == ' ')
			*bad = 1;	/* trailing or doubled space */
	}
	*pp = s;
	if (strcmp(start, "-") == 0)
		return NULL;
	if (queue_decode(start) < 0) {
		*bad = 1;
		return NULL;
	}
	return xstrdup(start);
}

/* parse_header - the first line; -1 if malformed */
static int
parse_header(const char *p, struct queue_env *e)
{
	char state;
	long long m, l, n, q, x, h;
	uint64_t k;
	int used = 0;

	if (sscanf(p, "MAILSIFT-QUEUE 2 S=%c M=%10lld L=%12lld N=%10lld "
	    "K=%16" SCNx64 " P=%12lld Q=%10lld H=%12lld\n%n", &state, &m, &l,
	    &n, &k, &q, &x, &h, &used) != 8 || used != HDR_LEN ||
	    p[HDR_LEN - 1] != '\n')
		return -1;
	if (!strchr("RCUDX", state) || m < HDR_LEN || l < 0 || n < 0 ||
	    q < 0 || x < 0 || h < 0 || h > l)
		return -1;
	e->skip_len = h;
	e->state = state;
	e->msg_off = m;
	e->msg_len = l;
	e->dot_lines = n;
	e->hash = k;
	e->extra_off = q;
	e->extra_len = x;
	return 0;
}

/*
 * queue_read_envelope - parse header and envelope of the file at fd.
 * On error returns -1 and says why in err.
 */
int
queue_read_envelope(int fd, struct queue_env *e, struct buf *err)
{
	struct buf b = BUF_INIT;
	char *p, *line, *nl, *rest;
	int bad = 0, saw_end = 0;
	char seen[26];
	ssize_t n;
	size_t need;

	memset(seen, 0, sizeof(seen));

	queue_env_init(e);
	buf_reserve(&b, 4096);
	n = pread(fd, b.data, HDR_LEN, 0);
	if (n != HDR_LEN) {
		buf_addf(err, "short queue file header");
		goto fail;
	}
	b.data[HDR_LEN] = '\0';
	if (parse_header(b.data, e) < 0) {
		buf_addf(err, "bad queue file header");
		goto fail;
	}
	if (e->msg_off > ENV_MAX) {
		buf_addf(err, "envelope too large");
		goto fail;
	}
	need = (size_t)e->msg_off;
	buf_reserve(&b, need);
	n = pread(fd, b.data, need, 0);
	if (n < 0 || (size_t)n != need) {
		buf_addf(err, "short envelope");
		goto fail;
	}
	b.len = need;
	b.data[need] = '\0';
	if (memchr(b.data, '\0', need)) {
		buf_addf(err, "NUL in envelope");
		goto fail;
	}
	for (p = b.data + HDR_LEN; *p && !bad; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			bad = 1;
			break;
		}
		*nl = '\0';
		line = p;
		if (line[0] == '\0' || (line[1] != ' ' && line[1] != '\0')) {
			bad = 1;
			break;
		}
		rest = line[1] ? line + 2 : line + 1;
		/* every record but R appears at most once */
		if (line[0] < 'A' || line[0] > 'Z' ||
		    (line[0] != 'R' && seen[line[0] - 'A']++)) {
			bad = 1;
			break;
		}
		switch (line[0]) {
		case 'I':
			if (!queue_valid_id(rest) ||
			    strlcpy(e->id, rest, sizeof(e->id)) >= sizeof(e->id))
				bad = 1;
			break;
		case 'T': {
			int used = 0;

			if (sscanf(rest, "%lld.%6lld%n", &e->arrival_sec,
			    &e->arrival_usec, &used) != 2 || rest[used] != '\0')
				bad = 1;
			break;
		}
		case 'C':
			e->client_addr = field(&rest, &bad);
			e->client_port = field(&rest, &bad);
			e->client_name = field(&rest, &bad);
			break;
		case 'H':
			e->helo = field(&rest, &bad);
			break;
		case 'P':
			e->proto = field(&rest, &bad);
			break;
		case 'X':
			e->xf.name = field(&rest, &bad);
			e->xf.addr = field(&rest, &bad);
			e->xf.port = field(&rest, &bad);
			e->xf.proto = field(&rest, &bad);
			e->xf.helo = field(&rest, &bad);
			e->xf.ident = field(&rest, &bad);
			e->xf.source = field(&rest, &bad);
			break;
		case 'F':
			e->sender = field(&rest, &bad);
			e->mail_params = field(&rest, &bad);
			if (e->sender == NULL || e->mail_params == NULL)
				bad = 1;
			break;
		case 'R': {
			char *a = field(&rest, &bad), *q = field(&rest, &bad);

			if (a && q && !bad)
				queue_env_add_rcpt(e, a, q);
			else
				bad = 1;
			xfree(a);
			xfree(q);
			break;
		}
		case 'E':
			saw_end = 1;
			if (nl + 1 != b.data + need)
				bad = 1;
			break;
		default:
			bad = 1;
		}
		if (!bad && *rest != '\0' && line[0] != 'I' && line[0] != 'T')
			bad = 1;	/* trailing fields */
		if (line[0] == 'I' && strchr(rest, ' '))
			bad = 1;
		if (saw_end)
			break;
	}
	if (bad || !saw_end || e->id[0] == '\0' || e->sender == NULL ||
	    e->nrcpt == 0) {
		buf_addf(err, "malformed envelope");
		goto fail;
	}
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	queue_env_free(e);
	return -1;
}
