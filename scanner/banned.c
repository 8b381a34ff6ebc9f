/*
 * banned.c - is any part of a message banned?
 *
 * Exports banned_check and banned_verdict_free.  Inputs: the message,
 * hostile, parsed by mime_parse; archive attachments, hostile, listed by
 * archnames_list; the regexp table, trusted.  For each MIME part, in
 * document order, the subjects matched against the table are, in the
 * style of Postfix mime_header_checks: "Content-Type: <value>" and
 * "Content-Disposition: <value>" (unfolded), then a synthetic
 * filename="<decoded name>" so that RFC 2047/2231-encoded names meet
 * the rules written for plain ones; then the part's decoded bytes are
 * checked for an executable (PE or ELF) whatever they claim to be; then,
 * if they are an archive, filename="<member>" for every member at any
 * depth.  The first hit whose action is not OK or DUNNO bans the
 * message and ends the walk.  What could not be examined (MIME or
 * archive limits, a damaged archive, a pattern that gave up) sets
 * unchecked and never bans by itself: the policy decides.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "archnames.h"
#include "banned.h"
#include "buf.h"
#include "mem.h"
#include "mime.h"
#include "regtable.h"

struct walk {
	const struct regtable	*table;
	struct banned_verdict	*v;
	const char		*where;	/* the part being walked, for reasons */
	struct buf		 subj, result, reason;
};

/* unchecked - note that something was not examined; the first reason wins */
static void __attribute__((format(printf, 2, 3)))
unchecked(struct banned_verdict *v, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (v->unchecked++)
		return;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	v->why_unchecked = buf_steal(&b);
}

/* ban - fill v with a ban */
static void
ban(struct banned_verdict *v, const char *reason, const char *action,
    const char *text)
{
	v->banned = 1;
	v->reason = xstrdup(reason);
	v->action = xstrdup(action);
	v->text = text && *text ? xstrdup(text) : NULL;
}

/*
 * lookup - match w->subj against the table; 1 and v filled (reason
 * given) if it bans the message, else 0
 */
static int
lookup(struct walk *w, const char *reason)
{
	char word[64];
	const char *text;
	int r;

	if (w->table == NULL)
		return 0;
	/*
	 * PCRE2's JIT scans ahead in aligned words, past the subject's end
	 * but inside its allocation; the result does not depend on those
	 * bytes, but valgrind cannot tell, so give them a value.
	 */
	memset(w->subj.data + w->subj.len, 0, w->subj.size - w->subj.len);
	r = regtable_lookup(w->table, w->subj.data, w->subj.len, &w->result);
	if (r < 0) {
		unchecked(w->v, "pattern gave up on a subject of %s", w->where);
		return 0;
	}
	if (r == 0)
		return 0;
	if (regtable_action(buf_str(&w->result), word, sizeof(word),
	    &text) < 0) {
		/* An action we cannot read: the postmaster meant a ban. */
		ban(w->v, reason, "BANNED", buf_str(&w->result));
		return 1;
	}
	if (strcmp(word, "OK") == 0 || strcmp(word, "DUNNO") == 0)
		return 0;
	ban(w->v, reason, word, text);
	return 1;
}

/* lookup_header - "Name: value" of part mp, if it has that header */
static int
lookup_header(struct walk *w, const char *msg, const struct mime_part *mp,
    const char *name)
{
	struct buf val = BUF_INIT;
	int r = 0;

	if (mime_header(msg, mp, name, &val) != NULL) {
		buf_reset(&w->subj);
		buf_addf(&w->subj, "%s: ", name);
		buf_add(&w->subj, val.data, val.len);
		r = lookup(w, mp->filename ? mp->filename : buf_str(&w->subj));
	}
	buf_free(&val);
	return r;
}

/* lookup_name - the synthetic filename="NAME" line */
static int
lookup_name(struct walk *w, const char *name, const char *reason)
{
	buf_reset(&w->subj);
	buf_addf(&w->subj, "filename=\"%s\"", name);
	return lookup(w, reason);
}

