/*
 * mime.c - MIME structure parser (RFC 2045, 2046, 2047, 2231, 5322).
 *
 * Exports mime_parse, mime_free, mime_decode, mime_header.
 * Inputs: a whole message in memory, as received from the network:
 * every byte is hostile (broken structure, absurd nesting, huge lines,
 * NULs, invalid encodings).  Runs unprivileged in the scanner and the
 * scorer.  Nothing recurses on the C stack: multiparts being split sit
 * on an explicit stack; depth and part count are bounded by struct
 * mime_limits.  Bodies are never copied; every scan is a forward pass
 * with memchr/memmem, so mail costs O(size * depth).
 *
 * Policy choices for broken mail (like Postfix and the common clients):
 * a header block ends at the first empty line, or at the first line
 * that is neither a header nor a continuation (that line starts the
 * body, MIME_BROKEN_HEADER); a message may end inside its headers.
 * A multipart without a boundary, or whose boundary never appears,
 * gets one child text/plain part without headers covering its whole
 * body (MIME_BROKEN_BOUNDARY).  A multipart without its close
 * delimiter ends at the end of its parent (MIME_BROKEN_UNTERMINATED).
 * A message/rfc822 body in base64 or quoted-printable is not opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "mime.h"

#define MAX_PARAMS	256	/* per header: bounds RFC 2231 assembly */
#define MAX_SECTIONS	256	/* RFC 2231 continuations */
#define MAX_EWORD	4096	/* longest RFC 2047 encoded word we take */

struct param {
	char		*name;		/* lower case */
	char		*val;		/* unquoted, NUL-terminated */
	size_t		 vlen;
};

struct params {
	struct param	 v[MAX_PARAMS];
	int		 n;
};

struct frame {
	int		 part;		/* the multipart being split */
	char		*delim;		/* "--" boundary */
	size_t		 dlen;
	size_t		 cur, end;	/* the body; the next part at cur */
	int		 first, done, digest;
};

struct ctx {
	struct mime	*m;
	const char	*p;
	int		 max_depth, max_parts;
	struct frame	*st;
	int		 nst, stsize;
	struct buf	 ct, cte, cd, bnd, tmp;
	struct params	 ps;
};

static const signed char b64val[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	['+'] = 63, ['/'] = 64,
};	/* value + 1; 0 = not in the alphabet */

/* windows-1252 0x80..0x9f; 0 = as in ISO 8859-1 */
static const unsigned short cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/* is_wsp - space or tab */
static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* lower - ASCII lower case */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* hexval - value of a hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* dupn - n bytes as a new C string */
static char *
dupn(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* dup_lower - n bytes as a new lower-case C string */
static char *
dup_lower(const char *s, size_t n)
{
	char *d = dupn(s, n);
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = (char)lower((unsigned char)d[i]);
	return d;
}

/* eq_nocase - s[0..n) equals the C string t, ignoring ASCII case */
static int
eq_nocase(const char *s, size_t n, const char *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i] == '\0' || lower((unsigned char)s[i]) !=
		    lower((unsigned char)t[i]))
			return 0;
	return t[n] == '\0';
}

