/*
 * dedup.c - remember delivered messages whose client may not know.
 *
 * In after-queue mode the client (Postfix) keeps a message until we
 * answer 250.  If the next hop accepted it but our answer never reached
 * the client (smtpd-in killed, qmgr restarted, a 4xx for a partial
 * delivery), the client retries and the message would be delivered
 * twice.  So qmgr keeps, for duplicate_window, a fingerprint of each
 * such delivery: sender, XFORWARD IDENT (the client's queue id), size,
 * a hash of the content, and which recipients were delivered.  Only
 * messages whose client named its queue id (Postfix does, with
 * smtp_send_xforward_command) are remembered: without it a legitimate
 * second copy could not be told from a retry.  A
 * retry that matches is answered 250 for those recipients without a
 * second delivery.  Records live in memory and in $queue/sent/ID, so a
 * restart keeps them.
 *
 * Inputs: our own records and envelopes (strictly parsed).  Runs
 * unprivileged in qmgr.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"

#define NBUCKET	4096

struct dedup {
	char		 id[QUEUE_ID_MAX];
	time_t		 expires;
	long long	 size;
	uint64_t	 hash;
	char		*ident;		/* "" when the client sent none */
	char		*sender;
	int		 nrcpt;
	char		**rcpt;
	int		*delivered;
	struct dedup	*next;
};

static struct dedup *bucket[NBUCKET];
static int ndedup;

/* key - bucket of a fingerprint */
static unsigned
key(const char *ident, const char *sender, long long size, uint64_t hash)
{
	uint64_t h = queue_hash(hash, &size, sizeof(size));

	h = queue_hash(h, ident, strlen(ident) + 1);
	h = queue_hash(h, sender, strlen(sender) + 1);
	return (unsigned)(h % NBUCKET);
}

/* ident_of - the client's queue id from XFORWARD, or "" */
static const char *
ident_of(const struct queue_env *e)
{
	return e->xf.ident && strcmp(e->xf.ident, "[UNAVAILABLE]") != 0 ?
	    e->xf.ident : "";
}

/* entry_free - release one record */
static void
entry_free(struct dedup *d)
{
	int i;

	for (i = 0; i < d->nrcpt; i++)
		xfree(d->rcpt[i]);
	xfree(d->rcpt);
	xfree(d->delivered);
	xfree(d->ident);
	xfree(d->sender);
	xfree(d);
}

/* insert - add a record to the table */
static void
insert(struct dedup *d)
{
	unsigned k = key(d->ident, d->sender, d->size, d->hash);

	d->next = bucket[k];
	bucket[k] = d;
	ndedup++;
}

/* dedup_count - records held */
int
dedup_count(void)
{
	return ndedup;
}

