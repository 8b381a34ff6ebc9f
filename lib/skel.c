/*
 * skel.c - the child-process skeleton.
 *
 * Inputs: arguments and fds from the master (trusted), the
 * configuration (trusted), client connections (hostile; handed to the
 * service callbacks only after the privilege drop).  Starts as root,
 * serves as mail_owner.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "log.h"
#include "master_proto.h"
#include "mem.h"
#include "skel.h"

static const struct skel_service *svc;
static char *service_name;
static unsigned generation;
static unsigned jobs;
static int draining;
static int have_master;

/* skel_name - this child's service name (the master.cf first column) */
const char *
skel_name(void)
{
	return service_name ? service_name : (svc ? svc->name : "?");
}

/* skel_draining - true once the master asked us to finish and exit */
int
skel_draining(void)
{
	return draining;
}

/* report - tell the master whether we are idle or busy */
static void
report(int state)
{
	struct master_status st;

	if (!have_master)
		return;
	memset(&st, 0, sizeof(st));
	st.pid = getpid();
	st.gen = generation;
	st.state = state;
	st.jobs = jobs;
	if (write(MASTER_STATUS_FD, &st, sizeof(st)) != sizeof(st) &&
	    errno != EPIPE)
		log_warn("status to master: %m");
}

/* skel_setup_logging - log tag, file and syslog from cf */
void
skel_setup_logging(const char *name)
{
	char tag[128];

	snprintf(tag, sizeof(tag), "%s/%s", cf->syslog_name, name);
	log_set_tag(tag);
	if (strcmp(cf->syslog_facility, "none") != 0)
		log_set_syslog(1, cf->syslog_facility);
	if (cf->log_file[0] && log_set_file(cf->log_file) < 0)
		log_warn("cannot open log file %s: %m", cf->log_file);
}

/* drop_privileges - become mail_owner for good, and check it took */
static void
drop_privileges(void)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return;		/* started unprivileged: nothing to drop */
	if ((pw = getpwnam(cf->mail_owner)) == NULL)
		log_fatal("mail_owner %s: no such user", cf->mail_owner);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		log_fatal("mail_owner %s must not be root", cf->mail_owner);
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		log_fatal("cannot become %s: %m", cf->mail_owner);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    setuid(0) == 0)
		log_fatal("privilege drop to %s did not take", cf->mail_owner);
}

/*
 * skel_alive - false once the master asked us to finish (reload, stop):
 * for services that keep a client connection across many requests and
 * must let go of it so that a new generation takes over.
 */
int
skel_alive(void)
{
	char c;
	ssize_t n;

	if (!have_master || draining)
		return !draining;
	n = read(MASTER_ALIVE_FD, &c, 1);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		draining = 1;
	return !draining;
}

