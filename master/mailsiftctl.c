/*
 * mailsiftctl - the operator's control client.
 *
 * Usage: mailsiftctl [-c CONFDIR] COMMAND
 *   status    services, their processes (busy/idle), restarts, queue
 *   stats     messages in/out/failed and latency (from qmgr)
 *   queue     the queue files and their state (from qmgr)
 *   quarantine list | release ID | delete ID
 *             messages kept by the content policy (from qmgr)
 *   rules     the scorer's SpamAssassin rules: how many of each type are
 *             active, which are disabled and why
 *   learn spam|ham PATH...  train the Bayes store (PATH: a message file,
 *             an mbox, a Maildir or a directory of message files)
 *   forget PATH...  undo what learning these messages counted
 *   bayes stats|expire  the store's counts; drop its oldest tokens
 *   reload    re-read the configuration (keeps the old one if bad)
 *   stop      stop gracefully
 *   conf [-d|-n|-s]  parameters: all, defaults (-d), changed only (-n),
 *             a commented sample configuration (-s)
 * Exit status: 0 done, 1 failed (not running, refused), 2 usage.
 *
 * Inputs: replies from mailsiftd, qmgr, the scanner and a scorer (trusted local peers, still
 * decoded strictly by ipc.c); for learn/forget, the operator's message
 * files (hostile content, read here as root and handed on as one mbox
 * stream to salearn, which runs as mail_owner so the store stays its
 * own).  Runs as root.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "ipc_proto.h"
#include "log.h"
#include "mem.h"
#include "sock.h"

static int timeout_ms = 10000;

/* connect_to - a SEQPACKET connection to path, or NULL-ish -1 */
static int
connect_to(const char *path, const char *what)
{
	int fd = sock_connect_unix(path, SOCK_SEQPACKET, timeout_ms);

	if (fd < 0)
		fprintf(stderr, "mailsiftctl: cannot reach %s at %s: %s "
		    "(is mailsift running?)\n", what, path, strerror(errno));
	return fd;
}

/* request - send request=what on fd */
static int
request(int fd, const char *what)
{
	struct ipc_msg m;
	int rc;

	ipc_msg_init(&m);
	ipc_add(&m, "request", what);
	rc = ipc_send(fd, &m, -1);
	ipc_msg_free(&m);
	return rc;
}

/* get - attribute or "" */
static const char *
get(const struct ipc_msg *m, const char *name)
{
	const char *v = ipc_get(m, name);

	return v ? v : "";
}

/* human_time - 3d04h, 2h13m, 5m07s, 42s */
static void
human_time(long long s, char *out, size_t len)
{
	if (s >= 86400)
		snprintf(out, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(out, len, "%llds", s);
}

/* qmgr_call - one request to qmgr, reply in rep; -1 on failure */
static int
qmgr_call(const char *what, struct ipc_msg *rep, int quiet)
{
	struct buf path = BUF_INIT;
	int fd, rc = -1;

	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_QMGR_SOCKET);
	fd = quiet ? sock_connect_unix(buf_str(&path), SOCK_SEQPACKET,
	    timeout_ms) : connect_to(buf_str(&path), "qmgr");
	buf_free(&path);
	if (fd < 0)
		return -1;
	if (request(fd, what) == 0 && ipc_recv(fd, rep, timeout_ms) == 1)
		rc = 0;
	else if (!quiet)
		fprintf(stderr, "mailsiftctl: no answer from qmgr\n");
	close(fd);
	return rc;
}

/* scanner_call - one request to the scanner; -1 if it does not answer */
static int
scanner_call(const char *what, struct ipc_msg *rep)
{
	struct buf path = BUF_INIT;
	int fd, rc = -1;

	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_SCANNER_SOCKET);
	fd = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET, timeout_ms);
	buf_free(&path);
	if (fd < 0)
		return -1;
	if (request(fd, what) < 0)
		goto out;
	/* the scanner greets every connection first */
	while (ipc_recv(fd, rep, timeout_ms) == 1) {
		if (strcmp(get(rep, "status"), "hello") == 0) {
			ipc_msg_reset(rep);
			continue;
		}
		rc = strcmp(get(rep, "status"), "ok") == 0 ? 0 : -1;
		break;
	}
