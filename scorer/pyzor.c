/*
 * pyzor.c - Pyzor for the scorer: the digest of a message exactly as
 * pyzor 1.0 (Python 3.11) computes it, and an asynchronous UDP client
 * for Pyzor servers, with SpamAssassin's PYZOR_CHECK decision.
 *
 * The digest is pyzor's DataDigester run on the message Python's email
 * package makes of the bytes (email.message_from_bytes, compat32): this
 * file follows, step by step, the feed parser (lines, end-of-part
 * matchers, headers, multipart boundaries, message/ parts), the payload
 * decoding of get_payload (quoted-printable, base64 with its fallbacks,
 * uuencode), the codec lookup and decoders of bytes.decode (tables in
 * pyzor_tab.h, iconv for the CJK codecs), html.parser's HTMLParser as
 * pyzor's HTMLStripper drives it (feed, never close), html.unescape,
 * and then pyzor's line normalisation, selection and SHA-1.  Text is
 * kept as Python keeps it, as code points (a byte b >= 0x80 that Python
 * carries as the surrogate U+DC00+b is that code point here).  Where
 * Python raises an exception that pyzor does not catch, "pyzor digest"
 * prints nothing: pyzor_digest returns -1 then.
 *
 * Exports the functions of pyzor.h.  The message and the server
 * answers are hostile: every loop is bounded by the input, the
 * nesting of parts by Python's own recursion limit, regex matching
 * by a PCRE2 match limit; the configuration is trusted.  Runs in the
 * scorer, unprivileged.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <netdb.h>
#include <pthread.h>
#include <poll.h>
#include <sha1.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 32
#include <pcre2.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "pyzor.h"
#include "saconf.h"

/* ------------------------------------------------------------------ */
/* Code point strings                                                  */

struct ustr {
	uint32_t	*v;
	size_t		 n, cap;
};

#define USTR_INIT	{ NULL, 0, 0 }

/* us_reserve - room for more code points */
static void
us_reserve(struct ustr *s, size_t more)
{
	if (s->n + more <= s->cap)
		return;
	s->cap = s->cap ? s->cap : 64;
	while (s->cap < s->n + more)
		s->cap *= 2;
	s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
}

/* us_add - append one code point */
static void
us_add(struct ustr *s, uint32_t c)
{
	us_reserve(s, 1);
	s->v[s->n++] = c;
}

/* us_addn - append code points */
static void
us_addn(struct ustr *s, const uint32_t *v, size_t n)
{
	if (n == 0)
		return;
	us_reserve(s, n);
	memcpy(s->v + s->n, v, n * sizeof(*v));
	s->n += n;
}

/* us_adda - append an ASCII string */
static void
us_adda(struct ustr *s, const char *a)
{
	while (*a)
		us_add(s, (unsigned char)*a++);
}

/* us_free - release */
static void
us_free(struct ustr *s)
{
	xfree(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* py_space - str.isspace() and re's \s for str patterns */
static int
py_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) ||
	    c == 0x85 || c == 0xa0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

/* py_strip - the bounds of str.strip() of v[0..n) */
static void
py_strip(const uint32_t *v, size_t *b, size_t *e)
{
	while (*b < *e && py_space(v[*b]))
		(*b)++;
	while (*e > *b && py_space(v[*e - 1]))
		(*e)--;
}

/* us_eqa - v[0..n) equals the ASCII string a */
static int
us_eqa(const uint32_t *v, size_t n, const char *a)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (a[i] == '\0' || v[i] != (unsigned char)a[i])
			return 0;
	return a[n] == '\0';
}

/* lower_ascii - str.lower() for the characters that matter here */
static uint32_t
lower_ascii(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ------------------------------------------------------------------ */
/* Codecs: bytes.decode(name, errors)                                  */

enum pz_kind {
	PZC_ASCII, PZC_LATIN1, PZC_UTF8, PZC_UTF8SIG, PZC_UTF16,
	PZC_UTF16LE, PZC_UTF16BE, PZC_UTF32, PZC_UTF32LE, PZC_UTF32BE,
	PZC_RAWUE, PZC_CHARMAP, PZC_ICONV, PZC_NOTTEXT, PZC_FAILS,
	PZC_UNSUPPORTED
};

struct pz_codec {
	const char	*name;
	enum pz_kind	 kind;
	const char	*iconv;
	int		 map;
};

struct pz_codec_name {
	const char	*name;
	int		 alias;
	int		 codec;
};

struct pz_entity {
	const char	*name;
	uint32_t	 v[2];
};

#include "pyzor_tab.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum { ERR_IGNORE, ERR_REPLACE, ERR_STRICT };

/* what a decode came to */
#define DEC_OK		0
#define DEC_LOOKUP	(-1)	/* LookupError: unknown or not a text codec */
#define DEC_UNICODE	(-2)	/* UnicodeError */
#define DEC_CRASH	(-3)	/* another exception, or not emulated */

/* codec_name_cmp - bsearch comparison */
static int
codec_name_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct pz_codec_name *)e)->name);
}

/*
 * codec_find - the codec bytes.decode(name) uses: name normalised as
 * _Py_normalize_encoding does, then encodings.search_function (the
 * alias table, also with dots as underscores, then the module name);
 * DEC_LOOKUP or DEC_CRASH (a NUL in the name) when there is none
 */
static int
codec_find(const uint32_t *name, size_t n, const struct pz_codec **out)
{
	const struct pz_codec_name *e;
	char	 norm[64], *p;
	size_t	 i, l = 0;
	int	 punct = 0;

	for (i = 0; i < n; i++) {
		uint32_t c = name[i];

		if (c == 0)
			return DEC_CRASH;
		if ((c < 0x80 && (c == '.' || (c >= '0' && c <= '9') ||
		    (c | 0x20) - 'a' < 26))) {
			if (punct && l > 0) {
				if (l + 1 >= sizeof(norm))
					return DEC_LOOKUP;
				norm[l++] = '_';
			}
			punct = 0;
			if (l + 1 >= sizeof(norm))
				return DEC_LOOKUP;
			norm[l++] = (char)lower_ascii(c);
		} else
			punct = 1;
	}
	norm[l] = '\0';
	e = bsearch(norm, pz_codec_names, NELEM(pz_codec_names),
	    sizeof(pz_codec_names[0]), codec_name_cmp);
	if (e == NULL) {
		for (p = norm; *p; p++)
			if (*p == '.')
				*p = '_';
		e = bsearch(norm, pz_codec_names, NELEM(pz_codec_names),
		    sizeof(pz_codec_names[0]), codec_name_cmp);
		if (e != NULL && !e->alias)
			e = NULL;
	}
	if (e == NULL)
		return DEC_LOOKUP;
	*out = &pz_codecs[e->codec];
	return (*out)->kind == PZC_NOTTEXT ? DEC_LOOKUP : DEC_OK;
}

/* dec_bad - an undecodable stretch under the error handler */
static int
dec_bad(struct ustr *out, int errors)
{
	if (errors == ERR_STRICT)
		return DEC_UNICODE;
	if (errors == ERR_REPLACE)
		us_add(out, 0xfffd);
	return DEC_OK;
}

/* utf8_len - length of the valid sequence at s, or -(maximal subpart) */
static long
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char	 c = s[0], lo = 0x80, hi = 0xbf;
	size_t		 need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return -1;
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return -(long)i;
		lo = 0x80;
		hi = 0xbf;
	}
	return (long)need;
}

/* dec_utf8 - Python's UTF-8 decoder */
static int
dec_utf8(const unsigned char *s, size_t n, int errors, struct ustr *out)
{
	size_t	 i = 0;
	long	 l;

	while (i < n) {
		l = utf8_len(s + i, n - i);
		if (l < 0) {
			if (dec_bad(out, errors) != DEC_OK)
				return DEC_UNICODE;
			i += (size_t)-l;
			continue;
		}
		switch (l) {
		case 1:
			us_add(out, s[i]);
			break;
		case 2:
			us_add(out, (uint32_t)(s[i] & 0x1f) << 6 |
			    (s[i + 1] & 0x3f));
			break;
		case 3:
			us_add(out, (uint32_t)(s[i] & 0x0f) << 12 |
			    (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f));
			break;
		default:
			us_add(out, (uint32_t)(s[i] & 0x07) << 18 |
			    (uint32_t)(s[i + 1] & 0x3f) << 12 |
			    (uint32_t)(s[i + 2] & 0x3f) << 6 | (s[i + 3] & 0x3f));
			break;
		}
		i += (size_t)l;
	}
	return DEC_OK;
}

/* dec_utf16 - Python's UTF-16 decoders (be: -1 unknown, BOM or LE) */
static int
dec_utf16(const unsigned char *s, size_t n, int be, int errors,
    struct ustr *out)
{
	size_t	 i = 0;
	uint32_t u, u2;

	if (be < 0) {
		be = 0;
		if (n >= 2 && s[0] == 0xff && s[1] == 0xfe)
			i = 2;
		else if (n >= 2 && s[0] == 0xfe && s[1] == 0xff) {
			be = 1;
			i = 2;
		}
	}
#define U16(p)	(be ? (uint32_t)s[p] << 8 | s[(p) + 1] : \
		    (uint32_t)s[(p) + 1] << 8 | s[p])
	while (i + 1 < n) {
		u = U16(i);
		if (u < 0xd800 || u > 0xdfff) {
			us_add(out, u);
			i += 2;
		} else if (u <= 0xdbff && i + 3 < n &&
		    (u2 = U16(i + 2)) >= 0xdc00 && u2 <= 0xdfff) {
			us_add(out, 0x10000 + ((u - 0xd800) << 10) +
			    (u2 - 0xdc00));
			i += 4;
		} else if (u <= 0xdbff && i + 3 >= n) {
			/* a high surrogate cut short: the rest is one error */
			if (dec_bad(out, errors) != DEC_OK)
				return DEC_UNICODE;
			return DEC_OK;
		} else {
			if (dec_bad(out, errors) != DEC_OK)
				return DEC_UNICODE;
			i += 2;
		}
	}
#undef U16
	if (i < n && dec_bad(out, errors) != DEC_OK)
		return DEC_UNICODE;
	return DEC_OK;
}

/* dec_utf32 - Python's UTF-32 decoders (be: -1 unknown) */
static int
dec_utf32(const unsigned char *s, size_t n, int be, int errors,
    struct ustr *out)
{
	size_t	 i = 0;
	uint32_t u;

	if (be < 0) {
		be = 0;
		if (n >= 4 && !memcmp(s, "\xff\xfe\0\0", 4))
			i = 4;
		else if (n >= 4 && !memcmp(s, "\0\0\xfe\xff", 4)) {
			be = 1;
			i = 4;
		}
	}
	for (; i + 3 < n; i += 4) {
		u = be ? (uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 |
		    (uint32_t)s[i + 2] << 8 | s[i + 3] :
		    (uint32_t)s[i + 3] << 24 | (uint32_t)s[i + 2] << 16 |
		    (uint32_t)s[i + 1] << 8 | s[i];
		if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) {
			if (dec_bad(out, errors) != DEC_OK)
				return DEC_UNICODE;
		} else
			us_add(out, u);
	}
	if (i < n && dec_bad(out, errors) != DEC_OK)
		return DEC_UNICODE;
	return DEC_OK;
}

/* hexval - a hex digit's value, or -1 */
static int
hexval(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (int)((c | 0x20) - 'a' + 10);
	return -1;
}

/* dec_rawue - Python's raw_unicode_escape decoder */
static int
dec_rawue(const unsigned char *s, size_t n, int errors, struct ustr *out)
{
	size_t	 i = 0, count;
	uint32_t ch;
	int	 h;

	while (i < n) {
		if (s[i] != '\\' || i + 1 >= n) {
			us_add(out, s[i++]);
			continue;
		}
		if (s[i + 1] != 'u' && s[i + 1] != 'U') {
			us_add(out, '\\');
			us_add(out, s[i + 1]);
			i += 2;
			continue;
		}
		count = s[i + 1] == 'u' ? 4 : 8;
		i += 2;
		for (ch = 0; count > 0; count--, i++) {
			if (i >= n || (h = hexval(s[i])) < 0)
				break;
			ch = ch << 4 | (uint32_t)h;
		}
		if (count > 0 || ch > 0x10ffff) {
			if (dec_bad(out, errors) != DEC_OK)
				return DEC_UNICODE;
			continue;
		}
		us_add(out, ch);
	}
	return DEC_OK;
}

/* dec_iconv - a multibyte codec through iconv; bad bytes one by one */
static int
dec_iconv(const unsigned char *s, size_t n, const char *cs, int errors,
    struct ustr *out)
{
	iconv_t	 cd;
	char	*in = (char *)s, *o;
	size_t	 inleft = n, oleft, done, start = out->n;
	int	 rc = DEC_OK;

