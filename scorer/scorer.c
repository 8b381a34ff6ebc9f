/*
 * scorer - spam scoring with SpamAssassin's rules, one message at a
 * time, in a pool of processes (maxproc in master.cf).
 *
 * At start each process reads the rules once (sa_site_directory's
 * plugin loaders, then sa_update_directory's rules if sa-update filled
 * it, else sa_rules_directory's, then the site's sa_local_cf) and
 * compiles every pattern (check.c).  Then it serves, one client at a
 * time, whatever its master.cf line listens on:
 *
 * - private/scorer (unix): qmgr hands over a queue file's fd with the
 *   message's offset and length; the answer carries the score, the
 *   required score and the rules hit with their points.  mailsiftctl
 *   asks the same socket for the rule summary.
 *     request=score id= off= len= [from=], fd
 *	 -> status=ok score= required= tests=NAME=PTS,... flags= ms=
 *     request=rules -> text=LINE packets, then end=1
 * - $spamd_listen (inet): the spamd protocol of spamc (spamdproto.c):
 *   PING, CHECK, SYMBOLS, REPORT, REPORT_IFSPAM, PROCESS, HEADERS,
 *   SKIP, and TELL (spamc -L/-C: learn or forget in the Bayes store,
 *   report to Pyzor).
 *
 * Bayes (bayes.c): the store in bayes_directory, opened once per
 * process and shared by every scorer through Berkeley DB's locking; a
 * message SpamAssassin's auto-learn thresholds pick is learned after
 * its answer is sent.  Network tests (spam_network_tests): the DNS
 * lists (dnsbl.c, resolver dns_servers) and Pyzor (pyzor_servers) are
 * asked at the start of each check and waited for after the local
 * rules, each at most its own timeout.
 *
 * Only the first score_max_size bytes of a message are scored (cut at a
 * line end).  Each regex run has regex_match_limit; the whole check has
 * score_time_limit.
 *
 * Inputs: hostile message bytes (from the queue file or a spamc
 * client), requests from qmgr (trusted, parsed strictly), the rule files
 * (trusted but error-prone: an error disables what it touches, logged).
 * Runs as mail_owner; writes nothing but its answers.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bayes.h"
#include "check.h"
#include "config.h"
#include "dns.h"
#include "dnsbl.h"
#include "ipc.h"
#include "log.h"
#include "master_proto.h"
#include "mem.h"
#include "msgtext.h"
#include "pyzor.h"
#include "sarules.h"
#include "skel.h"
#include "spamdproto.h"

#define SA_VERSION_STR	"4.0.1"
#define REQUEST_WAIT_MS	30000	/* qmgr sends its request at once */

static struct checker *chk;
static struct bayes *bayes;		/* NULL: no Bayes */
static struct dns *dns;			/* NULL: no DNS lists */
static struct dnsbl_conf *dnsbl;
static struct pyzor_conf *pyzor;	/* NULL: no Pyzor */
static int spamd_mode;		/* listening on an inet socket */
static char hostname[256];

/* ------------------------------------------------------------ loading */

/* has_cf - does dir hold at least one *.cf file? */
static int
has_cf(const char *dir)
{
	DIR *d;
	struct dirent *e;
	size_t n;
	int found = 0;

	if (dir == NULL || *dir == '\0' || (d = opendir(dir)) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		found = n > 3 && strcmp(e->d_name + n - 3, ".cf") == 0;
	}
	closedir(d);
	return found;
}

/* local_cf - sa_local_cf made absolute (relative to the config dir) */
static void
local_cf(struct buf *out)
{
	if (cf->sa_local_cf[0] == '\0')
		return;
	if (cf->sa_local_cf[0] != '/')
		buf_addf(out, "%s/", cf->config_directory);
	buf_adds(out, cf->sa_local_cf);
}

/*
 * modules - open what the score sets beyond 0 need: the Bayes store
 * (use_bayes), the resolver and DNS lists, Pyzor (spam_network_tests,
 * use_pyzor, pyzor_servers); a module that cannot start is logged and
 * left out, the rest still works.  Returns the score set to use.
 */