out:
	close(fd);
	return rc;
}

/* print_scanner - the scanner's line of "status" */
static void
print_scanner(void)
{
	struct ipc_msg m;
	char when[64];
	long long t = 0;
	time_t tt;
	struct tm tm;

	ipc_msg_init(&m);
	if (scanner_call("status", &m) < 0) {
		printf("scanner: not answering\n");
		ipc_msg_free(&m);
		return;
	}
	ipc_getl(&m, "loaded", &t);
	tt = (time_t)t;
	localtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("scanner: %s signatures from %s (%s%s), loaded %s; threads %s "
	    "busy %s, queue %s/%s; scans %s, viruses %s, banned %s, "
	    "unchecked %s\n", get(&m, "signatures"), get(&m, "database"),
	    *get(&m, "dbversion") ? "daily " : "custom signatures only",
	    get(&m, "dbversion"), when, get(&m, "threads"), get(&m, "busy"),
	    get(&m, "queued"), get(&m, "queue_max"), get(&m, "scans"),
	    get(&m, "viruses"), get(&m, "banned"), get(&m, "unchecked"));
	ipc_msg_free(&m);
}

/* cmd_status - services and processes, then queue counts */
static int
cmd_status(void)
{
	struct ipc_msg m;
	char up[32];
	long long v;
	int fd, n;

	if ((fd = connect_to(cf->control_socket, "mailsiftd")) < 0)
		return 1;
	ipc_msg_init(&m);
	if (request(fd, "status") < 0)
		goto fail;
	printf("%-24s %-5s %7s %4s %4s %8s  %s\n", "service", "type",
	    "maxproc", "busy", "idle", "restarts", "processes (pid:state:jobs:gen)");
	for (;;) {
		if ((n = ipc_recv(fd, &m, timeout_ms)) != 1)
			goto fail;
		if (ipc_get(&m, "end")) {
			v = 0;
			ipc_getl(&m, "uptime", &v);
			human_time(v, up, sizeof(up));
			printf("mailsiftd pid %s, up %s, configuration "
			    "generation %s\n", get(&m, "pid"), up,
			    get(&m, "generation"));
			break;
		}
		printf("%-24s %-5s %7s %4s %4s %8s  %s", get(&m, "service"),
		    get(&m, "type"), get(&m, "maxproc"), get(&m, "busy"),
		    get(&m, "idle"), get(&m, "restarts"), get(&m, "procs"));
		if (ipc_getl(&m, "throttled", &v) == 0 && v > 0)
			printf("  THROTTLED %llds", v);
		printf("\n");
	}
	close(fd);
	if (qmgr_call("stats", &m, 1) == 0) {
		printf("queue: incoming %s, active %s, deferred %s, hold %s, "
		    "corrupt %s, quarantine %s, sent %s\n",
		    get(&m, "q_incoming"), get(&m, "q_active"),
		    get(&m, "q_deferred"), get(&m, "q_hold"),
		    get(&m, "q_corrupt"), get(&m, "q_quarantine"),
		    get(&m, "q_sent"));
	} else {
		printf("queue: qmgr not answering\n");
	}
	print_scanner();
	ipc_msg_free(&m);
	return 0;
fail:
	fprintf(stderr, "mailsiftctl: no answer from mailsiftd\n");
	close(fd);
	ipc_msg_free(&m);
	return 1;
}

/* cmd_simple - reload or stop */
static int
cmd_simple(const char *what)
{
	struct ipc_msg m;
	int fd, rc = 1;

	if ((fd = connect_to(cf->control_socket, "mailsiftd")) < 0)
		return 1;
	ipc_msg_init(&m);
	if (request(fd, what) < 0 || ipc_recv(fd, &m, 60000) != 1) {
		fprintf(stderr, "mailsiftctl: no answer from mailsiftd\n");
	} else if (strcmp(get(&m, "status"), "ok") != 0) {
		fprintf(stderr, "mailsiftctl: %s failed: %s\n", what,
		    get(&m, "reason"));
	} else {
		printf("mailsiftctl: %s: ok\n", what);
		rc = 0;
	}
	close(fd);
	ipc_msg_free(&m);
	return rc;
}