/* put_utf8 - append code point cp as UTF-8 */
static void
put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_addc(b, (int)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (int)(0xc0 | cp >> 6));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (int)(0xe0 | cp >> 12));
		buf_addc(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (int)(0xf0 | cp >> 18));
		buf_addc(b, (int)(0x80 | (cp >> 12 & 0x3f)));
		buf_addc(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/* utf8_len - length of the valid UTF-8 sequence at s, 0 if invalid */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned cp, min;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * to_utf8 - append s[0..n) in charset cs (NULL: unknown) as valid
 * UTF-8.  Without iconv (we may run chrooted): Latin-1 and
 * windows-1252 are mapped, anything else is taken as UTF-8 and its
 * invalid bytes become U+FFFD.
 */
static void
to_utf8(struct buf *out, const char *s, size_t n, const char *cs)
{
	const unsigned char *u = (const unsigned char *)s;
	int latin = 0, win = 0;
	size_t i, k;

	if (cs && (strcmp(cs, "windows-1252") == 0 ||
	    strcmp(cs, "cp1252") == 0))
		latin = win = 1;
	else if (cs && (strcmp(cs, "iso-8859-1") == 0 ||
	    strcmp(cs, "iso8859-1") == 0 || strcmp(cs, "latin1") == 0 ||
	    strcmp(cs, "iso-8859-15") == 0))
		latin = 1;
	for (i = 0; i < n; ) {
		if (latin) {
			if (win && u[i] >= 0x80 && u[i] < 0xa0 &&
			    cp1252[u[i] - 0x80])
				put_utf8(out, cp1252[u[i] - 0x80]);
			else
				put_utf8(out, u[i]);
			i++;
		} else if ((k = utf8_len(u + i, n - i)) > 0) {
			buf_add(out, s + i, k);
			i += k;
		} else {
			put_utf8(out, 0xfffd);
			i++;
		}
	}
}

/* b64_decode - tolerant base64: junk skipped, '=' ends a group */
static size_t
b64_decode(struct buf *out, const char *s, size_t n)
{
	size_t i, before = out->len;
	unsigned acc = 0;
	int bits = 0, v;

	buf_reserve(out, n / 4 * 3 + 3);
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			acc = 0;
			bits = 0;
			continue;
		}
		if ((v = b64val[(unsigned char)s[i]]) == 0)
			continue;
		acc = (acc << 6 | (unsigned)(v - 1)) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (int)(acc >> bits & 0xff));
		}
	}
	return out->len - before;
}

/* qp_decode - quoted-printable: soft breaks, =XX, padding dropped */
static size_t
qp_decode(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, j, before = out->len;
	int hi, lo;

	buf_reserve(out, n);
	while (i < n) {
		if (is_wsp(s[i])) {
			/* transport padding at the end of a line is dropped */
			for (j = i; j < n && is_wsp(s[j]); j++)
				;
			if (!(j == n || s[j] == '\n' ||
			    (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')))
				buf_add(out, s + i, j - i);
			i = j;
		} else if (s[i] != '=') {
			buf_addc(out, s[i++]);
		} else if (i + 2 < n && (hi = hexval((unsigned char)
		    s[i + 1])) >= 0 && (lo = hexval((unsigned char)
		    s[i + 2])) >= 0) {
			buf_addc(out, hi << 4 | lo);
			i += 3;
		} else {
			for (j = i + 1; j < n && is_wsp(s[j]); j++)
				;
			if (j == n)
				i = j;	/* a soft break at the very end */
			else if (s[j] == '\n')
				i = j + 1;
			else if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
				i = j + 2;
			else
				buf_addc(out, s[i++]);	/* a stray '=' */
		}
	}
	return out->len - before;
}

/* pct_decode - append s[0..n) with %XX undone (RFC 2231) */
static void
pct_decode(struct buf *out, const char *s, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			buf_addc(out, hi << 4 | lo);
			i += 2;
		} else {
			buf_addc(out, s[i]);
		}
	}
}

/* eword_text - decode the text of one encoded word into out as UTF-8 */
static void
eword_text(struct buf *out, const char *cs, size_t cslen, int enc,
    const char *s, size_t n)
{
	struct buf w = BUF_INIT;
	char *charset = dup_lower(cs, cslen), *star;
	size_t j;
	int hi, lo;

	if ((star = strchr(charset, '*')) != NULL)
		*star = '\0';		/* RFC 2231 language suffix */
	buf_reserve(&w, n);
	if (enc == 'b') {
		b64_decode(&w, s, n);
	} else {
		for (j = 0; j < n; j++) {
			if (s[j] == '_') {
				buf_addc(&w, ' ');
			} else if (s[j] == '=' && j + 2 < n &&
			    (hi = hexval((unsigned char)s[j + 1])) >= 0 &&
			    (lo = hexval((unsigned char)s[j + 2])) >= 0) {
				buf_addc(&w, hi << 4 | lo);
				j += 2;
			} else {
				buf_addc(&w, s[j]);
			}
		}
	}
	to_utf8(out, w.data, w.len, charset);
	xfree(charset);
	buf_free(&w);
}

/*
 * rfc2047_decode - append s[0..n) with =?cs?B|Q?text?= words decoded,
 * as UTF-8.  White space between two encoded words is dropped.
 */
static void
rfc2047_decode(struct buf *out, const char *s, size_t n)
{
	struct buf raw = BUF_INIT;
	size_t i = 0, j, cs, csend, t, e, ws = 0, nextend = 0;
	int last_ew = 0, have_ws = 0, none = 0;
	const char *q;

	while (i < n) {
		if (is_wsp(s[i])) {
			for (j = i; j < n && is_wsp(s[j]); j++)
				;
			ws = i;
			have_ws = 1;
			i = j;
			continue;
		}
		csend = cs = i + 2;
		if (!none && s[i] == '=' && i + 1 < n && s[i + 1] == '?')
			while (csend < n && csend - cs < 64 &&
			    s[csend] != '?' && s[csend] != '=' &&
			    !is_wsp(s[csend]))
				csend++;
		if (csend > cs && csend + 2 < n && s[csend] == '?' &&
		    s[csend + 2] == '?' && s[csend + 1] != '\0' &&
		    strchr("BbQq", s[csend + 1])) {
			t = csend + 3;
			/* the end found last time may still serve: O(n) */
			if (nextend < t) {
				q = memmem(s + t, n - t, "?=", 2);
				none = q == NULL;
				nextend = q ? (size_t)(q - s) : n;
			}
			e = nextend;
			if (!none && e - t <= MAX_EWORD) {
				if (have_ws && !last_ew)
					buf_add(&raw, s + ws, i - ws);
				eword_text(&raw, s + cs, csend - cs,
				    lower(s[csend + 1]), s + t, e - t);
				last_ew = 1;
				have_ws = 0;
				i = e + 2;
				continue;
			}
		}
		if (have_ws)
			buf_add(&raw, s + ws, i - ws);
		have_ws = 0;
		last_ew = 0;
		buf_addc(&raw, s[i++]);
	}
	if (have_ws)
		buf_add(&raw, s + ws, n - ws);
	/* decoded words are valid already; this checks the literal text */
	to_utf8(out, buf_str(&raw), raw.len, NULL);
	buf_free(&raw);
}

/* skip_cfws - skip white space and (nested) comments */
static size_t
skip_cfws(const char *s, size_t i, size_t n, int *flags)
{
	int depth;

	while (i < n) {
		if (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] != '(')
			break;
		for (depth = 0; i < n; i++) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0)
				break;
		}
		if (i == n)
			*flags |= MIME_BROKEN_PARAM;
		else
			i++;
	}
	return i;
}

