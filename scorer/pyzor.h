/*
 * pyzor.h - Pyzor: the message digest exactly as pyzor 1.0 computes it,
 * and a UDP client for its servers (check, report, whitelist, ping),
 * asynchronous so a message's Pyzor query runs while its rules do.
 *
 * Exports struct pyzor_conf, struct pyzor_query, pyzor_digest,
 * pyzor_predigest, pyzor_conf_new, pyzor_conf_free, pyzor_start,
 * pyzor_pollfds, pyzor_input, pyzor_done, pyzor_wait, pyzor_result,
 * pyzor_server_result, pyzor_free, pyzor_request, pyzor_parse_reply,
 * pyzor_hit.  The server answers are hostile; the configuration trusted.
 * See pyzor.c.
 */
#ifndef PYZOR_H
#define PYZOR_H

#include <poll.h>
#include <stddef.h>

#include "buf.h"
#include "saconf.h"

struct pyzor_conf;
struct pyzor_query;

/*
 * pyzor_digest - the 40-hex SHA-1 digest of a message as "pyzor digest"
 * prints it; 0, or -1 when pyzor would have no digest for it
 */
int		 pyzor_digest(const char *msg, size_t len, char out[41]);
/*
 * pyzor_predigest - the lines the digest is made of, each ended by
 * "\n", as "pyzor predigest" prints them; 0, or -1 as pyzor_digest
 */
int		 pyzor_predigest(const char *msg, size_t len, struct buf *lines);

/*
 * pyzor_conf_new - servers ("host:port", separated by spaces or commas;
 * names looked up here), the timeout in seconds, and SpamAssassin's
 * pyzor_* settings from set (may be NULL): pyzor_count_min (5, old name
 * pyzor_max), pyzor_welcomelist_min (10), pyzor_welcomelist_factor (0.2);
 * a name that does not resolve yet is kept (logged) and skipped by the
 * queries until pyzor_conf_refresh finds it; NULL with the reason in err
 * when no server is host:port
 */
struct pyzor_conf *pyzor_conf_new(const char *servers, double timeout,
		    const struct saconf_settings *, struct buf *err);
void		 pyzor_conf_free(struct pyzor_conf *);
/*
 * pyzor_conf_refresh - look the server names up again when due: every
 * 60 s while a name does not resolve, every hour once it does (a name
 * that stops resolving keeps its last address).  It blocks in
 * getaddrinfo: call it when no query is in flight and no client waits.
 */
void		 pyzor_conf_refresh(struct pyzor_conf *);
/* the same as if the monotonic clock said now (for the tests) */
void		 pyzor_conf_refresh_at(struct pyzor_conf *, double now);
/* pyzor_conf_resolved - how many servers have an address */
int		 pyzor_conf_resolved(const struct pyzor_conf *);

/*
 * pyzor_start - send op ("check", "report", "whitelist", "ping") for
 * digest to every server of conf, at once; NULL on a local failure
 * (logged)
 */
struct pyzor_query *pyzor_start(const struct pyzor_conf *, const char *op,
		    const char *digest);
/* the sockets still waiting for an answer: at most max pollfds, POLLIN */
int		 pyzor_pollfds(struct pyzor_query *, struct pollfd *, int max);
/* read what fd has (a datagram that is not the answer is ignored) */
void		 pyzor_input(struct pyzor_query *, int fd);
/* every server answered, or the query's own timeout passed */
int		 pyzor_done(struct pyzor_query *);
/* wait (poll) until done or the CLOCK_MONOTONIC time deadline */
void		 pyzor_wait(struct pyzor_query *, double deadline);
/* pyzor_waiting - servers that have not answered (yet, or in time) */
int		 pyzor_waiting(const struct pyzor_query *);
/*
 * pyzor_result - counts summed over the servers that answered 200:
 * returns how many did (0: no answer), with their Count and WL-Count;
 * err (may be NULL) gets the other answers ("host:port: 403 Forbidden")
 */
int		 pyzor_result(struct pyzor_query *, long *count, long *wl,
		    struct buf *err);
void		 pyzor_free(struct pyzor_query *);
/*
 * pyzor_server_result - server i of a query, for a client that prints
 * each (sapyzor): 1 answered (code, diag, Count, WL-Count), 0 no
 * answer yet, -1 failed (diag says why), -2 no server i
 */
int		 pyzor_server_result(const struct pyzor_query *, size_t i,
		    const char **name, int *code, const char **diag,
		    long *count, long *wl);

/*
 * pyzor_request - the datagram pyzor 1.0 sends for op as the anonymous
 * user (Op, Op-Digest, Op-Spec for report and whitelist, Thread, PV
 * 2.1, User, Time, Sig); pyzor_parse_reply - read an answer: 0 when it
 * is the answer to thread (Code 100-999, Diag, PV, Thread; Count and
 * WL-Count on a 200 when check), -1 otherwise
 */
void		 pyzor_request(const char *op, const char *digest,
		    unsigned thread, long long when, struct buf *out);
int		 pyzor_parse_reply(const char *, size_t, unsigned thread,
		    int check, int *code, char *diag, size_t diagsz,
		    long *count, long *wl);

/*
 * pyzor_hit - SpamAssassin's PYZOR_CHECK decision on summed counts:
 * 1 hit, 0 not (welcomelisted, below pyzor_count_min, or implausible
 * counts that SpamAssassin ignores)
 */
int		 pyzor_hit(const struct pyzor_conf *, long count, long wl);

#endif