/* cmd_stats - qmgr's counters, as name: value lines */
static int
cmd_stats(void)
{
	struct ipc_msg m;
	int i;

	ipc_msg_init(&m);
	if (qmgr_call("stats", &m, 0) < 0) {
		ipc_msg_free(&m);
		return 1;
	}
	for (i = 0; i < m.nattr; i++)
		if (strcmp(m.name[i], "status") != 0)
			printf("%s: %s\n", m.name[i], m.value[i]);
	ipc_msg_reset(&m);
	if (scanner_call("status", &m) == 0)
		for (i = 0; i < m.nattr; i++)
			if (strcmp(m.name[i], "status") != 0)
				printf("scanner_%s: %s\n", m.name[i],
				    m.value[i]);
	ipc_msg_free(&m);
	return 0;
}

/* cmd_quarantine - list, release ID, delete ID */
static int
cmd_quarantine(int argc, char **argv)
{
	struct ipc_msg m;
	struct buf path = BUF_INIT;
	char date[64];
	long long v;
	time_t t;
	struct tm tm;
	int fd, n, count = 0, rc = 1, wait_ms = timeout_ms;

	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_QMGR_SOCKET);
	fd = connect_to(buf_str(&path), "qmgr");
	buf_free(&path);
	if (fd < 0)
		return 1;
	ipc_msg_init(&m);
	ipc_add(&m, "request", "quarantine");
	ipc_add(&m, "op", argv[1]);
	if (argc > 2)
		ipc_add(&m, "id", argv[2]);
	if (ipc_send(fd, &m, -1) < 0)
		goto fail;
	if (strcmp(argv[1], "release") == 0)
		wait_ms = (int)(cf->ipc_timeout * 1000 * 10); /* a delivery */
	if (strcmp(argv[1], "list") != 0) {
		ipc_msg_reset(&m);
		if (ipc_recv(fd, &m, wait_ms) != 1)
			goto fail;
		if (strcmp(get(&m, "status"), "ok") == 0) {
			printf("%s: %s%s\n", argv[2], argv[1][0] == 'r' ?
			    "released: " : "deleted", get(&m, "reply"));
			rc = 0;
		} else {
			fprintf(stderr, "mailsiftctl: %s %s: %s\n", argv[1],
			    argv[2], get(&m, "reason"));
		}
		goto out;
	}
	printf("%-16s %-19s %9s  %s\n", "id", "date", "size",
	    "sender -> recipients: reason");
	for (;;) {
		ipc_msg_reset(&m);
		if ((n = ipc_recv(fd, &m, timeout_ms)) != 1)
			goto fail;
		if (ipc_get(&m, "end"))
			break;
		if (ipc_get(&m, "status")) {
			fprintf(stderr, "mailsiftctl: %s\n", get(&m, "reason"));
			goto out;
		}
		v = 0;
		ipc_getl(&m, "date", &v);
		t = (time_t)v;
		localtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-16s %-19s %9s  <%s> -> %s: %s\n", get(&m, "id"),
		    date, get(&m, "size"), get(&m, "sender"), get(&m, "rcpts"),
		    get(&m, "reason"));
		count++;
	}
	printf("%d quarantined message%s\n", count, count == 1 ? "" : "s");
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "mailsiftctl: no answer from qmgr\n");
out:
	close(fd);
	ipc_msg_free(&m);
	return rc;
}

/* cmd_queue - one line per queue file */
static int
cmd_queue(void)
{
	struct ipc_msg m;
	struct buf path = BUF_INIT;
	char age[32];
	long long v;
	int fd, n, count = 0;

	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_QMGR_SOCKET);
	fd = connect_to(buf_str(&path), "qmgr");
	buf_free(&path);
	if (fd < 0)
		return 1;
	ipc_msg_init(&m);
	if (request(fd, "queue") < 0)
		goto fail;
	printf("%-16s %-10s %-5s %9s %6s  %s\n", "id", "dir", "state", "size",
	    "age", "sender -> recipients");
	for (;;) {
		if ((n = ipc_recv(fd, &m, timeout_ms)) != 1)
			goto fail;
		if (ipc_get(&m, "end"))
			break;
		v = 0;
		ipc_getl(&m, "age", &v);
		human_time(v, age, sizeof(age));
		printf("%-16s %-10s %-5s %9s %6s  <%s> -> %s\n", get(&m, "id"),
		    get(&m, "dir"), get(&m, "state"), get(&m, "size"), age,
		    get(&m, "sender"), get(&m, "rcpts"));
		count++;
	}
	printf("%d queue file%s\n", count, count == 1 ? "" : "s");
	close(fd);
	ipc_msg_free(&m);
	return 0;