	if ((cd = iconv_open("UTF-32LE", cs)) == (iconv_t)-1) {
		log_warn("%s: iconv %s: %s", __func__, cs, strerror(errno));
		return DEC_CRASH;
	}
	while (inleft > 0) {
		us_reserve(out, inleft + 16);
		o = (char *)(out->v + out->n);
		oleft = (out->cap - out->n) * sizeof(uint32_t);
		done = iconv(cd, &in, &inleft, &o, &oleft);
		out->n = (uint32_t *)o - out->v;
		if (done != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (dec_bad(out, errors) != DEC_OK) {
			rc = DEC_UNICODE;
			break;
		}
		if (errno == EINVAL)	/* cut short at the end */
			break;
		in++;
		inleft--;
	}
	iconv_close(cd);
	/* glibc passes single bytes 0x80-0x9f through as C1 controls
	 * where Python's CJK decoders find an error (not cp932's 0x80,
	 * not UTF-7 which may encode them) */
	if (rc == DEC_OK && strcmp(cs, "CP932") && strcmp(cs, "UTF-7")) {
		size_t i, k;

		for (i = k = start; i < out->n; i++) {
			if (out->v[i] >= 0x80 && out->v[i] <= 0x9f) {
				if (errors == ERR_STRICT)
					return DEC_UNICODE;
				if (errors == ERR_REPLACE)
					out->v[k++] = 0xfffd;
				continue;
			}
			out->v[k++] = out->v[i];
		}
		out->n = k;
	}
	return rc;
}

/* codec_decode - bytes.decode with the codec c; DEC_* */
static int
codec_decode(const unsigned char *s, size_t n, const struct pz_codec *c,
    int errors, struct ustr *out)
{
	const uint16_t	*map;
	size_t		 i;
	uint32_t	 u;

	switch (c->kind) {
	case PZC_ASCII:
	case PZC_LATIN1:
		for (i = 0; i < n; i++) {
			if (s[i] >= 0x80 && c->kind == PZC_ASCII) {
				if (dec_bad(out, errors) != DEC_OK)
					return DEC_UNICODE;
			} else
				us_add(out, s[i]);
		}
		return DEC_OK;
	case PZC_UTF8:
		return dec_utf8(s, n, errors, out);
	case PZC_UTF8SIG:
		if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
			s += 3;
			n -= 3;
		}
		return dec_utf8(s, n, errors, out);
	case PZC_UTF16:
	case PZC_UTF16LE:
	case PZC_UTF16BE:
		return dec_utf16(s, n, c->kind == PZC_UTF16 ? -1 :
		    c->kind == PZC_UTF16BE, errors, out);
	case PZC_UTF32:
	case PZC_UTF32LE:
	case PZC_UTF32BE:
		return dec_utf32(s, n, c->kind == PZC_UTF32 ? -1 :
		    c->kind == PZC_UTF32BE, errors, out);
	case PZC_RAWUE:
		return dec_rawue(s, n, errors, out);
	case PZC_CHARMAP:
		map = pz_charmap[c->map];
		for (i = 0; i < n; i++) {
			/* tables given from 0x80 leave 'A' at 0 */
			u = s[i] < 0x80 && map['A'] == 0 ? s[i] : map[s[i]];
			if (u == 0xfffe) {
				if (dec_bad(out, errors) != DEC_OK)
					return DEC_UNICODE;
			} else
				us_add(out, u);
		}
		return DEC_OK;
	case PZC_ICONV:
		return dec_iconv(s, n, c->iconv, errors, out);
	case PZC_NOTTEXT:
		return DEC_LOOKUP;
	case PZC_FAILS:
		return DEC_UNICODE;
	case PZC_UNSUPPORTED:
		break;
	}
	return DEC_CRASH;
}

/* py_decode - bytes.decode(name, errors) with name as code points */
static int
py_decode(const unsigned char *s, size_t n, const uint32_t *name,
    size_t nlen, int errors, struct ustr *out)
{
	const struct pz_codec *c;
	int	 rc;

	if ((rc = codec_find(name, nlen, &c)) != DEC_OK)
		return rc;
	return codec_decode(s, n, c, errors, out);
}

/* ------------------------------------------------------------------ */
/* The message as Python's email package (compat32) reads it            */

/* deepest nesting of parts "pyzor digest" survives (RecursionError) */
#define PZ_DEPTH_MAX	979

struct line {
	size_t		 off, len;	/* len 0: the '' a parser pushed back */
};

struct eofm {
	int		 nl;		/* NLCRE.match, else a boundary */
	struct ustr	*sep;		/* "--" boundary */
};

struct part {
	struct ustr	 ctype, cte;	/* first Content-Type, C-T-E values */
	int		 has_ctype, has_cte;
	int		 digest_default;	/* default type message/rfc822 */
	int		 is_list;	/* payload is a list of parts */
	struct part	**kids;
	size_t		 nkids;
	size_t		 poff, plen;	/* a str payload: msg[poff..+plen) */
	struct part	*next_alloc;
};

struct pzd {
	const unsigned char *msg;
	size_t		 len;
	struct line	*lines;
	size_t		 nlines, next;
	struct line	*back;		/* pushed back, top is next */
	size_t		 nback, capback;
	struct eofm	*eof;
	size_t		 neof, capeof;
	struct part	*parts;		/* every part, to free */
	struct part	*last;		/* FeedParser._last */
	int		 depth;
	int		 crash;		/* Python would have raised */
	const char	*why;
};

/* split_lines - the lines of BufferedSubFile: \r\n, \r or \n end one */
static void
split_lines(struct pzd *d)
{
	size_t	 i, start = 0, cap = 64;

	d->lines = xreallocarray(NULL, cap, sizeof(*d->lines));
	for (i = 0; i < d->len; i++) {
		if (d->msg[i] != '\n' && d->msg[i] != '\r')
			continue;
		if (d->msg[i] == '\r' && i + 1 < d->len && d->msg[i + 1] == '\n')
			i++;
		if (d->nlines == cap) {
			cap *= 2;
			d->lines = xreallocarray(d->lines, cap, sizeof(*d->lines));
		}
		d->lines[d->nlines].off = start;
		d->lines[d->nlines++].len = i + 1 - start;
		start = i + 1;
	}
	if (start < d->len) {
		if (d->nlines == cap)
			d->lines = xreallocarray(d->lines, cap + 1,
			    sizeof(*d->lines));
		d->lines[d->nlines].off = start;
		d->lines[d->nlines++].len = d->len - start;
	}
}

/* cp_at - the code point Python holds for message byte i */
static uint32_t
cp_at(const struct pzd *d, size_t i)
{
	return d->msg[i] < 0x80 ? d->msg[i] : 0xdc00u + d->msg[i];
}

/* boundary_match - boundaryre.match(line); *end set for "--sep--" */
static int
boundary_match(const struct pzd *d, struct line l, const struct ustr *sep,
    int *end)
{
	size_t	 i, p = l.off, e = l.off + l.len;

	if (l.len < sep->n)
		return 0;
	for (i = 0; i < sep->n; i++)
		if (cp_at(d, p + i) != sep->v[i])
			return 0;
	p += sep->n;
	*end = 0;
	if (e - p >= 2 && d->msg[p] == '-' && d->msg[p + 1] == '-') {
		*end = 1;
		p += 2;
	}
	while (p < e && (d->msg[p] == ' ' || d->msg[p] == '\t'))
		p++;
	if (p < e && d->msg[p] == '\r')
		p++;
	if (p < e && d->msg[p] == '\n')
		p++;
	return p == e;
}

/* nl_match - NLCRE.match(line): it starts with \r or \n */
static int
nl_match(const struct pzd *d, struct line l)
{
	return l.len > 0 && (d->msg[l.off] == '\r' || d->msg[l.off] == '\n');
}

/* unread - BufferedSubFile.unreadline */
static void
unread(struct pzd *d, struct line l)
{
	if (d->nback == d->capback) {
		d->capback = d->capback ? d->capback * 2 : 8;
		d->back = xreallocarray(d->back, d->capback, sizeof(*d->back));
	}
	d->back[d->nback++] = l;
}

/* readline - BufferedSubFile.readline: 0 for '' (the end, or a line an
 * end-of-part matcher claims, left for the outer parser) */
static int
readline_(struct pzd *d, struct line *out)
{
	struct line l;
	size_t	 i;
	int	 end;

	if (d->nback > 0)
		l = d->back[--d->nback];
	else if (d->next < d->nlines)
		l = d->lines[d->next++];
	else
		return 0;
	if (l.len == 0)
		return 0;
	for (i = d->neof; i-- > 0;) {
		if (d->eof[i].nl ? nl_match(d, l) :
		    boundary_match(d, l, d->eof[i].sep, &end)) {
			unread(d, l);
			return 0;
		}
	}
	*out = l;
	return 1;
}

/* push_eof - push an end-of-part matcher (sep NULL: an empty line) */
static void
push_eof(struct pzd *d, struct ustr *sep)
{
	if (d->neof == d->capeof) {
		d->capeof = d->capeof ? d->capeof * 2 : 8;
		d->eof = xreallocarray(d->eof, d->capeof, sizeof(*d->eof));
	}
	d->eof[d->neof].nl = sep == NULL;
	d->eof[d->neof++].sep = sep;
}

/* crash - Python raises here and pyzor gives no digest */
static void
crash(struct pzd *d, const char *why)
{
	if (!d->crash) {
		d->crash = 1;
		d->why = why;
	}
}

/* header_value - a header's value as Message.get returns it (compat32):
 * the text after ':' less leading blanks, continuation lines as they
 * are, less trailing \r\n; a value with 8-bit bytes becomes a Header
 * whose str() has U+FFFD for each of them */
static void
header_value(const struct pzd *d, const struct line *hl, size_t n,
    size_t colon, struct ustr *out)
{
	size_t	 i, p, e;

	out->n = 0;
	for (i = 0; i < n; i++) {
		p = hl[i].off;
		e = p + hl[i].len;
		if (i == 0) {
			p = colon + 1;
			while (p < e && (d->msg[p] == ' ' || d->msg[p] == '\t'))
				p++;
		}
		for (; p < e; p++)
			us_add(out, d->msg[p] < 0x80 ? d->msg[p] : 0xfffd);
	}
	while (out->n > 0 && (out->v[out->n - 1] == '\r' ||
	    out->v[out->n - 1] == '\n'))
		out->n--;
}

/* name_is - the header name msg[p..e) is, in any case, the name n */
static int
name_is(const struct pzd *d, size_t p, size_t e, const char *n)
{
	for (; p < e && *n; p++, n++)
		if (lower_ascii(d->msg[p]) != (unsigned char)*n)
			return 0;
	return p == e && *n == '\0';
}

/* set_raw - keep the first Content-Type and Content-Transfer-Encoding */
static void
set_raw(struct pzd *d, struct part *m, const struct line *hl, size_t n)
{
	size_t	 p = hl[0].off, colon;

	colon = p;
	while (d->msg[colon] != ':')
		colon++;
	if (!m->has_ctype && name_is(d, p, colon, "content-type")) {
		m->has_ctype = 1;
		header_value(d, hl, n, colon, &m->ctype);
	} else if (!m->has_cte &&
	    name_is(d, p, colon, "content-transfer-encoding")) {
		m->has_cte = 1;
		header_value(d, hl, n, colon, &m->cte);
	}
}

/* header_line - headerRE: "From ", a name of printable non-colon
 * characters (maybe none) and a colon, or a blank */
static int
header_line(const struct pzd *d, struct line l)
{
	size_t	 p = l.off, e = l.off + l.len;

	if (l.len >= 5 && !memcmp(d->msg + p, "From ", 5))
		return 1;
	if (d->msg[p] == ' ' || d->msg[p] == '\t')
		return 1;
	for (; p < e; p++) {
		if (d->msg[p] == ':')
			return 1;
		if (d->msg[p] < 0x21 || d->msg[p] > 0x7e)
			return 0;
	}
	return 0;
}

/* parse_headers - FeedParser._parse_headers */
static void
parse_headers(struct pzd *d, struct part *m, struct line *hl, size_t n)
{
	size_t	 i, first = 0, have = 0, c;

	for (i = 0; i < n; i++) {
		const unsigned char *s = d->msg + hl[i].off;

		if (s[0] == ' ' || s[0] == '\t') {
			if (have)
				continue;	/* part of the last header */
			continue;		/* a defect, dropped */
		}
		if (have) {
			set_raw(d, m, hl + first, i - first);
			have = 0;
		}
		if (hl[i].len >= 5 && !memcmp(s, "From ", 5)) {
			if (i == 0)
				continue;	/* the unix From line */
			if (i == n - 1) {
				unread(d, hl[i]);
				return;
			}
			continue;		/* misplaced: dropped */
		}
		for (c = 0; s[c] != ':'; c++)
			;
		if (c == 0)
			continue;		/* no name: dropped */
		first = i;
		have = 1;
	}
	if (have)
		set_raw(d, m, hl + first, n - first);
}

/* ctype_split - get_content_type of a part: the type, lower case, in
 * out; the default when there is no Content-Type */
static void
content_type(const struct part *m, struct ustr *out)
{
	size_t	 b = 0, e, i, slash = 0;

	out->n = 0;
	if (!m->has_ctype) {
		us_adda(out, m->digest_default ? "message/rfc822" :
		    "text/plain");
		return;
	}
	for (e = 0; e < m->ctype.n && m->ctype.v[e] != ';'; e++)
		;
	py_strip(m->ctype.v, &b, &e);
	for (i = b; i < e; i++) {
		us_add(out, lower_ascii(m->ctype.v[i]));
		slash += m->ctype.v[i] == '/';
	}
	if (slash != 1) {
		out->n = 0;
		us_adda(out, "text/plain");
	}
}

