/*
 * policy.c - what happens to a message once the scanner has spoken:
 * its content category (VIRUS > BANNED > UNCHECKED > CLEAN), each
 * recipient's destiny (pass, discard, bounce, reject, tempfail, from
 * final_*_destiny and the bypass lists), the SMTP replies of blocked
 * recipients in amavisd-new's words, the header lines added to what is
 * delivered, the quarantine copy and the virus_admin notice.
 *
 * Exports policy_init, policy_all_bypass, policy_apply,
 * policy_headers.  Inputs: the job and the scanner's verdict; the
 * virus name and banned reason come from hostile mail and are cleaned
 * (printable ASCII, bounded) before they reach a reply or a header.
 * Runs in qmgr's event loop; the quarantine copy is the only disk work
 * (rare: infected mail).
 */

#include <stdio.h>
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
	struct buf w = BUF_INIT, r = BUF_INIT;
	int i, d, left = 0, keep = 0, fake_logged = 0, blocked, *which;
	enum verdict cat;
	const char *dname;

	which = xcalloc((size_t)j->env.nrcpt, sizeof(int));
	what(&w, j);
	for (i = 0; i < j->env.nrcpt; i++) {
		j->pol[i] = D_PASS;
		if (j->suppressed[i])
			continue;
		cat = rcpt_category(j, i);
		dname = cat == V_VIRUS ? cf->final_virus_destiny :
		    cat == V_BANNED ? cf->final_banned_destiny :
		    cat == V_UNCHECKED ? cf->final_unchecked_destiny : "pass";
		d = cat == V_CLEAN ? D_PASS : destiny(dname);
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
			    j->id, buf_str(&w));
			keep = which[i] = 1;
			break;
		case D_BOUNCE:
		case D_REJECT:
			buf_addf(&r, "550 5.7.1 Message content rejected, id=%s "
			    "- %s", j->id, buf_str(&w));
			if (d == D_BOUNCE)
				keep = which[i] = 1;
			break;
		default:
			buf_addf(&r, "451 4.5.0 Error in processing, id=%s - %s",
			    j->id, buf_str(&w));
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
	if (keep && cf->quarantine && quarantine_store(j, which,
	    buf_str(&w)) < 0) {
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
	buf_free(&r);
	return left;
}

/*
 * tag_subject - append the message's header with tag in front of its
 * Subject; the length of the original header it replaces, or 0 when it
 * cannot be edited (too long, cut short, unreadable: mail passes as is)
 */
static long long
tag_subject(const struct job *j, const char *tag, struct buf *out)
{
	size_t len = j->env.msg_len < HDR_EDIT_MAX ? (size_t)j->env.msg_len :
	    HDR_EDIT_MAX, skip = 0;
	struct buf t = BUF_INIT;
	char *p = xmalloc(len + 1);
	ssize_t n;

	n = pread(j->queue_fd, p, len, j->env.msg_off);
	buf_adds(&t, tag);
	buf_addc(&t, ' ');		/* mailsift.cf values lose a last blank */
	if (n != (ssize_t)len ||
	    hdr_tag_subject(p, len, buf_str(&t), out, &skip) < 0) {
		log_warn("%s: header not editable: no subject tag", j->id);
		skip = 0;
	}
	xfree(p);
	buf_free(&t);
	return (long long)skip;
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
		return 0;
	}
	buf_addf(out, "%s\r\n", buf_str(&w));
	buf_free(&w);
	if (tag && *tag)
		skip = tag_subject(j, tag, out);
	return skip;
}
