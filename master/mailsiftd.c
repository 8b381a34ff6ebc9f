/*
 * mailsiftd - the mailsift master: supervises the child programs.
 *
 * Usage: mailsiftd -c CONFDIR [-f] [-v] [-t]
 *
 * Reads CONFDIR/mailsift.cf and CONFDIR/master.cf, creates the queue
 * directories, binds every listener, and keeps each service's children
 * running: at least one each, more on demand up to maxproc, a crashed
 * one replaced (a service whose children die before they are ready is
 * throttled, 1 s doubling to 60 s).  HUP (or "mailsiftctl reload")
 * re-reads the configuration: a bad one is logged and the old one kept;
 * a good one starts a new generation of children; the old ones keep
 * serving until a new one of their service is ready, then finish what
 * they are doing.  TERM stops gracefully.  -t checks the
 * configuration and exits.
 *
 * Inputs: configuration files (trusted), status records from children
 * (checked: unknown pids and old generations are ignored), control
 * requests from root.  Runs as root and never parses mail.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/libutil.h>
#include <bsd/unistd.h>

#include "config.h"
#include "event.h"
#include "log.h"
#include "master.h"
#include "master_proto.h"
#include "mem.h"

#define BACKOFF_MAX	60

struct service *services;
unsigned generation = 1;
time_t master_started;

static struct service *retired;		/* removed by a reload, draining */
static struct config *config;
static const char *confdir;
static char *progdir;
static int sigpipe_fd[2] = { -1, -1 };
static int stopping;
static struct pidfh *pidfh;

static void update_watch(struct service *);
static void retire_previous(struct service *);