/* maintype_is - get_content_maintype() == t */
static int
maintype_is(const struct part *m, const char *t)
{
	struct ustr ct = USTR_INIT;
	size_t	 i;
	int	 r;

	content_type(m, &ct);
	for (i = 0; ct.v[i] != '/'; i++)
		;
	r = us_eqa(ct.v, i, t);
	us_free(&ct);
	return r;
}

/* type_is - get_content_type() == t */
static int
type_is(const struct part *m, const char *t)
{
	struct ustr ct = USTR_INIT;
	int	 r;

	content_type(m, &ct);
	r = us_eqa(ct.v, ct.n, t);
	us_free(&ct);
	return r;
}

/* subtype_is - get_content_subtype() == t */
static int
subtype_is(const struct part *m, const char *t)
{
	struct ustr ct = USTR_INIT;
	size_t	 i;
	int	 r;

	content_type(m, &ct);
	for (i = 0; ct.v[i] != '/'; i++)
		;
	r = us_eqa(ct.v + i + 1, ct.n - i - 1, t);
	us_free(&ct);
	return r;
}

/* ------------------------------------------------------------------ */
/* Parameters: _parseparam, decode_params, get_param                   */

struct param {
	struct ustr	 name, val;
};

/* a parameter value as get_param(unquote=True) returns it */
struct pval {
	int		 tuple;		/* RFC 2231: (charset, lang, text) */
	int		 cs_none;	/* charset None */
	struct ustr	 cs, text;	/* text: the str value when !tuple */
};

/* py_unquote - email.utils.unquote, in place */
static void
py_unquote(struct ustr *s)
{
	size_t	 i, o;

	if (s->n < 2)
		return;
	if (s->v[0] == '"' && s->v[s->n - 1] == '"') {
		memmove(s->v, s->v + 1, (s->n - 2) * sizeof(*s->v));
		s->n -= 2;
		/* replace('\\\\', '\\') then replace('\\"', '"') */
		for (i = o = 0; i < s->n; i++) {
			s->v[o++] = s->v[i];
			if (s->v[i] == '\\' && i + 1 < s->n && s->v[i + 1] == '\\')
				i++;
		}
		s->n = o;
		for (i = o = 0; i < s->n; i++) {
			if (s->v[i] == '\\' && i + 1 < s->n && s->v[i + 1] == '"')
				continue;
			s->v[o++] = s->v[i];
		}
		s->n = o;
	} else if (s->v[0] == '<' && s->v[s->n - 1] == '>') {
		memmove(s->v, s->v + 1, (s->n - 2) * sizeof(*s->v));
		s->n -= 2;
	}
}

/* py_quote_wrap - '"%s"' % email.utils.quote(s) */
static void
py_quote_wrap(const struct ustr *s, struct ustr *out)
{
	size_t	 i;

	out->n = 0;
	us_add(out, '"');
	for (i = 0; i < s->n; i++) {
		if (s->v[i] == '\\' || s->v[i] == '"')
			us_add(out, '\\');
		us_add(out, s->v[i]);
	}
	us_add(out, '"');
}

/* parse_params - _parseparam and the split of _get_params_preserve;
 * the first entry is the content type itself */
static size_t
parse_params(const struct ustr *v, struct param **out)
{
	struct param	*pl = NULL;
	size_t		 np = 0, pos = 0, end, i, b, e, eq, vb, ve;
	long		 q;

	for (;;) {
		/* end: the next ';' unless the quotes before it are odd */
		for (end = pos; end < v->n && v->v[end] != ';'; end++)
			;
		while (end < v->n && end > pos) {
			for (q = 0, i = pos; i < end; i++) {
				q += v->v[i] == '"';
				if (v->v[i] == '\\' && i + 1 < end &&
				    v->v[i + 1] == '"')
					q--;
			}
			if (q % 2 == 0)
				break;
			for (end++; end < v->n && v->v[end] != ';'; end++)
				;
		}
		pl = xreallocarray(pl, np + 1, sizeof(*pl));
		memset(&pl[np], 0, sizeof(pl[np]));
		for (eq = pos; eq < end && v->v[eq] != '='; eq++)
			;
		b = pos;
		e = eq;
		py_strip(v->v, &b, &e);
		if (eq < end) {
			/* name stripped and lowered, value stripped */
			for (i = b; i < e; i++)
				us_add(&pl[np].name, lower_ascii(v->v[i]));
			vb = eq + 1;
			ve = end;
			py_strip(v->v, &vb, &ve);
			us_addn(&pl[np].val, v->v + vb, ve - vb);
		} else
			us_addn(&pl[np].name, v->v + b, e - b);
		np++;
		if (end >= v->n)
			break;
		pos = end + 1;
	}
	*out = pl;
	return np;
}

/* rfc2231_name - rfc2231_continuation: "name*", "name*N", "name*N*";
 * *num -1 for none; 0 when the name is not one; -1 when int(N) fails */
static int
rfc2231_name(const struct ustr *n, size_t *base, long *num)
{
	size_t	 i = 0, d;

	while (i < n->n && n->v[i] < 0x80 && (n->v[i] == '_' ||
	    (n->v[i] >= '0' && n->v[i] <= '9') ||
	    (n->v[i] | 0x20) - 'a' < 26))
		i++;
	if (i == 0 || i >= n->n || n->v[i] != '*')
		return 0;
	*base = i;
	*num = -1;
	if (++i == n->n)
		return 1;
	for (d = i; i < n->n && n->v[i] >= '0' && n->v[i] <= '9'; i++)
		;
	if (i == d)
		return 0;
	if (i < n->n && !(n->v[i] == '*' && i + 1 == n->n))
		return 0;
	if (i - d > 4300)	/* int() refuses more digits */
		return -1;
	*num = 0;
	for (; d < i; d++)
		*num = *num > 100000000 ? *num : *num * 10 +
		    (long)(n->v[d] - '0');
	return 1;
}

/* us_cmp - compare code point strings as Python compares str */
static int
us_cmp(const struct ustr *a, const struct ustr *b)
{
	size_t	 i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

struct cont {
	long		 num;
	struct ustr	*val;
	int		 enc;
};

/* cont_cmp - tuple order of (num, value, encoded) */
static int
cont_cmp(const void *x, const void *y)
{
	const struct cont *a = x, *b = y;
	int	 c;

	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	if ((c = us_cmp(a->val, b->val)) != 0)
		return c;
	return a->enc - b->enc;
}

/* pct_decode - urllib.parse.unquote(s, encoding="latin-1") */
static void
pct_decode(struct ustr *s)
{
	size_t	 i, o;
	int	 h1, h2;

	for (i = o = 0; i < s->n; i++) {
		if (s->v[i] == '%' && i + 2 < s->n &&
		    (h1 = hexval(s->v[i + 1])) >= 0 &&
		    (h2 = hexval(s->v[i + 2])) >= 0) {
			s->v[o++] = (uint32_t)(h1 << 4 | h2);
			i += 2;
		} else
			s->v[o++] = s->v[i];
	}
	s->n = o;
}

/*
 * get_param - Message.get_param(name) on the Content-Type of m, with
 * decode_params (RFC 2231) applied to all parameters as Python does:
 * 1 found, 0 not, -1 Python raises (mixed or absurd continuations)
 */
static int
get_param(const struct part *m, const char *want, struct pval *out)
{
	struct param	*pl;
	struct cont	*cs = NULL;
	size_t		 np, i, j, k, base, ncs = 0;
	long		 num;
	int		 rc = 0, r, isnum, isnone;
	struct ustr	 tmp = USTR_INIT, *vals;

	memset(out, 0, sizeof(*out));
	if (!m->has_ctype)
		return 0;
	np = parse_params(&m->ctype, &pl);
	vals = xcalloc(np, sizeof(*vals));
	/* params[0] as it is; then the plain ones, re-quoted */
	for (i = 0; i < np && rc == 0; i++) {
		struct ustr lname = USTR_INIT;

		for (j = 0; j < pl[i].name.n; j++)
			us_add(&lname, lower_ascii(pl[i].name.v[j]));
		if (i > 0) {
			py_unquote(&pl[i].val);
			r = rfc2231_name(&pl[i].name, &base, &num);
			if (r < 0)
				rc = -1;
			if (r != 0) {
				us_free(&lname);
				continue;
			}
			py_quote_wrap(&pl[i].val, &tmp);
			pl[i].val.n = 0;
			us_addn(&pl[i].val, tmp.v, tmp.n);
		}
		if (us_eqa(lname.v, lname.n, want) && rc == 0 && !out->text.v) {
			us_addn(&out->text, pl[i].val.v, pl[i].val.n);
			us_add(&out->text, 0);
			out->text.n--;
			rc = 1;
		}
		us_free(&lname);
	}
	if (rc == 1) {
		/* a plain one wins, but every RFC 2231 group is still
		 * decoded: look for the failures of that */
		rc = 0;
		for (i = 1; i < np; i++)
			if (rfc2231_name(&pl[i].name, &base, &num) < 0)
				rc = -1;
		if (rc == 0)
			rc = 1;
	}
	/* the RFC 2231 groups, in the order of their first parameter */
	for (i = 1; i < np && rc >= 0; i++) {
		int	 done = 0, extended = 0;

		if (rfc2231_name(&pl[i].name, &base, &num) != 1)
			continue;
		for (k = 1; k < i && !done; k++) {
			size_t b2;
			long n2;

			if (rfc2231_name(&pl[k].name, &b2, &n2) == 1 &&
			    b2 == base && !memcmp(pl[k].name.v, pl[i].name.v,
			    base * sizeof(uint32_t)))
				done = 1;
		}
		if (done)
			continue;
		ncs = 0;
		isnum = isnone = 0;
		for (k = i; k < np; k++) {
			size_t b2;
			long n2;

			if (rfc2231_name(&pl[k].name, &b2, &n2) != 1 ||
			    b2 != base || memcmp(pl[k].name.v, pl[i].name.v,
			    base * sizeof(uint32_t)))
				continue;
			cs = xreallocarray(cs, ncs + 1, sizeof(*cs));
			cs[ncs].num = n2;
			cs[ncs].val = &pl[k].val;
			cs[ncs].enc = pl[k].name.v[pl[k].name.n - 1] == '*';
			isnum |= n2 >= 0;
			isnone |= n2 < 0;
			ncs++;
		}
		if (isnum && isnone && ncs > 1) {
			rc = -1;	/* TypeError: None < int */
			break;
		}
		qsort(cs, ncs, sizeof(*cs), cont_cmp);
		tmp.n = 0;
		for (k = 0; k < ncs; k++) {
			if (cs[k].enc) {
				pct_decode(cs[k].val);
				extended = 1;
			}
			us_addn(&tmp, cs[k].val->v, cs[k].val->n);
		}
		/* quote(), then decode_rfc2231 splits at the first two
		 * ticks; get_param unquotes the text again */
		if (rc == 0 && us_eqa(pl[i].name.v, base, want)) {
			struct ustr q = USTR_INIT;

			py_quote_wrap(&tmp, &q);
			/* drop the wrapping quotes added by quote_wrap: the
			 * value is quote(joined) */
			memmove(q.v, q.v + 1, (q.n - 2) * sizeof(*q.v));
			q.n -= 2;
			if (extended) {
				size_t t1, t2;

				for (t1 = 0; t1 < q.n && q.v[t1] != '\''; t1++)
					;
				for (t2 = t1 + 1; t2 < q.n && q.v[t2] != '\'';
				    t2++)
					;
				if (t1 < q.n && t2 < q.n) {
					out->tuple = 1;
					us_addn(&out->cs, q.v, t1);
					us_add(&out->text, '"');
					us_addn(&out->text, q.v + t2 + 1,
					    q.n - t2 - 1);
					us_add(&out->text, '"');
				} else {
					out->tuple = 1;
					out->cs_none = 1;
					us_add(&out->text, '"');
					us_addn(&out->text, q.v, q.n);
					us_add(&out->text, '"');
				}
			} else {
				us_add(&out->text, '"');
				us_addn(&out->text, q.v, q.n);
				us_add(&out->text, '"');
			}
			us_free(&q);
			rc = 1;
		}
	}
	if (rc == 1)
		py_unquote(&out->text);
	for (i = 0; i < np; i++) {
		us_free(&pl[i].name);
		us_free(&pl[i].val);
	}
	xfree(pl);
	xfree(vals);
	xfree(cs);
	us_free(&tmp);
	return rc;
}

/* pval_free - release */
static void
pval_free(struct pval *p)
{
	us_free(&p->cs);
	us_free(&p->text);
}

/* raw_unicode_escape - str.encode('raw-unicode-escape') */
static void
raw_unicode_escape(const struct ustr *s, struct buf *out)
{
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i] < 0x100)
			buf_addc(out, (int)s->v[i]);
		else if (s->v[i] < 0x10000)
			buf_addf(out, "\\u%04x", s->v[i]);
		else
			buf_addf(out, "\\U%08x", s->v[i]);
	}
}

/*
 * content_charset - get_content_charset(): 1 with the name (lower
 * case) in out, 0 for None, -1 when Python raises
 */
