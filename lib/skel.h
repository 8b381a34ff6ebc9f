/*
 * skel.h - the child-process skeleton every mailsift child runs on.
 *
 * A child's main() declares its name, shape and callbacks and calls
 * skel_main().  The skeleton parses the arguments the master gives
 * (master_proto.h), loads the configuration, opens the log, runs
 * pre_jail as root, drops to mail_owner (and checks the drop took),
 * runs post_jail, then serves: one client at a time (SKEL_SINGLE:
 * on_client) or many through the event loop (SKEL_EVENT: on_accept).
 * It reports idle/busy to the master, exits after max_use clients or
 * max_idle idle seconds (single shape), and drains and exits when the
 * master closes the alive pipe.
 *
 * Exports skel_main, skel_draining, skel_alive, skel_name.
 */
#ifndef SKEL_H
#define SKEL_H

enum skel_shape {
	SKEL_SINGLE,		/* one client at a time, blocking code */
	SKEL_EVENT,		/* many clients, event loop, one process */
};

struct skel_service {
	const char	*name;
	enum skel_shape	 shape;
	void		(*pre_jail)(void);	/* root: open what needs it */
	void		(*post_jail)(void);	/* unprivileged set-up */
	void		(*on_client)(int fd);	/* SKEL_SINGLE */
	void		(*on_accept)(int fd);	/* SKEL_EVENT: owns fd now */
	void		(*on_drain)(void);	/* SKEL_EVENT: stop taking work */
	int		(*busy)(void);		/* SKEL_EVENT: jobs in flight */
};

int		 skel_main(int, char **, const struct skel_service *);
int		 skel_draining(void);
int		 skel_alive(void);
const char	*skel_name(void);
void		 skel_setup_logging(const char *name);

#endif