/* on_member - archnames_list callback: one member name, at any depth */
static int
on_member(const char *name, int depth, void *ctx)
{
	struct walk *w = ctx;

	buf_reset(&w->reason);
	buf_addf(&w->reason, "%s in %s", name, w->where);
	return lookup_name(w, name, buf_str(&w->reason));
}

/* is_executable - PE ("MZ" whose e_lfanew points at "PE\0\0") or ELF */
static int
is_executable(const unsigned char *p, size_t len)
{
	uint32_t off;

	if (len >= 4 && memcmp(p, "\177ELF", 4) == 0)
		return 1;
	if (len < 0x40 || p[0] != 'M' || p[1] != 'Z')
		return 0;
	off = (uint32_t)p[0x3c] | (uint32_t)p[0x3d] << 8 |
	    (uint32_t)p[0x3e] << 16 | (uint32_t)p[0x3f] << 24;
	return off >= 4 && off <= len - 4 && memcmp(p + off, "PE\0\0", 4) == 0;
}

/* check_part - every check on part i; 1 banned, 0 not */
static int
check_part(struct walk *w, const char *msg, const struct mime *m, int i,
    const struct archnames_limits *al)
{
	const struct mime_part *mp = &m->part[i];
	struct buf data = BUF_INIT, err = BUF_INIT, where = BUF_INIT;
	int r = 1;

	if (mp->filename)
		buf_adds(&where, mp->filename);
	else
		buf_addf(&where, "MIME part %d", i);
	w->where = buf_str(&where);

	if (lookup_header(w, msg, mp, "Content-Type") ||
	    lookup_header(w, msg, mp, "Content-Disposition") ||
	    (mp->filename && lookup_name(w, mp->filename, mp->filename)))
		goto out;
	if (mp->flags & MIME_TOO_DEEP)
		unchecked(w->v, "MIME nesting too deep at %s", w->where);
	/* Containers: their contents are parts of their own. */
	if (mp->is_multipart || mp->is_message) {
		r = 0;
		goto out;
	}
	mime_decode(mp, msg, &data);
	if (is_executable((const unsigned char *)buf_str(&data), data.len)) {
		buf_reset(&w->reason);
		buf_addf(&w->reason, "executable content in %s", w->where);
		ban(w->v, buf_str(&w->reason), "BANNED", NULL);
		goto out;
	}
	if (data.len > 0 && archnames_list(data.data, data.len, al, on_member,
	    w, &err) < 0)
		unchecked(w->v, "archive %s: %s", w->where, buf_str(&err));
	r = w->v->banned;
out:
	w->where = NULL;
	buf_free(&data);
	buf_free(&err);
	buf_free(&where);
	return r;
}

/*
 * banned_check - is any part of msg[0..len) banned by table (may be
 * NULL: built-in checks only) or the built-in checks?  lim NULL: the
 * defaults.  0 and v filled; -1 internal error (none today).
 */
int
banned_check(const char *msg, size_t len, const struct regtable *table,
    const struct banned_limits *lim, struct banned_verdict *v)
{
	static const struct banned_limits deflt = {
		{ 0, 0 },
		{ BANNED_ARCH_DEPTH, BANNED_ARCH_FILES, BANNED_ARCH_TOTAL }
	};
	struct walk w;
	struct mime m;
	int i;

	memset(v, 0, sizeof(*v));
	if (lim == NULL)
		lim = &deflt;
	memset(&w, 0, sizeof(w));
	w.table = table;
	w.v = v;
	if (mime_parse(&m, msg, len, &lim->mime) < 0) {
		if (m.flags & MIME_TOO_MANY)
			unchecked(v, "too many MIME parts");
		else
			unchecked(v, "MIME nesting too deep");
	}
	for (i = 0; i < m.nparts; i++)
		if (check_part(&w, msg, &m, i, &lim->arch))
			break;
	mime_free(&m);
	buf_free(&w.subj);
	buf_free(&w.result);
	buf_free(&w.reason);
	return 0;
}

/* banned_verdict_free - release what banned_check put in v */
void
banned_verdict_free(struct banned_verdict *v)
{
	xfree(v->reason);
	xfree(v->action);
	xfree(v->text);
	xfree(v->why_unchecked);
	memset(v, 0, sizeof(*v));
}