static int
content_charset(struct pzd *d, const struct part *m, struct ustr *out)
{
	struct pval	 pv;
	struct buf	 b = BUF_INIT;
	struct ustr	 dec = USTR_INIT, *cs;
	size_t		 i;
	int		 rc;

	out->n = 0;
	if ((rc = get_param(m, "charset", &pv)) <= 0) {
		if (rc < 0)
			crash(d, "charset parameters");
		pval_free(&pv);
		return rc;
	}
	cs = &pv.text;
	if (pv.tuple) {
		/* str(text.encode('raw-unicode-escape'), charset or
		 * 'us-ascii'), the text itself when that fails */
		struct ustr ascii = USTR_INIT;

		us_adda(&ascii, "us-ascii");
		raw_unicode_escape(&pv.text, &b);
		rc = py_decode((unsigned char *)b.data, b.len,
		    pv.cs_none || pv.cs.n == 0 ? ascii.v : pv.cs.v,
		    pv.cs_none || pv.cs.n == 0 ? ascii.n : pv.cs.n,
		    ERR_STRICT, &dec);
		us_free(&ascii);
		if (rc == DEC_CRASH) {
			crash(d, "charset name");
			rc = -1;
			goto out;
		}
		if (rc == DEC_OK)
			cs = &dec;
	}
	rc = 0;
	for (i = 0; i < cs->n; i++)
		if (cs->v[i] >= 0x80)
			goto out;
	for (i = 0; i < cs->n; i++)
		us_add(out, lower_ascii(cs->v[i]));
	rc = 1;
out:
	buf_free(&b);
	us_free(&dec);
	pval_free(&pv);
	return rc;
}

/*
 * get_boundary - the boundary of a multipart: 1 with "--" boundary in
 * sep, 0 when it has none, -1 when Python raises
 */
static int
get_boundary(struct pzd *d, const struct part *m, struct ustr *sep)
{
	struct pval	 pv;
	struct buf	 b = BUF_INIT;
	struct ustr	 dec = USTR_INIT, *bd;
	size_t		 e;
	int		 rc;

	sep->n = 0;
	if ((rc = get_param(m, "boundary", &pv)) <= 0) {
		pval_free(&pv);
		return rc;
	}
	bd = &pv.text;
	if (pv.tuple) {
		/* collapse_rfc2231_value: str(bytes(text,
		 * 'raw-unicode-escape'), charset, 'replace'), unquote(text)
		 * for an unknown charset */
		struct ustr ascii = USTR_INIT;

		us_adda(&ascii, "us-ascii");
		raw_unicode_escape(&pv.text, &b);
		rc = py_decode((unsigned char *)b.data, b.len,
		    pv.cs_none ? ascii.v : pv.cs.v,
		    pv.cs_none ? ascii.n : pv.cs.n, ERR_REPLACE, &dec);
		us_free(&ascii);
		if (rc == DEC_OK)
			bd = &dec;
		else if (rc == DEC_LOOKUP)
			py_unquote(bd);
		else {
			crash(d, "boundary charset");
			rc = -1;
			goto out;
		}
	} else
		py_unquote(bd);
	e = bd->n;
	while (e > 0 && py_space(bd->v[e - 1]))
		e--;
	us_adda(sep, "--");
	us_addn(sep, bd->v, e);
	rc = 1;
out:
	buf_free(&b);
	us_free(&dec);
	pval_free(&pv);
	return rc;
}

/* ------------------------------------------------------------------ */
/* FeedParser._parsegen                                                */

/* new_part - FeedParser._new_message under parent (NULL: the root) */
static struct part *
new_part(struct pzd *d, struct part *parent)
{
	struct part *m = xcalloc(1, sizeof(*m));

	m->next_alloc = d->parts;
	d->parts = m;
	if (parent != NULL) {
		m->digest_default = type_is(parent, "multipart/digest");
		parent->kids = xreallocarray(parent->kids, parent->nkids + 1,
		    sizeof(*parent->kids));
		parent->kids[parent->nkids++] = m;
		parent->is_list = 1;
	}
	d->last = m;
	return m;
}

/* set_span - a str payload made of the lines from first to last */
static void
set_span(struct part *m, const struct line *first, const struct line *last)
{
	m->is_list = 0;
	if (first == NULL) {
		m->poff = m->plen = 0;
		return;
	}
	m->poff = first->off;
	m->plen = last->off + last->len - first->off;
}

/* rest_lines - read to the end of this part; its lines as a span */
static void
rest_lines(struct pzd *d, struct part *m, int keep)
{
	struct line l, first = { 0, 0 }, last = { 0, 0 };
	int	 any = 0;

	while (readline_(d, &l)) {
		if (!any)
			first = l;
		last = l;
		any = 1;
	}
	if (keep)
		set_span(m, any ? &first : NULL, &last);
}

/* strip_eol - NLCRE_eol: the payload less one final line end */
static void
strip_eol(const struct pzd *d, struct part *m)
{
	const unsigned char *p = d->msg + m->poff;

	if (m->plen >= 2 && p[m->plen - 2] == '\r' && p[m->plen - 1] == '\n')
		m->plen -= 2;
	else if (m->plen >= 1 && (p[m->plen - 1] == '\r' ||
	    p[m->plen - 1] == '\n'))
		m->plen--;
}

static void parsegen(struct pzd *, struct part *);

/* parse_multipart - the body of a multipart with boundary sep */
static void
parse_multipart(struct pzd *d, struct part *m, struct ustr *sep)
{
	struct line l, first = { 0, 0 }, last = { 0, 0 };
	int	 capturing = 1, any = 0, end, close_seen = 0;

	for (;;) {
		if (!readline_(d, &l))
			break;
		if (!boundary_match(d, l, sep, &end)) {
			if (!capturing) {
				crash(d, "multipart assertion");
				return;
			}
			if (!any)
				first = l;
			last = l;
			any = 1;
			continue;
		}
		if (end) {
			close_seen = 1;
			break;
		}
		if (capturing) {
			capturing = 0;
			unread(d, l);
			continue;
		}
		/* repeated boundary lines (a closing one too) are skipped */
		for (;;) {
			if (!readline_(d, &l)) {
				struct line empty = { 0, 0 };

				unread(d, empty);
				break;
			}
			if (!boundary_match(d, l, sep, &end)) {
				unread(d, l);
				break;
			}
		}
		push_eof(d, sep);
		parsegen(d, m);
		if (d->crash)
			return;
		if (!d->last->is_list && !maintype_is(d->last, "multipart"))
			strip_eol(d, d->last);
		d->neof--;
		d->last = m;
	}
	if (capturing) {
		/* no start boundary: the preamble is the payload */
		set_span(m, any ? &first : NULL, &last);
		rest_lines(d, m, 0);
		return;
	}
	if (close_seen)
		rest_lines(d, m, 0);	/* the epilogue */
}

/* parsegen - parse one message (part) under parent */
static void
parsegen(struct pzd *d, struct part *parent)
{
	struct part	*m;
	struct line	 l, *hl = NULL;
	struct ustr	 sep = USTR_INIT;
	size_t		 nh = 0, caph = 0;
	int		 rc;

	if (++d->depth > PZ_DEPTH_MAX) {
		crash(d, "recursion");
		d->depth--;
		return;
	}
	m = new_part(d, parent);
	while (readline_(d, &l)) {
		if (!header_line(d, l)) {
			if (!nl_match(d, l))
				unread(d, l);
			break;
		}
		if (nh == caph) {
			caph = caph ? caph * 2 : 16;
			hl = xreallocarray(hl, caph, sizeof(*hl));
		}
		hl[nh++] = l;
	}
	parse_headers(d, m, hl, nh);
	xfree(hl);

	if (type_is(m, "message/delivery-status")) {
		for (;;) {
			push_eof(d, NULL);
			parsegen(d, m);
			d->neof--;
			if (d->crash)
				break;
			(void)readline_(d, &l);
			if (!readline_(d, &l))
				break;
			unread(d, l);
		}
	} else if (maintype_is(m, "message")) {
		parsegen(d, m);
	} else if (maintype_is(m, "multipart")) {
		rc = get_boundary(d, m, &sep);
		if (rc < 0)
			crash(d, "boundary");
		else if (rc == 0)
			rest_lines(d, m, 1);
		else
			parse_multipart(d, m, &sep);
	} else
		rest_lines(d, m, 1);
	us_free(&sep);
	d->depth--;
}

/* ------------------------------------------------------------------ */
/* get_payload(decode=True): quoted-printable, base64, uuencode         */

/* a2b_qp - binascii.a2b_qp(s, header=False) */
static void
a2b_qp(const unsigned char *s, size_t n, struct buf *out)
{
	size_t	 i = 0;

	while (i < n) {
		if (s[i] != '=') {
			buf_addc(out, s[i++]);
			continue;
		}
		if (++i >= n)
			break;
		if (s[i] == '\n' || s[i] == '\r') {
			/* a soft line break: up to and with the \n */
			while (i < n && s[i] != '\n')
				i++;
			if (i < n)
				i++;
		} else if (s[i] == '=') {
			buf_addc(out, '=');
			i++;
		} else if (i + 1 < n && hexval(s[i]) >= 0 &&
		    hexval(s[i + 1]) >= 0) {
			buf_addc(out, hexval(s[i]) << 4 | hexval(s[i + 1]));
			i += 2;
		} else
			buf_addc(out, '=');
	}
}

/* b64val - the value of a base64 character, or -1 */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* a2b_base64 - binascii.a2b_base64 of Python 3.11; -1 for its errors */
static int
a2b_base64(const unsigned char *s, size_t n, int strict, struct buf *out)
{
	size_t	 i;
	int	 quad = 0, pads = 0, padding = 0, v;
	unsigned leftchar = 0;

	if (strict && n > 0 && s[0] == '=')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			padding = 1;
			if (quad >= 2 && quad + ++pads >= 4) {
				if (strict && i + 1 < n)
					return -1;
				return 0;
			}
			continue;
		}
		if ((v = b64val(s[i])) < 0) {
			if (strict)
				return -1;
			continue;
		}
		if (strict && padding)
			return -1;
		pads = 0;
		switch (quad) {
		case 0:
			quad = 1;
			leftchar = (unsigned)v;
			break;
		case 1:
			quad = 2;
			buf_addc(out, (int)((leftchar << 2 | (unsigned)v >> 4) &
			    0xff));
			leftchar = (unsigned)v & 0x0f;
			break;
		case 2:
			quad = 3;
			buf_addc(out, (int)((leftchar << 4 | (unsigned)v >> 2) &
			    0xff));
			leftchar = (unsigned)v & 0x03;
			break;
		default:
			quad = 0;
			buf_addc(out, (int)((leftchar << 6 | (unsigned)v) & 0xff));
			leftchar = 0;
			break;
		}
	}
	return quad != 0 ? -1 : 0;
}

/* decode_b - email._encoded_words.decode_b on the payload less its
 * line ends: strict with padding added, loose, loose with "==", or the
 * joined text itself */
static void
decode_b(const unsigned char *s, size_t n, struct buf *out)
{
	struct buf	 j = BUF_INIT;
	size_t		 i, pad;

	for (i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			buf_addc(&j, s[i]);
	pad = j.len % 4;
	buf_add(&j, "===", pad ? 4 - pad : 0);
	if (a2b_base64((unsigned char *)j.data, j.len, 1, out) == 0)
		goto done;
	buf_reset(out);
	j.len -= pad ? 4 - pad : 0;
	if (a2b_base64((unsigned char *)j.data, j.len, 0, out) == 0)
		goto done;
	buf_reset(out);
	buf_add(&j, "==", 2);
	if (a2b_base64((unsigned char *)j.data, j.len, 0, out) == 0)
		goto done;
	buf_reset(out);
	buf_add(out, j.data, j.len - 2);
done:
	buf_free(&j);
}

/* a2b_uu - binascii.a2b_uu of one line; -1 for its errors */
static int
a2b_uu(const unsigned char *s, size_t n, struct buf *out)
{
	size_t		 i = 1;
	int		 blen, bits = 0;
	unsigned	 left = 0, c;

	blen = n > 0 ? (s[0] - ' ') & 077 : 0;
	for (; blen > 0; i++) {
		c = i < n ? s[i] : 0;
		if (c == '\n' || c == '\r' || i >= n)
			c = 0;
		else {
			if (c < ' ' || c > ' ' + 64)
				return -1;
			c = (c - ' ') & 077;
		}
		left = (left << 6 | c) & 0xffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (int)((left >> bits) & 0xff));
			left &= (1u << bits) - 1;
			blen--;
		}
	}
	for (; i < n; i++)
		if (s[i] != ' ' && s[i] != ' ' + 64 && s[i] != '\n' &&
		    s[i] != '\r')
			return -1;
	return 0;
}

/* octal_mode - int(mode, base=8) succeeds */
static int
octal_mode(const unsigned char *s, size_t n)
{
	size_t	 b = 0, e = n, i;
	int	 digit = 0;

	while (b < e && (s[b] == ' ' || (s[b] >= '\t' && s[b] <= '\r')))
		b++;
	while (e > b && (s[e - 1] == ' ' || (s[e - 1] >= '\t' &&
	    s[e - 1] <= '\r')))
		e--;
	if (b < e && (s[b] == '+' || s[b] == '-'))
		b++;
	if (e - b >= 2 && s[b] == '0' && (s[b + 1] | 0x20) == 'o') {
		b += 2;
		digit = 1;	/* "0o_7" is allowed */
	}
	if (b == e)
		return 0;
	for (i = b; i < e; i++) {
		if (s[i] == '_' && digit && i + 1 < e && s[i + 1] != '_') {
			digit = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '7')
			return 0;
		digit = 1;
	}
	return 1;
}

