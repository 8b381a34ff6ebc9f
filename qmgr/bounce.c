/*
 * bounce.c - delivery status notifications (RFC 3464) for recipients
 * that the next hop refused while others of the same message were
 * accepted.
 *
 * Over SMTP a client gets one reply for all recipients, so a message
 * that is partly accepted cannot be answered with the refusal: like
 * amavisd-new, qmgr answers 250 and mails the sender a DSN for the
 * refused recipients itself ("250 ..., but 1 BOUNCE").  No DSN goes to
 * the null sender or against NOTIFY=NEVER (or a NOTIFY without
 * FAILURE).  The DSN is delivered through reinject like any message;
 * if that fails the client gets a 451 instead and nothing is lost.
 *
 * Inputs: the original envelope and header (hostile content, copied as
 * data into the report, never interpreted).  Runs unprivileged in qmgr.
 */
#include <sys/file.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "smtp.h"

#define HEADER_MAX	(256 * 1024)

/* rcpt_param - the value of NAME= in a recipient's parameters, or NULL */
static char *
rcpt_param(const char *params, const char *name)
{
	char **v = config_split(params, NULL), *out = NULL;
	size_t n = strlen(name);
	int i;

	for (i = 0; v[i]; i++)
		if (strncasecmp(v[i], name, n) == 0 && v[i][n] == '=')
			out = xstrdup(v[i] + n + 1);
	config_split_free(v);
	return out;
}

/* bounce_wanted - does recipient i want a failure notice? */
int
bounce_wanted(const struct queue_env *e, int i)
{
	char *notify;
	int want = 1;

	if (e->sender[0] == '\0')
		return 0;		/* never to the null sender */
	if ((notify = rcpt_param(e->rcpt[i].params, "NOTIFY")) != NULL) {
		want = strcasestr(notify, "FAILURE") != NULL;
		xfree(notify);
	}
	return want;
}

/* add_header_copy - the original header section, up to HEADER_MAX */
static void
add_header_copy(struct buf *b, int fd, const struct queue_env *e)
{
	char *p;
	size_t len = e->msg_len < HEADER_MAX ? (size_t)e->msg_len : HEADER_MAX;
	ssize_t n;
	char *end;

	p = xmalloc(len + 1);
	n = pread(fd, p, len, e->msg_off);
	if (n < 0)
		n = 0;
	p[n] = '\0';
	end = memmem(p, (size_t)n, "\r\n\r\n", 4);
	buf_add(b, p, end ? (size_t)(end - p) + 2 : (size_t)n);
	if (!end && n > 0 && p[n - 1] != '\n')
		buf_adds(b, "\r\n");
	xfree(p);
}