/* params_free - forget the parameters of the last header */
static void
params_free(struct params *ps)
{
	int i;

	for (i = 0; i < ps->n; i++) {
		xfree(ps->v[i].name);
		xfree(ps->v[i].val);
	}
	ps->n = 0;
}

/* param_add - remember one parameter (silently capped) */
static void
param_add(struct params *ps, char *name, struct buf *val, int *flags)
{
	if (ps->n == MAX_PARAMS) {
		*flags |= MIME_BROKEN_PARAM;
		xfree(name);
		return;
	}
	ps->v[ps->n].name = name;
	ps->v[ps->n].vlen = val->len;
	ps->v[ps->n].val = dupn(buf_str(val), val->len);
	ps->n++;
}

/*
 * parse_value - split a structured header value (Content-Type,
 * Content-Disposition, Content-Transfer-Encoding) into its lower-case
 * leading token (into tok) and its parameters (into ps).
 */
static void
parse_value(const char *s, size_t n, struct buf *tok, struct params *ps,
    int *flags)
{
	struct buf val = BUF_INIT;
	size_t i, a, e, k;
	int depth;

	buf_reset(tok);
	params_free(ps);
	i = skip_cfws(s, 0, n, flags);
	for (; i < n && s[i] != ';' && s[i] != '(' && !is_wsp(s[i]); i++)
		buf_addc(tok, lower((unsigned char)s[i]));
	for (;;) {
		i = skip_cfws(s, i, n, flags);
		if (i < n && s[i] != ';') {
			/* junk before the next ';' is ignored, like clients */
			while (i < n && s[i] != ';')
				i++;
		}
		if (i >= n)
			break;
		i = skip_cfws(s, i + 1, n, flags);
		for (a = i; i < n && s[i] != '=' && s[i] != ';' &&
		    s[i] != '(' && !is_wsp(s[i]); i++)
			;
		if (i == a)
			continue;
		e = i;
		i = skip_cfws(s, i, n, flags);
		if (i >= n || s[i] != '=')
			continue;	/* a parameter without value */
		i = skip_cfws(s, i + 1, n, flags);
		buf_reset(&val);
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				buf_addc(&val, s[i]);
			}
			if (i < n)
				i++;
			else
				*flags |= MIME_BROKEN_PARAM;
		} else {
			for (k = i; i < n && s[i] != ';'; i++)
				;
			buf_add(&val, s + k, i - k);
			while (val.len && is_wsp(val.data[val.len - 1]))
				val.len--;
			/* a comment after an unquoted value is not in it */
			if (val.len && val.data[val.len - 1] == ')') {
				for (k = val.len, depth = 0; k-- > 0; ) {
					if (val.data[k] == ')')
						depth++;
					else if (val.data[k] == '(' &&
					    --depth == 0)
						break;
				}
				if (k < val.len && k > 0 &&
				    is_wsp(val.data[k - 1])) {
					val.len = k;
					while (val.len &&
					    is_wsp(val.data[val.len - 1]))
						val.len--;
				}
			}
			buf_reserve(&val, 0);
			val.data[val.len] = '\0';
		}
		param_add(ps, dup_lower(s + a, e - a), &val, flags);
	}
	buf_free(&val);
}