/* next_bline - bytes.splitlines(): the next line of s at *p */
static int
next_bline(const unsigned char *s, size_t n, size_t *p, size_t *lb,
    size_t *le)
{
	if (*p >= n)
		return 0;
	*lb = *p;
	while (*p < n && s[*p] != '\n' && s[*p] != '\r')
		(*p)++;
	*le = *p;
	if (*p < n) {
		if (s[*p] == '\r' && *p + 1 < n && s[*p + 1] == '\n')
			*p += 2;
		else
			(*p)++;
	}
	return 1;
}

/* decode_uu - message._decode_uu; -1 when it raises ValueError */
static int
decode_uu(const unsigned char *s, size_t n, struct buf *out)
{
	size_t	 p = 0, b, e, sp, nb;
	int	 found = 0;

	while (!found && next_bline(s, n, &p, &b, &e)) {
		if (e - b < 6 || memcmp(s + b, "begin ", 6))
			continue;
		for (sp = b + 6; sp < e && s[sp] != ' '; sp++)
			;
		found = octal_mode(s + b + 6, sp - b - 6);
	}
	if (!found)
		return -1;
	while (next_bline(s, n, &p, &b, &e)) {
		size_t sb = b, se = e;

		if (b == e)
			return -1;
		while (sb < se && strchr(" \t\r\n\f", s[sb]) != NULL)
			sb++;
		while (se > sb && strchr(" \t\r\n\f", s[se - 1]) != NULL)
			se--;
		if (se - sb == 3 && !memcmp(s + sb, "end", 3))
			break;
		nb = out->len;
		if (a2b_uu(s + b, e - b, out) == 0)
			continue;
		buf_trunc(out, nb);
		nb = (size_t)((((s[b] - 32) & 63) * 4 + 5) / 3);
		if (a2b_uu(s + b, nb < e - b ? nb : e - b, out) < 0)
			return -1;
	}
	return 0;
}

/* cte_is - str(get('content-transfer-encoding', '')).lower() == t */
static int
cte_is(const struct part *m, const char *t)
{
	size_t	 i;

	if (!m->has_cte)
		return *t == '\0';
	for (i = 0; i < m->cte.n; i++)
		if (t[i] == '\0' || lower_ascii(m->cte.v[i]) !=
		    (unsigned char)t[i])
			return 0;
	return t[i] == '\0';
}

/* payload_bytes - get_payload(decode=True) of a leaf */
static void
payload_bytes(const struct pzd *d, const struct part *m, struct buf *out)
{
	const unsigned char *s = d->msg + m->poff;
	size_t	 n = m->plen;

	if (cte_is(m, "quoted-printable"))
		a2b_qp(s, n, out);
	else if (cte_is(m, "base64"))
		decode_b(s, n, out);
	else if (cte_is(m, "x-uuencode") || cte_is(m, "uuencode") ||
	    cte_is(m, "uue") || cte_is(m, "x-uue")) {
		if (decode_uu(s, n, out) < 0) {
			buf_reset(out);
			buf_add(out, s, n);
		}
	} else
		buf_add(out, s, n);
}

/* ------------------------------------------------------------------ */
/* html.parser.HTMLParser as pyzor's HTMLStripper drives it             */

/* Python's \s inside a character class */
#define WS	"\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x{85}\\x{a0}\\x{1680}" \
		"\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"

enum {
	RX_STARTTAGEND, RX_TAGFIND, RX_ATTRFIND, RX_ENDTAGFIND,
	RX_COMMENTCLOSE, RX_MSCLOSE, RX_MSMSCLOSE, RX_DECLNAME,
	RX_CDATA_SCRIPT, RX_CDATA_STYLE, RX_N
};

static const char *const rx_src[RX_N] = {
	/* locatestarttagend_tolerant */
	"<[a-zA-Z][^\\t\\n\\r\\f />\\x00]*(?:[" WS "/]*(?:(?<=['\"" WS "/])"
	"[^" WS "/>][^" WS "/=>]*(?:[" WS "]*=+[" WS "]*(?:'[^']*'|"
	"\"[^\"]*\"|(?!['\"])[^>" WS "]*)[" WS "]*)?(?:[" WS "]|/(?!>))*)*)?"
	"[" WS "]*",
	/* tagfind_tolerant */
	"([a-zA-Z][^\\t\\n\\r\\f />\\x00]*)(?:[" WS "]|/(?!>))*",
	/* attrfind_tolerant */
	"((?<=['\"" WS "/])[^" WS "/>][^" WS "/=>]*)([" WS "]*=+[" WS "]*"
	"('[^']*'|\"[^\"]*\"|(?!['\"])[^>" WS "]*))?(?:[" WS "]|/(?!>))*",
	/* endtagfind */
	"</[" WS "]*([a-zA-Z][-.a-zA-Z0-9:_]*)[" WS "]*>",
	/* _commentclose, _markedsectionclose, _msmarkedsectionclose */
	"--[" WS "]*>",
	"\\][" WS "]*\\][" WS "]*>",
	"\\][" WS "]*>",
	/* _declname_match */
	"[a-zA-Z][-_.a-zA-Z0-9]*[" WS "]*",
	/* set_cdata_mode: r'</\s*%s\s*>' with re.I, Unicode case folds */
	"</[" WS "]*[sS\\x{17f}][cC][rR][iI\\x{130}\\x{131}][pP][tT]"
	"[" WS "]*>",
	"</[" WS "]*[sS\\x{17f}][tT][yY][lL][eE][" WS "]*>",
};

static pcre2_code *rx[RX_N];
static pcre2_match_context *rx_mctx;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

/* rx_init - compile the html.parser patterns, once */
static void
rx_init(void)
{
	uint32_t	 pat[2048];
	size_t		 i, j, eoff;
	int		 err;

	for (i = 0; i < RX_N; i++) {
		for (j = 0; rx_src[i][j] != '\0'; j++) {
			if (j + 1 >= NELEM(pat))
				log_panic("%s: pattern %zu too long", __func__, i);
			pat[j] = (unsigned char)rx_src[i][j];
		}
		pat[j] = 0;
		rx[i] = pcre2_compile(pat, j, 0, &err, &eoff, NULL);
		if (rx[i] == NULL)
			log_panic("%s: pattern %zu: error %d at %zu", __func__,
			    i, err, eoff);
		(void)pcre2_jit_compile(rx[i], PCRE2_JIT_COMPLETE);
	}
	rx_mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(rx_mctx, 1000000);
}

struct hp {
	struct pzd	*d;
	const uint32_t	*r;		/* rawdata */
	size_t		 n;
	int		 collect;	/* HTMLStripper.collect */
	int		 cdata;		/* -1, RX_CDATA_SCRIPT or _STYLE */
	int		 pieces;
	struct ustr	*out;		/* " ".join(data) */
	pcre2_match_data *md;
};

/*
 * hp_match - pattern k at pos (anchored, or searched): 1 with the
 * match in [*s, *e) (and group 1 in [*g1s, *g1e) when asked), 0 for
 * none; a match limit hit is a crash, as nothing else can be done
 */
static int
hp_match(struct hp *h, int k, size_t pos, int anchored, size_t *s,
    size_t *e, size_t *g1s, size_t *g1e)
{
	PCRE2_SIZE	*ov;
	int		 rc;

	if (pos > h->n)
		return 0;
	rc = pcre2_match(rx[k], h->r, h->n, pos,
	    anchored ? PCRE2_ANCHORED : 0, h->md, rx_mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		crash(h->d, "html regex limit");
		return 0;
	}
	ov = pcre2_get_ovector_pointer(h->md);
	*s = ov[0];
	*e = ov[1];
	if (g1s != NULL) {
		*g1s = ov[2];
		*g1e = ov[3];
	}
	return 1;
}