/* alive_gone - true when the master closed our alive pipe */
static int
alive_gone(void)
{
	char c;
	ssize_t n = read(MASTER_ALIVE_FD, &c, 1);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

/* serve_single - one client at a time until max_use, idle or drain */
static void
serve_single(void)
{
	struct pollfd pfd[2];
	int fd, n;

	pfd[0].fd = MASTER_LISTEN_FD;
	pfd[0].events = POLLIN;
	pfd[1].fd = have_master ? MASTER_ALIVE_FD : -1;
	pfd[1].events = POLLIN;
	report(MASTER_STAT_IDLE);
	while (jobs < (unsigned)cf->max_use) {
		n = poll(pfd, 2, (int)cf->max_idle * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("poll: %m");
		if (n == 0) {
			log_debug("idle for %llds, exiting", cf->max_idle);
			return;
		}
		if ((pfd[0].revents | pfd[1].revents) & POLLNVAL)
			log_fatal("no listener or alive pipe from the master");
		if ((pfd[1].revents & (POLLIN | POLLHUP)) && alive_gone()) {
			draining = 1;
			return;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(MASTER_LISTEN_FD, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept: %m");
			continue;
		}
		report(MASTER_STAT_BUSY);
		svc->on_client(fd);
		close(fd);
		jobs++;
		report(MASTER_STAT_IDLE);
	}
}

/* listener_ready - accept every pending client of an event service */
static void
listener_ready(int lfd, int events, void *ctx)
{
	int fd;

	(void)events;
	(void)ctx;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		jobs++;
		svc->on_accept(fd);
	}
	if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		log_warn("accept: %m");
}

/* alive_ready - the master closed the alive pipe: drain */
static void
alive_ready(int fd, int events, void *ctx)
{
	(void)events;
	(void)ctx;
	if (!alive_gone())
		return;
	event_del(fd);
	event_del(MASTER_LISTEN_FD);
	draining = 1;
	log_debug("draining");
	if (svc->on_drain)
		svc->on_drain();
}

/* serve_event - run the event loop until drained */
static void
serve_event(void)
{
	event_init();
	event_add(MASTER_LISTEN_FD, EV_READ, listener_ready, NULL);
	if (have_master)
		event_add(MASTER_ALIVE_FD, EV_READ, alive_ready, NULL);
	report(MASTER_STAT_IDLE);
	while (!draining || (svc->busy && svc->busy() > 0))
		event_run_once(1000);
}

/* usage - bad arguments: the master never gives these */
static void __attribute__((noreturn))
usage(const char *prog)
{
	log_fatal("usage: %s -c CONFDIR [-n SERVICE] [-v] [-o name=value]...",
	    prog);
}

/* skel_main - run a child service; returns the exit status */
int
skel_main(int argc, char **argv, const struct skel_service *service)
{
	const char *confdir = NULL, *gen;
	char **overrides = NULL;
	int noverrides = 0, ch;
	struct buf err = BUF_INIT;
	struct config *c;

	svc = service;
	log_open(service->name);
	while ((ch = getopt(argc, argv, "c:n:o:v")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'n':
			service_name = xstrdup(optarg);
			break;
		case 'o':
			overrides = xreallocarray(overrides,
			    (size_t)noverrides + 1, sizeof(char *));
			overrides[noverrides++] = optarg;
			break;
		case 'v':
			log_verbose++;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (confdir == NULL || optind != argc)
		usage(argv[0]);
	if ((gen = getenv(MASTER_GEN_ENV)) != NULL) {
		generation = (unsigned)strtoul(gen, NULL, 10);
		have_master = 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* until our own configuration is read, log where the master does */
	if (getenv("MAILSIFT_LOG_FILE"))
		(void)log_set_file(getenv("MAILSIFT_LOG_FILE"));
	if (getenv("MAILSIFT_SYSLOG"))
		log_set_syslog(1, getenv("MAILSIFT_SYSLOG"));
	if ((c = config_load(confdir, overrides, noverrides, &err)) == NULL)
		log_fatal("%s", buf_str(&err));
	cf = c;
	xfree(overrides);
	buf_free(&err);
	skel_setup_logging(svc->name);
	/* like Postfix: children live in the queue directory */
	if (chdir(cf->queue_directory) < 0)
		log_fatal("chdir %s: %m", cf->queue_directory);
	/* children log to file/syslog; stderr belongs to the master */
	if (have_master && getenv("MAILSIFT_LOG_STDERR") == NULL &&
	    (cf->log_file[0] || strcmp(cf->syslog_facility, "none") != 0))
		log_set_stderr(0);
	if (svc->pre_jail)
		svc->pre_jail();
	drop_privileges();
	if (svc->post_jail)
		svc->post_jail();
	if (have_master)
		fcntl(MASTER_ALIVE_FD, F_SETFL, O_NONBLOCK);
	fcntl(MASTER_LISTEN_FD, F_SETFL, O_NONBLOCK);
	if (svc->shape == SKEL_SINGLE)
		serve_single();
	else
		serve_event();
	return 0;
}
