/*
 * takeover.c - read the next hop's answer when reinject died waiting.
 *
 * Just before the final dot reinject passes qmgr a duplicate of its
 * connection to the next hop (status=sending).  If reinject then dies
 * without answering, the connection stays open in qmgr, which reads the
 * answer itself, records the delivery in the queue file and lets the
 * client have its reply: the outcome of a delivery is never lost with
 * the process that made it (see doc/design-notes.md).
 *
 * Inputs: the next hop's replies (hostile: bounded, parsed strictly).
 * Runs unprivileged in qmgr's event loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "smtp.h"
#include "sock.h"

/* died - a 451 for every recipient without an outcome */
static void
died(struct job *j, const char *why)
{
	int i;

	for (i = 0; i < j->env.nrcpt; i++)
		if (!j->suppressed[i] && j->reply[i] == NULL)
			j->reply[i] = xstrdup(why);
}

/*
 * takeover_parse - complete replies in the takeover buffer; 1 when
 * all that the next hop owes us are there, -1 if it talks nonsense.
 */
static int
takeover_parse(struct job *j, int *any)
{
	char *p = j->tk_buf.data, *end = p + j->tk_buf.len, *nl;
	int want = j->tk_lmtp ? j->tk_n : 1, got = 0, i, k;
	char *last = NULL;

	while (p < end && got < want && (nl = memchr(p, '\n', (size_t)(end -
	    p))) != NULL) {
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (smtp_reply_code(p) == 0)
			return -1;
		if (p[3] != '-') {
			/* the last line of a reply: it counts */
			last = p;
			if (j->tk_lmtp) {
				k = j->tk_rcpt[got];
				xfree(j->reply[k]);
				j->reply[k] = xstrdup(last);
				j->delivered[k] = last[0] == '2';
				*any |= j->delivered[k];
			}
			got++;
		}
		p = nl + 1;
	}
	if (got < want)
		return 0;
	for (i = 0; !j->tk_lmtp && i < j->tk_n; i++) {
		k = j->tk_rcpt[i];
		xfree(j->reply[k]);
		j->reply[k] = xstrdup(last);
		j->delivered[k] = last[0] == '2';
		*any |= j->delivered[k];
	}
	return 1;
}

/* takeover_record - what reinject could not write: who got it */
static void
takeover_record(struct job *j)
{
	struct buf b = BUF_INIT;
	int i;

	buf_adds(&b, "O ");
	for (i = 0; i < j->env.nrcpt; i++)
		buf_addc(&b, j->delivered[i] ? 'D' : '-');
	buf_addc(&b, '\n');
	if (queue_pwrite(j->queue_fd, b.data, b.len, j->env.extra_off +
	    j->env.extra_len) < 0 ||
	    queue_set_state(j->queue_fd, QUEUE_DELIVERED) < 0)
		log_warn("%s: cannot record the delivery: %m", j->id);
	buf_free(&b);
}

/* takeover_ready - the next hop's answer, read for a dead reinject */
static void
takeover_ready(int fd, int events, void *ctx)
{
	struct job *j = ctx;
	ssize_t n;
	int rc, any = 0;

	(void)events;
	buf_reserve(&j->tk_buf, 4096);
	n = read(fd, j->tk_buf.data + j->tk_buf.len, 4096);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		j->tk_buf.len += (size_t)n;
		if (j->tk_buf.len > 65536)
			n = 0;		/* nobody answers at such length */
		else if ((rc = takeover_parse(j, &any)) == 0)
			return;
		else if (rc > 0) {
			log_info("%s: reinject died after the final dot; the "
			    "next hop answered qmgr: %s", j->id,
			    j->reply[j->tk_rcpt[0]]);
			if (any)
				takeover_record(j);
			died(j, "451 4.3.0 Error: delivery agent died");
			job_rj_done(j, any);
			return;
		}
	}
	log_warn("%s: reinject died after the final dot and the next hop "
	    "gave no answer: the message may be delivered twice", j->id);
	died(j, "451 4.3.0 Error: delivery agent died");
	job_rj_done(j, 0);
}

/* takeover_timeout - the next hop never answered the dot */
static void
takeover_timeout(void *ctx)
{
	struct job *j = ctx;

	j->tk_timer = NULL;
	log_warn("%s: reinject died after the final dot and the next hop "
	    "did not answer in time: the message may be delivered twice",
	    j->id);
	died(j, "451 4.4.2 Error: timeout waiting for the next hop");
	job_rj_done(j, 0);
}

/* takeover_start - reinject died waiting for the final reply: wait ourselves */
void
takeover_start(struct job *j)
{
	log_warn("%s: reinject died after the final dot; reading the next "
	    "hop's answer", j->id);
	sock_nonblock(j->tk_fd, 1);
	/* replies reinject already read are gone: what is left is ours */
	event_add(j->tk_fd, EV_READ, takeover_ready, j);
	j->tk_timer = event_timer(cf->smtp_data_done_timeout * 1000L,
	    takeover_timeout, j);
}

/*
 * takeover_sending - reinject is about to send the final dot; it hands
 * us the connection so that its death cannot hide the outcome.
 */
void
takeover_sending(struct job *j, struct ipc_msg *m)
{
	char **v;
	int i, n, k;

	if (j->tk_fd >= 0)
		close(j->tk_fd);
	j->tk_fd = ipc_take_fd(m);
	j->tk_lmtp = strcmp(ipc_get(m, "lmtp") ? ipc_get(m, "lmtp") : "0",
	    "1") == 0;
	v = config_split(ipc_get(m, "accepted") ? ipc_get(m, "accepted") : "",
	    &n);
	xfree(j->tk_rcpt);
	j->tk_rcpt = xcalloc((size_t)n + 1, sizeof(int));
	j->tk_n = 0;
	for (i = 0; i < n; i++) {
		k = atoi(v[i]);
		if (k >= 0 && k < j->env.nrcpt)
			j->tk_rcpt[j->tk_n++] = k;
	}
	config_split_free(v);
}