/* entity_find - html5[name] for the ASCII name v[0..n) */
static const struct pz_entity *
entity_find(const uint32_t *v, size_t n)
{
	char	 key[40];
	size_t	 i, lo = 0, hi = NELEM(pz_entities), mid;
	int	 c;

	if (n >= sizeof(key))
		return NULL;
	for (i = 0; i < n; i++) {
		if (v[i] >= 0x80 || v[i] == 0)
			return NULL;
		key[i] = (char)v[i];
	}
	key[n] = '\0';
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(key, pz_entities[mid].name)) == 0)
			return &pz_entities[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* charref - _replace_charref for the number num */
static void
charref(uint32_t num, int huge, struct ustr *out)
{
	size_t	 i;

	if (!huge)
		for (i = 0; i < NELEM(pz_badref); i++)
			if (pz_badref[i][0] == num) {
				us_add(out, pz_badref[i][1]);
				return;
			}
	if (huge || (num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) {
		us_add(out, 0xfffd);
		return;
	}
	for (i = 0; i < NELEM(pz_dropcp); i++)
		if (pz_dropcp[i] == num)
			return;
	us_add(out, num);
}

/* unescape - html.unescape; -1 when int() refuses a reference */
static int
unescape(const uint32_t *r, size_t n, struct ustr *out)
{
	const struct pz_entity *en;
	size_t	 i = 0, j, k, x, asc;
	uint32_t num;
	int	 huge, h;

	while (i < n) {
		if (r[i] != '&') {
			us_add(out, r[i++]);
			continue;
		}
		j = i + 1;
		if (j < n && r[j] == '#') {
			num = 0;
			huge = 0;
			for (k = j + 1; k < n && r[k] >= '0' && r[k] <= '9'; k++) {
				num = num * 10 + (r[k] - '0');
				if (num > 0x10ffff) {
					huge = 1;
					num = 0x110000;
				}
			}
			if (k > j + 1) {
				if (k - j - 1 > 4300)
					return -1;
			} else if (j + 1 < n && (r[j + 1] | 0x20) == 'x') {
				for (k = j + 2; k < n && (h = hexval(r[k])) >= 0;
				    k++) {
					num = num * 16 + (uint32_t)h;
					if (num > 0x10ffff) {
						huge = 1;
						num = 0x110000;
					}
				}
				if (k == j + 2) {
					us_add(out, r[i++]);
					continue;
				}
			} else {
				us_add(out, r[i++]);
				continue;
			}
			if (k < n && r[k] == ';')
				k++;
			charref(num, huge, out);
			i = k;
			continue;
		}
		for (k = j; k < n && k - j < 32; k++)
			if (r[k] == '\t' || r[k] == '\n' || r[k] == '\f' ||
			    r[k] == ' ' || r[k] == '<' || r[k] == '&' ||
			    r[k] == '#' || r[k] == ';')
				break;
		if (k == j) {
			us_add(out, r[i++]);
			continue;
		}
		if (k < n && r[k] == ';')
			k++;
		/* the name, then its longest known prefix of 2 or more */
		if ((en = entity_find(r + j, k - j)) != NULL) {
			us_add(out, en->v[0]);
			if (en->v[1])
				us_add(out, en->v[1]);
			i = k;
			continue;
		}
		for (asc = 0; j + asc < k && r[j + asc] < 0x80; asc++)
			;
		for (x = k - j - 1; x >= 2; x--) {
			if (x > asc || (en = entity_find(r + j, x)) == NULL)
				continue;
			us_add(out, en->v[0]);
			if (en->v[1])
				us_add(out, en->v[1]);
			us_addn(out, r + j + x, k - j - x);
			break;
		}
		if (x < 2) {
			us_add(out, '&');
			us_addn(out, r + j, k - j);
		}
		i = k;
	}
	return 0;
}

/* hp_data - HTMLStripper.handle_data, after unescape when asked */
static void
hp_data(struct hp *h, size_t b, size_t e, int unesc)
{
	struct ustr	 u = USTR_INIT;
	const uint32_t	*v = h->r + b;
	size_t		 sb = 0, se = e - b;

	if (unesc) {
		if (unescape(h->r + b, e - b, &u) < 0) {
			crash(h->d, "html charref");
			return;
		}
		v = u.v;
		se = u.n;
	}
	py_strip(v, &sb, &se);
	if (sb < se && h->collect) {
		if (h->pieces++ > 0)
			us_add(h->out, ' ');
		us_addn(h->out, v + sb, se - sb);
	}
	us_free(&u);
}

/* hp_tag - HTMLStripper's start and end tag handlers */
static void
hp_tag(struct hp *h, const struct ustr *tag, int start)
{
	if (us_eqa(tag->v, tag->n, "script") || us_eqa(tag->v, tag->n, "style"))
		h->collect = !start;
}

/* hp_name - match.group(1).lower() */
static void
hp_name(struct hp *h, size_t b, size_t e, struct ustr *tag)
{
	tag->n = 0;
	for (; b < e; b++)
		us_add(tag, lower_ascii(h->r[b]));
}

/* find_cp - rawdata.find(c, from), or -1 */
static long
find_cp(const struct hp *h, uint32_t c, size_t from)
{
	for (; from < h->n; from++)
		if (h->r[from] == c)
			return (long)from;
	return -1;
}

/* check_whole_start_tag - check_for_whole_start_tag */
static long
check_whole_start_tag(struct hp *h, size_t i)
{
	size_t	 s, j;
	uint32_t c;

	if (!hp_match(h, RX_STARTTAGEND, i, 1, &s, &j, NULL, NULL))
		return -1;	/* cannot happen; a crash when the limit hit */
	if (j >= h->n)
		return -1;
	c = h->r[j];
	if (c == '>')
		return (long)j + 1;
	if (c == '/')
		return j + 1 < h->n && h->r[j + 1] == '>' ? (long)j + 2 : -1;
	if (c == '=' || c == '/' || (c < 0x80 && (c | 0x20) - 'a' < 26))
		return -1;
	return j > i ? (long)j : (long)i + 1;
}

/* parse_starttag - HTMLParser.parse_starttag */
static long
parse_starttag(struct hp *h, size_t i)
{
	struct ustr tag = USTR_INIT;
	size_t	 s, k, g1s, g1e, e, b;
	long	 endpos;

	if ((endpos = check_whole_start_tag(h, i)) < 0)
		return endpos;
	if (!hp_match(h, RX_TAGFIND, i + 1, 1, &s, &k, &g1s, &g1e))
		return -1;
	hp_name(h, g1s, g1e, &tag);
	while (k < (size_t)endpos && !h->d->crash) {
		if (!hp_match(h, RX_ATTRFIND, k, 1, &s, &e, NULL, NULL))
			break;
		k = e;
	}
	b = k;
	e = (size_t)endpos;
	if (b < e)
		py_strip(h->r, &b, &e);
	else
		b = e;
	if (!us_eqa(h->r + b, e - b, ">") && !us_eqa(h->r + b, e - b, "/>")) {
		hp_data(h, i, (size_t)endpos, 0);
	} else if (us_eqa(h->r + b, e - b, "/>")) {
		hp_tag(h, &tag, 1);
		hp_tag(h, &tag, 0);
	} else {
		hp_tag(h, &tag, 1);
		if (us_eqa(tag.v, tag.n, "script"))
			h->cdata = RX_CDATA_SCRIPT;
		else if (us_eqa(tag.v, tag.n, "style"))
			h->cdata = RX_CDATA_STYLE;
	}
	us_free(&tag);
	return endpos;
}

/* parse_bogus_comment - to the next '>' */
static long
parse_bogus_comment(struct hp *h, size_t i)
{
	long	 p = find_cp(h, '>', i + 2);

	return p < 0 ? -1 : p + 1;
}

/* parse_endtag - HTMLParser.parse_endtag */
static long
parse_endtag(struct hp *h, size_t i)
{
	struct ustr tag = USTR_INIT;
	size_t	 s, e, g1s, g1e;
	long	 gt, gtpos;

	if ((gt = find_cp(h, '>', i + 1)) < 0)
		return -1;
	gtpos = gt + 1;
	if (!hp_match(h, RX_ENDTAGFIND, i, 1, &s, &e, &g1s, &g1e)) {
		if (h->cdata >= 0) {
			hp_data(h, i, (size_t)gtpos, 0);
			return gtpos;
		}
		if (!hp_match(h, RX_TAGFIND, i + 2, 1, &s, &e, &g1s, &g1e)) {
			if (i + 2 < h->n && h->r[i + 2] == '>')
				return (long)i + 3;
			return parse_bogus_comment(h, i);
		}
		hp_name(h, g1s, g1e, &tag);
		gt = find_cp(h, '>', e);
		hp_tag(h, &tag, 0);
		us_free(&tag);
		return gt + 1;
	}
	hp_name(h, g1s, g1e, &tag);
	if (h->cdata >= 0 && !us_eqa(tag.v, tag.n,
	    h->cdata == RX_CDATA_SCRIPT ? "script" : "style")) {
		hp_data(h, i, (size_t)gtpos, 0);
		us_free(&tag);
		return gtpos;
	}
	hp_tag(h, &tag, 0);
	h->cdata = -1;
	us_free(&tag);
	return gtpos;
}

/* parse_marked_section - _markupbase: "<![" name ... "]>" */
static long
parse_marked_section(struct hp *h, size_t i)
{
	struct ustr name = USTR_INIT;
	size_t	 s, e, nb, ne;
	int	 k;

	if (i + 3 == h->n)
		return -1;
	if (!hp_match(h, RX_DECLNAME, i + 3, 1, &s, &e, NULL, NULL)) {
		crash(h->d, "html marked section name");
		return -1;
	}
	if (e == h->n)
		return -1;
	nb = s;
	ne = e;
	py_strip(h->r, &nb, &ne);
	hp_name(h, nb, ne, &name);
	if (us_eqa(name.v, name.n, "temp") || us_eqa(name.v, name.n, "cdata") ||
	    us_eqa(name.v, name.n, "ignore") ||
	    us_eqa(name.v, name.n, "include") ||
	    us_eqa(name.v, name.n, "rcdata"))
		k = RX_MSCLOSE;
	else if (us_eqa(name.v, name.n, "if") || us_eqa(name.v, name.n, "else") ||
	    us_eqa(name.v, name.n, "endif"))
		k = RX_MSMSCLOSE;
	else {
		us_free(&name);
		crash(h->d, "html marked section keyword");
		return -1;
	}
	us_free(&name);
	if (!hp_match(h, k, i + 3, 0, &s, &e, NULL, NULL))
		return -1;
	return (long)e;
}

/* parse_comment - "<!--" to "--\s*>" */
static long
parse_comment(struct hp *h, size_t i)
{
	size_t	 s, e;

	if (!hp_match(h, RX_COMMENTCLOSE, i + 4, 0, &s, &e, NULL, NULL))
		return -1;
	return (long)e;
}

/* parse_html_declaration - "<!" ... */
static long
parse_html_declaration(struct hp *h, size_t i)
{
	static const char doctype[] = "<!doctype";
	size_t	 k;
	long	 gt;

	if (i + 3 < h->n && h->r[i + 2] == '-' && h->r[i + 3] == '-')
		return parse_comment(h, i);
	if (i + 2 < h->n && h->r[i + 2] == '[')
		return parse_marked_section(h, i);
	for (k = 0; k < 9 && i + k < h->n; k++)
		if (lower_ascii(h->r[i + k]) != (unsigned char)doctype[k])
			break;
	if (k == 9) {
		gt = find_cp(h, '>', i + 9);
		return gt < 0 ? -1 : gt + 1;
	}
	return parse_bogus_comment(h, i);
}

/* starts - rawdata.startswith(a, i) */
static int
starts(const struct hp *h, size_t i, const char *a)
{
	for (; *a; a++, i++)
		if (i >= h->n || h->r[i] != (unsigned char)*a)
			return 0;
	return 1;
}

/* html_strip - DataDigester.normalize_html_part: feed(s), no close() */
static void
html_strip(struct pzd *d, const struct ustr *s, struct ustr *out)
{
	struct hp h;
	size_t	 i = 0, j, k, ms, me;
	long	 amp, kk;

	pthread_once(&rx_once, rx_init);
	memset(&h, 0, sizeof(h));
	h.d = d;
	h.r = s->v;
	h.n = s->n;
	h.collect = 1;
	h.cdata = -1;
	h.out = out;
	h.md = pcre2_match_data_create(4, NULL);
	while (i < h.n && !d->crash) {
		if (h.cdata < 0) {
			kk = find_cp(&h, '<', i);
			if (kk < 0) {
				/* a reference maybe cut short: wait for more */
				amp = -1;
				for (k = h.n; k-- > i && k + 34 >= h.n;)
					if (h.r[k] == '&') {
						amp = (long)k;
						break;
					}
				if (amp >= 0) {
					for (k = (size_t)amp; k < h.n; k++)
						if (py_space(h.r[k]) || h.r[k] == ';')
							break;
					if (k == h.n)
						break;
				}
				kk = (long)h.n;
			}
			j = (size_t)kk;
		} else {
			if (!hp_match(&h, h.cdata, i, 0, &ms, &me, NULL, NULL))
				break;
			j = ms;
		}
		if (i < j)
			hp_data(&h, i, j, h.cdata < 0);
		i = j;
		if (i == h.n || d->crash)
			break;
		/* h.r[i] is '<' */
		if (i + 1 < h.n && h.r[i + 1] < 0x80 &&
		    (h.r[i + 1] | 0x20) - 'a' < 26)
			kk = parse_starttag(&h, i);
		else if (starts(&h, i, "</"))
			kk = parse_endtag(&h, i);
		else if (starts(&h, i, "<!--"))
			kk = parse_comment(&h, i);
		else if (starts(&h, i, "<?")) {
			kk = find_cp(&h, '>', i + 2);
			kk = kk < 0 ? -1 : kk + 1;
		} else if (starts(&h, i, "<!"))
			kk = parse_html_declaration(&h, i);
		else if (i + 1 < h.n) {
			hp_data(&h, i, i + 1, 0);
			kk = (long)i + 1;
		} else
			break;
		if (kk < 0)
			break;
		i = (size_t)kk;
	}
	pcre2_match_data_free(h.md);
}

/* ------------------------------------------------------------------ */
/* DataDigester                                                        */

/* url_letter - [a-z] under re.IGNORECASE for str patterns */
static int
url_letter(uint32_t c)
{
	return (c < 0x80 && (c | 0x20) - 'a' < 26) || c == 0x130 ||
	    c == 0x131 || c == 0x17f || c == 0x212a;
}

/*
 * normalize - DataDigester.normalize: drop \S{10,}, then \S+@\S+,
 * then [a-z]+:\S+ (each removes from a run of non-blanks: the whole
 * run, the whole run, or from the URL scheme on), then every blank
 */
static void
normalize(const uint32_t *v, size_t n, struct ustr *out)
{
	size_t	 i = 0, b, e, q, p;

	out->n = 0;
	while (i < n) {
		if (py_space(v[i])) {
			i++;
			continue;
		}
		for (b = i; i < n && !py_space(v[i]); i++)
			;
		e = i;
		if (e - b >= 10)
			continue;
		for (q = b + 1; q + 1 < e; q++)
			if (v[q] == '@')
				break;
		if (q + 1 < e)
			continue;
		for (p = b; p < e; p++) {
			if (!url_letter(v[p]))
				continue;
			for (q = p; q < e && url_letter(v[q]); q++)
				;
			if (q + 1 < e && v[q] == ':')
				break;
			p = q - 1;	/* the same letters give the same q */
		}
		us_addn(out, v + b, p - b);
	}
}

/* line_break - str.splitlines() boundaries */
static int
line_break(uint32_t c)
{
	return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c ||
	    c == 0x1c || c == 0x1d || c == 0x1e || c == 0x85 ||
	    c == 0x2028 || c == 0x2029;
}

struct digester {
	struct buf	 data;		/* the kept lines, UTF-8 */
	size_t		*off;		/* line i is data[off[i]..off[i+1]) */
	size_t		 n, cap;
};

/* utf8_add - encode("utf8", "ignore"): surrogates are dropped */
static void
utf8_add(struct buf *b, const uint32_t *v, size_t n)
{
	size_t	 i;
	uint32_t c;

	for (i = 0; i < n; i++) {
		c = v[i];
		if (c < 0x80)
			buf_addc(b, (int)c);
		else if (c < 0x800) {
			buf_addc(b, (int)(0xc0 | c >> 6));
			buf_addc(b, (int)(0x80 | (c & 0x3f)));
		} else if (c >= 0xd800 && c <= 0xdfff)
			continue;
		else if (c < 0x10000) {
			buf_addc(b, (int)(0xe0 | c >> 12));
			buf_addc(b, (int)(0x80 | (c >> 6 & 0x3f)));
			buf_addc(b, (int)(0x80 | (c & 0x3f)));
		} else {
			buf_addc(b, (int)(0xf0 | c >> 18));
			buf_addc(b, (int)(0x80 | (c >> 12 & 0x3f)));
			buf_addc(b, (int)(0x80 | (c >> 6 & 0x3f)));
			buf_addc(b, (int)(0x80 | (c & 0x3f)));
		}
	}
}

/* digest_text - each line of a payload, normalised; keep 8 and more */
static void
digest_text(struct digester *g, const struct ustr *s)
{
	struct ustr	 norm = USTR_INIT;
	size_t		 i = 0, b;

	while (i < s->n) {
		for (b = i; i < s->n && !line_break(s->v[i]); i++)
			;
		normalize(s->v + b, i - b, &norm);
		if (norm.n >= 8) {
			if (g->n + 1 >= g->cap) {
				g->cap = g->cap ? g->cap * 2 : 64;
				g->off = xreallocarray(g->off, g->cap,
				    sizeof(*g->off));
			}
			g->off[g->n++] = g->data.len;
			utf8_add(&g->data, norm.v, norm.n);
			g->off[g->n] = g->data.len;
		}
		if (i < s->n && s->v[i] == '\r' && i + 1 < s->n &&
		    s->v[i + 1] == '\n')
			i++;
		if (i < s->n)
			i++;
	}
	us_free(&norm);
}

/* text_payload - a text part decoded as digest_payloads does */
static void
text_payload(struct pzd *d, const struct part *m, struct ustr *out)
{
	struct buf	 raw = BUF_INIT;
	struct ustr	 cs = USTR_INIT, html = USTR_INIT, norm = USTR_INIT;
	size_t		 i;
	int		 rc, errors = ERR_IGNORE;

	payload_bytes(d, m, &raw);
	rc = content_charset(d, m, &cs);
	if (rc < 0)
		goto out;
	if (rc == 0 || cs.n == 0) {
		cs.n = 0;
		us_adda(&cs, "ascii");
	} else {
		for (i = 0; i < cs.n; i++)
			us_add(&norm, cs.v[i] == '_' ? '-' : cs.v[i]);
		if (us_eqa(norm.v, norm.n, "quopri-codec") ||
		    us_eqa(norm.v, norm.n, "quopri") ||
		    us_eqa(norm.v, norm.n, "quoted-printable") ||
		    us_eqa(norm.v, norm.n, "quotedprintable"))
			errors = ERR_STRICT;
	}
	rc = py_decode((unsigned char *)raw.data, raw.len, cs.v, cs.n, errors,
	    out);
	if (rc == DEC_LOOKUP || rc == DEC_UNICODE) {
		static const uint32_t ascii[] = { 'a', 's', 'c', 'i', 'i' };

		out->n = 0;
		rc = py_decode((unsigned char *)raw.data, raw.len, ascii, 5,
		    ERR_IGNORE, out);
	}
	if (rc != DEC_OK) {
		crash(d, "charset not emulated");
		goto out;
	}
	if (subtype_is(m, "html")) {
		html_strip(d, out, &html);
		out->n = 0;
		us_addn(out, html.v, html.n);
	}
out:
	buf_free(&raw);
	us_free(&cs);
	us_free(&html);
	us_free(&norm);
}

/* other_payload - get_payload() of a part that is not text */
static void
other_payload(struct pzd *d, const struct part *m, struct ustr *out)
{
	const unsigned char *s = d->msg + m->poff;
	struct pval	 pv;
	size_t		 i;
	int		 rc, eight = 0;
	static const uint32_t ascii[] = { 'a', 's', 'c', 'i', 'i' };

	for (i = 0; i < m->plen; i++)
		eight |= s[i] >= 0x80;
	if (!eight) {
		for (i = 0; i < m->plen; i++)
			us_add(out, s[i]);
		return;
	}
	/* 8-bit data is decoded with get_param('charset', 'ascii') */
	rc = get_param(m, "charset", &pv);
	if (rc < 0 || pv.tuple) {
		crash(d, "charset parameter");
		pval_free(&pv);
		return;
	}
	rc = rc == 0 ? py_decode(s, m->plen, ascii, 5, ERR_REPLACE, out) :
	    py_decode(s, m->plen, pv.text.v, pv.text.n, ERR_REPLACE, out);
	if (rc == DEC_LOOKUP) {
		out->n = 0;
		rc = py_decode(s, m->plen, ascii, 5, ERR_REPLACE, out);
	}
	if (rc != DEC_OK)
		crash(d, "charset of a part that is not text");
	pval_free(&pv);
}

/* walk - Message.walk with digest_payloads on each part */
static void
walk(struct pzd *d, struct part *m, struct digester *g)
{
	struct ustr	 s = USTR_INIT;
	size_t		 i;

	if (d->crash)
		return;
	if (maintype_is(m, "text")) {
		text_payload(d, m, &s);
		if (!d->crash)
			digest_text(g, &s);
	} else if (!m->is_list) {
		other_payload(d, m, &s);
		if (!d->crash)
			digest_text(g, &s);
	}
	us_free(&s);
	if (m->is_list)
		for (i = 0; i < m->nkids && !d->crash; i++)
			walk(d, m->kids[i], g);
}

/*
 * pyzor_digest_lines - the digest of msg, and (lines not NULL) the
 * lines digested, each ended by "\n" as "pyzor predigest" prints them;
 * -1 with why set when pyzor would give no digest
 */
static int
digest_run(const char *msg, size_t len, char out[41], struct buf *lines,
    const char **why)
{
	struct pzd	 d;
	struct digester	 g;
	struct part	*p, *np;
	SHA1_CTX	 ctx;
	uint8_t		 md[SHA1_DIGEST_LENGTH];
	size_t		 idx, k, w;
	static const int spec[2] = { 20, 60 };

	memset(&d, 0, sizeof(d));
	memset(&g, 0, sizeof(g));
	d.msg = (const unsigned char *)msg;
	d.len = len;
	split_lines(&d);
	parsegen(&d, NULL);
	if (!d.crash && d.parts != NULL) {
		/* the root is the first part made: the last in the list */
		for (p = d.parts; p->next_alloc != NULL; p = p->next_alloc)
			;
		walk(&d, p, &g);
	}
	SHA1Init(&ctx);
#define HANDLE(i) do {							\
	SHA1Update(&ctx, (const uint8_t *)g.data.data + g.off[i],	\
	    g.off[(i) + 1] - g.off[i]);					\
	if (lines != NULL) {						\
		buf_add(lines, g.data.data + g.off[i],			\
		    g.off[(i) + 1] - g.off[i]);				\
		buf_addc(lines, '\n');					\
	}								\
} while (0)
	if (!d.crash) {
		if (g.n <= 4) {
			for (idx = 0; idx < g.n; idx++)
				HANDLE(idx);
		} else {
			for (w = 0; w < 2; w++)
				for (k = 0; k < 3; k++) {
					idx = (size_t)spec[w] * g.n / 100 + k;
					if (idx < g.n)
						HANDLE(idx);
				}
		}
	}
#undef HANDLE
	SHA1Final(md, &ctx);
	for (k = 0; k < SHA1_DIGEST_LENGTH; k++)
		snprintf(out + 2 * k, 3, "%02x", md[k]);
	for (p = d.parts; p != NULL; p = np) {
		np = p->next_alloc;
		us_free(&p->ctype);
		us_free(&p->cte);
		xfree(p->kids);
		xfree(p);
	}
	xfree(d.lines);
	xfree(d.back);
	xfree(d.eof);
	buf_free(&g.data);
	xfree(g.off);
	if (why != NULL)
		*why = d.why;
	return d.crash ? -1 : 0;
}

int
pyzor_digest(const char *msg, size_t len, char out[41])
{
	const char *why = NULL;
	int	 rc;

	rc = digest_run(msg, len, out, NULL, &why);
	if (rc < 0) {
		out[0] = '\0';
		log_debug("pyzor: no digest: pyzor would fail (%s)", why);
	}
	return rc;
}

int
pyzor_predigest(const char *msg, size_t len, struct buf *lines)
{
	char	 out[41];

	return digest_run(msg, len, out, lines, NULL);
}

/* ------------------------------------------------------------------ */
/* The UDP client                                                      */

#define PZ_PACKET_MAX	8192		/* pyzor's max_packet_size */
#define PZ_DIAG_MAX	160

struct pyzor_server {
	char			*name;		/* "host:port" as configured */
	char			*host, *port;	/* its parts */
	int			 numeric;	/* host is an address */
	int			 resolved;	/* sa holds an address */
	double			 tried;		/* last lookup, monotonic */
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
};

/* a name not resolved is asked again after this; a resolved one too */
#define PZ_RETRY_UNRESOLVED	60.0
#define PZ_RETRY_RESOLVED	3600.0

struct pyzor_conf {
	struct pyzor_server	*srv;
	size_t			 nsrv;
	double			 timeout;
	double			 count_min, wl_min, wl_factor;
};

enum { PQ_WAIT, PQ_ANSWER, PQ_FAIL };

struct pq_srv {
	int		 fd;
	unsigned	 thread;
	int		 state;
	int		 code;
	char		 diag[PZ_DIAG_MAX];
	long		 count, wl;
};

struct pyzor_query {
	const struct pyzor_conf	*conf;
	struct pq_srv		*s;
	size_t			 n;
	double			 deadline;
	int			 check;		/* Count and WL-Count expected */
};

/* now_mono - CLOCK_MONOTONIC in seconds */
static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* same_addr - two socket addresses are equal */
static int
same_addr(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* server_clear - free what add_server gave a server */
static void
server_clear(struct pyzor_server *srv)
{
	xfree(srv->name);
	xfree(srv->host);
	xfree(srv->port);
}

/*
 * resolve - look server's name up (getaddrinfo: /etc/hosts and the
 * system resolver, as pyzor does).  A name that does not resolve keeps
 * the address it had; the first lookup (first != 0) logs a failure as
 * a warning, later ones at debug level.  0 when sa holds an address.
 */
static int
resolve(struct pyzor_server *srv, int first)
{
	struct addrinfo	 hints, *res;
	char		 a[NI_MAXHOST];
	int		 rc;

	srv->tried = now_mono();
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	if (srv->numeric)
		hints.ai_flags = AI_NUMERICHOST;
	if ((rc = getaddrinfo(srv->host, srv->port, &hints, &res)) != 0) {
		if (first)
			log_warn("pyzor: server %s: %s; asked without it, its "
			    "name is looked up again every %.0f s", srv->name,
			    gai_strerror(rc), PZ_RETRY_UNRESOLVED);
		else
			log_debug("pyzor: server %s: %s%s", srv->name,
			    gai_strerror(rc), srv->resolved ? "; its last "
			    "address kept" : "");
		return srv->resolved ? 0 : -1;
	}
	if (res->ai_addrlen <= sizeof(srv->sa) && (!srv->resolved ||
	    !same_addr(&srv->sa, srv->salen, res->ai_addr, res->ai_addrlen))) {
		int was = srv->resolved;

		memcpy(&srv->sa, res->ai_addr, res->ai_addrlen);
		srv->salen = res->ai_addrlen;
		srv->resolved = 1;
		if (!first && getnameinfo((struct sockaddr *)&srv->sa,
		    srv->salen, a, sizeof(a), NULL, 0, NI_NUMERICHOST) == 0)
			log_info("pyzor: server %s %s %s", srv->name, was ?
			    "moved to" : "resolved at last:", a);
	}
	freeaddrinfo(res);
	return srv->resolved ? 0 : -1;
}

/*
 * add_server - "host:port" (or "[v6]:port") and its first lookup; a
 * name that does not resolve yet is kept and looked up again later
 * (pyzor_conf_refresh); -1 when the text is not host:port
 */
static int
add_server(struct pyzor_conf *c, const char *spec)
{
	struct pyzor_server *srv;
	struct in6_addr	 a6;
	char		*host, *port, *copy = xstrdup(spec);

	host = copy;
	if (*host == '[' && (port = strstr(host, "]:")) != NULL) {
		host++;
		*port = '\0';
		port += 2;
	} else if ((port = strrchr(host, ':')) != NULL)
		*port++ = '\0';
	if (port == NULL || *host == '\0' || *port == '\0' ||
	    strspn(port, "0123456789") != strlen(port) || atoi(port) < 1 ||
	    atoi(port) > 65535) {
		log_warn("pyzor: server \"%s\": not host:port, skipped", spec);
		xfree(copy);
		return -1;
	}
	c->srv = xreallocarray(c->srv, c->nsrv + 1, sizeof(*c->srv));
	srv = &c->srv[c->nsrv++];
	memset(srv, 0, sizeof(*srv));
	srv->name = xstrdup(spec);
	srv->host = xstrdup(host);
	srv->port = xstrdup(port);
	srv->numeric = inet_pton(AF_INET, host, &a6) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
	xfree(copy);
	if (resolve(srv, 1) < 0 && srv->numeric) {
		/* an address getaddrinfo refuses will not get better */
		server_clear(srv);
		c->nsrv--;
		return -1;
	}
	return 0;
}

void
pyzor_conf_refresh(struct pyzor_conf *c)
{
	pyzor_conf_refresh_at(c, now_mono());
}

void
pyzor_conf_refresh_at(struct pyzor_conf *c, double now)
{
	size_t	 i;

	for (i = 0; c != NULL && i < c->nsrv; i++) {
		struct pyzor_server *srv = &c->srv[i];

		if (srv->numeric || now - srv->tried < (srv->resolved ?
		    PZ_RETRY_RESOLVED : PZ_RETRY_UNRESOLVED))
			continue;
		(void)resolve(srv, 0);
	}
}

int
pyzor_conf_resolved(const struct pyzor_conf *c)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; c != NULL && i < c->nsrv; i++)
		n += c->srv[i].resolved;
	return n;
}

