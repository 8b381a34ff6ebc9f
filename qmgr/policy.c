/*
 * policy.c - what happens to a message once the scanner and the scorer
 * have spoken: its content category (VIRUS > BANNED > UNCHECKED > SPAM
 * > CLEAN; SPAM is a score of sa_kill_level or more), each
 * recipient's destiny (pass, discard, bounce, reject, tempfail, from
 * final_*_destiny and the bypass lists), the SMTP replies of blocked
 * recipients in amavisd-new's words, the header lines added to what is
 * delivered, the quarantine copy and the virus_admin notice.
 *
 * Exports policy_init, policy_all_bypass, policy_apply,
 * policy_headers, policy_sender_listed.  The spam headers and levels are
 * amavisd-new's (sa_tag_level: X-Spam-Status, -Score, -Level, -Flag;
 * sa_tag2_level: spam, "Yes" and the subject tag; sa_kill_level:
 * final_spam_destiny; sa_dsn_cutoff_level: no bounce above it).  Inputs: the job and the scanner's verdict; the
 * virus name and banned reason come from hostile mail and are cleaned
 * (printable ASCII, bounded) before they reach a reply or a header.
 * Runs in qmgr's event loop; the quarantine copy is the only disk work
 * (rare: infected mail).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config.h"
#include "hdredit.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"

#define NAME_MAX_LEN	200	/* of a virus name or reason in a reply */

static const char *const destiny_names[] = {
	"pass", "discard", "bounce", "reject", "tempfail",
};

/* destiny - parse a destiny name (also amavisd-new's D_PASS...); -1 bad */
static int
destiny(const char *s)
{
	size_t i;

	if (strncasecmp(s, "D_", 2) == 0)
		s += 2;
	for (i = 0; i < sizeof(destiny_names) / sizeof(destiny_names[0]); i++)
		if (strcasecmp(s, destiny_names[i]) == 0)
			return (int)i;
	return -1;
}

static pcre2_code *fake_re;	/* viruses_that_fake_sender, compiled */

/* amavisd-new's spam levels; an empty parameter is "undefined" */
struct level {
	const char	*name;
	double		 v;
	int		 set;
};
static struct level tag_level = { "sa_tag_level", 0, 0 };
static struct level tag2_level = { "sa_tag2_level", 0, 0 };
static struct level kill_level = { "sa_kill_level", 0, 0 };
static struct level dsn_cutoff = { "sa_dsn_cutoff_level", 0, 0 };

/* parse_level - a level parameter; -1 with why */
static int
parse_level(struct level *l, const char *value, struct buf *why)
{
	char *end;

	l->set = 0;
	if (*value == '\0')
		return 0;
	l->v = strtod(value, &end);
	if (end == value || *end != '\0') {
		buf_addf(why, "parameter %s: bad value \"%s\" (a score such as "
		    "6.31 expected, or empty)", l->name, value);
		return -1;
	}
	l->set = 1;
	return 0;
}

/* reached - does score s reach level l (an undefined one never)? */
static int
reached(const struct level *l, double s)
{
	return l->set && s >= l->v;
}

/*
 * policy_init - check the destinies and compile viruses_that_fake_sender;
 * -1 with why
 */
int
policy_init(struct buf *why)
{
	const struct {
		const char *name, *value;
	} p[] = {
		{ "final_virus_destiny", cf->final_virus_destiny },
		{ "final_banned_destiny", cf->final_banned_destiny },
		{ "final_unchecked_destiny", cf->final_unchecked_destiny },
		{ "final_spam_destiny", cf->final_spam_destiny },
	};
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE at;
	size_t i;
	int err;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (destiny(p[i].value) < 0) {
			buf_addf(why, "parameter %s: bad value \"%s\" (pass, "
			    "discard, bounce, reject or tempfail expected)",
			    p[i].name, p[i].value);
			return -1;
		}
	if (parse_level(&tag_level, cf->sa_tag_level, why) < 0 ||
	    parse_level(&tag2_level, cf->sa_tag2_level, why) < 0 ||
	    parse_level(&kill_level, cf->sa_kill_level, why) < 0 ||
	    parse_level(&dsn_cutoff, cf->sa_dsn_cutoff_level, why) < 0)
		return -1;
	if (cf->viruses_that_fake_sender[0] == '\0')
		return 0;
	fake_re = pcre2_compile((PCRE2_SPTR)cf->viruses_that_fake_sender,
	    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &err, &at, NULL);
	if (fake_re == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		buf_addf(why, "parameter viruses_that_fake_sender: %s at "
		    "offset %zu", (char *)msg, (size_t)at);
		return -1;
	}
	return 0;
}

