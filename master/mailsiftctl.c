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
 *   reload    re-read the configuration (keeps the old one if bad)
 *   stop      stop gracefully
 *   conf [-d|-n|-s]  parameters: all, defaults (-d), changed only (-n),
 *             a commented sample configuration (-s)
 * Exit status: 0 done, 1 failed (not running, refused), 2 usage.
 *
 * Inputs: replies from mailsiftd, qmgr, the scanner and a scorer (trusted local peers, still
 * decoded strictly by ipc.c).  Runs as root.
 */
#include <sys/socket.h>

#include <errno.h>
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

/* usage - say how to call us */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mailsiftctl [-c CONFDIR] status|stats|queue|"
	    "rules|reload|stop|conf [-d|-n|-s]|\n"
	    "       quarantine list|release ID|delete ID\n");
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
	usage();
}