/* param_find - the parameter called name, or NULL */
static const struct param *
param_find(const struct params *ps, const char *name)
{
	int i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	return NULL;
}

/* ext_value - append an RFC 2231 extended value; charset'lang' first */
static void
ext_value(struct buf *raw, const struct param *pa, int first, char **cs)
{
	const char *s = pa->val, *q1, *q2;
	size_t n = pa->vlen;

	if (first && (q1 = memchr(s, '\'', n)) != NULL &&
	    (q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s))) != NULL) {
		xfree(*cs);
		*cs = dup_lower(s, (size_t)(q1 - s));
		n -= (size_t)(q2 + 1 - s);
		s = q2 + 1;
	}
	pct_decode(raw, s, n);
}

/*
 * param_text - the decoded value of parameter name as UTF-8 (RFC 2231
 * continuations and charsets first, then a plain value with RFC 2047
 * words), or NULL.
 */
static char *
param_text(const struct params *ps, const char *name)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	const struct param *pa;
	char key[64], *cs = NULL;
	int k, ext;

	snprintf(key, sizeof(key), "%s*0", name);
	if (param_find(ps, key) || (snprintf(key, sizeof(key), "%s*0*",
	    name), param_find(ps, key))) {
		for (k = 0; k < MAX_SECTIONS; k++) {
			ext = 0;
			snprintf(key, sizeof(key), "%s*%d", name, k);
			if ((pa = param_find(ps, key)) == NULL) {
				snprintf(key, sizeof(key), "%s*%d*", name, k);
				if ((pa = param_find(ps, key)) == NULL)
					break;
				ext = 1;
			}
			if (ext)
				ext_value(&raw, pa, k == 0, &cs);
			else
				buf_add(&raw, pa->val, pa->vlen);
		}
		to_utf8(&out, buf_str(&raw), raw.len, cs);
	} else if (snprintf(key, sizeof(key), "%s*", name),
	    (pa = param_find(ps, key)) != NULL) {
		ext_value(&raw, pa, 1, &cs);
		to_utf8(&out, buf_str(&raw), raw.len, cs);
	} else if ((pa = param_find(ps, name)) != NULL) {
		rfc2047_decode(&out, pa->val, pa->vlen);
	} else {
		buf_free(&raw);
		return NULL;
	}
	xfree(cs);
	buf_free(&raw);
	return buf_steal(&out);
}

/* line_end - end of the line at pos: *next is after its LF */
static size_t
line_end(const char *p, size_t pos, size_t end, size_t *next)
{
	const char *nl = memchr(p + pos, '\n', end - pos);
	size_t e;

	if (nl == NULL) {
		*next = end;
		e = end;
	} else {
		e = (size_t)(nl - p);
		*next = e + 1;
	}
	if (e > pos && p[e - 1] == '\r')
		e--;
	return e;
}