static int
modules(struct saconf *sc, struct check_opts *o)
{
	const struct saconf_settings *st = saconf_settings(sc);
	struct buf err = BUF_INIT;
	int set = 0;

	if (st->use_bayes && cf->bayes_directory[0]) {
		if ((bayes = bayes_open(cf->bayes_directory, st, 0,
		    &err)) == NULL)
			log_warn("Bayes off: %s: %s", cf->bayes_directory,
			    buf_str(&err));
		else
			set |= 2;
	}
	if (cf->spam_network_tests) {
		buf_reset(&err);
		dnsbl = dnsbl_conf_new(sc);
		if ((dns = dns_new(cf->dns_servers, (double)cf->dns_timeout,
		    &err)) == NULL)
			log_warn("DNS lists off: dns_servers \"%s\": %s",
			    cf->dns_servers, buf_str(&err));
		buf_reset(&err);
		if (st->use_pyzor && cf->pyzor_servers[0] &&
		    (pyzor = pyzor_conf_new(cf->pyzor_servers,
		    (double)cf->pyzor_timeout, st, &err)) == NULL)
			log_warn("Pyzor off: pyzor_servers \"%s\": %s",
			    cf->pyzor_servers, buf_str(&err));
		else if (pyzor && pyzor_conf_resolved(pyzor) == 0)
			log_warn("Pyzor: no server name of \"%s\" resolves "
			    "yet; PYZOR_CHECK cannot hit until one does",
			    cf->pyzor_servers);
		if (dns || pyzor)
			set |= 1;
	}
	o->bayes = bayes;
	o->dns = dns;
	o->dnsbl = dns ? dnsbl : NULL;
	o->pyzor = pyzor;
	o->dns_timeout = (double)cf->dns_timeout;
	o->pyzor_timeout = (double)cf->pyzor_timeout;
	buf_free(&err);
	return set;
}