/* conf_number - a pyzor_* setting's numeric value; -1 if not one */
static int
conf_number(const char *key, const char *val, int integer, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(val, &end);
	if (end == val || *end != '\0' || errno != 0 || v < 0 ||
	    (integer && strspn(val, "0123456789") != strlen(val))) {
		log_warn("pyzor: %s \"%s\": not a number, ignored", key, val);
		return -1;
	}
	*out = v;
	return 0;
}

struct pyzor_conf *
pyzor_conf_new(const char *servers, double timeout,
    const struct saconf_settings *set, struct buf *err)
{
	struct pyzor_conf *c = xcalloc(1, sizeof(*c));
	char	*list = xstrdup(servers != NULL ? servers : ""), *tok, *save;
	size_t	 i, ntried = 0;

	c->timeout = timeout > 0 ? timeout : 5;
	c->count_min = 5;
	c->wl_min = 10;
	c->wl_factor = 0.2;
	for (tok = strtok_r(list, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		ntried++;
		(void)add_server(c, tok);
	}
	xfree(list);
	for (i = 0; set != NULL && i < set->plug_key.n &&
	    i < set->plug_val.n; i++) {
		const char *k = set->plug_key.v[i], *v = set->plug_val.v[i];

		if (!strcmp(k, "pyzor_count_min") || !strcmp(k, "pyzor_max"))
			(void)conf_number(k, v, !strcmp(k, "pyzor_max"),
			    &c->count_min);
		else if (!strcmp(k, "pyzor_welcomelist_min") ||
		    !strcmp(k, "pyzor_whitelist_min"))
			(void)conf_number(k, v, 0, &c->wl_min);
		else if (!strcmp(k, "pyzor_welcomelist_factor") ||
		    !strcmp(k, "pyzor_whitelist_factor"))
			(void)conf_number(k, v, 0, &c->wl_factor);
	}
	if (c->nsrv == 0) {
		if (err != NULL)
			buf_addf(err, ntried ? "no usable Pyzor server in "
			    "\"%s\"" : "no Pyzor server given",
			    servers != NULL ? servers : "");
		pyzor_conf_free(c);
		return NULL;
	}
	return c;
}

void
pyzor_conf_free(struct pyzor_conf *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsrv; i++)
		server_clear(&c->srv[i]);
	xfree(c->srv);
	xfree(c);
}