/* fakes_sender - does this virus forge its sender (no DSN then)? */
static int
fakes_sender(const char *name)
{
	pcre2_match_data *md;
	int rc;

	if (fake_re == NULL || name == NULL)
		return 0;
	md = pcre2_match_data_create_from_pattern(fake_re, NULL);
	rc = pcre2_match(fake_re, (PCRE2_SPTR)name, strlen(name), 0, 0, md,
	    NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/* listed - is addr in list (user@domain, @domain, domain, or "." for all)? */
static int
listed(const char *addr, const char *list)
{
	char **v;
	const char *at = strrchr(addr, '@');
	int i, hit = 0;

	if (list == NULL || *list == '\0')
		return 0;
	v = config_split(list, NULL);
	for (i = 0; v[i] && !hit; i++) {
		if (strcmp(v[i], ".") == 0)
			hit = 1;	/* every recipient, as amavisd-new's qw(.) */
		else if (v[i][0] == '@')
			hit = at && strcasecmp(at, v[i]) == 0;
		else if (strchr(v[i], '@'))
			hit = strcasecmp(addr, v[i]) == 0;
		else
			hit = at && strcasecmp(at + 1, v[i]) == 0;
	}
	config_split_free(v);
	return hit;
}

/* policy_all_bypass - do all recipients of j bypass this check? */
int
policy_all_bypass(const struct job *j, const char *list)
{
	int i;

	if (list == NULL || *list == '\0')
		return 0;
	for (i = 0; i < j->env.nrcpt; i++)
		if (!listed(j->env.rcpt[i].addr, list))
			return 0;
	return 1;
}

/* policy_sender_listed - is j's envelope sender in list? (not <>) */
int
policy_sender_listed(const struct job *j, const char *list)
{
	return j->env.sender && *j->env.sender && listed(j->env.sender, list);
}

/* is_spam_for - does recipient i get j as spam (sa_kill_level)? */
static int
is_spam_for(const struct job *j, int i)
{
	return j->spam_scored && reached(&kill_level, j->spam_score) &&
	    !listed(j->env.rcpt[i].addr, cf->bypass_spam_checks);
}

/* clean - a hostile name made fit for a reply or a header */
static void
clean(struct buf *out, const char *s)
{
	size_t n = 0;

	for (; s && *s && n < NAME_MAX_LEN; s++, n++)
		buf_addc(out, (unsigned char)*s >= 0x20 &&
		    (unsigned char)*s < 0x7f ? *s : '?');
	if (s && *s)
		buf_adds(out, "...");
}

/* what - "VIRUS: NAME", "BANNED: REASON" or "UNCHECKED: WHY" */
static void
what(struct buf *out, const struct job *j)
{
	switch (j->verdict) {
	case V_VIRUS:
		buf_adds(out, "VIRUS: ");
		clean(out, j->verdict_name ? j->verdict_name : "unknown");
		break;
	case V_BANNED:
		buf_adds(out, "BANNED: ");
		clean(out, j->verdict_name ? j->verdict_name : "attachment");
		break;
	case V_UNCHECKED:
		buf_adds(out, "UNCHECKED: ");
		clean(out, j->verdict_why ? j->verdict_why : "not scanned");
		break;
	default:
		buf_adds(out, "CLEAN");
		break;
	}
}

/* rcpt_category - the verdict as it applies to recipient i */
static enum verdict
rcpt_category(const struct job *j, int i)
{
	const char *a = j->env.rcpt[i].addr;

	switch (j->verdict) {
	case V_VIRUS:
		return listed(a, cf->bypass_virus_checks) ? V_CLEAN : V_VIRUS;
	case V_BANNED:
		return listed(a, cf->bypass_banned_checks) ? V_CLEAN :
		    V_BANNED;
	case V_UNCHECKED:
		return listed(a, cf->bypass_virus_checks) &&
		    listed(a, cf->bypass_banned_checks) ? V_CLEAN :
		    V_UNCHECKED;
	default:
		return V_CLEAN;
	}
}

/*
 * policy_apply - the stages are done: decide each recipient's fate.
 * Blocked recipients get their reply now and are not delivered.
 * Returns how many recipients are left to deliver.  -1: the quarantine
 * copy could not be written, so nothing may be discarded: every blocked
 * recipient was turned into a 451.
 */
int
policy_apply(struct job *j)
{
	struct buf w = BUF_INIT, r = BUF_INIT, ws = BUF_INIT;
	int i, d, left = 0, keep = 0, fake_logged = 0, blocked, *which;
	int spam = 0, spam_blocked = 0, dsn_logged = 0;
	enum verdict cat;
	const char *dname, *reason;

	which = xcalloc((size_t)j->env.nrcpt, sizeof(int));
	what(&w, j);
	if (j->spam_scored)
		buf_addf(&ws, "SPAM, score=%.3f", j->spam_score);
	for (i = 0; i < j->env.nrcpt; i++) {
		j->pol[i] = D_PASS;
		if (j->suppressed[i])
			continue;
		cat = rcpt_category(j, i);
		dname = cat == V_VIRUS ? cf->final_virus_destiny :
		    cat == V_BANNED ? cf->final_banned_destiny :
		    cat == V_UNCHECKED ? cf->final_unchecked_destiny : "pass";
		d = cat == V_CLEAN ? D_PASS : destiny(dname);
		reason = buf_str(&w);
		if (cat == V_CLEAN && is_spam_for(j, i)) {
			spam++;
			d = destiny(cf->final_spam_destiny);
			reason = buf_str(&ws);
			if (d == D_BOUNCE && reached(&dsn_cutoff,
			    j->spam_score)) {
				/* likely a forged sender: no backscatter */
				if (!dsn_logged++)
					log_info("%s: spam scoring %.3f >= "
					    "sa_dsn_cutoff_level: no DSN, "
					    "discarded", j->id, j->spam_score);
				d = D_DISCARD;
			}
			spam_blocked += d != D_PASS;
		}
		if (d < 0)
			d = D_TEMPFAIL;		/* checked at start: unreachable */
		if (d == D_BOUNCE && cat == V_VIRUS &&
		    fakes_sender(j->verdict_name)) {
			/* its sender is forged: a DSN would be backscatter */
			if (!fake_logged++)
				log_info("%s: %s forges senders: no DSN, "
				    "discarded", j->id, buf_str(&w));
			d = D_DISCARD;
		}
		j->pol[i] = d;
		if (d == D_PASS) {
			left++;
			continue;
		}
		buf_reset(&r);
		switch (d) {
		case D_DISCARD:
			buf_addf(&r, "250 2.7.1 Ok, discarded, id=%s - %s",
			    j->id, reason);
			keep = which[i] = 1;
			break;
		case D_BOUNCE:
		case D_REJECT:
			buf_addf(&r, "550 5.7.1 Message content rejected, id=%s "
			    "- %s", j->id, reason);
			if (d == D_BOUNCE)
				keep = which[i] = 1;
			break;
		default:
			buf_addf(&r, "451 4.5.0 Error in processing, id=%s - %s",
			    j->id, reason);
			break;
		}
		xfree(j->reply[i]);
		j->reply[i] = xstrdup(buf_str(&r));
	}
	if (j->verdict == V_VIRUS)
		qmgr_stat_count("viruses");
	else if (j->verdict == V_BANNED)
		qmgr_stat_count("banned");
	else if (j->verdict == V_UNCHECKED)
		qmgr_stat_count("unchecked");
	if (j->verdict == V_VIRUS || j->verdict == V_BANNED ||
	    j->verdict == V_UNCHECKED)
		log_info("%s: %s, %d of %d recipients pass", j->id,
		    buf_str(&w), left, j->env.nrcpt);
	if (j->spam_scored)
		qmgr_stat_count(reached(&tag2_level, j->spam_score) ? "spam" :
		    "ham");
	if (spam_blocked)
		qmgr_stat_count("spam_blocked");
	if (spam) {
		log_info("%s: %s >= sa_kill_level for %d recipients: %s",
		    j->id, buf_str(&ws), spam, cf->final_spam_destiny);
	}
	if (keep && cf->quarantine && quarantine_store(j, which,
	    j->verdict != V_CLEAN ? buf_str(&w) : buf_str(&ws)) < 0) {
		/* without the copy a discard would lose the message */
		for (i = 0; i < j->env.nrcpt; i++) {
			if (!which[i])
				continue;
			j->pol[i] = D_TEMPFAIL;
			xfree(j->reply[i]);
			j->reply[i] = xstrdup("451 4.3.0 Error: cannot write "
			    "the quarantine copy");
		}
		left = -1;
	}
	for (blocked = 0, i = 0; i < j->env.nrcpt; i++)
		blocked |= j->pol[i] == D_DISCARD || j->pol[i] == D_BOUNCE ||
		    j->pol[i] == D_REJECT;
	if (blocked && left >= 0 && cf->virus_admin[0] &&
	    (j->verdict == V_VIRUS || j->verdict == V_BANNED))
		notify_admin(j, buf_str(&w), keep && cf->quarantine);
	xfree(which);
	buf_free(&w);
	buf_free(&ws);
	buf_free(&r);
	return left;
}

/*
 * edit_header - append the message's header with tag (or NULL) in front
 * of its Subject and without the fields starting with strip (or NULL);
 * the length of the original header it replaces, or 0 when it cannot be
 * edited (too long, cut short, unreadable: mail passes as is)
 */
static long long
edit_header(const struct job *j, const char *tag, const char *strip,
    struct buf *out)
{
	size_t len = j->env.msg_len < HDR_EDIT_MAX ? (size_t)j->env.msg_len :
	    HDR_EDIT_MAX, skip = 0;
	struct buf t = BUF_INIT;
	char *p = xmalloc(len + 1);
	ssize_t n;

	n = pread(j->queue_fd, p, len, j->env.msg_off);
	if (tag) {
		buf_adds(&t, tag);
		buf_addc(&t, ' ');	/* mailsift.cf values lose a last blank */
	}
	if (n != (ssize_t)len || hdr_edit(p, len, tag ? buf_str(&t) : NULL,
	    strip, out, &skip) < 0) {
		log_warn("%s: header not editable: no subject tag, X-Spam "
		    "fields of the sender kept", j->id);
		skip = 0;
	}
	xfree(p);
	buf_free(&t);
	return (long long)skip;
}

/* points - a score as amavisd-new writes it: %.3f, no trailing zeros */
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

/* fold - add word to a header being built, folding before 78 columns */
static void
fold(struct buf *out, size_t *col, const char *word, size_t n)
{
	if (*col + 1 + n > 78) {
		buf_adds(out, "\r\n ");
		*col = 1;
	} else {
		buf_addc(out, ' ');
		(*col)++;
	}
	buf_add(out, word, n);
	*col += n;
}

/*
 * spam_headers - amavisd-new's X-Spam-* lines when j's score reaches
 * sa_tag_level (or it is undefined); returns 1 when the score reaches
 * sa_tag2_level (spam: the subject is tagged)
 */
static int
spam_headers(const struct job *j, struct buf *out)
{
	struct buf t = BUF_INIT;
	const char *p, *c;
	size_t col;
	int spam, i, n;

	if (!j->spam_scored || (tag_level.set &&
	    j->spam_score < tag_level.v))
		return 0;
	spam = reached(&tag2_level, j->spam_score);
	buf_addf(out, "X-Spam-Flag: %s\r\n", spam ? "YES" : "NO");
	buf_adds(out, "X-Spam-Score: ");
	points(out, j->spam_score);
	buf_adds(out, "\r\nX-Spam-Level: ");
	n = j->spam_score < 0 ? 0 : j->spam_score > 64 ? 64 :
	    (int)j->spam_score;
	for (i = 0; i < n; i++)
		buf_addc(out, '*');
	buf_adds(out, "\r\nX-Spam-Status: ");
	buf_adds(out, spam ? "Yes," : "No,");
	col = strlen("X-Spam-Status: No,") + spam;
	buf_adds(&t, "score=");
	points(&t, j->spam_score);
	fold(out, &col, t.data, t.len);
	if (tag_level.set) {
		buf_reset(&t);
		buf_adds(&t, "tagged_above=");
		points(&t, tag_level.v);
		fold(out, &col, t.data, t.len);
	}
	if (tag2_level.set) {
		buf_reset(&t);
		buf_adds(&t, "required=");
		points(&t, tag2_level.v);
		fold(out, &col, t.data, t.len);
	}
	/* tests=[A=1.2, B=0.5], each test a word */
	buf_reset(&t);
	buf_adds(&t, "tests=[");
	if (*j->spam_tests == '\0') {
		buf_adds(&t, "]");
		fold(out, &col, t.data, t.len);
	}
	for (p = j->spam_tests; *p; p = c ? c + 1 : p + strlen(p)) {
		c = strchr(p, ',');
		buf_add(&t, p, c ? (size_t)(c - p) : strlen(p));
		buf_addc(&t, c ? ',' : ']');
		fold(out, &col, t.data, t.len);
		buf_reset(&t);
	}
	buf_reset(&t);
	buf_addf(&t, "autolearn=%s", j->spam_autolearn[0] ?
	    j->spam_autolearn : "disabled");
	fold(out, &col, t.data, t.len);
	buf_adds(out, "\r\n");
	buf_free(&t);
	return spam;
}

/*
 * policy_headers - header lines for what is delivered, appended to out;
 * returns how many bytes of the message's own header out replaces (0:
 * none, out only adds lines)
 */
long long
policy_headers(const struct job *j, struct buf *out)
{
	struct buf w = BUF_INIT;
	const char *tag = NULL;
	long long skip = 0;
	int spam;

	if (j->scan_virus)
		buf_addf(out, "X-Virus-Scanned: %s\r\n", cf->x_header_line);
	switch (j->verdict) {
	case V_VIRUS:
		buf_adds(out, "X-Mailsift-Alert: INFECTED, message contains "
		    "virus: ");
		clean(&w, j->verdict_name);
		tag = cf->virus_subject_tag;
		break;
	case V_BANNED:
		buf_adds(out, "X-Mailsift-Alert: BANNED, message contains ");
		clean(&w, j->verdict_name);
		break;
	case V_UNCHECKED:
		buf_adds(out, "X-Mailsift-Alert: UNCHECKED, ");
		clean(&w, j->verdict_why);
		tag = cf->undecipherable_subject_tag;
		break;
	default:
		break;
	}
	if (j->verdict != V_CLEAN)
		buf_addf(out, "%s\r\n", buf_str(&w));
	buf_free(&w);
	spam = spam_headers(j, out);
	if ((tag == NULL || *tag == '\0') && spam &&
	    cf->sa_spam_modifies_subj && cf->sa_spam_subject_tag[0])
		tag = cf->sa_spam_subject_tag;
	if ((tag && *tag) || j->spam_scored)
		skip = edit_header(j, tag && *tag ? tag : NULL,
		    j->spam_scored ? "X-Spam-" : NULL, out);
	return skip;
}