/* on_signal - note the signal for the event loop (self-pipe) */
static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(sigpipe_fd[1], &c, 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

/* find_proc - the service and proc of pid, searching retired ones too */
static struct proc *
find_proc(pid_t pid, struct service **sp)
{
	struct service *lists[2] = { services, retired }, *s;
	struct proc *p;
	int i;

	for (i = 0; i < 2; i++)
		for (s = lists[i]; s; s = s->next)
			for (p = s->procs; p; p = p->next)
				if (p->pid == pid) {
					*sp = s;
					return p;
				}
	return NULL;
}

/* recount - processes and idle ones of the current generation */
static void
recount(struct service *s)
{
	struct proc *p;

	s->nprocs = s->nidle = 0;
	for (p = s->procs; p; p = p->next) {
		if (p->gen != s->gen)
			continue;
		s->nprocs++;
		if (p->state != MASTER_STAT_BUSY)
			s->nidle++;
	}
}

/* spawn - fork and exec one child of s */
static void
spawn(struct service *s)
{
	struct buf path = BUF_INIT, genv = BUF_INIT;
	char *argv[64 + 16];
	struct proc *p;
	pid_t pid;
	int argc = 0, i, st, al, li;

	buf_addf(&path, "%s/%s", progdir, s->command);
	if ((pid = fork()) < 0) {
		log_warn("fork for service %s: %m", s->name);
		buf_free(&path);
		return;
	}
	if (pid == 0) {
		/* move the three fds above the fixed slots first */
		st = fcntl(s->status_fd[1], F_DUPFD_CLOEXEC, 10);
		al = fcntl(s->alive_fd[0], F_DUPFD_CLOEXEC, 10);
		li = fcntl(s->listen_fd, F_DUPFD_CLOEXEC, 10);
		if (st < 0 || al < 0 || li < 0 ||
		    dup2(st, MASTER_STATUS_FD) < 0 ||
		    dup2(al, MASTER_ALIVE_FD) < 0 ||
		    dup2(li, MASTER_LISTEN_FD) < 0)
			_exit(126);
		closefrom(MASTER_LISTEN_FD + 1);
		buf_addf(&genv, "%u", s->gen);
		setenv(MASTER_GEN_ENV, buf_str(&genv), 1);
		/* where a child logs a failure before it has read mailsift.cf */
		if (config->log_file[0])
			setenv("MAILSIFT_LOG_FILE", config->log_file, 1);
		if (strcmp(config->syslog_facility, "none") != 0)
			setenv("MAILSIFT_SYSLOG", config->syslog_facility, 1);
		for (i = 1; i < NSIG; i++)
			signal(i, SIG_DFL);
		{
			sigset_t none;

			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
		}
		argv[argc++] = s->command;
		argv[argc++] = "-c";
		argv[argc++] = (char *)confdir;
		argv[argc++] = "-n";
		argv[argc++] = s->name;
		for (i = 0; i < log_verbose && i < 4; i++)
			argv[argc++] = "-v";
		for (i = 0; i < s->nargs && argc < 64 + 14; i++)
			argv[argc++] = s->args[i];
		argv[argc] = NULL;
		execv(buf_str(&path), argv);
		log_error("exec %s: %m", buf_str(&path));
		_exit(127);
	}
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->gen = s->gen;
	p->state = -1;
	p->started = time(NULL);
	p->next = s->procs;
	s->procs = p;
	recount(s);
	log_debug("service %s: started %s pid %ld", s->name,
	    buf_str(&path), (long)pid);
	buf_free(&path);
}

/* ensure_running - every service keeps at least one process */
static void
ensure_running(struct service *s)
{
	if (stopping || s->throttled_until > time(NULL) || s->listen_fd < 0)
		return;
	if (s->nprocs == 0)
		spawn(s);
	update_watch(s);
}

/* demand - a client waits and nobody is idle: start one more */
static void
demand(int fd, int events, void *ctx)
{
	struct service *s = ctx;

	(void)fd;
	(void)events;
	if (s->nidle == 0 && s->nprocs < s->maxproc)
		spawn(s);
	update_watch(s);
}

/* update_watch - watch the listener only while demand can grow */
static void
update_watch(struct service *s)
{
	int want = !stopping && s->listen_fd >= 0 && s->nidle == 0 &&
	    s->nprocs < s->maxproc && s->throttled_until <= time(NULL);

	if (want && !s->watching)
		event_add(s->listen_fd, EV_READ, demand, s);
	else if (!want && s->watching)
		event_del(s->listen_fd);
	s->watching = want;
}

/*
 * unthrottle - a back-off is over.  A reload may have replaced the
 * service structure meanwhile, so look at every service, not ctx.
 */
static void
unthrottle(void *ctx)
{
	struct service *s;
	time_t now = time(NULL);

	(void)ctx;
	for (s = services; s; s = s->next) {
		if (s->throttled_until && s->throttled_until <= now) {
			s->throttled_until = 0;
			ensure_running(s);
		}
	}
}

/* status_ready - read children's status records */
static void
status_ready(int fd, int events, void *ctx)
{
	struct service *s = ctx, *owner;
	struct master_status st;
	struct proc *p;
	ssize_t n;

	(void)events;
	while ((n = read(fd, &st, sizeof(st))) == sizeof(st)) {
		if ((p = find_proc(st.pid, &owner)) == NULL || owner != s ||
		    st.gen != p->gen)
			continue;	/* gone, or not ours: ignore */
		if (p->state == -1) {
			s->backoff = 0;	/* ready: the service is healthy */
			if (p->gen == s->gen)
				retire_previous(s);
		}
		p->state = st.state;
		p->jobs = st.jobs;
	}
	recount(s);
	update_watch(s);
}

/* describe_exit - "exit status N" or "killed by signal N" */
static void
describe_exit(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, len, "exit status %d", WEXITSTATUS(status));
}

