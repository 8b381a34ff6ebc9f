/*
 * quarantine.c - $queue_directory/quarantine: the copy the policy keeps
 * of a discarded or bounced message (quarantine_store), and
 * mailsiftctl's view of it: list the messages kept there, release one
 * (deliver it to the recipients it was kept for) or delete it.
 *
 * A quarantined message is a queue file (policy.c writes it) whose
 * extra header block names the reason (X-Mailsift-Alert).  A release
 * copies it into active/ under a new id and delivers it through reinject
 * like a DSN; mailsiftctl gets the next hop's reply.  The quarantined
 * copy stays until deleted.
 *
 * Inputs: requests from mailsiftctl (root, through private/qmgr, which
 * only mail_owner and root can reach); ids are checked before they
 * become paths.  Runs in qmgr's event loop.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"

/* send_status - status=ok or status=fail reason= */
static void
send_status(int fd, const char *fail)
{
	struct ipc_msg m;

	ipc_msg_init(&m);
	ipc_add(&m, "status", fail ? "fail" : "ok");
	if (fail)
		ipc_add(&m, "reason", fail);
	(void)ipc_send(fd, &m, -1);
	ipc_msg_free(&m);
}

/* copy_region - len bytes from offset from_off of from to to_off of to */
static int
copy_region(int from, long long from_off, int to, long long to_off,
    long long len)
{
	loff_t in = from_off, out = to_off;
	ssize_t n;

	while (len > 0) {
		n = copy_file_range(from, &in, to, &out, (size_t)len, 0);
		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

/*
 * quarantine_store - keep a copy of j's message for the recipients
 * marked in which (the blocked ones), its reason in the extra block;
 * fdatasync'ed before it is renamed into place.  -1 if it could not be
 * written: the caller must not discard the message then.
 */
int
quarantine_store(struct job *j, const int *which, const char *reason)
{
	struct queue_env e;
	struct buf path = BUF_INIT, extra = BUF_INIT, tmp = BUF_INIT;
	long long off;
	int fd, i, rc = -1;

	queue_env_init(&e);
	snprintf(e.id, sizeof(e.id), "%s", j->id);
	e.arrival_sec = j->env.arrival_sec;
	e.arrival_usec = j->env.arrival_usec;
	e.client_addr = xstrdup(j->env.client_addr);
	e.client_port = xstrdup(j->env.client_port);
	e.client_name = xstrdup(j->env.client_name);
	e.helo = xstrdup(j->env.helo);
	e.proto = xstrdup(j->env.proto);
	e.xf = j->env.xf;		/* borrowed: not freed below */
	e.sender = xstrdup(j->env.sender);
	e.mail_params = xstrdup(j->env.mail_params);
	for (i = 0; i < j->env.nrcpt; i++)
		if (which[i])
			queue_env_add_rcpt(&e, j->env.rcpt[i].addr,
			    j->env.rcpt[i].params);
	buf_addf(&tmp, "quarantine/.%s", j->id);
	qmgr_path(&path, "quarantine", j->id);
	fd = open(buf_str(&tmp), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		log_warn("%s: cannot create %s: %m", j->id, buf_str(&tmp));
		goto out;
	}
	if (queue_write_envelope(fd, &e) < 0)
		goto fail;
	off = e.msg_off;
	if (copy_region(j->queue_fd, j->env.msg_off, fd, off,
	    j->env.msg_len) < 0)
		goto fail;
	e.msg_len = j->env.msg_len;
	e.hash = j->env.hash;
	e.dot_lines = j->env.dot_lines;
	buf_addf(&extra, "X-Quarantine-ID: <%s>\r\n", j->id);
	buf_addf(&extra, "X-Mailsift-Alert: %s\r\n", reason);
	if (queue_finish(fd, &e) < 0 ||
	    queue_pwrite(fd, extra.data, extra.len, off + e.msg_len) < 0 ||
	    queue_set_extra(fd, &e, off + e.msg_len, (long long)extra.len,
	    0) < 0 ||
	    fdatasync(fd) < 0 || rename(buf_str(&tmp), buf_str(&path)) < 0)
		goto fail;
	rc = 0;
	qmgr_stat_count("quarantined");
	log_info("%s: quarantined as %s (%s)", j->id, j->id, reason);
fail:
	if (rc < 0) {
		log_warn("%s: cannot write the quarantine copy: %m", j->id);
		unlink(buf_str(&tmp));
	}
	close(fd);
out:
	memset(&e.xf, 0, sizeof(e.xf));
	queue_env_free(&e);
	buf_free(&path);
	buf_free(&tmp);
	buf_free(&extra);
	return rc;
}

/* reason_of - the X-Mailsift-Alert value of a quarantine file */
static void
reason_of(int fd, const struct queue_env *e, struct buf *out)
{
	char b[1024];
	ssize_t n;
	char *p, *end;

	if (e->extra_len <= 0)
		return;
	n = pread(fd, b, sizeof(b) - 1, e->extra_off);
	if (n <= 0)
		return;
	b[n] = '\0';
	if ((p = strstr(b, "X-Mailsift-Alert: ")) == NULL)
		return;
	p += strlen("X-Mailsift-Alert: ");
	if ((end = strstr(p, "\r\n")) != NULL)
		*end = '\0';
	buf_adds(out, p);
}

/* list - one packet per quarantined message, then end=1 */
static void
list(int fd)
{
	struct buf path = BUF_INIT, err = BUF_INIT, r = BUF_INIT,
	    rc = BUF_INIT;
	struct queue_env e;
	struct dirent *de;
	struct ipc_msg m;
	DIR *d;
	int qf, i;

	if ((d = opendir("quarantine")) == NULL) {
		send_status(fd, "cannot open the quarantine directory");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!queue_valid_id(de->d_name))
			continue;
		buf_reset(&path);
		qmgr_path(&path, "quarantine", de->d_name);
		if ((qf = open(buf_str(&path), O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		buf_reset(&err);
		if (queue_read_envelope(qf, &e, &err) < 0) {
			close(qf);
			continue;
		}
		buf_reset(&r);
		buf_reset(&rc);
		reason_of(qf, &e, &r);
		for (i = 0; i < e.nrcpt; i++)
			buf_addf(&rc, "%s%s", i ? "," : "", e.rcpt[i].addr);
		ipc_msg_init(&m);
		ipc_add(&m, "id", de->d_name);
		ipc_addl(&m, "date", e.arrival_sec);
		ipc_add(&m, "sender", e.sender);
		ipc_add(&m, "rcpts", buf_str(&rc));
		ipc_addl(&m, "size", e.msg_len);
		ipc_add(&m, "reason", buf_str(&r));
		(void)ipc_send(fd, &m, -1);
		ipc_msg_free(&m);
		queue_env_free(&e);
		close(qf);
	}
	closedir(d);
	ipc_msg_init(&m);
	ipc_add(&m, "end", "1");
	(void)ipc_send(fd, &m, -1);
	ipc_msg_free(&m);
	buf_free(&path);
	buf_free(&err);
	buf_free(&r);
	buf_free(&rc);
}

/*
 * release - deliver a quarantined message to its recipients: a copy
 * under a new id goes through reinject like a DSN, mailsiftctl waits
 * for its outcome on fd; the quarantined file is left as it is
 */
static int
release(int fd, const char *id)
{
	struct buf from = BUF_INIT, to = BUF_INIT, err = BUF_INIT;
	struct job *j;
	long long src;
	int qf;

	qmgr_path(&from, "quarantine", id);
	if ((qf = open(buf_str(&from), O_RDONLY | O_CLOEXEC)) < 0) {
		send_status(fd, "no such message in the quarantine");
		buf_free(&from);
		return -1;
	}
	j = xcalloc(1, sizeof(*j));
	j->client_fd = -1;
	j->queue_fd = -1;
	j->rj_fd = -1;
	j->tk_fd = -1;
	j->ctl_fd = -1;
	j->internal = 1;
	queue_env_init(&j->env);
	if (queue_read_envelope(qf, &j->env, &err) < 0) {
		log_warn("%s: quarantine file unreadable: %s", id,
		    buf_str(&err));
		goto fail;
	}
	/* the copy is a message of its own: new id, no extra block yet */
	src = j->env.msg_off;
	queue_new_id(j->id, sizeof(j->id));
	snprintf(j->env.id, sizeof(j->env.id), "%s", j->id);
	j->env.extra_off = j->env.extra_len = j->env.skip_len = 0;
	snprintf(j->dir, sizeof(j->dir), "active");
	qmgr_path(&to, "active", j->id);
	j->queue_fd = open(buf_str(&to), O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600);
	if (j->queue_fd < 0 || flock(j->queue_fd, LOCK_EX | LOCK_NB) < 0 ||
	    queue_write_envelope(j->queue_fd, &j->env) < 0 ||
	    copy_region(qf, src, j->queue_fd, j->env.msg_off,
	    j->env.msg_len) < 0 || queue_finish(j->queue_fd, &j->env) < 0) {
		log_warn("%s: cannot release: %m", id);
		goto fail;
	}
	j->env.state = QUEUE_RECEIVED;
	j->ctl_fd = fd;
	event_del(fd);
	log_info("%s: released from the quarantine as %s", id, j->id);
	job_start_internal(j);
	close(qf);
	buf_free(&from);
	buf_free(&to);
	buf_free(&err);
	return 0;
fail:
	send_status(fd, "cannot copy the message out of the quarantine");
	if (to.len)
		unlink(buf_str(&to));
	close(qf);
	job_free(j);
	buf_free(&from);
	buf_free(&to);
	buf_free(&err);
	return -1;
}

/*
 * release_done - the released copy's delivery is over: tell
 * mailsiftctl (status=ok when every recipient took it)
 */
void
release_done(struct job *j)
{
	struct buf r = BUF_INIT;
	struct ipc_msg m;
	int i, all = 1;

	for (i = 0; i < j->env.nrcpt; i++) {
		all &= j->delivered[i];
		buf_addf(&r, "%s<%s>: %s", i ? "; " : "", j->env.rcpt[i].addr,
		    j->reply[i] ? j->reply[i] : "no reply");
	}
	log_info("%s: release %s: %s", j->id, all ? "delivered" : "failed",
	    buf_str(&r));
	ipc_msg_init(&m);
	ipc_add(&m, "status", all ? "ok" : "fail");
	ipc_add(&m, all ? "reply" : "reason", buf_str(&r));
	(void)ipc_send(j->ctl_fd, &m, -1);
	ipc_msg_free(&m);
	buf_free(&r);
}

/*
 * quarantine_request - request=quarantine op=list|release|delete [id=]
 * from mailsiftctl.  Returns 1 when a release job took fd over (it
 * answers when the delivery is done), else 0: the caller closes fd.
 */
int
quarantine_request(int fd, struct ipc_msg *m)
{
	const char *op = ipc_get(m, "op"), *id = ipc_get(m, "id");
	struct buf path = BUF_INIT;

	if (op && strcmp(op, "list") == 0) {
		list(fd);
		return 0;
	}
	if (op == NULL || id == NULL || !queue_valid_id(id)) {
		send_status(fd, "bad quarantine request");
		return 0;
	}
	if (strcmp(op, "release") == 0)
		return release(fd, id) == 0;
	if (strcmp(op, "delete") == 0) {
		qmgr_path(&path, "quarantine", id);
		if (unlink(buf_str(&path)) < 0) {
			send_status(fd, errno == ENOENT ? "no such message "
			    "in the quarantine" : strerror(errno));
		} else {
			log_info("%s: deleted from the quarantine", id);
			send_status(fd, NULL);
		}
		buf_free(&path);
		return 0;
	}
	send_status(fd, "unknown quarantine operation");
	return 0;
}
