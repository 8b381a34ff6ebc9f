/*
 * service.c - the service table: master.cf parsing and listeners.
 *
 * master.cf has one service a line in Postfix's columns:
 *	service type private unpriv chroot wakeup maxproc command
 * followed by "-o name=value" lines that start with white space.  An
 * inet service's name is its listen address (host:port); a unix
 * service listens on $queue_directory/private/NAME (SOCK_SEQPACKET).
 * An inet service named $param takes its address from that mailsift.cf
 * parameter, and a line whose parameter is empty is skipped with its
 * -o lines (spamd_listen: the spamd protocol only when configured).
 *
 * Inputs: master.cf (trusted, human-written: every error names the
 * line).  Runs as root in the master.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "master.h"
#include "mem.h"
#include "sock.h"

/* valid_command - a bare program name: no path tricks */
static int
valid_command(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

/* parse_line - one service line into a new struct service */
static struct service *
parse_line(char *line, const char *where, const struct config *c,
    struct buf *err, int *skipped)
{
	char **f;
	const char *pv;
	int n;
	struct service *s;

	*skipped = 0;
	f = config_split(line, &n);
	if (n > 0 && f[0][0] == '$') {
		if ((pv = config_str(c, f[0] + 1)) == NULL) {
			buf_addf(err, "%s: service %s: no such mailsift.cf "
			    "parameter", where, f[0]);
			config_split_free(f);
			return NULL;
		}
		if (*pv == '\0') {
			*skipped = 1;
			config_split_free(f);
			return NULL;
		}
		xfree(f[0]);
		f[0] = xstrdup(pv);
	}
	if (n != 8) {
		buf_addf(err, "%s: expected 8 columns (service type private "
		    "unpriv chroot wakeup maxproc command), found %d", where, n);
		goto bad;
	}
	s = xcalloc(1, sizeof(*s));
	s->listen_fd = s->status_fd[0] = s->status_fd[1] = -1;
	s->alive_fd[0] = s->alive_fd[1] = -1;
	s->prev_alive[0] = s->prev_alive[1] = -1;
	s->name = xstrdup(f[0]);
	s->where = xstrdup(where);
	s->command = xstrdup(f[7]);
	s->args = xcalloc(1, sizeof(char *));
	if (strcmp(f[1], "inet") == 0) {
		s->type = SERV_INET;
	} else if (strcmp(f[1], "unix") == 0) {
		s->type = SERV_UNIX;
	} else {
		buf_addf(err, "%s: service %s: unknown type \"%s\" (inet or "
		    "unix)", where, f[0], f[1]);
		goto bad_s;
	}
	if (strcmp(f[3], "n") == 0) {
		buf_addf(err, "%s: service %s: mailsift children always run "
		    "unprivileged (unpriv must be y or -)", where, f[0]);
		goto bad_s;
	}
	if (strcmp(f[4], "y") == 0) {
		buf_addf(err, "%s: service %s: chroot is not supported "
		    "(use n or -)", where, f[0]);
		goto bad_s;
	}
	if (strcmp(f[5], "-") != 0 && strcmp(f[5], "0") != 0) {
		buf_addf(err, "%s: service %s: wakeup is not supported "
		    "(use -)", where, f[0]);
		goto bad_s;
	}
	if (strcmp(f[6], "-") == 0) {
		s->maxproc = 8;
	} else {
		char *end;
		long v = strtol(f[6], &end, 10);

		if (*end || v < 1 || v > 1000) {
			buf_addf(err, "%s: service %s: bad maxproc \"%s\" "
			    "(1..1000)", where, f[0], f[6]);
			goto bad_s;
		}
		s->maxproc = (int)v;
	}
	if (!valid_command(s->command)) {
		buf_addf(err, "%s: service %s: bad command \"%s\"", where,
		    f[0], s->command);
		goto bad_s;
	}
	if (s->type == SERV_UNIX && !valid_command(s->name)) {
		buf_addf(err, "%s: bad unix service name \"%s\"", where, f[0]);
		goto bad_s;
	}
	if (s->type == SERV_INET && strchr(s->name, ':') == NULL) {
		buf_addf(err, "%s: inet service \"%s\" must be host:port",
		    where, f[0]);
		goto bad_s;
	}
	config_split_free(f);
	return s;
bad_s:
	service_free(s);
bad:
	config_split_free(f);
	return NULL;
}

/* add_args - "-o name=value ..." continuation words of a service */
static int
add_args(struct service *s, char *line, const char *where, struct buf *err)
{
	char **w;
	int n, i;

	w = config_split(line, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(w[i], "-o") != 0 || i + 1 >= n ||
		    strchr(w[i + 1], '=') == NULL) {
			buf_addf(err, "%s: service %s: expected \"-o "
			    "name=value\", found \"%s\"", where, s->name, w[i]);
			config_split_free(w);
			return -1;
		}
		s->args = xreallocarray(s->args, (size_t)s->nargs + 3,
		    sizeof(char *));
		s->args[s->nargs++] = xstrdup("-o");
		s->args[s->nargs++] = xstrdup(w[++i]);
		s->args[s->nargs] = NULL;
	}
	config_split_free(w);
	return 0;
}

