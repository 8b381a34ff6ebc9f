/*
 * dns.c - asynchronous A and TXT lookups over c-ares for the blocklist
 * checks of smtpd-in and the scorer.
 *
 * Exports dns_new, dns_free, dns_query, dns_pending, dns_pollfds,
 * dns_process, dns_wait, dns_cancel and dns_reverse_ip (see dns.h).
 * The servers are the configuration's dns_servers (any port: the
 * reason this does not use the libc resolver) or /etc/resolv.conf;
 * the names asked are never completed by a search list.
 *
 * Inputs: DNS answers (hostile: c-ares parses them; the records kept
 * are bounded in number and length, NULs made visible) and names built
 * from hostile mail (c-ares refuses what is not a valid name).  Runs
 * unprivileged, in whatever process asks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "dns.h"
#include "log.h"
#include "mem.h"

#define DNS_MAX_RR	64	/* records kept from one answer */
#define DNS_MAX_TXT	2048	/* bytes kept of one TXT record */
#define DNS_TRIES	2	/* tries per server */
#define DNS_MIN_TRY_MS	50	/* shortest time given to one try */
#define DNS_EDNS_SIZE	1232	/* the DNS flag day's UDP payload size */

struct dns {
	ares_channel	 ch;
	int		 pending;	/* queries sent, callbacks not run */
};

/* one query in flight */
struct dns_q {
	struct dns	*d;
	dns_cb		 cb;
	void		*arg;
	char		*name;
	int		 type;
	int		 sending;	/* inside ares_query */
	int		 failed;	/* ares ended it inside ares_query */
};

/* now - CLOCK_MONOTONIC seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* add_server - one "IP", "IP:port" or "[IP]:port" to the list; -1 if bad */
static int
add_server(const char *tok, size_t len, struct ares_addr_port_node **tail,
    struct buf *err)
{
	struct ares_addr_port_node *n;
	char host[64], *end;
	const char *colon, *p = tok, *hend;
	long port = 0;

	if (len == 0)
		return 0;
	if (*p == '[') {
		hend = memchr(p, ']', len);
		if (hend == NULL)
			goto bad;
		p++;
		colon = hend + 1 < tok + len ? hend + 1 : NULL;
		if (colon && *colon != ':')
			goto bad;
	} else {
		colon = memchr(p, ':', len);
		/* more than one colon: a bare IPv6 address */
		if (colon && memchr(colon + 1, ':', len - (size_t)(colon - p)
		    - 1))
			colon = NULL;
		hend = colon ? colon : tok + len;
	}
	if ((size_t)(hend - p) >= sizeof(host))
		goto bad;
	memcpy(host, p, (size_t)(hend - p));
	host[hend - p] = '\0';
	if (colon) {
		if (colon + 1 >= tok + len)
			goto bad;
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (end != tok + len || port < 1 || port > 65535)
			goto bad;
	}
	n = xcalloc(1, sizeof(*n));
	if (inet_pton(AF_INET, host, &n->addr.addr4) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, host, &n->addr.addr6) == 1)
		n->family = AF_INET6;
	else {
		xfree(n);
		goto bad;
	}
	n->udp_port = n->tcp_port = (int)port;	/* 0: the default, 53 */
	*tail = n;
	return 0;
bad:
	buf_addf(err, "bad DNS server \"%.*s\" (IP, IP:port or [IP]:port)",
	    (int)(len > 80 ? 80 : len), tok);
	return -1;
}

/* parse_servers - the dns_servers list as c-ares nodes; -1 if bad */
static int
parse_servers(const char *s, struct ares_addr_port_node **list,
    struct buf *err)
{
	struct ares_addr_port_node **tail = list;
	size_t len;

	*list = NULL;
	while (*s) {
		s += strspn(s, " \t,");
		len = strcspn(s, " \t,");
		if (add_server(s, len, tail, err) < 0)
			return -1;
		if (*tail)
			tail = &(*tail)->next;
		s += len;
	}
	return 0;
}

