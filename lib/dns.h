/*
 * dns.h - asynchronous DNS lookups with c-ares for the blocklist checks:
 * many A and TXT queries in flight at once, answers handed to callbacks,
 * and one wait with an overall deadline.
 *
 * Exports struct dns, struct dns_answer, dns_new, dns_free, dns_query,
 * dns_pending, dns_pollfds, dns_process, dns_wait, dns_cancel,
 * dns_reverse_ip.  Answers are hostile input; servers come from the
 * configuration (dns_servers) or /etc/resolv.conf.  See dns.c.
 */
#ifndef DNS_H
#define DNS_H

#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>

#include "buf.h"

struct dns;

#define DNS_T_A		1
#define DNS_T_TXT	16

/* how a query ended */
#define DNS_OK		0	/* answers (may be none: NODATA) */
#define DNS_NXDOMAIN	1	/* the name does not exist */
#define DNS_FAIL	2	/* SERVFAIL, REFUSED, bad answer, ... */
#define DNS_TIMEOUT	3	/* no answer in time, or cancelled */

struct dns_answer {
	int		 status;	/* DNS_* */
	int		 type;		/* of the query */
	int		 n;		/* records */
	struct in_addr	*a;		/* DNS_T_A: n addresses */
	char		**txt;		/* DNS_T_TXT: n strings (the
					   character-strings of a record
					   joined), NUL-terminated */
	char		**txt1;		/* DNS_T_TXT: the first
					   character-string of each record
					   alone (Postfix's reading) */
};

typedef void	(*dns_cb)(void *arg, const char *name,
		    const struct dns_answer *);

/*
 * dns_new - a resolver: servers "IP", "IP:port" or "[IPv6]:port",
 * separated by spaces or commas, or NULL/"" for /etc/resolv.conf;
 * timeout: seconds a single query may take (tries included); NULL with
 * the reason in err
 */
struct dns	*dns_new(const char *servers, double timeout, struct buf *err);
void		 dns_free(struct dns *);
/*
 * dns_query - ask for name (no search list, no trailing dot needed);
 * cb is called exactly once, from dns_process, dns_wait or dns_cancel
 * (never from dns_query itself); 0, or -1 when the query could not be
 * sent (cb then not called)
 */
int		 dns_query(struct dns *, const char *name, int type, dns_cb,
		    void *arg);
/* queries sent and not yet answered */
int		 dns_pending(const struct dns *);
/* the sockets to wait on: at most max pollfds; *timeout_ms the longest
 * wait before dns_process must run anyway */
int		 dns_pollfds(struct dns *, struct pollfd *, int max,
		    int *timeout_ms);
/* handle what the sockets of pfd (from dns_pollfds) have */
void		 dns_process(struct dns *, const struct pollfd *, int n);
/* process until nothing is pending or the CLOCK_MONOTONIC deadline */
void		 dns_wait(struct dns *, double deadline);
/* end every pending query (their callbacks see DNS_TIMEOUT) */
void		 dns_cancel(struct dns *);
/*
 * dns_reverse_ip - an address as a DNS list wants it (1.2.3.4 ->
 * "4.3.2.1", IPv6 as 32 nibbles); -1 when ip is not an address
 */
int		 dns_reverse_ip(const char *ip, struct buf *out);

#endif
