/*
 * master.h - mailsiftd's internal interfaces.
 *
 * service.c: the service table (master.cf) and its listeners.
 * mailsiftd.c: processes (spawn, reap, status, throttle), reload, stop.
 * control.c: the control socket that mailsiftctl talks to.
 */
#ifndef MASTER_H
#define MASTER_H

#include <sys/types.h>
#include <time.h>

#include "buf.h"

enum serv_type { SERV_INET, SERV_UNIX };

struct proc {
	pid_t		 pid;
	unsigned	 gen;
	int		 state;		/* MASTER_STAT_*, or -1 not ready */
	unsigned	 jobs;
	time_t		 started;
	struct proc	*next;
};

struct service {
	char		*name;		/* first column */
	enum serv_type	 type;
	int		 maxproc;
	char		*command;
	char		**args;		/* -o name=value pairs, NULL-ended */
	int		 nargs;
	char		*where;		/* master.cf:line, for messages */
	/* run-time state */
	int		 listen_fd;
	char		*listen_desc;	/* 127.0.0.1:10024 or socket path */
	int		 status_fd[2];
	int		 alive_fd[2];	/* this generation's alive pipe */
	int		 prev_alive[2];	/* the previous generation's, kept
					   open until this one is ready */
	unsigned	 gen;
	struct proc	*procs;
	int		 nprocs;	/* of the current generation */
	int		 nidle;		/* of the current generation */
	int		 watching;	/* listener watched for demand */
	unsigned	 restarts;	/* abnormal exits */
	int		 backoff;	/* seconds, 0 when healthy */
	time_t		 throttled_until;
	int		 mark;		/* reload: still configured */
	struct service	*next;
};

/* service.c */
struct config;
struct service	*service_parse(const char *path, const struct config *,
		    struct buf *err);
void		 service_free(struct service *);
int		 service_same_listener(const struct service *,
		    const struct service *);
int		 service_bind(struct service *, const char *queue_dir,
		    const char *owner, struct buf *err);

/* mailsiftd.c */
extern struct service	*services;
extern unsigned		 generation;
extern time_t		 master_started;
int	master_reload(struct buf *err);
void	master_stop(void);

/* control.c */
int	control_open(const char *path);
void	control_close(void);

#endif
