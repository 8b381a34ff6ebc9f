/*
 * master_proto.h - the contract between mailsiftd and its children.
 *
 * A child is exec'd with: fd 3 the write end of its service's status
 * pipe, fd 4 the read end of its generation's alive pipe (end of file
 * there means "finish what you are doing and exit"), fd 5 its
 * service's listening socket.  The environment holds the generation
 * number.  Arguments: -c CONFDIR -n SERVICE [-v] [-o name=value]...
 * A child writes a struct master_status to fd 3 whenever it changes
 * between idle and busy; the write is atomic (smaller than PIPE_BUF).
 */
#ifndef MASTER_PROTO_H
#define MASTER_PROTO_H

#include <sys/types.h>

#define MASTER_STATUS_FD	3
#define MASTER_ALIVE_FD		4
#define MASTER_LISTEN_FD	5
#define MASTER_GEN_ENV		"MAILSIFT_GENERATION"

enum {
	MASTER_STAT_IDLE = 0,	/* ready for a client */
	MASTER_STAT_BUSY = 1,	/* serving one */
};

struct master_status {
	pid_t		pid;
	unsigned	gen;
	int		state;
	unsigned	jobs;	/* clients served so far */
};

#endif