/* reap - collect dead children, log, replace or throttle */
static void
reap(void)
{
	struct service *s, **pp;
	struct proc *p, **qq;
	char why[64];
	pid_t pid;
	int status, abnormal;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((p = find_proc(pid, &s)) == NULL)
			continue;
		abnormal = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;
		describe_exit(status, why, sizeof(why));
		if (abnormal && !stopping) {
			s->restarts++;
			log_warn("service %s: process %s pid %ld %s%s",
			    s->name, s->command, (long)pid, why,
			    p->state == MASTER_STAT_BUSY ?
			    " while serving a client" : "");
			if (p->state == -1 && p->gen == s->gen) {
				/* died before it was ready: back off */
				s->backoff = s->backoff ? s->backoff * 2 : 1;
				if (s->backoff > BACKOFF_MAX)
					s->backoff = BACKOFF_MAX;
				s->throttled_until = time(NULL) + s->backoff;
				log_warn("service %s: throttled for %ds",
				    s->name, s->backoff);
				event_timer(s->backoff * 1000L, unthrottle, NULL);
			}
		} else {
			log_debug("service %s: pid %ld %s", s->name,
			    (long)pid, why);
		}
		for (qq = &s->procs; *qq != p; qq = &(*qq)->next)
			;
		*qq = p->next;
		xfree(p);
		recount(s);
		ensure_running(s);
	}
	/* a removed service is freed once its last child is gone */
	for (pp = &retired; (s = *pp) != NULL;) {
		if (s->procs == NULL) {
			*pp = s->next;
			event_del(s->status_fd[0]);
			close(s->status_fd[0]);
			close(s->status_fd[1]);
			service_free(s);
		} else {
			pp = &s->next;
		}
	}
}

/* retire_previous - close the previous generation's alive pipe: it drains */
static void
retire_previous(struct service *s)
{
	if (s->prev_alive[1] >= 0)
		close(s->prev_alive[1]);
	if (s->prev_alive[0] >= 0)
		close(s->prev_alive[0]);
	s->prev_alive[0] = s->prev_alive[1] = -1;
}

/*
 * new_generation - a fresh alive pipe.  The old generation keeps
 * serving until a child of the new one is ready (a scanner loading its
 * signatures takes seconds; nobody should wait for it), then drains.
 */
static void
new_generation(struct service *s)
{
	retire_previous(s);	/* an older one still waiting: now */
	s->prev_alive[0] = s->alive_fd[0];
	s->prev_alive[1] = s->alive_fd[1];
	if (pipe2(s->alive_fd, O_CLOEXEC) < 0)
		log_fatal("pipe: %m");
	s->gen = generation;
	recount(s);
}