/* save - write the record to sent/ID */
static void
save(const struct dedup *d)
{
	struct buf path = BUF_INIT, b = BUF_INIT;
	int fd, i;

	qmgr_path(&path, "sent", d->id);
	buf_addf(&b, "MAILSIFT-SENT 1 %lld %lld %016" PRIx64 " ",
	    (long long)d->expires, d->size, d->hash);
	queue_encode(&b, d->ident);
	buf_addc(&b, ' ');
	queue_encode(&b, d->sender);
	buf_addf(&b, " %d\n", d->nrcpt);
	for (i = 0; i < d->nrcpt; i++) {
		buf_addf(&b, "%d ", d->delivered[i]);
		queue_encode(&b, d->rcpt[i]);
		buf_addc(&b, '\n');
	}
	fd = open(buf_str(&path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len ||
	    (cf->queue_fsync && fdatasync(fd) < 0))
		log_warn("%s: cannot save duplicate record %s: %m", d->id,
		    buf_str(&path));
	if (fd >= 0)
		close(fd);
	buf_free(&path);
	buf_free(&b);
}

/* make - a record from an envelope and per-recipient delivery flags */
static struct dedup *
make(const struct queue_env *e, const char *id, const int *delivered)
{
	struct dedup *d = xcalloc(1, sizeof(*d));
	int i;

	snprintf(d->id, sizeof(d->id), "%s", id);
	d->expires = time(NULL) + cf->duplicate_window;
	d->size = e->msg_len;
	d->hash = e->hash;
	d->ident = xstrdup(ident_of(e));
	d->sender = xstrdup(e->sender);
	d->nrcpt = e->nrcpt;
	d->rcpt = xcalloc((size_t)e->nrcpt, sizeof(char *));
	d->delivered = xcalloc((size_t)e->nrcpt, sizeof(int));
	for (i = 0; i < e->nrcpt; i++) {
		d->rcpt[i] = xstrdup(e->rcpt[i].addr);
		d->delivered[i] = delivered[i];
	}
	return d;
}

/* dedup_record - remember the deliveries of job */
void
dedup_record(struct job *j)
{
	struct dedup *d;
	int *flags, i, any = 0;

	if (cf->duplicate_window == 0 || *ident_of(&j->env) == '\0')
		return;		/* without the client's queue id: no guess */
	flags = xcalloc((size_t)j->env.nrcpt, sizeof(int));
	for (i = 0; i < j->env.nrcpt; i++) {
		flags[i] = j->delivered[i] || j->suppressed[i] ||
		    j->bounced[i];
		any |= flags[i];
	}
	if (any) {
		d = make(&j->env, j->id, flags);
		save(d);
		insert(d);
		log_info("%s: delivery remembered for %llds in case the "
		    "client retries", j->id, (long long)cf->duplicate_window);
	}
	xfree(flags);
}

/*
 * dedup_record_file - remember a delivery found in a queue file after
 * a crash; flags holds one letter per recipient (D, S delivered).
 */
void
dedup_record_file(int fd, const struct queue_env *e, const char *flags)
{
	struct dedup *d;
	int *del, i, any = 0;

	(void)fd;
	if (cf->duplicate_window == 0 || *ident_of(e) == '\0')
		return;
	del = xcalloc((size_t)e->nrcpt, sizeof(int));
	for (i = 0; i < e->nrcpt && flags[i]; i++) {
		del[i] = flags[i] == 'D' || flags[i] == 'S';
		any |= del[i];
	}
	if (any) {
		d = make(e, e->id, del);
		save(d);
		insert(d);
		log_info("%s: delivered before a restart; remembered in case "
		    "the client retries", e->id);
	}
	xfree(del);
}

/*
 * dedup_lookup - mark the recipients of job that an earlier delivery
 * of the same message already reached; returns how many.
 */
int
dedup_lookup(struct job *j)
{
	const struct queue_env *e = &j->env;
	const char *ident = ident_of(e);
	struct dedup *d;
	time_t now = time(NULL);
	int i, k, hits = 0;

	if (ndedup == 0 || *ident == '\0')
		return 0;
	for (d = bucket[key(ident, e->sender, e->msg_len, e->hash)]; d;
	    d = d->next) {
		if (d->expires < now || d->size != e->msg_len ||
		    d->hash != e->hash || strcmp(d->ident, ident) != 0 ||
		    strcmp(d->sender, e->sender) != 0)
			continue;
		for (i = 0; i < e->nrcpt; i++) {
			for (k = 0; k < d->nrcpt; k++) {
				if (!d->delivered[k] || j->suppressed[i] ||
				    strcmp(d->rcpt[k], e->rcpt[i].addr) != 0)
					continue;
				j->suppressed[i] = 1;
				xfree(j->dup_of);
				j->dup_of = xstrdup(d->id);
				hits++;
			}
		}
	}
	return hits;
}

/* parse_record - read one sent/ file; NULL if malformed */
static struct dedup *
parse_record(const char *id, FILE *fp)
{
	struct dedup *d = xcalloc(1, sizeof(*d));
	char *line = NULL, ident[1024], sender[1024], *sp;
	size_t cap = 0;
	long long exp;
	int n, i, flag;

	snprintf(d->id, sizeof(d->id), "%s", id);
	if (getline(&line, &cap, fp) < 0 ||
	    sscanf(line, "MAILSIFT-SENT 1 %lld %lld %" SCNx64 " %1023s "
	    "%1023s %d", &exp, &d->size, &d->hash, ident, sender, &n) != 6 ||
	    n < 1 || n > 100000 || queue_decode(ident) < 0 ||
	    queue_decode(sender) < 0)
		goto bad;
	d->expires = (time_t)exp;
	d->ident = xstrdup(ident);
	d->sender = xstrdup(sender);
	d->rcpt = xcalloc((size_t)n, sizeof(char *));
	d->delivered = xcalloc((size_t)n, sizeof(int));
	for (i = 0; i < n; i++) {
		if (getline(&line, &cap, fp) < 0 || (line[0] != '0' &&
		    line[0] != '1') || line[1] != ' ')
			goto bad;
		flag = line[0] - '0';
		sp = line + 2;
		sp[strcspn(sp, "\n")] = '\0';
		if (queue_decode(sp) < 0)
			goto bad;
		d->rcpt[i] = xstrdup(sp);
		d->delivered[i] = flag;
		d->nrcpt = i + 1;
	}
	free(line);
	return d;
bad:
	free(line);
	entry_free(d);
	return NULL;
}

/* dedup_load - read sent/ at start-up, dropping expired records */
void
dedup_load(void)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	struct dedup *d;
	FILE *fp;
	DIR *dir;
	time_t now = time(NULL);

	qmgr_path(&path, "sent", NULL);
	if ((dir = opendir(buf_str(&path))) == NULL) {
		log_warn("opendir %s: %m", buf_str(&path));
		buf_free(&path);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!queue_valid_id(de->d_name))
			continue;
		qmgr_path(&path, "sent", de->d_name);
		if ((fp = fopen(buf_str(&path), "r")) == NULL)
			continue;
		d = parse_record(de->d_name, fp);
		fclose(fp);
		if (d == NULL || d->expires < now) {
			if (d == NULL)
				log_warn("%s: malformed duplicate record, "
				    "removed", buf_str(&path));
			unlink(buf_str(&path));
			if (d)
				entry_free(d);
			continue;
		}
		insert(d);
	}
	closedir(dir);
	buf_free(&path);
	if (ndedup)
		log_info("%d delivery record%s kept against duplicates",
		    ndedup, ndedup == 1 ? "" : "s");
}

/* dedup_expire - forget records older than duplicate_window */
void
dedup_expire(void)
{
	struct buf path = BUF_INIT;
	struct dedup **pp, *d;
	time_t now = time(NULL);
	int k;

	for (k = 0; k < NBUCKET; k++) {
		for (pp = &bucket[k]; (d = *pp) != NULL;) {
			if (d->expires >= now) {
				pp = &d->next;
				continue;
			}
			*pp = d->next;
			qmgr_path(&path, "sent", d->id);
			unlink(buf_str(&path));
			entry_free(d);
			ndedup--;
		}
	}
	buf_free(&path);
}