fail:
	fprintf(stderr, "mailsiftctl: no answer from qmgr\n");
	close(fd);
	ipc_msg_free(&m);
	return 1;
}

/* cmd_conf - print parameters */
static int
cmd_conf(int argc, char **argv)
{
	struct buf out = BUF_INIT;
	int i;

	if (argc > 1 && strcmp(argv[1], "-s") == 0) {
		/* a commented sample: description, then the default */
		for (i = 0; i < config_nparams; i++)
			printf("\n# %s\n#%s = %s\n", config_params[i].desc,
			    config_params[i].name, config_params[i].def);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-d") == 0) {
		for (i = 0; i < config_nparams; i++)
			printf("%s = %s\n", config_params[i].name,
			    config_params[i].def);
		return 0;
	}
	config_dump(cf, argc > 1 && strcmp(argv[1], "-n") == 0, &out);
	fputs(buf_str(&out), stdout);
	buf_free(&out);
	return 0;
}

/* cmd_rules - what a scorer process says about its rules */
static int
cmd_rules(void)
{
	struct buf path = BUF_INIT;
	struct ipc_msg m;
	int fd, rc = 1;

	buf_addf(&path, "%s/%s", cf->queue_directory, IPC_SCORER_SOCKET);
	fd = connect_to(buf_str(&path), "the scorer");
	buf_free(&path);
	if (fd < 0)
		return 1;
	ipc_msg_init(&m);
	/* a scorer loads its rules before it accepts: allow for that */
	if (request(fd, "rules") == 0) {
		while (ipc_recv(fd, &m, timeout_ms + 60000) == 1) {
			if (ipc_get(&m, "end")) {
				rc = 0;
				break;
			}
			if (strcmp(get(&m, "status"), "ok") != 0) {
				fprintf(stderr, "mailsiftctl: %s\n",
				    get(&m, "reason"));
				break;
			}
			printf("%s\n", get(&m, "text"));
			ipc_msg_reset(&m);
		}
	}
	if (rc)
		fprintf(stderr, "mailsiftctl: no complete answer from the "
		    "scorer\n");
	ipc_msg_free(&m);
	close(fd);
	return rc;
}

/* ---------------------------------------------------------- Bayes */

/* put - all of p to fd; -1 when the reader went away */
static int
put(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * put_message - one message file as an mbox entry (mboxrd: a line
 * ">*From " gains a ">"); an mbox file goes as it is
 */
static int
put_message(int fd, const char *path)
{
	struct buf b = BUF_INIT;
	char tmp[65536];
	const char *p, *end, *nl;
	size_t n;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "mailsiftctl: %s: %s\n", path, strerror(errno));
		return 0;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	p = b.data ? b.data : "";
	end = p + b.len;
	if (b.len >= 5 && memcmp(p, "From ", 5) == 0) {
		rc = put(fd, p, b.len);
		if (rc == 0 && b.len && end[-1] != '\n')
			rc = put(fd, "\n", 1);
		buf_free(&b);
		return rc;
	}
	rc = put(fd, "From mailsiftctl  Thu Jan  1 00:00:00 1970\n", 43);
	for (; rc == 0 && p < end; p = nl + 1) {
		const char *q = p;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end - 1;
		while (q < nl && *q == '>')
			q++;
		if (nl - q >= 5 && memcmp(q, "From ", 5) == 0)
			rc = put(fd, ">", 1);
		if (rc == 0)
			rc = put(fd, p, (size_t)(nl - p) + 1);
	}
	if (rc == 0 && b.len && end[-1] != '\n')
		rc = put(fd, "\n", 1);
	if (rc == 0)
		rc = put(fd, "\n", 1);
	buf_free(&b);
	return rc;
}