/* service_parse - read master.cf; NULL with err on any error */
struct service *
service_parse(const char *path, const struct config *c, struct buf *err)
{
	FILE *fp;
	char *line = NULL, where[512];
	size_t cap = 0;
	int lineno = 0, skipping = 0;
	struct service *head = NULL, **tail = &head, *s, *last = NULL, *t;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_addf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while (getline(&line, &cap, fp) >= 0) {
		char *p = line;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == '\0')
			continue;
		if (isspace((unsigned char)line[0])) {
			if (skipping)
				continue;
			if (last == NULL) {
				buf_addf(err, "%s: continuation line without "
				    "a service", where);
				goto bad;
			}
			if (add_args(last, p, where, err) < 0)
				goto bad;
			continue;
		}
		if ((s = parse_line(line, where, c, err, &skipping)) == NULL) {
			if (skipping)
				continue;
			goto bad;
		}
		for (t = head; t; t = t->next) {
			if (strcmp(t->name, s->name) == 0) {
				buf_addf(err, "%s: service %s already defined "
				    "at %s", where, s->name, t->where);
				service_free(s);
				goto bad;
			}
		}
		*tail = last = s;
		tail = &s->next;
	}
	free(line);
	fclose(fp);
	if (head == NULL)
		buf_addf(err, "%s: no services defined", path);
	return head;
bad:
	free(line);
	fclose(fp);
	while (head) {
		s = head->next;
		service_free(head);
		head = s;
	}
	return NULL;
}

/* service_free - release a service (its fds are the caller's business) */
void
service_free(struct service *s)
{
	int i;

	if (s == NULL)
		return;
	xfree(s->name);
	xfree(s->command);
	xfree(s->where);
	xfree(s->listen_desc);
	for (i = 0; i < s->nargs; i++)
		xfree(s->args[i]);
	xfree(s->args);
	xfree(s);
}

/* service_same_listener - can a reload keep a's listener for b? */
int
service_same_listener(const struct service *a, const struct service *b)
{
	return a->type == b->type && strcmp(a->name, b->name) == 0;
}

/* service_bind - open the service's listening socket */
int
service_bind(struct service *s, const char *queue_dir, const char *owner,
    struct buf *err)
{
	char host[256], port[32];
	struct buf path = BUF_INIT;
	struct passwd *pw;

	if (s->type == SERV_INET) {
		if (sock_parse_hostport(s->name, host, sizeof(host), port,
		    sizeof(port)) < 0 || port[0] == '\0') {
			buf_addf(err, "%s: bad listen address %s", s->where,
			    s->name);
			return -1;
		}
		s->listen_fd = sock_listen_inet(host, port, 128);
		if (s->listen_fd < 0) {
			buf_addf(err, "%s: cannot listen on %s: %s", s->where,
			    s->name, strerror(errno));
			return -1;
		}
		s->listen_desc = xstrdup(s->name);
		return 0;
	}
	buf_addf(&path, "%s/private/%s", queue_dir, s->name);
	s->listen_fd = sock_listen_unix(buf_str(&path), SOCK_SEQPACKET, 128,
	    0600);
	if (s->listen_fd < 0) {
		buf_addf(err, "%s: cannot listen on %s: %s", s->where,
		    buf_str(&path), strerror(errno));
		buf_free(&path);
		return -1;
	}
	if ((pw = getpwnam(owner)) == NULL ||
	    chown(buf_str(&path), pw->pw_uid, pw->pw_gid) < 0) {
		buf_addf(err, "%s: cannot give %s to %s: %s", s->where,
		    buf_str(&path), owner, pw ? strerror(errno) :
		    "no such user");
		close(s->listen_fd);
		s->listen_fd = -1;
		buf_free(&path);
		return -1;
	}
	s->listen_desc = buf_steal(&path);
	return 0;
}