/* load - read and compile the rules; fatal when there are none */
static void
load(void)
{
	struct buf lc = BUF_INIT, err = BUF_INIT;
	struct check_opts o;
	struct saconf *sc;
	const char *rules = cf->sa_rules_directory;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (has_cf(cf->sa_update_directory))
		rules = cf->sa_update_directory;
	local_cf(&lc);
	if (lc.len && access(buf_str(&lc), R_OK) < 0) {
		if (errno != ENOENT)
			log_warn("%s: %m: the site's settings are not read",
			    buf_str(&lc));
		buf_reset(&lc);
	}
	sc = sarules_load(rules, cf->sa_site_directory,
	    lc.len ? buf_str(&lc) : NULL, &err);
	if (sc == NULL)
		log_fatal("cannot load the rules: %s", buf_str(&err));
	if (err.len)
		log_warn("%s", buf_str(&err));
	memset(&o, 0, sizeof(o));
	o.score_set = modules(sc, &o);
	o.match_limit = (uint32_t)cf->regex_match_limit;
	o.depth_limit = (uint32_t)cf->regex_match_limit;
	o.time_budget = (double)cf->score_time_limit;
	chk = check_new(sc, &o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		struct saconf_summary s;

		saconf_summary(sc, &s);
		log_info("rules from %s%s%s: %d active, %d disabled, score "
		    "set %d (Bayes %s, network tests %s), loaded in %.0f ms",
		    rules, lc.len ? " and " : "",
		    buf_str(&lc), s.active[SA_HEADER] + s.active[SA_BODY] +
		    s.active[SA_RAWBODY] + s.active[SA_FULL] +
		    s.active[SA_URI] + s.active[SA_META] +
		    s.active[SA_MIMEHEADER] + s.active[SA_ASKDNS],
		    s.disabled[SA_HEADER] + s.disabled[SA_BODY] +
		    s.disabled[SA_RAWBODY] + s.disabled[SA_FULL] +
		    s.disabled[SA_URI] + s.disabled[SA_META] +
		    s.disabled[SA_MIMEHEADER] + s.disabled[SA_ASKDNS],
		    o.score_set, bayes ? "on" : "off", o.score_set & 1 ?
		    "on" : "off", (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	buf_free(&lc);
	buf_free(&err);
}

/* --------------------------------------------------------------- score */

/*
 * score - check msg (len bytes, of which only score_max_size are looked
 * at, cut at a line end)
 */
static void
score(const char *msg, size_t len, const char *env_from,
    struct check_result *r)
{
	struct check_env env;
	size_t max = (size_t)cf->score_max_size;
	int cut = 0;

	if (len > max) {
		/* at a line end in the last quarter, else in the line (a
		 * megabyte line must not leave only the header to score) */
		const char *nl = memrchr(msg + max - max / 4, '\n', max / 4);

		len = nl ? (size_t)(nl - msg) + 1 : max;
		cut = 1;
	}
	memset(&env, 0, sizeof(env));
	env.env_from = env_from;
	memset(r, 0, sizeof(*r));
	check_message(chk, msg, len, &env, r);
	if (cut)
		r->flags |= CHECK_TRUNCATED;
}

/*
 * learn_now - what auto-learn decided for a scored message, done after
 * the answer went out (the client does not wait for it)
 */
static void
learn_now(const char *id, const char *msg, size_t len,
    const struct check_result *r)
{
	struct msgtext mt;
	int spam = r->autolearn == CHECK_AL_SPAM, rc;

	if (bayes == NULL || (r->autolearn != CHECK_AL_SPAM &&
	    r->autolearn != CHECK_AL_HAM))
		return;
	if (len > (size_t)cf->score_max_size)
		len = (size_t)cf->score_max_size;
	msgtext_parse(&mt, msg, len);
	rc = bayes_learn(bayes, &mt, msg, len, spam);
	msgtext_free(&mt);
	if (rc < 0)
		log_warn("%s: auto-learn as %s failed", id, spam ? "spam" :
		    "ham");
	else
		log_info("%s: auto-learned as %s%s", id, spam ? "spam" : "ham",
		    rc == BAYES_ALREADY ? " (known already)" :
		    rc == BAYES_MOVED ? " (moved from the other class)" : "");
}

/* points - a score as amavisd-new shows it: %.3f without trailing zeros */
static void
points(struct buf *out, double v)
{
	char s[64];
	size_t n;

	snprintf(s, sizeof(s), "%.3f", v);
	n = strlen(s);
	while (n > 0 && s[n - 1] == '0')
		n--;
	if (n > 0 && s[n - 1] == '.')
		n--;
	s[n] = '\0';
	buf_adds(out, strcmp(s, "-0") == 0 ? "0" : s);
}

/* tests_points - "NAME=PTS,NAME=PTS" of a result */
static void
tests_points(struct buf *out, const struct check_result *r)
{
	const struct saconf_rule *rule;
	int i;

	for (i = 0; i < r->nhit; i++) {
		rule = saconf_rule_at(check_conf(chk), (size_t)r->hit[i].rule);
		if (i)
			buf_addc(out, ',');
		buf_addf(out, "%s=", rule->name);
		points(out, r->hit[i].score);
	}
}

/* ------------------------------------------------------- qmgr protocol */

/* read_region - the message's bytes from the queue file, NULL on error */
static char *
read_region(int fd, long long off, long long len, size_t *got)
{
	size_t want = (size_t)len, done = 0;
	char *p;
	ssize_t n;

	if ((unsigned long long)len > (size_t)cf->score_max_size + 1)
		want = (size_t)cf->score_max_size + 1;	/* score() cuts */
	p = xmalloc(want + 1);
	while (done < want) {
		n = pread(fd, p + done, want - done, off + (long long)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			xfree(p);
			return NULL;
		}
		done += (size_t)n;
	}
	p[done] = '\0';
	*got = done;
	return p;
}

/* send_rules - the rule summary and the disabled rules, a line a packet */
static void
send_rules(int fd)
{
	struct buf text = BUF_INIT;
	struct ipc_msg m;
	const char *p, *nl;

	saconf_summary_format(check_conf(chk), &text);
	check_disabled_format(chk, &text);
	for (p = buf_str(&text); *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		ipc_msg_init(&m);
		ipc_add(&m, "status", "ok");
		ipc_addf(&m, "text", "%.*s", (int)(nl ? nl - p : (long)strlen(p)),
		    p);
		if (ipc_send(fd, &m, -1) < 0) {
			ipc_msg_free(&m);
			buf_free(&text);
			return;
		}
		ipc_msg_free(&m);
	}
	ipc_msg_init(&m);
	ipc_add(&m, "end", "1");
	(void)ipc_send(fd, &m, -1);
	ipc_msg_free(&m);
	buf_free(&text);
}

/* serve_qmgr - one request of qmgr (or mailsiftctl), then close */
static void
serve_qmgr(int fd)
{
	struct ipc_msg m, a;
	struct check_result r;
	struct buf t = BUF_INIT;
	const char *req, *id;
	long long off, len;
	size_t got;
	char *msg;
	int qfd;

	ipc_msg_init(&m);
	ipc_msg_init(&a);
	if (ipc_recv(fd, &m, REQUEST_WAIT_MS) != 1)
		goto done;
	req = ipc_get(&m, "request");
	if (req && strcmp(req, "rules") == 0) {
		send_rules(fd);
		goto done;
	}
	id = ipc_get(&m, "id");
	qfd = ipc_take_fd(&m);
	if (req == NULL || strcmp(req, "score") != 0 || id == NULL ||
	    qfd < 0 || ipc_getl(&m, "off", &off) < 0 ||
	    ipc_getl(&m, "len", &len) < 0 || off < 0 || len < 0) {
		log_warn("bad request from a client of private/scorer");
		ipc_add(&a, "status", "fail");
		ipc_add(&a, "reason", "bad request");
		(void)ipc_send(fd, &a, -1);
		if (qfd >= 0)
			close(qfd);
		goto done;
	}
	msg = read_region(qfd, off, len, &got);
	close(qfd);
	if (msg == NULL) {
		log_warn("%s: cannot read the queue file: %m", id);
		ipc_add(&a, "status", "fail");
		ipc_add(&a, "reason", "cannot read the queue file");
		(void)ipc_send(fd, &a, -1);
		goto done;
	}
	score(msg, got, ipc_get(&m, "from"), &r);
	tests_points(&t, &r);
	ipc_add(&a, "status", "ok");
	ipc_addf(&a, "score", "%.3f", r.score);
	ipc_addf(&a, "required", "%.3f", r.required);
	ipc_add(&a, "tests", buf_str(&t));
	ipc_addl(&a, "flags", r.flags);
	ipc_addl(&a, "ms", (long long)(r.elapsed * 1000));
	ipc_add(&a, "autolearn", check_autolearn_name(r.autolearn));
	if (r.bayes >= 0)
		ipc_addf(&a, "bayes", "%.4f", r.bayes);
	if (r.flags & (CHECK_TIMEOUT | CHECK_RULE_ABORTED))
		log_warn("%s: %s%s%d rules stopped at their match limit", id,
		    r.flags & CHECK_TIMEOUT ? "score_time_limit reached, "
		    "rules skipped; " : "", "", r.aborted);
	log_info("%s: score=%.3f required=%.1f tests=%s autolearn=%s "
	    "(%.0f ms%s%s)", id, r.score, r.required, t.len ? buf_str(&t) :
	    "none", check_autolearn_name(r.autolearn), r.elapsed * 1000,
	    r.flags & CHECK_TRUNCATED ? ", first score_max_size bytes" : "",
	    r.flags & CHECK_NET_TIMEOUT ? ", some network tests timed "
	    "out" : "");
	if (ipc_send(fd, &a, -1) < 0)
		log_warn("%s: cannot answer qmgr: %m", id);
	else
		learn_now(id, msg, got, &r);
	pyzor_conf_refresh(pyzor);
	xfree(msg);
	check_result_free(&r);
done:
	buf_free(&t);
	ipc_msg_free(&m);
	ipc_msg_free(&a);
}

/* ------------------------------------------------------ spamd protocol */

/* stars - SpamAssassin's _STARS(*)_: one per whole point, at most 50 */
static void
stars(struct buf *out, double s)
{
	int i, n = s < 0 ? 0 : s > 50 ? 50 : (int)s;

	for (i = 0; i < n; i++)
		buf_addc(out, '*');
}

/* fold_tests - "A,B,C" folded as SpamAssassin folds X-Spam-Status */
static void
status_header(struct buf *out, const struct check_result *r)
{
	struct buf tests = BUF_INIT, line = BUF_INIT;
	const char *p, *comma;
	size_t col;

	check_tests_string(chk, r, &tests);
	buf_adds(&line, r->is_spam ? "Yes" : "No");
	buf_adds(&line, ", score=");
	spamd_score_str(&line, r->score, r->required, r->is_spam);
	buf_addf(&line, " required=%.1f tests=", r->required);
	buf_adds(out, "X-Spam-Status: ");
	col = strlen("X-Spam-Status: ");
	buf_adds(out, buf_str(&line));
	col += line.len;
	if (tests.len == 0)
		buf_adds(&tests, "none");
	/* words of the tests list and the rest, wrapped at 78 columns */
	for (p = buf_str(&tests); *p; p = comma ? comma + 1 : p + strlen(p)) {
		size_t n;

		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) + 1 : strlen(p);
		if (col + n > 78 && col > 0 && p != buf_str(&tests)) {
			buf_adds(out, "\n\t");
			col = 8;
		}
		buf_add(out, p, n);
		col += n;
	}
	{
		char al[32];
		const char *tail[] = { al, "version=" SA_VERSION_STR };
		size_t k;

		snprintf(al, sizeof(al), "autolearn=%s",
		    check_autolearn_name(r->autolearn));
		for (k = 0; k < 2; k++) {
			if (col + 1 + strlen(tail[k]) > 78) {
				buf_adds(out, "\n\t");
				col = 8;
			} else {
				buf_addc(out, ' ');
				col++;
			}
			buf_adds(out, tail[k]);
			col += strlen(tail[k]);
		}
	}
	buf_adds(out, "\n");
	buf_free(&tests);
	buf_free(&line);
}

/* report - the "Content analysis details" table of REPORT */
static void
report(struct buf *out, const struct check_result *r)
{
	const struct saconf_rule *rule;
	char pts[32];
	int i;

	buf_addf(out, "This message was scored by mailsift on %s.\n\n",
	    hostname);
	buf_addf(out, "Content analysis details:   (%.1f points, %.1f "
	    "required)\n\n", r->score, r->required);
	buf_adds(out, " pts rule name              description\n"
	    "---- ---------------------- ---------------------------------"
	    "-----------------\n");
	for (i = 0; i < r->nhit; i++) {
		rule = saconf_rule_at(check_conf(chk), (size_t)r->hit[i].rule);
		snprintf(pts, sizeof(pts), "%.1f", r->hit[i].score);
		if (strlen(pts) > 4)
			snprintf(pts, sizeof(pts), "%.0f", r->hit[i].score);
		buf_addf(out, "%4s %-22s %s\n", pts, rule->name,
		    rule->describe ? rule->describe : "");
	}
}

/* is_kept - a field a report_safe wrapper keeps from the original */
static int
is_kept(const char *p, size_t n)
{
	static const char *const keep[] = {
		"From:", "To:", "Cc:", "Subject:", "Date:", "Message-ID:",
		"Return-Path:", "Received:", "Reply-To:", NULL
	};
	size_t i, k;

	for (i = 0; keep[i]; i++) {
		k = strlen(keep[i]);
		if (n >= k && strncasecmp(p, keep[i], k) == 0)
			return 1;
	}
	return 0;
}

/*
 * rewrite - the message as spamd returns it (PROCESS, HEADERS): the
 * sender's X-Spam-* fields removed, SpamAssassin's at the end of the
 * header, the subject tagged when spam.  Spam under report_safe 1 or 2
 * is wrapped: a new message with the report and the original attached
 * (message/rfc822, or text/plain for 2), so a mail client cannot run
 * anything in it by mistake.
 */
static void
rewrite(struct buf *out, const char *msg, size_t len,
    const struct check_result *r)
{
	const struct saconf_settings *set = saconf_settings(check_conf(chk));
	const char *p, *end = msg + len, *nl, *body;
	int dropping = 0, crlf = 0, wrap, kept = 0;
	struct buf h = BUF_INIT, x = BUF_INIT, rep = BUF_INIT;
	const char *eol;
	char boundary[64];

	wrap = r->is_spam && set->report_safe > 0;
	/* the header ends at the first empty line */
	body = NULL;
	for (p = msg; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			nl = end - 1;
			body = end;
			buf_add(&h, p, (size_t)(end - p));
			buf_addc(&h, '\n');
			break;
		}
		if (p == msg)
			crlf = nl > p && nl[-1] == '\r';
		if (nl == p || (nl == p + 1 && *p == '\r')) {
			body = p;
			break;
		}
		if (*p == ' ' || *p == '\t') {
			if (!dropping && (!wrap || kept))
				buf_add(&h, p, (size_t)(nl - p) + 1);
			continue;
		}
		dropping = strncasecmp(p, "X-Spam-", 7) == 0;
		kept = !wrap || is_kept(p, (size_t)(nl - p));
		if (dropping || !kept)
			continue;
		if (r->is_spam && set->subject_tag && *set->subject_tag &&
		    strncasecmp(p, "Subject:", 8) == 0) {
			const char *v = p + 8;

			while (v < nl && (*v == ' ' || *v == '\t'))
				v++;
			buf_addf(&h, "Subject: %s ", set->subject_tag);
			buf_add(&h, v, (size_t)(nl - v) + 1);
			continue;
		}
		buf_add(&h, p, (size_t)(nl - p) + 1);
	}
	if (body == NULL)
		body = end;
	eol = crlf ? "\r\n" : "\n";
	buf_add(out, h.data, h.len);
	/* our fields, LF-ended here, written with the message's line ends */
	buf_addf(&x, "X-Spam-Checker-Version: SpamAssassin %s (mailsift) on "
	    "%s\n", SA_VERSION_STR, hostname);
	if (r->is_spam)
		buf_adds(&x, "X-Spam-Flag: YES\n");
	buf_adds(&x, "X-Spam-Level: ");
	stars(&x, r->score);
	buf_adds(&x, "\n");
	status_header(&x, r);
	if (wrap) {
		snprintf(boundary, sizeof(boundary), "----------=_%lX.%X",
		    (unsigned long)time(NULL), (unsigned)getpid());
		buf_addf(&x, "MIME-Version: 1.0\nContent-Type: multipart/mixed;"
		    " boundary=\"%s\"\n", boundary);
	}
	for (p = buf_str(&x); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		buf_add(out, p, (size_t)(nl - p));
		buf_adds(out, eol);
	}
	if (!wrap) {
		buf_add(out, body, (size_t)(end - body));
		goto done;
	}
	/* the wrapper: a report part, then the original as it came */
	report(&rep, r);
	buf_addf(out, "%sThis is a multi-part message in MIME format.%s%s",
	    eol, eol, eol);
	buf_addf(out, "--%s%sContent-Type: text/plain; charset=utf-8%s"
	    "Content-Disposition: inline%sContent-Transfer-Encoding: 8bit%s%s",
	    boundary, eol, eol, eol, eol, eol);
	for (p = buf_str(&rep); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		buf_add(out, p, (size_t)(nl - p) + (*nl != '\n'));
		buf_adds(out, eol);
	}
	buf_addf(out, "%s--%s%s", eol, boundary, eol);
	if (set->report_safe == 2)
		buf_addf(out, "Content-Type: text/plain; x-spam-type=original%s",
		    eol);
	else
		buf_addf(out, "Content-Type: message/rfc822; "
		    "x-spam-type=original%s", eol);
	buf_addf(out, "Content-Description: original message before "
	    "mailsift%sContent-Disposition: %s%sContent-Transfer-Encoding: "
	    "8bit%s%s", eol, set->report_safe == 2 ? "attachment" : "inline",
	    eol, eol, eol);
	buf_add(out, msg, len);
	if (len && msg[len - 1] != '\n')
		buf_adds(out, eol);
	buf_addf(out, "%s--%s--%s", eol, boundary, eol);
done:
	buf_free(&h);
	buf_free(&x);
	buf_free(&rep);
}

/* write_all - the whole reply, or give up */
static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/*
 * tell - spamc -L/-C: learn (Set: local) or forget (Remove: local) in
 * the Bayes store; Set: remote reports a spam to Pyzor.  DidSet and
 * DidRemove name what changed, as spamd says them.
 */
static void
tell(struct buf *out, const struct spamd_request *req, const struct buf *msg)
{
	const char *m = msg->data ? msg->data : "";
	size_t len = msg->len;
	struct msgtext mt;
	int did_set = 0, did_remove = 0, rc;

	if (bayes == NULL && (req->set & SPAMD_TELL_LOCAL ||
	    req->remove & SPAMD_TELL_LOCAL)) {
		spamd_reply_fail(out, SPAMD_EX_UNAVAILABLE, "TELL: no Bayes "
		    "store (use_bayes 0, or bayes_directory unusable)");
		return;
	}
	if (len > (size_t)cf->score_max_size)
		len = (size_t)cf->score_max_size;
	msgtext_parse(&mt, m, len);
	if (req->set & SPAMD_TELL_LOCAL) {
		rc = bayes_learn(bayes, &mt, m, len,
		    req->msgclass == SPAMD_CLASS_SPAM);
		if (rc == BAYES_LEARNED || rc == BAYES_MOVED)
			did_set |= SPAMD_TELL_LOCAL;
		log_info("spamd: TELL: %s as %s", rc < 0 ? "failed to learn" :
		    rc == BAYES_ALREADY ? "known already" : "learned",
		    req->msgclass == SPAMD_CLASS_SPAM ? "spam" : "ham");
	}
	if (req->remove & SPAMD_TELL_LOCAL) {
		rc = bayes_forget(bayes, &mt, m, len);
		if (rc == BAYES_LEARNED)
			did_remove |= SPAMD_TELL_LOCAL;
		log_info("spamd: TELL: %s", rc < 0 ? "failed to forget" :
		    rc == BAYES_UNKNOWN ? "nothing to forget" : "forgotten");
	}
	msgtext_free(&mt);
	if ((req->set & SPAMD_TELL_REMOTE) && pyzor &&
	    req->msgclass == SPAMD_CLASS_SPAM) {
		char digest[41];
		struct pyzor_query *q;
		struct timespec ts;
		long count, wl;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (pyzor_digest(m, len, digest) == 0 &&
		    (q = pyzor_start(pyzor, "report", digest)) != NULL) {
			pyzor_wait(q, (double)ts.tv_sec + (double)ts.tv_nsec /
			    1e9 + (double)cf->pyzor_timeout);
			if (pyzor_result(q, &count, &wl, NULL) > 0)
				did_set |= SPAMD_TELL_REMOTE;
			pyzor_free(q);
		}
	}
	spamd_reply_tell(out, did_set, did_remove);
}

/* spamd_answer - score the message and write the reply */
static void
spamd_answer(int fd, const struct spamd_request *req, const struct buf *msg)
{
	struct buf out = BUF_INIT, text = BUF_INIT;
	struct check_result r;

	switch (req->method) {
	case SPAMD_PING:
		spamd_reply_pong(&out);
		break;
	case SPAMD_SKIP:
		break;
	case SPAMD_TELL:
		tell(&out, req, msg);
		break;
	default:
		score(msg->data ? msg->data : "", msg->len, NULL, &r);
		if (req->method == SPAMD_SYMBOLS)
			check_tests_string(chk, &r, &text);
		else if (req->method == SPAMD_REPORT ||
		    req->method == SPAMD_REPORT_IFSPAM)
			report(&text, &r);
		else if (req->method == SPAMD_PROCESS ||
		    req->method == SPAMD_HEADERS)
			rewrite(&text, msg->data ? msg->data : "",
			    msg->len, &r);
		spamd_reply_result(&out, req, r.is_spam, r.score, r.required,
		    text.data ? text.data : "", text.len);
		log_info("spamd: %s: score=%.3f required=%.1f autolearn=%s "
		    "(%.0f ms)", spamd_method_name(req->method), r.score,
		    r.required, check_autolearn_name(r.autolearn),
		    r.elapsed * 1000);
		write_all(fd, out.data ? out.data : "", out.len);
		buf_reset(&out);
		learn_now("spamd", msg->data ? msg->data : "", msg->len, &r);
		check_result_free(&r);
		pyzor_conf_refresh(pyzor);
		break;
	}
	write_all(fd, out.data ? out.data : "", out.len);
	buf_free(&out);
	buf_free(&text);
}

/* serve_spamd - one spamc request */
static void
serve_spamd(int fd)
{
	struct spamd_decoder *d;
	struct spamd_request req;
	struct buf msg = BUF_INIT, out = BUF_INIT;
	char in[65536];
	const char *data;
	size_t dlen, used, off;
	ssize_t n;
	int rc = SPAMD_NEED_MORE, eof = 0;
	struct pollfd pfd;

	d = spamd_decoder_new((long long)cf->score_max_size * 20,
	    cf->spamd_allow_tell);
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(cf->spamd_timeout * 1000)) == 0) {
			log_warn("spamd: client silent for %llds",
			    cf->spamd_timeout);
			break;
		}
		n = read(fd, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = 1;
			rc = spamd_finish(d, &req);
		} else {
			for (off = 0; off < (size_t)n; off += used) {
				rc = spamd_feed(d, in + off, (size_t)n - off,
				    &used, &req, &data, &dlen);
				if (rc == SPAMD_DATA || rc == SPAMD_BODY_END)
					buf_add(&msg, data, dlen);
				if (rc == SPAMD_ERROR || rc == SPAMD_BODY_END ||
				    (rc == SPAMD_REQUEST && !req.has_body))
					break;
				if (used == 0 && rc == SPAMD_NEED_MORE)
					break;
			}
		}
		while (eof && (rc == SPAMD_DATA || rc == SPAMD_REQUEST) &&
		    req.has_body)
			rc = spamd_finish(d, &req);
		if (rc == SPAMD_ERROR) {
			spamd_reply_error(&out, d);
			log_info("spamd: request refused: %.*s", (int)strcspn(
			    buf_str(&out), "\r\n"), buf_str(&out));
			write_all(fd, out.data, out.len);
			break;
		}
		if (rc == SPAMD_BODY_END || (rc == SPAMD_REQUEST &&
		    !req.has_body) || (eof && req.method != SPAMD_NONE)) {
			spamd_answer(fd, &req, &msg);
			break;
		}
		if (eof)
			break;
	}
	spamd_decoder_free(d);
	buf_free(&msg);
	buf_free(&out);
}