/* put_dir - the files of dir (not dot files), in name order */
static int
put_dir(int fd, const char *dir)
{
	struct dirent **e;
	struct buf p = BUF_INIT;
	struct stat st;
	int n, i, rc = 0;

	if ((n = scandir(dir, &e, NULL, alphasort)) < 0) {
		fprintf(stderr, "mailsiftctl: %s: %s\n", dir, strerror(errno));
		return 0;
	}
	for (i = 0; i < n; i++) {
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, e[i]->d_name);
		if (rc == 0 && e[i]->d_name[0] != '.' &&
		    stat(buf_str(&p), &st) == 0 && S_ISREG(st.st_mode))
			rc = put_message(fd, buf_str(&p));
		free(e[i]);
	}
	free(e);
	buf_free(&p);
	return rc;
}

/* put_path - a file, an mbox, a Maildir (cur/, new/) or a directory */
static int
put_path(int fd, const char *path)
{
	struct buf sub = BUF_INIT;
	struct stat st;
	int rc = 0, maildir = 0;
	const char *const md[] = { "cur", "new" };
	size_t i;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "mailsiftctl: %s: %s\n", path, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return put_message(fd, path);
	for (i = 0; i < 2 && rc == 0; i++) {
		buf_reset(&sub);
		buf_addf(&sub, "%s/%s", path, md[i]);
		if (stat(buf_str(&sub), &st) == 0 && S_ISDIR(st.st_mode)) {
			maildir = 1;
			rc = put_dir(fd, buf_str(&sub));
		}
	}
	if (!maildir)
		rc = put_dir(fd, path);
	buf_free(&sub);
	return rc;
}

/* has_cf - does dir hold a *.cf file (sa-update's output)? */
static int
has_cf(const char *dir)
{
	DIR *d;
	struct dirent *e;
	size_t n;
	int found = 0;

	if (*dir == '\0' || (d = opendir(dir)) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		found = n > 3 && strcmp(e->d_name + n - 3, ".cf") == 0;
	}
	closedir(d);
	return found;
}

/* salearn_path - where salearn is: program_directory, or beside us */
static void
salearn_path(struct buf *out)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (cf->program_directory[0]) {
		buf_addf(out, "%s/salearn", cf->program_directory);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	buf_addf(out, "%s/salearn", n > 0 ? self : ".");
}

/*
 * cmd_bayes - learn spam|ham PATH..., forget PATH..., bayes stats|expire:
 * salearn does the work as mail_owner, reading the messages as one mbox
 * stream we write to it
 */