/* field_name - length of "name:" at p[pos..e) up to the colon, or 0 */
static size_t
field_name(const char *p, size_t pos, size_t e, size_t *colon)
{
	size_t i;

	for (i = pos; i < e && (unsigned char)p[i] > ' ' &&
	    (unsigned char)p[i] < 0x7f && p[i] != ':'; i++)
		;
	if (i == pos)
		return 0;
	*colon = i;
	while (*colon < e && is_wsp(p[*colon]))
		(*colon)++;
	if (*colon >= e || p[*colon] != ':')
		return 0;
	return i - pos;
}

/*
 * hdr_next - the next field of a header block made by scan_headers:
 * name at *name (length *nlen), raw value [*voff, *vend) with its
 * folds.  0 at the end.
 */
static int
hdr_next(const char *p, size_t *pos, size_t end, size_t *name,
    size_t *nlen, size_t *voff, size_t *vend)
{
	size_t e, next, colon;

	while (*pos < end) {
		e = line_end(p, *pos, end, &next);
		if ((*nlen = field_name(p, *pos, e, &colon)) == 0) {
			*pos = next;	/* not in a scanned block */
			continue;
		}
		*name = *pos;
		*voff = colon + 1;
		*vend = next;
		while (next < end && is_wsp(p[next]))
			line_end(p, next, end, &next);
		*vend = next;
		*pos = next;
		return 1;
	}
	return 0;
}

/* unfold - the value [voff, vend) without line breaks, trimmed */
static void
unfold(const char *p, size_t voff, size_t vend, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = voff; i < vend && is_wsp(p[i]); i++)
		;
	for (; i < vend; i++) {
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < vend &&
		    p[i + 1] == '\n'))
			continue;
		buf_addc(out, p[i]);
	}
	buf_reserve(out, 0);	/* data is never NULL from here */
	while (out->len && (is_wsp(out->data[out->len - 1]) ||
	    out->data[out->len - 1] == '\r'))
		out->len--;
	out->data[out->len] = '\0';
}

/*
 * scan_headers - find where the header block at off ends: sets the
 * part's hdr_len and body_off (see the policy at the top).
 */
static void
scan_headers(const char *p, size_t off, size_t end, struct mime_part *mp)
{
	size_t pos = off, e, next, colon;

	while (pos < end) {
		e = line_end(p, pos, end, &next);
		if (e == pos) {
			mp->hdr_len = pos - off;
			mp->body_off = next;
			return;
		}
		if (!(is_wsp(p[pos]) && pos > off) &&
		    field_name(p, pos, e, &colon) == 0) {
			mp->flags |= MIME_BROKEN_HEADER;
			mp->hdr_len = pos - off;
			mp->body_off = pos;
			return;
		}
		pos = next;
	}
	mp->hdr_len = end - off;
	mp->body_off = end;
}

/* check_body - flag a base64 or quoted-printable body with junk in it */
static int
check_body(const char *s, size_t n, const char *enc)
{
	const char *q, *end = s + n;
	size_t i;

	if (strcmp(enc, "base64") == 0) {
		for (i = 0; i < n; i++)
			if (!b64val[(unsigned char)s[i]] && s[i] != '=' &&
			    s[i] != '\r' && s[i] != '\n' && !is_wsp(s[i]))
				return MIME_BROKEN_ENCODING;
	} else if (strcmp(enc, "quoted-printable") == 0) {
		for (q = s; (q = memchr(q, '=', (size_t)(end - q))) != NULL;
		    q++) {
			if (end - q >= 3 && hexval((unsigned char)q[1]) >= 0 &&
			    hexval((unsigned char)q[2]) >= 0)
				continue;
			if (end - q == 1 || q[1] == '\n' || q[1] == '\r' ||
			    is_wsp(q[1]))
				continue;
			return MIME_BROKEN_ENCODING;
		}
	}
	return 0;
}

/* known_cte - a transfer encoding we know */
static int
known_cte(const char *e)
{
	static const char *const known[] = { "7bit", "8bit", "binary",
	    "base64", "quoted-printable", "x-uuencode", "uuencode", "x-uue" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(e, known[i]) == 0)
			return 1;
	return 0;
}

/*
 * add_part - append the part [off, end); with headers unless raw.
 * The boundary of a multipart is left in c->bnd.  -1 when max_parts
 * is reached.
 */
