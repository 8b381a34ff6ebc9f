/*
 * dotreader.c - decode SMTP DATA content chunk by chunk.
 *
 * Inputs: message bytes from an SMTP client (hostile): any length of
 * line, NULs, bare CR and bare LF.  Runs unprivileged in smtpd-in.
 *
 * Normal text is copied in runs (one memcpy for many lines); only a
 * dot at the start of a line, a bare LF or the end of the chunk breaks
 * a run.  A dot at the start of a line is held back until the next
 * byte says whether it ends the data, is stuffing or is data.
 */
#include <string.h>

#include "dotreader.h"

enum {
	S_BOL,		/* at the start of a line */
	S_TEXT,		/* inside a line */
	S_DOT,		/* after a "." at the start of a line (held back) */
	S_DOT_CR,	/* after ".\r" at the start of a line (held back) */
	S_DONE,		/* end of data seen */
	S_BAD,		/* bare LF refused */
};

struct feed {
	const char	*p;	/* next byte to look at */
	const char	*end;
	const char	*run;	/* start of the bytes still to copy out */
	struct buf	*out;
};

/* dotreader_init - a reader at the start of the message */
void
dotreader_init(struct dotreader *dr, int bare_lf_ok)
{
	memset(dr, 0, sizeof(*dr));
	dr->state = S_BOL;
	dr->bare_lf_ok = bare_lf_ok;
}

/* emit_run - copy the input from run up to p to the output */
static void
emit_run(struct feed *f)
{
	if (f->p > f->run)
		buf_add(f->out, f->run, (size_t)(f->p - f->run));
	f->run = f->p;
}

/* at_bol - first byte of a line: hold a dot back, else it is text */
static int
at_bol(struct dotreader *dr, struct feed *f)
{
	if (*f->p != '.') {
		dr->state = S_TEXT;
		return DOTREADER_MORE;
	}
	emit_run(f);
	f->run = ++f->p;
	dr->state = S_DOT;
	return DOTREADER_MORE;
}

/* in_text - go to the end of the line; a bare LF is refused or fixed */
static int
in_text(struct dotreader *dr, struct feed *f)
{
	const char *nl = memchr(f->p, '\n', (size_t)(f->end - f->p));
	int crlf;

	if (nl == NULL) {
		dr->cr = f->end[-1] == '\r';
		f->p = f->end;
		return DOTREADER_MORE;
	}
	/* the CR may have come at the end of the previous chunk */
	crlf = nl > f->p ? nl[-1] == '\r' : dr->cr;
	dr->state = S_BOL;
	dr->cr = 0;
	if (!crlf && !dr->bare_lf_ok) {
		f->p = nl + 1;
		dr->state = S_BAD;
		return DOTREADER_BARE_LF;
	}
	if (!crlf) {
		f->p = nl;
		emit_run(f);
		buf_add(f->out, "\r\n", 2);
		f->run = nl + 1;
	}
	f->p = nl + 1;
	return DOTREADER_MORE;
}

/* after_dot - the byte after a leading dot: end, stuffing or data */
static int
after_dot(struct dotreader *dr, struct feed *f)
{
	char c = *f->p;

	if (c == '\r') {
		f->run = ++f->p;
		dr->state = S_DOT_CR;
		return DOTREADER_MORE;
	}
	if (c == '\n') {
		f->run = ++f->p;
		dr->state = dr->bare_lf_ok ? S_DONE : S_BAD;
		return dr->bare_lf_ok ? DOTREADER_END : DOTREADER_BARE_LF;
	}
	/* ".." stores as "." (run starts at the second dot); ".x" as is */
	if (c != '.')
		buf_addc(f->out, '.');
	dr->dot_lines++;
	dr->state = S_TEXT;
	dr->cr = 0;
	return DOTREADER_MORE;
}

/* after_dot_cr - the byte after a leading ".\r": LF ends the data */
static int
after_dot_cr(struct dotreader *dr, struct feed *f)
{
	if (*f->p == '\n') {
		f->run = ++f->p;
		dr->state = S_DONE;
		return DOTREADER_END;
	}
	/* a bare CR is data */
	buf_add(f->out, ".\r", 2);
	dr->dot_lines++;
	dr->state = S_TEXT;
	dr->cr = 1;
	return DOTREADER_MORE;
}

/*
 * dotreader_feed - decode len bytes of input, appending the bytes to
 * store to out.  *used is how much input was taken: all of it for
 * DOTREADER_MORE, up to and including the end marker for
 * DOTREADER_END (what follows belongs to the next command).
 */
int
dotreader_feed(struct dotreader *dr, const char *in, size_t len,
    size_t *used, struct buf *out)
{
	struct feed f = { in, in + len, in, out };
	int rc = DOTREADER_MORE;

	if (dr->state == S_DONE || dr->state == S_BAD) {
		*used = 0;
		return dr->state == S_DONE ? DOTREADER_END : DOTREADER_BARE_LF;
	}
	while (rc == DOTREADER_MORE && f.p < f.end) {
		switch (dr->state) {
		case S_BOL:
			rc = at_bol(dr, &f);
			break;
		case S_TEXT:
			rc = in_text(dr, &f);
			break;
		case S_DOT:
			rc = after_dot(dr, &f);
			break;
		default:
			rc = after_dot_cr(dr, &f);
			break;
		}
	}
	if (rc == DOTREADER_MORE)
		emit_run(&f);
	*used = (size_t)(f.p - in);
	return rc;
}