static int
cmd_bayes(int argc, char **argv)
{
	struct buf prog = BUF_INIT, lcf = BUF_INIT;
	const char *av[16];
	struct passwd *pw;
	int p[2] = { -1, -1 }, k = 0, i, stream, status, rc = 0;
	pid_t pid;

	if ((pw = getpwnam(cf->mail_owner)) == NULL) {
		fprintf(stderr, "mailsiftctl: mail_owner %s: no such user\n",
		    cf->mail_owner);
		return 1;
	}
	salearn_path(&prog);
	av[k++] = "salearn";
	av[k++] = "-d";
	av[k++] = cf->bayes_directory;
	/* the rules' bayes_* settings (ignored headers, stopwords), as the
	 * scorer reads them */
	av[k++] = "-r";
	av[k++] = has_cf(cf->sa_update_directory) ? cf->sa_update_directory :
	    cf->sa_rules_directory;
	av[k++] = "-p";
	av[k++] = cf->sa_site_directory;
	if (cf->sa_local_cf[0]) {
		if (cf->sa_local_cf[0] != '/')
			buf_addf(&lcf, "%s/", cf->config_directory);
		buf_adds(&lcf, cf->sa_local_cf);
		if (access(buf_str(&lcf), R_OK) == 0) {
			av[k++] = "-c";
			av[k++] = buf_str(&lcf);
		}
	}
	stream = strcmp(argv[0], "bayes") != 0;
	if (strcmp(argv[0], "learn") == 0)
		av[k++] = strcmp(argv[1], "spam") == 0 ? "--spam" : "--ham";
	else if (strcmp(argv[0], "forget") == 0)
		av[k++] = "--forget";
	else
		av[k++] = strcmp(argv[1], "stats") == 0 ? "--stats" :
		    "--expire";
	if (stream)
		av[k++] = "-";
	av[k] = NULL;
	if (stream && pipe(p) < 0) {
		fprintf(stderr, "mailsiftctl: pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "mailsiftctl: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (stream) {
			dup2(p[0], 0);
			close(p[0]);
			close(p[1]);
		}
		if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0) {
			fprintf(stderr, "mailsiftctl: cannot become %s: %s\n",
			    cf->mail_owner, strerror(errno));
			_exit(1);
		}
		execv(buf_str(&prog), (char *const *)av);
		fprintf(stderr, "mailsiftctl: %s: %s\n", buf_str(&prog),
		    strerror(errno));
		_exit(1);
	}
	if (stream) {
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		i = strcmp(argv[0], "learn") == 0 ? 2 : 1;
		for (; i < argc && rc == 0; i++)
			rc = put_path(p[1], argv[i]);
		close(p[1]);
		if (rc)
			fprintf(stderr, "mailsiftctl: salearn stopped "
			    "reading\n");
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf_free(&prog);
	buf_free(&lcf);
	return rc || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

/* usage - say how to call us */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mailsiftctl [-c CONFDIR] status|stats|queue|"
	    "rules|reload|stop|conf [-d|-n|-s]|\n"
	    "       quarantine list|release ID|delete ID|\n"
	    "       learn spam|ham PATH...|forget PATH...|bayes stats|expire\n");
	exit(2);
}

/* main - one command per call */
int
main(int argc, char **argv)
{
	const char *confdir = "/etc/mailsift", *cmd;
	struct buf err = BUF_INIT;
	struct config *c;
	int ch;

	log_open("mailsiftctl");
	while ((ch = getopt(argc, argv, "+c:t:")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 't':
			timeout_ms = atoi(optarg) * 1000;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if ((c = config_load(confdir, NULL, 0, &err)) == NULL) {
		/* still find the daemon; mailsiftd judges the file itself */
		fprintf(stderr, "mailsiftctl: warning: %s\n", buf_str(&err));
		buf_reset(&err);
		if ((c = config_load_lenient(confdir, &err)) == NULL) {
			fprintf(stderr, "mailsiftctl: %s\n", buf_str(&err));
			return 1;
		}
	}
	cf = c;
	buf_free(&err);
	cmd = argv[0];
	if (strcmp(cmd, "status") == 0 && argc == 1)
		return cmd_status();
	if (strcmp(cmd, "stats") == 0 && argc == 1)
		return cmd_stats();
	if (strcmp(cmd, "queue") == 0 && argc == 1)
		return cmd_queue();
	if (strcmp(cmd, "rules") == 0 && argc == 1)
		return cmd_rules();
	if ((strcmp(cmd, "reload") == 0 || strcmp(cmd, "stop") == 0) &&
	    argc == 1)
		return cmd_simple(cmd);
	if (strcmp(cmd, "quarantine") == 0 && ((argc == 2 &&
	    strcmp(argv[1], "list") == 0) || (argc == 3 &&
	    (strcmp(argv[1], "release") == 0 ||
	    strcmp(argv[1], "delete") == 0))))
		return cmd_quarantine(argc, argv);
	if (strcmp(cmd, "conf") == 0 && argc <= 2)
		return cmd_conf(argc, argv);
	if ((strcmp(cmd, "learn") == 0 && argc >= 3 &&
	    (strcmp(argv[1], "spam") == 0 || strcmp(argv[1], "ham") == 0)) ||
	    (strcmp(cmd, "forget") == 0 && argc >= 2) ||
	    (strcmp(cmd, "bayes") == 0 && argc == 2 &&
	    (strcmp(argv[1], "stats") == 0 || strcmp(argv[1], "expire") == 0)))
		return cmd_bayes(argc, argv);
	usage();
}