static int
add_part(struct ctx *c, size_t off, size_t end, int depth, int parent,
    int digest, int raw)
{
	struct mime *m = c->m;
	struct mime_part *mp;
	size_t pos, name, nlen, voff, vend;
	int have_ct = 0, have_cte = 0, have_cd = 0;
	const struct param *pa;
	char *name_param = NULL;

	if (m->nparts >= c->max_parts) {
		m->flags |= MIME_TOO_MANY;
		return -1;
	}
	if ((m->nparts & (m->nparts - 1)) == 0)
		m->part = xreallocarray(m->part, m->nparts ? (size_t)m->nparts *
		    2 : 1, sizeof(*m->part));
	mp = &m->part[m->nparts];
	memset(mp, 0, sizeof(*mp));
	mp->depth = depth;
	mp->parent = parent;
	mp->hdr_off = off;
	buf_reset(&c->bnd);
	if (raw) {
		mp->body_off = off;
		mp->body_len = end - off;
		mp->type = xstrdup("text/plain");
		return m->nparts++;
	}
	scan_headers(c->p, off, end, mp);
	mp->body_len = end - mp->body_off;

	pos = off;
	while (hdr_next(c->p, &pos, off + mp->hdr_len, &name, &nlen, &voff,
	    &vend)) {
		if (!have_ct && eq_nocase(c->p + name, nlen, "content-type")) {
			unfold(c->p, voff, vend, &c->ct);
			have_ct = 1;
		} else if (!have_cte && eq_nocase(c->p + name, nlen,
		    "content-transfer-encoding")) {
			unfold(c->p, voff, vend, &c->cte);
			have_cte = 1;
		} else if (!have_cd && eq_nocase(c->p + name, nlen,
		    "content-disposition")) {
			unfold(c->p, voff, vend, &c->cd);
			have_cd = 1;
		}
	}

	if (have_ct) {
		parse_value(c->ct.data, c->ct.len, &c->tmp, &c->ps, &mp->flags);
		pos = c->tmp.len;
		if (memchr(buf_str(&c->tmp), '/', c->tmp.len) &&
		    c->tmp.data[0] != '/' && c->tmp.data[pos - 1] != '/')
			mp->type = xstrdup(c->tmp.data);
		else
			mp->flags |= MIME_BROKEN_HEADER;
		if ((pa = param_find(&c->ps, "charset")) && pa->vlen)
			mp->charset = dup_lower(pa->val, pa->vlen);
		if ((pa = param_find(&c->ps, "boundary")))
			buf_add(&c->bnd, pa->val, pa->vlen);
		name_param = param_text(&c->ps, "name");
	}
	if (mp->type == NULL)
		mp->type = xstrdup(digest ? "message/rfc822" : "text/plain");
	if (have_cte) {
		parse_value(c->cte.data, c->cte.len, &c->tmp, &c->ps,
		    &mp->flags);
		if (c->tmp.len) {
			mp->encoding = xstrdup(c->tmp.data);
			if (!known_cte(mp->encoding))
				mp->flags |= MIME_BROKEN_ENCODING;
		}
	}
	if (have_cd) {
		parse_value(c->cd.data, c->cd.len, &c->tmp, &c->ps, &mp->flags);
		if (c->tmp.len)
			mp->disposition = xstrdup(c->tmp.data);
		mp->filename = param_text(&c->ps, "filename");
	}
	if (mp->filename == NULL)
		mp->filename = name_param;
	else
		xfree(name_param);
	params_free(&c->ps);

	mp->is_multipart = strncmp(mp->type, "multipart/", 10) == 0;
	mp->is_message = strcmp(mp->type, "message/rfc822") == 0 ||
	    strcmp(mp->type, "message/global") == 0;
	if (mp->is_multipart || mp->is_message) {
		if (mp->encoding && strcmp(mp->encoding, "7bit") != 0 &&
		    strcmp(mp->encoding, "8bit") != 0 &&
		    strcmp(mp->encoding, "binary") != 0)
			mp->flags |= MIME_BROKEN_ENCODING;
	} else if (mp->encoding) {
		mp->flags |= check_body(c->p + mp->body_off, mp->body_len,
		    mp->encoding);
	}
	return m->nparts++;
}