/* free_servers - release a list from parse_servers */
static void
free_servers(struct ares_addr_port_node *n)
{
	struct ares_addr_port_node *next;

	for (; n; n = next) {
		next = n->next;
		xfree(n);
	}
}

/* count_servers - how many servers the channel asks in turn */
static int
count_servers(ares_channel ch)
{
	struct ares_addr_port_node *list = NULL, *n;
	int count = 0;

	if (ares_get_servers_ports(ch, &list) != ARES_SUCCESS)
		return 1;
	for (n = list; n; n = n->next)
		count++;
	ares_free_data(list);
	return count > 0 ? count : 1;
}

/*
 * try_ms - the time of a first try so that every try on every server
 * fits in timeout: c-ares doubles the wait after each round of the
 * servers, so the whole costs nservers * (2^tries - 1) first tries
 */
static int
try_ms(double timeout, int nservers)
{
	double ms = timeout * 1000.0 / (nservers * ((1 << DNS_TRIES) - 1));

	return ms < DNS_MIN_TRY_MS ? DNS_MIN_TRY_MS : (int)ms;
}

/* channel - a c-ares channel with our options, try time ms; NULL if not */
static ares_channel
channel(int ms, struct buf *err)
{
	struct ares_options o;
	ares_channel ch;
	int rc, mask;

	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS;
	o.timeout = ms;
	o.tries = DNS_TRIES;
	o.ndomains = 0;
	o.domains = NULL;
	o.ednspsz = DNS_EDNS_SIZE;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_DOMAINS | ARES_OPT_EDNSPSZ;
	if ((rc = ares_init_options(&ch, &o, mask)) != ARES_SUCCESS) {
		buf_addf(err, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	return ch;
}

/* dns_new - a resolver asking servers (or resolv.conf's) */
struct dns *
dns_new(const char *servers, double timeout, struct buf *err)
{
	static int lib_ready;
	struct ares_addr_port_node *list = NULL;
	struct dns *d;
	ares_channel ch;
	int rc, nservers;

	if (!lib_ready) {
		if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) !=
		    ARES_SUCCESS) {
			buf_addf(err, "c-ares: %s", ares_strerror(rc));
			return NULL;
		}
		lib_ready = 1;
	}
	if (servers && parse_servers(servers, &list, err) < 0)
		return NULL;
	if ((ch = channel(1000, err)) == NULL) {
		free_servers(list);
		return NULL;
	}
	if (list && (rc = ares_set_servers_ports(ch, list)) != ARES_SUCCESS) {
		buf_addf(err, "c-ares: setting servers: %s",
		    ares_strerror(rc));
		free_servers(list);
		ares_destroy(ch);
		return NULL;
	}
	free_servers(list);
	/*
	 * The try time depends on the number of servers, known only now:
	 * c-ares has no setter for it, so make the channel again with it
	 * and copy the servers over.
	 */
	nservers = count_servers(ch);
	list = NULL;
	if (ares_get_servers_ports(ch, &list) != ARES_SUCCESS) {
		buf_addf(err, "c-ares: cannot read the server list");
		ares_destroy(ch);
		return NULL;
	}
	ares_destroy(ch);
	ch = channel(try_ms(timeout, nservers), err);
	if (ch && (rc = ares_set_servers_ports(ch, list)) != ARES_SUCCESS) {
		buf_addf(err, "c-ares: setting servers: %s",
		    ares_strerror(rc));
		ares_destroy(ch);
		ch = NULL;
	}
	ares_free_data(list);
	if (ch == NULL)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->ch = ch;
	return d;
}

/* dns_free - cancel what is pending (callbacks run) and free */
void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	dns_cancel(d);
	ares_destroy(d->ch);
	xfree(d);
}