/* rfc822_date - now, in RFC 5322 form */
static void
rfc822_date(char *out, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* build - the DSN message for the recipients marked in which */
static void
build(struct buf *b, const struct job *j, const int *which, const char *id)
{
	const struct queue_env *e = &j->env;
	char date[64], arrival[64], enh[16];
	char *envid, *orcpt;
	struct buf dec = BUF_INIT;
	int i, others = 0, content = 0;

	rfc822_date(date, sizeof(date), time(NULL));
	rfc822_date(arrival, sizeof(arrival), (time_t)e->arrival_sec);
	buf_addf(b, "From: \"Mail filter at %s\" <MAILER-DAEMON@%s>\r\n",
	    cf->myhostname, cf->myhostname);
	buf_addf(b, "To: <%s>\r\n", e->sender);
	buf_adds(b, "Subject: Undelivered Mail Returned to Sender\r\n");
	buf_addf(b, "Date: %s\r\n", date);
	buf_addf(b, "Message-ID: <%s.dsn@%s>\r\n", id, cf->myhostname);
	buf_adds(b, "Auto-Submitted: auto-replied\r\n");
	buf_adds(b, "MIME-Version: 1.0\r\n");
	buf_addf(b, "Content-Type: multipart/report; report-type=delivery-"
	    "status;\r\n\tboundary=\"%s/%s\"\r\n\r\n", id, cf->myhostname);
	buf_adds(b, "This is a MIME-encapsulated message.\r\n\r\n");

	buf_addf(b, "--%s/%s\r\n", id, cf->myhostname);
	buf_adds(b, "Content-Description: Notification\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	for (i = 0; i < e->nrcpt; i++) {
		if (!which[i])
			others++;
		else if (j->pol && j->pol[i] != D_PASS)
			content++;
	}
	buf_addf(b, "This is the mail filter at host %s.\r\n\r\n"
	    "Your message (queue id %s) could not be delivered to the\r\n"
	    "following recipients; %s:\r\n\r\n", cf->myhostname, j->id,
	    content ? "the mail filter found dangerous content in it" :
	    "the next mail server refused it");
	for (i = 0; i < e->nrcpt; i++)
		if (which[i])
			buf_addf(b, "<%s>: %s\r\n", e->rcpt[i].addr, j->reply[i]);
	if (others)
		buf_adds(b, "\r\nThe other recipients did receive it.\r\n");
	buf_adds(b, "\r\n");

	buf_addf(b, "--%s/%s\r\n", id, cf->myhostname);
	buf_adds(b, "Content-Description: Delivery report\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n");
	buf_addf(b, "Reporting-MTA: dns; %s\r\n", cf->myhostname);
	buf_addf(b, "X-Mailsift-Queue-ID: %s\r\n", j->id);
	if ((envid = rcpt_param(e->mail_params, "ENVID")) != NULL) {
		if (smtp_xtext_decode(envid, &dec) == 0)
			buf_addf(b, "Original-Envelope-Id: %s\r\n",
			    buf_str(&dec));
		xfree(envid);
	}
	buf_addf(b, "Arrival-Date: %s\r\n", arrival);
	for (i = 0; i < e->nrcpt; i++) {
		if (!which[i])
			continue;
		if (!smtp_reply_enh(j->reply[i], enh, sizeof(enh)))
			snprintf(enh, sizeof(enh), "5.0.0");
		buf_adds(b, "\r\n");
		buf_addf(b, "Final-Recipient: rfc822; %s\r\n", e->rcpt[i].addr);
		orcpt = rcpt_param(e->rcpt[i].params, "ORCPT");
		if (orcpt && strchr(orcpt, ';') &&
		    smtp_xtext_decode(strchr(orcpt, ';') + 1, &dec) == 0)
			buf_addf(b, "Original-Recipient: rfc822; %s\r\n",
			    buf_str(&dec));
		xfree(orcpt);
		buf_addf(b, "Action: failed\r\nStatus: %s\r\n", enh);
		if (!(j->pol && j->pol[i] != D_PASS))
			buf_addf(b, "Remote-MTA: dns; %s\r\n",
			    cf->forward_method);
		buf_addf(b, "Diagnostic-Code: smtp; %s\r\n", j->reply[i]);
		buf_addf(b, "Last-Attempt-Date: %s\r\n", date);
	}
	buf_adds(b, "\r\n");

	buf_addf(b, "--%s/%s\r\n", id, cf->myhostname);
	buf_adds(b, "Content-Description: Undelivered Message Headers\r\n"
	    "Content-Type: text/rfc822-headers\r\n\r\n");
	add_header_copy(b, j->queue_fd, e);
	buf_addf(b, "\r\n--%s/%s--\r\n", id, cf->myhostname);
	buf_free(&dec);
}

/*
 * internal_job - a message made by qmgr, from <>, to rcpt, delivered
 * like any other; its end calls job_bounce_done(parent) if there is a
 * parent.  NULL if it could not even be created.
 */
static struct job *
internal_job(struct job *parent, const char *rcpt, const struct buf *msg,
    const char *what)
{
	struct job *d = xcalloc(1, sizeof(*d));
	struct buf path = BUF_INIT;
	struct queue_env *e = &d->env;
	struct timeval tv;

	d->client_fd = -1;
	d->rj_fd = -1;
	d->tk_fd = -1;
	d->ctl_fd = -1;
	d->internal = 1;
	d->parent = parent;
	queue_env_init(e);
	queue_new_id(d->id, sizeof(d->id));
	snprintf(d->dir, sizeof(d->dir), "active");
	qmgr_path(&path, "active", d->id);
	d->queue_fd = open(buf_str(&path), O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600);
	if (d->queue_fd < 0 || flock(d->queue_fd, LOCK_EX | LOCK_NB) < 0) {
		log_warn("%s: cannot create a %s: %s: %m", parent ? parent->id :
		    "-", what, buf_str(&path));
		buf_free(&path);
		d->parent = NULL;
		job_free(d);
		return NULL;
	}
	buf_free(&path);
	snprintf(e->id, sizeof(e->id), "%s", d->id);
	gettimeofday(&tv, NULL);
	e->arrival_sec = tv.tv_sec;
	e->arrival_usec = tv.tv_usec;
	e->client_addr = xstrdup("127.0.0.1");
	e->client_port = xstrdup("0");
	e->client_name = xstrdup("localhost");
	e->helo = xstrdup(cf->myhostname);
	e->proto = xstrdup("ESMTP");
	e->sender = xstrdup("");
	e->mail_params = xstrdup("");
	queue_env_add_rcpt(e, rcpt, "");
	if (queue_write_envelope(d->queue_fd, e) < 0 ||
	    queue_pwrite(d->queue_fd, msg->data, msg->len, e->msg_off) < 0)
		goto fail;
	e->msg_len = (long long)msg->len;
	e->hash = queue_hash(QUEUE_HASH_INIT, msg->data, msg->len);
	if (queue_finish(d->queue_fd, e) < 0)
		goto fail;
	e->state = QUEUE_RECEIVED;
	return d;
fail:
	log_warn("%s: cannot write a %s: %m", parent ? parent->id : "-", what);
	job_discard(d);
	return NULL;
}

/*
 * bounce_start - create and deliver a DSN for the recipients of j
 * marked in which.  The DSN is a job of its own whose end calls
 * job_bounce_done(j, ok).  Returns -1 if it could not even be created.
 */
int
bounce_start(struct job *j, const int *which)
{
	struct buf msg = BUF_INIT;
	char id[QUEUE_ID_MAX];
	struct job *d;

	/* the DSN names its own queue id: make one, then the job */
	queue_new_id(id, sizeof(id));
	build(&msg, j, which, id);
	d = internal_job(j, j->env.sender, &msg, "DSN");
	buf_free(&msg);
	if (d == NULL)
		return -1;
	log_info("%s: sender non-delivery notification: %s", j->id, d->id);
	j->dsn = d;
	job_start_internal(d);
	return 0;
}

/*
 * notify_admin - tell virus_admin what was found in j (what: "VIRUS:
 * NAME" or "BANNED: REASON", already clean; quarantined: a copy was
 * kept).  Best effort: a notice that cannot be sent is logged, and the
 * message's fate does not depend on it.
 */
void
notify_admin(struct job *j, const char *what, int quarantined)
{
	const struct queue_env *e = &j->env;
	struct buf b = BUF_INIT;
	char date[64], id[QUEUE_ID_MAX];
	struct job *d;
	int i;

	queue_new_id(id, sizeof(id));
	rfc822_date(date, sizeof(date), time(NULL));
	buf_addf(&b, "From: \"Content filter at %s\" <postmaster@%s>\r\n",
	    cf->myhostname, cf->myhostname);
	buf_addf(&b, "To: <%s>\r\n", cf->virus_admin);
	buf_addf(&b, "Subject: %s in mail from <%.200s>\r\n", what,
	    e->sender);
	buf_addf(&b, "Date: %s\r\n", date);
	buf_addf(&b, "Message-ID: <%s.notice@%s>\r\n", id, cf->myhostname);
	buf_adds(&b, "Auto-Submitted: auto-generated\r\n");
	buf_adds(&b, "MIME-Version: 1.0\r\n");
	buf_adds(&b, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	buf_addf(&b, "The mail filter at %s found: %s\r\n\r\n",
	    cf->myhostname, what);
	buf_addf(&b, "Queue id: %s\r\n", j->id);
	buf_addf(&b, "Client: %s [%s]\r\n", e->xf.name ? e->xf.name :
	    e->client_name, e->xf.addr ? e->xf.addr : e->client_addr);
	buf_addf(&b, "Sender: <%s>\r\n", e->sender);
	for (i = 0; i < e->nrcpt; i++)
		buf_addf(&b, "Recipient: <%s>: %s\r\n", e->rcpt[i].addr,
		    j->pol && j->pol[i] != D_PASS && j->reply[i] ?
		    j->reply[i] : "delivered");
	if (quarantined)
		buf_addf(&b, "\r\nA copy is in the quarantine: mailsiftctl "
		    "quarantine release %s\r\n", j->id);
	buf_adds(&b, "\r\nThe message's header:\r\n\r\n");
	add_header_copy(&b, j->queue_fd, e);
	d = internal_job(NULL, cf->virus_admin, &b, "notice");
	buf_free(&b);
	if (d == NULL)
		return;
	log_info("%s: notice to virus_admin <%s>: %s", j->id, cf->virus_admin,
	    d->id);
	job_start_internal(d);
}