/* push - start splitting multipart idx */
static void
push(struct ctx *c, int idx)
{
	const struct mime_part *mp = &c->m->part[idx];
	struct frame *f;

	if (c->nst == c->stsize) {
		c->stsize = c->stsize ? c->stsize * 2 : 8;
		c->st = xreallocarray(c->st, (size_t)c->stsize,
		    sizeof(*c->st));
	}
	f = &c->st[c->nst++];
	memset(f, 0, sizeof(*f));
	f->part = idx;
	f->dlen = c->bnd.len + 2;
	f->delim = xmalloc(f->dlen + 1);
	f->delim[0] = f->delim[1] = '-';
	memcpy(f->delim + 2, c->bnd.data, c->bnd.len);
	f->delim[f->dlen] = '\0';
	f->cur = mp->body_off;
	f->end = mp->body_off + mp->body_len;
	f->first = 1;
	f->digest = strcmp(mp->type, "multipart/digest") == 0;
}

/* pop - done with the innermost multipart */
static void
pop(struct ctx *c)
{
	xfree(c->st[--c->nst].delim);
}

/*
 * open_part - descend into part idx if it is a container: a multipart
 * goes on the stack, a message/rfc822 gets its one child at once (in a
 * loop: a chain of forwarded messages costs no C stack).  -1 when
 * max_parts is reached.
 */
static int
open_part(struct ctx *c, int idx)
{
	struct mime_part *mp;
	size_t off, end;
	int depth;

	while (idx >= 0) {
		mp = &c->m->part[idx];
		if (!mp->is_multipart && !mp->is_message)
			return 0;
		if (mp->depth >= c->max_depth) {
			mp->flags |= MIME_TOO_DEEP;
			return 0;
		}
		if (mp->is_multipart) {
			if (c->bnd.len == 0) {
				mp->flags |= MIME_BROKEN_BOUNDARY;
				off = mp->body_off;
				end = off + mp->body_len;
				return add_part(c, off, end, mp->depth + 1, idx,
				    0, 1) < 0 ? -1 : 0;
			}
			push(c, idx);
			return 0;
		}
		if (mp->flags & MIME_BROKEN_ENCODING)
			return 0;	/* an encoded message: not opened */
		off = mp->body_off;
		end = off + mp->body_len;
		depth = mp->depth + 1;
		if ((idx = add_part(c, off, end, depth, idx, 0, 0)) < 0)
			return -1;
	}
	return 0;
}

/*
 * find_delim - the next delimiter line of f at or after f->cur (a line
 * start): its start in *d, the start of the line after it in *next,
 * *close for "--boundary--".  0 if there is none.  Walks line starts
 * with memchr: one call per line, none inside a long line.
 */
static int
find_delim(const struct ctx *c, const struct frame *f, size_t *d,
    size_t *next, int *close)
{
	const char *p = c->p, *nl;
	size_t pos = f->cur, e;

	while (pos < f->end) {
		if (f->end - pos >= f->dlen &&
		    memcmp(p + pos, f->delim, f->dlen) == 0) {
			e = pos + f->dlen;
			*d = pos;
			*close = f->end - e >= 2 && p[e] == '-' &&
			    p[e + 1] == '-';
			if (!*close)
				while (e < f->end && is_wsp(p[e]))
					e++;
			if (*close || e == f->end || p[e] == '\n' ||
			    (p[e] == '\r' && (e + 1 == f->end ||
			    p[e + 1] == '\n'))) {
				line_end(p, e, f->end, next);
				return 1;
			}
		}
		if ((nl = memchr(p + pos, '\n', f->end - pos)) == NULL)
			break;
		pos = (size_t)(nl - p) + 1;
	}
	return 0;
}