/* status - the DNS_* for a c-ares status */
static int
status(int st)
{
	switch (st) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
		return DNS_OK;
	case ARES_ENOTFOUND:
		return DNS_NXDOMAIN;
	case ARES_ETIMEOUT:
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return DNS_TIMEOUT;
	default:
		return DNS_FAIL;
	}
}

/* parse_a - the addresses of an A answer into ans */
static int
parse_a(const unsigned char *abuf, int alen, struct dns_answer *ans)
{
	struct ares_addrttl rr[DNS_MAX_RR];
	int i, n = DNS_MAX_RR, rc;

	rc = ares_parse_a_reply(abuf, alen, NULL, rr, &n);
	if (rc == ARES_ENODATA)
		return DNS_OK;
	if (rc != ARES_SUCCESS)
		return DNS_FAIL;
	ans->a = xcalloc((size_t)n + 1, sizeof(*ans->a));
	for (i = 0; i < n; i++)
		ans->a[i] = rr[i].ipaddr;
	ans->n = n;
	return DNS_OK;
}

/* txt_add - append len bytes of a character-string, NULs made '?' */
static void
txt_add(struct buf *b, const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && b->len < DNS_MAX_TXT; i++)
		buf_addc(b, s[i] ? s[i] : '?');
}

/* parse_txt - the records of a TXT answer, strings joined, into ans */
static int
parse_txt(const unsigned char *abuf, int alen, struct dns_answer *ans)
{
	struct ares_txt_ext *list = NULL, *t;
	struct buf b = BUF_INIT, b1 = BUF_INIT;
	int rc, n = 0;

	rc = ares_parse_txt_reply_ext(abuf, alen, &list);
	if (rc == ARES_ENODATA)
		return DNS_OK;
	if (rc != ARES_SUCCESS)
		return DNS_FAIL;
	ans->txt = xcalloc(DNS_MAX_RR + 1, sizeof(*ans->txt));
	ans->txt1 = xcalloc(DNS_MAX_RR + 1, sizeof(*ans->txt1));
	for (t = list; t; t = t->next) {
		if (t->record_start) {
			if (n > 0)
				ans->txt[n - 1] = buf_steal(&b);
			if (n == DNS_MAX_RR)
				break;
			n++;
			buf_reset(&b1);
			txt_add(&b1, t->txt, t->length);
			ans->txt1[n - 1] = buf_steal(&b1);
		}
		if (n > 0)
			txt_add(&b, t->txt, t->length);
	}
	if (n > 0 && ans->txt[n - 1] == NULL)
		ans->txt[n - 1] = buf_steal(&b);
	buf_free(&b);
	buf_free(&b1);
	ares_free_data(list);
	ans->n = n;
	return DNS_OK;
}

/* answered - c-ares ended a query: parse, tell the caller once, free */
static void
answered(void *arg, int st, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_q *q = arg;
	struct dns_answer ans;
	int i;

	if (q->sending) {
		/* refused at once: dns_query returns -1, no callback */
		q->failed = 1;
		return;
	}
	memset(&ans, 0, sizeof(ans));
	ans.type = q->type;
	ans.status = status(st);
	if (st == ARES_SUCCESS && abuf)
		ans.status = q->type == DNS_T_A ? parse_a(abuf, alen, &ans) :
		    parse_txt(abuf, alen, &ans);
	q->d->pending--;
	q->cb(q->arg, q->name, &ans);
	xfree(ans.a);
	if (ans.txt)
		for (i = 0; i < ans.n; i++) {
			xfree(ans.txt[i]);
			xfree(ans.txt1[i]);
		}
	xfree(ans.txt);
	xfree(ans.txt1);
	xfree(q->name);
	xfree(q);
}

