/*
 * scanner.h - the scanner program's internal interfaces.
 *
 * scanner.c: main, the signature set and its reloads, the pool of
 *            scanning threads, qmgr's private requests.
 * clamd.c:   the clamd protocol on local_socket / tcp_socket.
 *
 * Threads: the main thread runs the event loop and owns every
 * connection; worker threads only run scanjob->run on a job and hand it
 * back; the reload thread builds a new signature set and swaps it in.
 */
#ifndef SCANNER_H
#define SCANNER_H

#include <stdatomic.h>
#include <time.h>

#include "buf.h"
#include "engine.h"
#include "regtable.h"

/* What the threads scan with: swapped whole by a reload. */
struct rules {
	struct engine	*engine;
	struct regtable	*banned;	/* NULL: no table */
	unsigned	 sigs;
	char		 dbversion[96];	/* "27400/Tue Oct ..." or "" */
	time_t		 loaded;
	atomic_uint	 refs;
};

struct rules	*rules_get(void);
void		 rules_put(struct rules *);
void		 reload_request(int force);

/* One unit of work for a thread. */
struct scanjob {
	void		(*run)(struct scanjob *);	/* in a thread */
	void		(*done)(struct scanjob *);	/* in the main thread */
	void		*owner;		/* the connection that asked */
	struct scanjob	*next;
	/* input */
	int		 fd;		/* closed by the job's done */
	long long	 off, len;
	int		 want_virus, want_banned;
	char		*path;		/* clamd SCAN etc. */
	int		 cmd;		/* enum clamd_cmd */
	int		 term;		/* enum clamd_term */
	unsigned	 sid;		/* IDSESSION reply id, 0 = none */
	char		*tag;		/* qmgr's request tag */
	char		*what;		/* clamd reply label: "stream", ... */
	/* output */
	enum scan_result result;
	int		 banned;
	char		*name;		/* virus name, or banned reason */
	char		*error;		/* why unchecked / failed */
	struct buf	 reply;		/* clamd: the complete reply lines */
};

struct scanjob	*scanjob_new(void);
void		 scanjob_free(struct scanjob *);
int		 pool_submit(struct scanjob *, int bounded);
void		 scan_fd(struct scanjob *, int fd, long long off,
		    long long len);

/* counters, main thread only */
struct scan_stats {
	unsigned long long	 scans, viruses, banned, unchecked, errors,
				 busy, reloads, reload_failures;
};
extern struct scan_stats stats;
void	pool_load(int *live, int *busy, int *queued);

/* clamd.c */
void	clamd_bind(void);
void	clamd_start(void);
void	clamd_drain(void);
int	clamd_busy(void);
void	clamd_unlink(void);

#endif