/* start_service - status pipe and first generation of a new service */
static void
start_service(struct service *s)
{
	if (pipe2(s->status_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("pipe: %m");
	event_add(s->status_fd[0], EV_READ, status_ready, s);
	new_generation(s);
	ensure_running(s);
}

/* owned_dir - a directory of mail_owner's (and its parents), mode mode */
static void
owned_dir(const char *dir, const struct passwd *pw, mode_t mode)
{
	char *p, *d;

	if (*dir == '\0')
		return;
	d = xstrdup(dir);
	for (p = d + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			log_fatal("mkdir %s: %m", d);
		*p = '/';
	}
	if (mkdir(d, mode) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %m", d);
	if (chown(d, pw->pw_uid, pw->pw_gid) < 0 || chmod(d, mode) < 0)
		log_fatal("chown %s: %m", d);
	xfree(d);
}

/* make_dirs - the queue directory tree, owned as it must be */
static void
make_dirs(const struct config *c)
{
	static const char *const priv[] = {
		"incoming", "active", "deferred", "hold", "corrupt",
		"quarantine", "sent", "private",
	};
	struct passwd *pw;
	struct buf path = BUF_INIT;
	size_t i;

	if ((pw = getpwnam(c->mail_owner)) == NULL)
		log_fatal("mail_owner %s: no such user (create it, or set "
		    "mail_owner in %s/mailsift.cf)", c->mail_owner, confdir);
	if (pw->pw_uid == 0)
		log_fatal("mail_owner %s must not be root", c->mail_owner);
	if (mkdir(c->queue_directory, 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %m", c->queue_directory);
	for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", c->queue_directory, priv[i]);
		if (mkdir(buf_str(&path), 0700) < 0 && errno != EEXIST)
			log_fatal("mkdir %s: %m", buf_str(&path));
		if (chown(buf_str(&path), pw->pw_uid, pw->pw_gid) < 0 ||
		    chmod(buf_str(&path), 0700) < 0)
			log_fatal("chown %s: %m", buf_str(&path));
	}
	/* public/: the scanner's clamd socket, for any local client */
	buf_reset(&path);
	buf_addf(&path, "%s/public", c->queue_directory);
	if (mkdir(buf_str(&path), 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %m", buf_str(&path));
	if (chown(buf_str(&path), pw->pw_uid, pw->pw_gid) < 0 ||
	    chmod(buf_str(&path), 0755) < 0)
		log_fatal("chown %s: %m", buf_str(&path));
	buf_reset(&path);
	buf_addf(&path, "%s/pid", c->queue_directory);
	if (mkdir(buf_str(&path), 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %m", buf_str(&path));
	buf_free(&path);
	/* the databases (Bayes): the scorers, as mail_owner, write there */
	owned_dir(c->data_directory, pw, 0755);
	owned_dir(c->bayes_directory, pw, 0700);
}

/* check_limits - settings that work but badly together */
static void
check_limits(const struct config *c, const struct service *head)
{
	for (; head; head = head->next)
		if (strcmp(head->command, "reinject") == 0 &&
		    head->maxproc < c->qmgr_reinject_limit)
			log_warn("qmgr_reinject_limit (%lld) is above the maxproc "
			    "of service %s (%d): deliveries may have to wait "
			    "for a reinject process", c->qmgr_reinject_limit,
			    head->name, head->maxproc);
}

/* load_services - parse and bind; NULL with err if anything fails */
static struct service *
load_services(const struct config *c, struct buf *err)
{
	struct service *head, *s, *old;
	struct buf path = BUF_INIT;

	buf_addf(&path, "%s/master.cf", confdir);
	head = service_parse(buf_str(&path), c, err);
	buf_free(&path);
	if (head == NULL)
		return NULL;
	for (s = head; s; s = s->next) {
		for (old = services; old; old = old->next)
			if (service_same_listener(old, s))
				break;
		if (old) {
			s->listen_fd = old->listen_fd;
			s->listen_desc = xstrdup(old->listen_desc);
			s->mark = 1;	/* listener borrowed */
			continue;
		}
		if (service_bind(s, c->queue_directory, c->mail_owner,
		    err) < 0)
			goto fail;
	}
	return head;
fail:
	while (head) {
		s = head->next;
		if (!head->mark && head->listen_fd >= 0)
			close(head->listen_fd);
		service_free(head);
		head = s;
	}
	return NULL;
}

/* warn_restart_only - changed parameters that a reload cannot apply */
static void
warn_restart_only(const struct config *old, const struct config *new)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *la, *lb, *sa = NULL, *sb = NULL;
	int i;

	config_dump(old, 0, &a);
	config_dump(new, 0, &b);
	la = strtok_r(a.data, "\n", &sa);
	lb = strtok_r(b.data, "\n", &sb);
	for (i = 0; la && lb; i++) {
		if (!config_params[i].live && strcmp(la, lb) != 0)
			log_warn("reload: %s changed; it takes effect only "
			    "after a restart", config_params[i].name);
		la = strtok_r(NULL, "\n", &sa);
		lb = strtok_r(NULL, "\n", &sb);
	}
	buf_free(&a);
	buf_free(&b);
}

/*
 * master_reload - re-read the configuration; on any error keep the old
 * one running and return -1 with the reason in err.
 */
int
master_reload(struct buf *err)
{
	struct config *nc;
	struct service *ns, *s, *old, *next, **pp;

	if (stopping) {
		buf_adds(err, "stopping");
		return -1;
	}
	if ((nc = config_load(confdir, NULL, 0, err)) == NULL)
		goto bad;
	if ((ns = load_services(nc, err)) == NULL) {
		config_free(nc);
		goto bad;
	}
	warn_restart_only(config, nc);
	check_limits(nc, ns);
	generation++;
	/* carry the run-time state of services that stay */
	for (s = ns; s; s = s->next) {
		for (pp = &services; (old = *pp) != NULL; pp = &old->next)
			if (service_same_listener(old, s))
				break;
		if (old == NULL) {
			start_service(s);
			continue;
		}
		*pp = old->next;
		if (old->watching)
			event_del(old->listen_fd);
		event_del(old->status_fd[0]);
		s->status_fd[0] = old->status_fd[0];
		s->status_fd[1] = old->status_fd[1];
		s->alive_fd[0] = old->alive_fd[0];
		s->alive_fd[1] = old->alive_fd[1];
		s->prev_alive[0] = old->prev_alive[0];
		s->prev_alive[1] = old->prev_alive[1];
		old->prev_alive[0] = old->prev_alive[1] = -1;
		s->procs = old->procs;
		s->restarts = old->restarts;
		/* a new configuration may cure a crash loop: start afresh */
		s->backoff = 0;
		s->throttled_until = 0;
		s->mark = 0;
		old->procs = NULL;
		service_free(old);
		event_add(s->status_fd[0], EV_READ, status_ready, s);
		new_generation(s);
		ensure_running(s);
	}
	/* services no longer configured: drain and forget */
	for (old = services; old; old = next) {
		next = old->next;
		if (old->watching)
			event_del(old->listen_fd);
		old->watching = 0;
		close(old->alive_fd[1]);
		close(old->alive_fd[0]);
		old->alive_fd[0] = old->alive_fd[1] = -1;
		retire_previous(old);
		close(old->listen_fd);
		old->listen_fd = -1;
		log_info("reload: service %s removed", old->name);
		old->next = retired;
		retired = old;
	}
	services = ns;
	config_free(config);
	config = nc;
	cf = config;
	log_info("reload: configuration generation %u", generation);
	return 0;
bad:
	log_error("reload failed, keeping the old configuration: %s",
	    buf_str(err));
	return -1;
}

/* kill_all - signal every child */
static void
kill_all(int sig)
{
	struct service *lists[2] = { services, retired }, *s;
	struct proc *p;
	int i;

	for (i = 0; i < 2; i++)
		for (s = lists[i]; s; s = s->next)
			for (p = s->procs; p; p = p->next)
				kill(p->pid, sig);
}

/* stop_term - the grace time is over: TERM, then KILL a bit later */
static void
stop_term(void *ctx)
{
	if (ctx == NULL) {
		log_warn("stop: grace time over, terminating children");
		kill_all(SIGTERM);
		event_timer(5000, stop_term, (void *)1);
	} else {
		kill_all(SIGKILL);
	}
}

/* master_stop - stop accepting, let children finish, then exit */
void
master_stop(void)
{
	struct service *s;

	if (stopping)
		return;
	stopping = 1;
	log_info("stopping");
	for (s = services; s; s = s->next) {
		if (s->watching)
			event_del(s->listen_fd);
		s->watching = 0;
		if (s->alive_fd[1] >= 0)
			close(s->alive_fd[1]);
		s->alive_fd[1] = -1;
		retire_previous(s);
		/* unix listeners go now: no new work can be routed */
	}
	event_timer(config->stop_grace_time * 1000L, stop_term, NULL);
}

/* any_children - are processes left? */
static int
any_children(void)
{
	struct service *s;

	for (s = services; s; s = s->next)
		if (s->procs)
			return 1;
	return retired != NULL;
}

/* signal_ready - dispatch signals noted by on_signal */
static void
signal_ready(int fd, int events, void *ctx)
{
	unsigned char sig[32];
	struct buf err = BUF_INIT;
	ssize_t n, i;

	(void)events;
	(void)ctx;
	while ((n = read(fd, sig, sizeof(sig))) > 0) {
		for (i = 0; i < n; i++) {
			if (sig[i] == SIGCHLD) {
				reap();
			} else if (sig[i] == SIGHUP) {
				log_info("reload requested by signal");
				buf_reset(&err);
				master_reload(&err);
			} else if (sig[i] == SIGTERM || sig[i] == SIGINT) {
				master_stop();
			}
		}
	}
	buf_free(&err);
}

/* find_progdir - program_directory, or where this binary lives */
static char *
find_progdir(const struct config *c, const char *argv0)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (c->program_directory[0])
		return xstrdup(c->program_directory);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		if (strchr(argv0, '/') == NULL)
			log_fatal("cannot find the child programs: set "
			    "program_directory");
		snprintf(self, sizeof(self), "%s", argv0);
	} else {
		self[n] = '\0';
	}
	slash = strrchr(self, '/');
	*slash = '\0';
	return xstrdup(self[0] ? self : "/");
}

/* check_programs - every command of master.cf exists and runs */
static void
check_programs(const struct service *head)
{
	struct buf path = BUF_INIT;

	for (; head; head = head->next) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", progdir, head->command);
		if (access(buf_str(&path), X_OK) < 0)
			log_fatal("%s: service %s: %s: %m", head->where,
			    head->name, buf_str(&path));
	}
	buf_free(&path);
}

/* daemonize - detach from the terminal */
static void
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		log_fatal("fork: %m");
	if (pid > 0)
		_exit(0);
	setsid();
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	log_set_stderr(0);
}

/* usage - say how to call us */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mailsiftd -c CONFDIR [-f] [-t] [-v]\n");
	exit(2);
}

/* main - start, supervise, stop */
int
main(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct service *s;
	struct sigaction sa;
	pid_t other;
	int ch, foreground = 0, test_only = 0;

	log_open("mailsiftd");
	confdir = "/etc/mailsift";
	while ((ch = getopt(argc, argv, "c:ftv")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			test_only = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((config = config_load(confdir, NULL, 0, &err)) == NULL)
		log_fatal("%s", buf_str(&err));
	cf = config;
	progdir = find_progdir(config, argv[0]);
	{
		struct buf path = BUF_INIT;
		struct service *chk;

		buf_addf(&path, "%s/master.cf", confdir);
		if ((chk = service_parse(buf_str(&path), config, &err)) == NULL)
			log_fatal("%s", buf_str(&err));
		check_programs(chk);
		while (chk) {
			s = chk->next;
			service_free(chk);
			chk = s;
		}
		buf_free(&path);
	}
	if (getpwnam(config->mail_owner) == NULL) {
		if (!test_only)
			log_fatal("mail_owner %s: no such user",
			    config->mail_owner);
		log_warn("mail_owner %s: no such user (make install or make "
		    "run creates it)", config->mail_owner);
	}
	if (test_only) {
		printf("mailsiftd: configuration in %s is valid\n", confdir);
		return 0;
	}
	if (geteuid() != 0)
		log_fatal("must be started as root (children drop to %s)",
		    config->mail_owner);
	{
		char tag[128];

		snprintf(tag, sizeof(tag), "%s/mailsiftd",
		    config->syslog_name);
		log_set_tag(tag);
	}
	if (strcmp(config->syslog_facility, "none") != 0)
		log_set_syslog(1, config->syslog_facility);
	if (config->log_file[0] && log_set_file(config->log_file) < 0)
		log_fatal("cannot open log file %s: %m", config->log_file);
	umask(022);
	make_dirs(config);
	if (chdir(config->queue_directory) < 0)
		log_fatal("chdir %s: %m", config->queue_directory);
	pidfh = pidfile_open(config->pid_file, 0644, &other);
	if (pidfh == NULL) {
		if (errno == EEXIST)
			log_fatal("already running as pid %ld", (long)other);
		log_fatal("pid file %s: %m", config->pid_file);
	}
	if ((services = load_services(config, &err)) == NULL)
		log_fatal("%s", buf_str(&err));
	check_limits(config, services);
	if (!foreground)
		daemonize();
	else
		setenv("MAILSIFT_LOG_STDERR", "1", 1);	/* children too */
	pidfile_write(pidfh);
	master_started = time(NULL);

	event_init();
	if (pipe2(sigpipe_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("pipe: %m");
	event_add(sigpipe_fd[0], EV_READ, signal_ready, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (control_open(config->control_socket) < 0)
		log_fatal("control socket %s: %m", config->control_socket);

	for (s = services; s; s = s->next)
		start_service(s);
	log_info("started, configuration %s, generation %u", confdir,
	    generation);

	while (!stopping || any_children())
		event_run_once(1000);

	control_close();
	for (s = services; s; s = s->next)
		if (s->type == SERV_UNIX && s->listen_desc)
			unlink(s->listen_desc);
	pidfile_remove(pidfh);
	log_info("stopped");
	return 0;
}