/* dns_query - send one A or TXT query; cb later, exactly once */
int
dns_query(struct dns *d, const char *name, int type, dns_cb cb, void *arg)
{
	struct dns_q *q;

	if (type != DNS_T_A && type != DNS_T_TXT)
		return -1;
	q = xcalloc(1, sizeof(*q));
	q->d = d;
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	q->name = xstrdup(name);
	q->sending = 1;
	ares_query(d->ch, name, 1 /* C_IN */, type, answered, q);
	q->sending = 0;
	if (q->failed) {
		xfree(q->name);
		xfree(q);
		return -1;
	}
	d->pending++;
	return 0;
}

/* dns_pending - queries whose callback has not run */
int
dns_pending(const struct dns *d)
{
	return d->pending;
}

/* dns_pollfds - c-ares's sockets as pollfds, and its next timeout */
int
dns_pollfds(struct dns *d, struct pollfd *pfd, int max, int *timeout_ms)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	unsigned bits, rd, wr;
	int i, n = 0;

	/* c-ares's own bit macros shift into the sign bit: done unsigned */
	bits = (unsigned)ares_getsock(d->ch, socks, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
		rd = bits >> i & 1;
		wr = bits >> (i + ARES_GETSOCK_MAXNUM) & 1;
		if (!rd && !wr)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = (short)((rd ? POLLIN : 0) |
		    (wr ? POLLOUT : 0));
		pfd[n].revents = 0;
		n++;
	}
	if (timeout_ms) {
		tvp = ares_timeout(d->ch, NULL, &tv);
		*timeout_ms = tvp ? (int)(tvp->tv_sec * 1000 +
		    (tvp->tv_usec + 999) / 1000) : -1;
	}
	return n;
}

/* dns_process - read what came, send retries, expire timeouts */
void
dns_process(struct dns *d, const struct pollfd *pfd, int n)
{
	ares_socket_t r, w;
	int i, done = 0;

	for (i = 0; i < n; i++) {
		r = pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ?
		    pfd[i].fd : ARES_SOCKET_BAD;
		w = pfd[i].revents & (POLLOUT | POLLERR | POLLHUP) ?
		    pfd[i].fd : ARES_SOCKET_BAD;
		if (r == ARES_SOCKET_BAD && w == ARES_SOCKET_BAD)
			continue;
		ares_process_fd(d->ch, r, w);
		done = 1;
	}
	if (!done)
		ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* dns_wait - poll and process until nothing is pending or deadline */
void
dns_wait(struct dns *d, double deadline)
{
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	double left;
	int n, ms, first = 1;

	while (d->pending > 0) {
		left = deadline - now();
		/* one look even past the deadline: answers may be waiting */
		if (left <= 0 && !first)
			break;
		n = dns_pollfds(d, pfd, ARES_GETSOCK_MAXNUM, &ms);
		if (left <= 0)
			ms = 0;
		else if (ms < 0 || ms > left * 1000 + 1)
			ms = (int)(left * 1000) + 1;
		if (poll(pfd, (nfds_t)n, ms) < 0 && errno != EINTR) {
			log_warn("%s: poll: %m", __func__);
			break;
		}
		dns_process(d, pfd, n);
		first = 0;
	}
}

/* dns_cancel - end every pending query; their callbacks see a timeout */
void
dns_cancel(struct dns *d)
{
	if (d->pending > 0)
		ares_cancel(d->ch);
}

/* dns_reverse_ip - the list form of an address: octets or nibbles */
int
dns_reverse_ip(const char *ip, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	int i;

	buf_reset(out);
	if (inet_pton(AF_INET, ip, a) == 1) {
		buf_addf(out, "%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	/* ::ffff:a.b.c.d is an IPv4 client: lists want its IPv4 form */
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\377\377", 12) == 0) {
		buf_addf(out, "%u.%u.%u.%u", a[15], a[14], a[13], a[12]);
		return 0;
	}
	for (i = 15; i >= 0; i--) {
		buf_addc(out, hex[a[i] & 0xf]);
		buf_addc(out, '.');
		buf_addc(out, hex[a[i] >> 4]);
		if (i > 0)
			buf_addc(out, '.');
	}
	return 0;
}