/* ------------------------------------------------------------- service */

/* post_jail - which protocol, then the rules */
static void
post_jail(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(MASTER_LISTEN_FD, (struct sockaddr *)&ss, &sl) == 0)
		spamd_mode = ss.ss_family == AF_INET ||
		    ss.ss_family == AF_INET6;
	if (gethostname(hostname, sizeof(hostname) - 1) < 0)
		strlcpy(hostname, "localhost", sizeof(hostname));
	if (cf->myhostname[0])
		strlcpy(hostname, cf->myhostname, sizeof(hostname));
	load();
}

/* on_client - one client, in the protocol of our listener */
static void
on_client(int fd)
{
	if (spamd_mode)
		serve_spamd(fd);
	else
		serve_qmgr(fd);
}

int
main(int argc, char **argv)
{
	static const struct skel_service svc = {
		.name = "scorer",
		.shape = SKEL_SINGLE,
		.post_jail = post_jail,
		.on_client = on_client,
	};
	int rc;

	rc = skel_main(argc, argv, &svc);
	if (chk) {
		struct saconf *sc = check_conf(chk);

		check_free(chk);
		saconf_free(sc);
	}
	if (dns)
		dns_free(dns);
	if (dnsbl)
		dnsbl_conf_free(dnsbl);
	if (pyzor)
		pyzor_conf_free(pyzor);
	if (bayes)
		bayes_close(bayes);
	return rc;
}