/* step - split one more part off the innermost multipart; -1: too many */
static int
step(struct ctx *c)
{
	struct frame *f = &c->st[c->nst - 1];
	size_t d, next, pend;
	int close, idx, parent, depth, digest;

	if (f->done) {
		pop(c);
		return 0;
	}
	parent = f->part;
	depth = c->m->part[parent].depth + 1;
	digest = f->digest;
	if (f->first) {
		f->first = 0;
		if (!find_delim(c, f, &d, &next, &close)) {
			c->m->part[parent].flags |= MIME_BROKEN_BOUNDARY;
			d = f->cur;
			pend = f->end;
			pop(c);
			return add_part(c, d, pend, depth, parent, 0, 1) < 0 ?
			    -1 : 0;
		}
		f->cur = next;
		f->done = close;
		return 0;
	}
	if (find_delim(c, f, &d, &next, &close)) {
		pend = d;
		if (pend > f->cur && c->p[pend - 1] == '\n')
			pend--;
		if (pend > f->cur && c->p[pend - 1] == '\r')
			pend--;
		d = f->cur;
		f->cur = next;
		f->done = close;
	} else {
		c->m->part[parent].flags |= MIME_BROKEN_UNTERMINATED;
		f->done = 1;
		if (f->cur == f->end)
			return 0;
		d = f->cur;
		pend = f->end;
	}
	/* f is invalid once add_part/open_part may have pushed */
	if ((idx = add_part(c, d, pend, depth, parent, digest, 0)) < 0)
		return -1;
	return open_part(c, idx);
}

/*
 * mime_parse - parse the message p[0..len) into m (lim NULL: the
 * defaults).  0, or -1 when a limit was hit (MIME_TOO_DEEP or
 * MIME_TOO_MANY); m holds what was found either way.
 */
int
mime_parse(struct mime *m, const char *p, size_t len,
    const struct mime_limits *lim)
{
	struct ctx c;
	int i, rc = 0, idx;

	memset(m, 0, sizeof(*m));
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.p = p ? p : "";
	if (p == NULL)
		len = 0;
	c.max_depth = lim && lim->max_depth > 0 ? lim->max_depth :
	    MIME_MAX_DEPTH;
	c.max_parts = lim && lim->max_parts > 0 ? lim->max_parts :
	    MIME_MAX_PARTS;

	if ((idx = add_part(&c, 0, len, 0, -1, 0, 0)) < 0 ||
	    open_part(&c, idx) < 0)
		rc = -1;
	while (rc == 0 && c.nst > 0)
		rc = step(&c);
	while (c.nst > 0)
		pop(&c);
	xfree(c.st);
	buf_free(&c.ct);
	buf_free(&c.cte);
	buf_free(&c.cd);
	buf_free(&c.bnd);
	buf_free(&c.tmp);
	params_free(&c.ps);
	for (i = 0; i < m->nparts; i++)
		m->flags |= m->part[i].flags;
	return m->flags & (MIME_TOO_DEEP | MIME_TOO_MANY) ? -1 : 0;
}

/* mime_free - release what mime_parse allocated */
void
mime_free(struct mime *m)
{
	int i;

	for (i = 0; i < m->nparts; i++) {
		xfree(m->part[i].type);
		xfree(m->part[i].charset);
		xfree(m->part[i].encoding);
		xfree(m->part[i].filename);
		xfree(m->part[i].disposition);
	}
	xfree(m->part);
	memset(m, 0, sizeof(*m));
}

/*
 * mime_decode - append the transfer-decoded body of part mp of msg to
 * out (base64, quoted-printable; anything else is copied); returns the
 * number of bytes appended.
 */
size_t
mime_decode(const struct mime_part *mp, const char *msg, struct buf *out)
{
	const char *s = msg + mp->body_off;

	if (mp->encoding && strcmp(mp->encoding, "base64") == 0)
		return b64_decode(out, s, mp->body_len);
	if (mp->encoding && strcmp(mp->encoding, "quoted-printable") == 0)
		return qp_decode(out, s, mp->body_len);
	buf_add(out, s, mp->body_len);
	return mp->body_len;
}

/*
 * mime_header - the unfolded, trimmed value of the first header name
 * (any case) of part mp of msg, left in out (reset first), or NULL.
 */
const char *
mime_header(const char *msg, const struct mime_part *mp, const char *name,
    struct buf *out)
{
	size_t pos = mp->hdr_off, hn, nlen, voff, vend;

	while (hdr_next(msg, &pos, mp->hdr_off + mp->hdr_len, &hn, &nlen,
	    &voff, &vend)) {
		if (eq_nocase(msg + hn, nlen, name)) {
			unfold(msg, voff, vend, out);
			return out->data;
		}
	}
	return NULL;
}