/* sha1_hex - SHA-1 of data as 40 lower-case hex digits */
static void
sha1_hex(const void *data, size_t len, char out[41])
{
	SHA1_CTX ctx;
	uint8_t	 md[SHA1_DIGEST_LENGTH];
	int	 i;

	SHA1Init(&ctx);
	SHA1Update(&ctx, data, len);
	SHA1Final(md, &ctx);
	for (i = 0; i < SHA1_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * pyzor_request - the datagram pyzor sends for op: its headers in
 * pyzor's order, signed as account.sign_msg does for the anonymous
 * user (whose key is empty):
 * Sig = SHA1(SHA1(request).digest() ":" Time ":" SHA1("anonymous:"))
 * where request is the text before Sig, less its final newline
 */
void
pyzor_request(const char *op, const char *digest, unsigned thread,
    long long when, struct buf *out)
{
	SHA1_CTX ctx;
	uint8_t	 md[SHA1_DIGEST_LENGTH];
	char	 key[41], sig[41], tail[80];
	int	 i;

	buf_reset(out);
	buf_addf(out, "Op: %s\n", op);
	if (digest != NULL && strcmp(op, "ping") != 0)
		buf_addf(out, "Op-Digest: %s\n", digest);
	if (!strcmp(op, "report") || !strcmp(op, "whitelist"))
		buf_adds(out, "Op-Spec: 20,3,60,3\n");
	buf_addf(out, "Thread: %u\nPV: 2.1\nUser: anonymous\nTime: %lld",
	    thread, when);
	sha1_hex("anonymous:", 10, key);
	SHA1Init(&ctx);
	SHA1Update(&ctx, (const uint8_t *)out->data, out->len);
	SHA1Final(md, &ctx);
	SHA1Init(&ctx);
	SHA1Update(&ctx, md, sizeof(md));
	snprintf(tail, sizeof(tail), ":%lld:%s", when, key);
	SHA1Update(&ctx, (const uint8_t *)tail, strlen(tail));
	SHA1Final(md, &ctx);
	for (i = 0; i < SHA1_DIGEST_LENGTH; i++)
		snprintf(sig + 2 * i, 3, "%02x", md[i]);
	buf_addf(out, "\nSig: %s\n\n", sig);
}

/* parse_long - a count: digits only, saturated; -1 if not one */
static long
parse_long(const char *s, size_t n)
{
	size_t	 i;
	long	 v = 0;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v > 100000000000L ? v : v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * pyzor_parse_reply - read a server's answer (hostile): RFC 822-style
 * "Name: value" lines; Code, Diag, PV and Thread required (Count and
 * WL-Count too for a 200 to check), each a number where one is due.
 * 0 when it is the answer to thread, -1 (garbage, or another thread)
 */
int
pyzor_parse_reply(const char *p, size_t n, unsigned thread, int check,
    int *code, char *diag, size_t diagsz, long *count, long *wl)
{
	const char *e = p + n, *nl, *colon, *v;
	size_t	 vl, i;
	long	 got_thread = -1, c = -1, cnt = -1, w = -1;
	int	 have_diag = 0, have_pv = 0;

	if (n == 0 || n > PZ_PACKET_MAX)
		return -1;
	while (p < e) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		vl = (size_t)(nl - p);
		if (vl > 0 && p[vl - 1] == '\r')
			vl--;
		if (vl == 0)
			break;		/* the blank line ends the headers */
		if ((colon = memchr(p, ':', vl)) == NULL || colon == p)
			return -1;
		v = colon + 1;
		vl -= (size_t)(v - p);
#define IS(name) ((size_t)(colon - p) == strlen(name) &&		\
		    !strncasecmp(p, name, strlen(name)))
		if (IS("Code") && c < 0) {
			if ((c = parse_long(v, vl)) < 100 || c > 999)
				return -1;
		} else if (IS("Diag") && !have_diag) {
			have_diag = 1;
			while (vl > 0 && *v == ' ') {
				v++;
				vl--;
			}
			for (i = 0; i < vl && i + 1 < diagsz; i++)
				diag[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
			if (diagsz > 0)
				diag[i] = '\0';
		} else if (IS("PV") && !have_pv) {
			have_pv = 1;
		} else if (IS("Thread") && got_thread < 0) {
			if ((got_thread = parse_long(v, vl)) < 0)
				return -1;
		} else if (IS("Count") && cnt < 0) {
			if ((cnt = parse_long(v, vl)) < 0)
				return -1;
		} else if (IS("WL-Count") && w < 0) {
			if ((w = parse_long(v, vl)) < 0)
				return -1;
		}
#undef IS
		p = nl < e ? nl + 1 : e;
	}
	if (c < 0 || !have_diag || !have_pv || got_thread != (long)thread)
		return -1;
	if (c == 200 && check && (cnt < 0 || w < 0))
		return -1;
	*code = (int)c;
	*count = cnt < 0 ? 0 : cnt;
	*wl = w < 0 ? 0 : w;
	return 0;
}

/* random_thread - a Thread id in [1024, 65536) */
static unsigned
random_thread(void)
{
	return 1024 + arc4random_uniform(65536 - 1024);
}

struct pyzor_query *
pyzor_start(const struct pyzor_conf *c, const char *op, const char *digest)
{
	struct pyzor_query *q;
	struct buf	 req = BUF_INIT;
	size_t		 i;
	struct pq_srv	*s;

	if (strcmp(op, "check") && strcmp(op, "report") &&
	    strcmp(op, "whitelist") && strcmp(op, "ping") &&
	    strcmp(op, "info")) {
		log_warn("pyzor: unknown operation %s", op);
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->conf = c;
	q->check = !strcmp(op, "check") || !strcmp(op, "info");
	q->n = c->nsrv;
	q->s = xcalloc(q->n, sizeof(*q->s));
	q->deadline = now_mono() + c->timeout;
	for (i = 0; i < q->n; i++) {
		s = &q->s[i];
		s->thread = random_thread();
		s->state = PQ_FAIL;
		s->fd = -1;
		if (!c->srv[i].resolved) {
			snprintf(s->diag, sizeof(s->diag), "name not resolved "
			    "(yet)");
			continue;
		}
		s->fd = socket(c->srv[i].sa.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0) {
			snprintf(s->diag, sizeof(s->diag), "socket: %s",
			    strerror(errno));
			log_warn("pyzor: %s: socket: %s", c->srv[i].name,
			    strerror(errno));
			continue;
		}
		/* connected: the kernel keeps other senders out and tells
		 * of a closed port */
		pyzor_request(op, digest, s->thread, (long long)time(NULL),
		    &req);
		if (connect(s->fd, (struct sockaddr *)&c->srv[i].sa,
		    c->srv[i].salen) < 0 || send(s->fd, req.data, req.len,
		    0) < 0) {
			snprintf(s->diag, sizeof(s->diag), "send: %s",
			    strerror(errno));
			log_info("pyzor: %s: send: %s", c->srv[i].name,
			    strerror(errno));
			close(s->fd);
			s->fd = -1;
			continue;
		}
		s->state = PQ_WAIT;
	}
	buf_free(&req);
	return q;
}

int
pyzor_pollfds(struct pyzor_query *q, struct pollfd *pfd, int max)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < q->n && n < max; i++)
		if (q->s[i].state == PQ_WAIT) {
			pfd[n].fd = q->s[i].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	return n;
}

void
pyzor_input(struct pyzor_query *q, int fd)
{
	struct pq_srv	*s = NULL;
	char		 pkt[PZ_PACKET_MAX + 1];
	ssize_t		 r;
	size_t		 i;
	int		 guard;

	for (i = 0; i < q->n; i++)
		if (q->s[i].fd == fd && q->s[i].state == PQ_WAIT)
			s = &q->s[i];
	if (s == NULL)
		return;
	/* a bounded number of datagrams a call: a flood cannot hold us */
	for (guard = 0; guard < 64 && s->state == PQ_WAIT; guard++) {
		r = recv(fd, pkt, sizeof(pkt), 0);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			snprintf(s->diag, sizeof(s->diag), "Socket error while "
			    "reading response: %s", strerror(errno));
			s->code = 400;
			s->state = PQ_FAIL;
			return;
		}
		if ((size_t)r > PZ_PACKET_MAX ||
		    pyzor_parse_reply(pkt, (size_t)r, s->thread, q->check,
		    &s->code, s->diag, sizeof(s->diag), &s->count, &s->wl) < 0) {
			log_debug("pyzor: %s: %zd bytes ignored (not the "
			    "answer)", q->conf->srv[s - q->s].name, r);
			continue;
		}
		s->state = PQ_ANSWER;
	}
}

int
pyzor_done(struct pyzor_query *q)
{
	size_t	 i;

	if (now_mono() >= q->deadline)
		return 1;
	for (i = 0; i < q->n; i++)
		if (q->s[i].state == PQ_WAIT)
			return 0;
	return 1;
}

void
pyzor_wait(struct pyzor_query *q, double deadline)
{
	struct pollfd	 pfd[64];
	double		 now, until;
	int		 n, i, ms;

	while (!pyzor_done(q)) {
		now = now_mono();
		until = q->deadline < deadline ? q->deadline : deadline;
		if (now >= until)
			return;
		n = pyzor_pollfds(q, pfd, (int)NELEM(pfd));
		ms = (int)((until - now) * 1000) + 1;
		if (poll(pfd, (nfds_t)n, ms) < 0 && errno != EINTR) {
			log_warn("pyzor: poll: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0)
				pyzor_input(q, pfd[i].fd);
	}
}

int
pyzor_waiting(const struct pyzor_query *q)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < q->n; i++)
		n += q->s[i].state == PQ_WAIT;
	return n;
}

int
pyzor_result(struct pyzor_query *q, long *count, long *wl, struct buf *err)
{
	size_t	 i;
	int	 ok = 0;

	*count = *wl = 0;
	for (i = 0; i < q->n; i++) {
		struct pq_srv *s = &q->s[i];
		const char *name = q->conf->srv[i].name;

		if (s->state == PQ_ANSWER && s->code == 200) {
			ok++;
			/* saturated: a hostile server cannot overflow */
			*count = *count > 1000000000L ? *count : *count +
			    (s->count > 1000000000L ? 1000000000L : s->count);
			*wl = *wl > 1000000000L ? *wl : *wl +
			    (s->wl > 1000000000L ? 1000000000L : s->wl);
			continue;
		}
		if (err == NULL)
			continue;
		if (err->len > 0)
			buf_adds(err, "; ");
		if (s->state == PQ_ANSWER)
			buf_addf(err, "%s: %d %s", name, s->code, s->diag);
		else if (s->state == PQ_WAIT)
			buf_addf(err, "%s: timeout", name);
		else
			buf_addf(err, "%s: %s", name, s->diag);
	}
	return ok;
}

/*
 * pyzor_server_result - server i of q for a client that prints each
 * (sapyzor): its name; state 1 answered (code, diag, counts), 0 no
 * answer in time, -1 failed (diag says why); -2 past the end
 */
int
pyzor_server_result(const struct pyzor_query *q, size_t i, const char **name,
    int *code, const char **diag, long *count, long *wl)
{
	const struct pq_srv *s;

	if (i >= q->n)
		return -2;
	s = &q->s[i];
	*name = q->conf->srv[i].name;
	*code = s->code;
	*diag = s->diag;
	*count = s->count;
	*wl = s->wl;
	return s->state == PQ_ANSWER ? 1 : s->state == PQ_WAIT ? 0 : -1;
}

void
pyzor_free(struct pyzor_query *q)
{
	size_t	 i;

	if (q == NULL)
		return;
	for (i = 0; i < q->n; i++)
		if (q->s[i].fd >= 0)
			close(q->s[i].fd);
	xfree(q->s);
	xfree(q);
}

int
pyzor_hit(const struct pyzor_conf *c, long count, long wl)
{
	double	 wl_limit;

	/* an empty body and the like give huge counts: SpamAssassin
	 * ignores them */
	if (count >= 1000000 || wl >= 10000)
		return 0;
	wl_limit = wl >= c->wl_min ? count * c->wl_factor : 0;
	if (wl_limit != 0 && wl >= wl_limit)
		return 0;
	return count >= c->count_min;
}
