/*
 * msgtext.c - the text SpamAssassin 4.0.1 rules see, built from one
 * message in memory (Message.pm, Message/Node.pm, PerMsgStatus::get).
 *
 * Exports msgtext_parse, msgtext_free, msgtext_header,
 * msgtext_header_list, msgtext_to_utf8, msgtext_freemail_strip,
 * msgtext_part_headers, msgtext_rendered, msgtext_lines_free.
 * The message is hostile (it comes from the network); runs in the
 * scorer, unprivileged, touches no file.
 *
 * body: the last Subject (decoded) + "\n", then every leaf part in
 * document order, "\n" between parts; text/plain and text/html parts
 * are transfer-decoded, converted to UTF-8 as Node.pm _normalize does
 * and (HTML) rendered by lib/html, each cut at 50000 bytes (at a
 * newline or space within 1024 bytes); then a newline run holding a
 * blank line becomes "\n", other whitespace runs (Unicode \s) one
 * space, and lines longer than 2048 bytes are split at the last space.
 * rawbody: leaf text/ and message/ parts except text/calendar, only
 * transfer-decoded (no charset conversion, as SA), cut at 500000 bytes,
 * in paragraphs of 2048-4096 bytes cut at "\n", ">" or " ".
 * Charsets: bytes that are valid UTF-8 stay; else the declared charset
 * (ISO-8859-1 read as Windows-1252) through iconv; if that fails,
 * ASCII stays; else Windows-1252 (as SA's guess and, without
 * Encode::Detect, its last resort), U+FFFD for the bytes it lacks.
 * When no part needed decoding Perl keeps the body as bytes: then HTML
 * entities below U+0100 come out as Latin-1 bytes and only ASCII
 * whitespace is squeezed; otherwise the text is UTF-8 and Unicode \s
 * (NBSP, U+2000-200A...) counts as whitespace.
 * Headers: the top header block as Message.pm splits it (ends at an
 * empty line or a "--" line; a field without a colon is dropped; names
 * cut at 256 bytes, values at 8192); values unfolded, trimmed, 8-bit
 * text normalised, RFC 2047 words decoded (not in Received, Date,
 * Message-ID, References, In-Reply-To, MIME-Version, List-*).
 * Before MIME parsing the body gets Message.pm's cut of blank-line runs
 * (more than 20 whitespace-only lines: the first and the last 19 stay).
 * Bounds: lib/mime limits (depth 30, 1000 parts), 8 MiB of body and of
 * rawbody text, 5000 header fields of 8192 bytes; every step is linear
 * (searches for cut points look at bounded windows only).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <iconv.h>
#include <pthread.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <regex.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "html.h"
#include "mem.h"
#include "mime.h"
#include "msgtext.h"
#include "uri.h"

/* lines_push - append one line to l */
static void
lines_push(struct msgtext_lines *l, const char *s, size_t n)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->off = xreallocarray(l->off, l->cap, sizeof(*l->off));
		l->len = xreallocarray(l->len, l->cap, sizeof(*l->len));
	}
	l->off[l->n] = l->text.len;
	l->len[l->n] = n;
	l->n++;
	buf_add(&l->text, s, n);
}

/* lines_free - release l */
static void
lines_free(struct msgtext_lines *l)
{
	buf_free(&l->text);
	xfree(l->off);
	xfree(l->len);
	memset(l, 0, sizeof(*l));
}

/* The fixed patterns of Node.pm, compiled once (pthread_once). */
enum {
	RE_ASCII, RE_EXTASCII, RE_USASCII, RE_UTF16, RE_W1252, RE_UTF8,
	RE_NODECODE, RE_N
};
static const char *re_src[RE_N] = {
	"^((US-)?ASCII|ANSI[_ ]?X3\\.4-(1986|1968)|ISO646-US)$",
	"^(ISO[ -]?8859(-[0-9]{1,2})?|Windows-[0-9]{4}|UTF-?8|"
	    "(KOI8|EUC)-[A-Z]{1,2}|Big5|GBK|GB[ -]?18030(-20[0-9][0-9])?)$",
	"^(US-)?ASCII$",
	"^UTF[ -]?16",
	"^(ISO-?8859-1|Windows-1252|CP1252)$",
	"^UTF-?8$",
	"^(Received|(Resent-)?(Message-ID|Date)|MIME-Version|References|"
	    "In-Reply-To|List-.*)$",
};
static regex_t re_comp[RE_N];
static int re_ok[RE_N];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

/* re_init - compile the patterns */
static void
re_init(void)
{
	int i;

	for (i = 0; i < RE_N; i++)
		re_ok[i] = regcomp(&re_comp[i], re_src[i],
		    REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0;
}

/* match_ci - does s match pattern re (ignoring case)? */
static int
match_ci(int re, const char *s)
{
	pthread_once(&re_once, re_init);
	return re_ok[re] && regexec(&re_comp[re], s, 0, NULL, 0) == 0;
}

/* count8 - number of bytes >= 0x80 in s[0..n) */
static size_t
count8(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			c++;
	return c;
}

/* utf8_valid - is s[0..n) strict UTF-8 (Encode's strict decode)? */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1; cp = s[i] & 0x1f; min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2; cp = s[i] & 0x0f; min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3; cp = s[i] & 0x07; min = 0x10000;
		} else
			return 0;
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* charset_sane - may name be handed to iconv_open? */
static int
charset_sane(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < 64 &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.:+-") == n;
}

/* charset_alias - Encode's name for charsets glibc iconv spells otherwise */
static const char *
charset_alias(const char *cs)
{
	static const char *alias[][2] = {
		{ "ks_c_5601-1987", "CP949" }, { "ks_c_5601", "CP949" },
		{ "ksc5601", "CP949" }, { "x-sjis", "SHIFT_JIS" },
		{ "x-euc-jp", "EUC-JP" }, { "x-gbk", "GBK" },
		{ "iso-8859-8-i", "ISO-8859-8" }, { "utf8", "UTF-8" },
	};
	size_t i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcasecmp(cs, alias[i][0]) == 0)
			return alias[i][1];
	return cs;
}

/*
 * conv - iconv in[0..n) from charset cs to UTF-8 onto out; strict: -1
 * (out unchanged) on an invalid sequence, lax: U+FFFD for each bad byte.
 */
static int
conv(const char *cs, const char *in, size_t n, struct buf *out, int lax)
{
	iconv_t cd;
	char *ip = (char *)in, *op;
	size_t il = n, ol, r, start = out->len;

	if (!charset_sane(cs) || (cd = iconv_open("UTF-8", cs)) == (iconv_t)-1)
		return -1;
	for (;;) {
		buf_reserve(out, out->len + il * 4 + 64);
		op = out->data + out->len;
		ol = out->size - out->len - 1;
		r = iconv(cd, il ? &ip : NULL, &il, &op, &ol);
		out->len = op - out->data;
		if (r != (size_t)-1 && il == 0)
			break;
		if (r == (size_t)-1 && errno == E2BIG)
			continue;
		if (r == (size_t)-1 && lax && il > 0) {
			buf_add(out, "\xef\xbf\xbd", 3);
			ip++;
			il--;
			iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		if (r != (size_t)-1)
			continue;
		iconv_close(cd);
		buf_trunc(out, start);
		return -1;
	}
	iconv_close(cd);
	out->data[out->len] = '\0';
	return 0;
}

/* w1252_guess - only ASCII, NBSP, SHY and SA's punctuation set? */
static int
w1252_guess(const unsigned char *s, size_t n)
{
	size_t i;
	unsigned c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c < 0x80 || c == 0xa0 || c == 0xa9 || c == 0xad ||
		    c == 0x82 || c == 0x84 || c == 0x85 ||
		    (c >= 0x91 && c <= 0x97) || c == 0x99 ||
		    (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xde) ||
		    (c >= 0xe0 && c <= 0xf6) || (c >= 0xf8 && c <= 0xfe))
			continue;
		return 0;
	}
	return 1;
}

/*
 * normalize - Node.pm _normalize(bytes, charset, 1, insist): in[0..n)
 * in charset cs (NULL: us-ascii) appended to out as UTF-8, or as is
 * when it cannot be decoded.
 */
static int
normalize(const char *cs, const char *in, size_t n, struct buf *out,
    int insist)
{
	size_t c8 = count8(in, n);
	const char *chset;
	int tried_utf8 = 0, ok = -1;

	if (cs == NULL)
		cs = "us-ascii";
	if (c8 == 0 && (match_ci(RE_ASCII, cs) || match_ci(RE_EXTASCII, cs))) {
		buf_add(out, in, n);
		return 0;
	}
	if (c8 && !insist) {
		if (utf8_valid((const unsigned char *)in, n)) {
			buf_add(out, in, n);
			return 1;
		}
		tried_utf8 = 1;
	}
	if (match_ci(RE_USASCII, cs) && !insist)
		;
	else if (match_ci(RE_UTF16, cs))
		ok = conv("UTF-16", in, n, out, 0);
	else {
		if (match_ci(RE_W1252, cs))
			chset = "WINDOWS-1252";
		else if (match_ci(RE_UTF8, cs))
			chset = "UTF-8";
		else
			chset = charset_alias(cs);
		if (!(tried_utf8 && strcmp(chset, "UTF-8") == 0))
			ok = conv(chset, in, n, out, insist);
	}
	if (ok == 0)
		return 1;
	if (c8 == 0) {
		buf_add(out, in, n);
		return 0;
	}
	if (w1252_guess((const unsigned char *)in, n) &&
	    conv("WINDOWS-1252", in, n, out, 0) == 0)
		return 1;
	/* the last resort: Windows-1252, U+FFFD for its 5 holes */
	if (conv("WINDOWS-1252", in, n, out, 1) == 0)
		return 1;
	buf_add(out, in, n);
	return 0;
}

/* msgtext_to_utf8 - decode text in charset cs as SA's body text is */
void
msgtext_to_utf8(const char *cs, const char *in, size_t n, struct buf *out)
{
	(void)normalize(cs, in, n, out, 0);
}

/* scan_cut - SA's cut of a part at scan bytes: after a cut character
 * (each of cuts tried in turn) within 1024 bytes, else at scan */
static size_t
scan_cut(const char *s, size_t n, size_t scan, const char *cuts)
{
	const char *p;
	size_t w;

	if (n <= scan)
		return n;
	w = n - scan < 1025 ? n - scan : 1025;
	for (; *cuts; cuts++)
		if ((p = memchr(s + scan, *cuts, w)) != NULL)
			return p - s + 1;
	return scan;
}

/* ws_len - length of the (Perl Unicode \s) whitespace char at s, or 0 */
static size_t
ws_len(const unsigned char *s, const unsigned char *end)
{
	size_t left = end - s;

	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (left >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (left < 3)
		return 0;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) ||
	    s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* wsl - ws_len, or only ASCII whitespace for a Perl byte string */
static size_t
wsl(const unsigned char *s, const unsigned char *end, int uni)
{
	if (uni)
		return ws_len(s, end);
	return *s == ' ' || (*s >= '\t' && *s <= '\r');
}

/* to_latin1 - UTF-8 text of code points < 256 back to bytes, in place
 * (what Perl prints for a byte string holding decoded entities) */
static void
to_latin1(struct buf *b)
{
	size_t i, j;
	unsigned char c;

	for (i = j = 0; i < b->len; i++) {
		c = b->data[i];
		if ((c == 0xc2 || c == 0xc3) && i + 1 < b->len &&
		    ((unsigned char)b->data[i + 1] & 0xc0) == 0x80) {
			b->data[j++] = (char)((c & 0x03) << 6 |
			    ((unsigned char)b->data[i + 1] & 0x3f));
			i++;
		} else
			b->data[j++] = c;
	}
	buf_trunc(b, j);
}

/* wide - any code point >= 256 (UTF-8 lead byte >= 0xc4) in s? */
static int
wide(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0xc4)
			return 1;
	return 0;
}

/*
 * squeeze - SA's s/\n+\s*\n+/\x00/gs; s/\s+/ /gs; tr/\x00/\n/ on
 * in[0..n), appended to out.  Linear: a scan starts only at a newline
 * and resumes after the whitespace run it measured.
 */
static void
squeeze(const char *in, size_t n, struct buf *out, int uni)
{
	const unsigned char *s = (const unsigned char *)in, *end = s + n;
	const unsigned char *p, *lastnl;
	size_t w;
	int inws = 0;

	buf_reserve(out, out->len + n + 1);
	while (s < end) {
		if (*s == '\n') {
			lastnl = s;
			for (p = s + 1; p < end && (w = wsl(p, end, uni)) > 0;
			    p += w)
				if (*p == '\n')
					lastnl = p;
			if (lastnl > s) {
				/* "\x00" then the whitespace after lastnl */
				buf_addc(out, '\n');
				inws = 0;
				s = lastnl + 1;
				continue;
			}
		}
		if ((w = wsl(s, end, uni)) > 0) {
			if (!inws)
				buf_addc(out, ' ');
			inws = 1;
			s += w;
			continue;
		}
		inws = 0;
		buf_addc(out, *s == '\0' ? '\n' : *s);
		s++;
	}
}

/* short_lines - split_into_array_of_short_lines of s[0..n) onto l */
static void
short_lines(const char *s, size_t n, struct msgtext_lines *l)
{
	const char *end = s + n, *nl, *p;
	size_t len, k;

	while (s < end) {
		nl = memchr(s, '\n', end - s);
		len = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		while (len > MSGTEXT_LINE_MAX) {
			k = 0;
			for (p = s + MSGTEXT_LINE_MAX; p >= s; p--)
				if (*p == ' ') {
					k = p - s + 1;
					break;
				}
			if (k == 0)
				k = MSGTEXT_LINE_MAX;
			lines_push(l, s, k);
			s += k;
			len -= k;
		}
		lines_push(l, s, len);
		s += len;
	}
}

/* memchr_win - first c in s[from..from+w) within n, as an offset, or -1 */
static long
memchr_win(const char *s, size_t n, size_t from, size_t w, int c)
{
	const char *p;

	if (from >= n)
		return -1;
	if (w > n - from)
		w = n - from;
	p = memchr(s + from, c, w);
	return p ? (long)(p - s) : -1;
}

/* short_paragraphs - split_into_array_of_short_paragraphs onto l */
static void
short_paragraphs(const char *s, size_t n, struct msgtext_lines *l)
{
	const size_t M = MSGTEXT_LINE_MAX;
	size_t ofs = 0;
	long j;

	if (n <= M) {
		lines_push(l, s, n);
		return;
	}
	/* SA searches to the end but rejects j - ofs + 1 > 2M: a window */
	for (; n - ofs > 2 * M; ofs = j + 1) {
		if ((j = memchr_win(s, n, ofs + M, M, '\n')) < 0 &&
		    (j = memchr_win(s, n, ofs + M, M, '>')) < 0 &&
		    (j = memchr_win(s, n, ofs + M, M, ' ')) < 0)
			j = ofs + M;
		lines_push(l, s + ofs, j - ofs + 1);
	}
	if (ofs < n)
		lines_push(l, s + ofs, n - ofs);
}

/* squash_crlf - s/\r\n/\n/g on b */
static void
squash_crlf(struct buf *b)
{
	size_t i, j;

	for (i = j = 0; i < b->len; i++) {
		if (b->data[i] == '\r' && i + 1 < b->len && b->data[i + 1] == '\n')
			continue;
		b->data[j++] = b->data[i];
	}
	buf_trunc(b, j);
}

/*
 * part_decode - SA's decode() of part mp: CRLF squashed to LF, then
 * the transfer encoding undone; onto out (reset first).  In a multipart
 * SA keeps the line break before the boundary line in the part.
 */
static void
part_decode(const struct mime *m, const struct mime_part *mp,
    const char *msg, size_t msglen, struct buf *out)
{
	struct mime_part fake = *mp;
	struct buf sq = BUF_INIT;
	const char *s = msg + mp->body_off, *end = s + mp->body_len, *p;

	if (mp->parent >= 0 && m->part[mp->parent].is_multipart) {
		if (mp->body_off + mp->body_len + 2 <= msglen &&
		    end[0] == '\r' && end[1] == '\n')
			end += 2;
		else if (mp->body_off + mp->body_len + 1 <= msglen &&
		    end[0] == '\n')
			end++;
	}

	buf_reset(out);
	buf_reserve(&sq, end - s + 1);
	while (s < end) {
		p = memchr(s, '\r', end - s);
		if (p == NULL) {
			buf_add(&sq, s, end - s);
			break;
		}
		buf_add(&sq, s, p - s);
		if (p + 1 < end && p[1] == '\n')
			buf_addc(&sq, '\n'), p++;
		else
			buf_addc(&sq, '\r');
		s = p + 1;
	}
	fake.body_off = 0;
	fake.body_len = sq.len;
	mime_decode(&fake, buf_str(&sq), out);
	buf_free(&sq);
	/* Node.pm decode: CRLF from QP, and from base64 in text parts */
	if (mp->encoding != NULL &&
	    (strcmp(mp->encoding, "quoted-printable") == 0 ||
	    (strcmp(mp->encoding, "base64") == 0 &&
	    (strncmp(mp->type, "text/", 5) == 0 ||
	    strncmp(mp->type, "message/", 8) == 0))))
		squash_crlf(out);
}

/* eff_type - Node.pm effective_type: a part named *.htm(l) is HTML */
static const char *
eff_type(const struct mime_part *mp)
{
	const char *f = mp->filename;
	size_t n = f ? strlen(f) : 0;

	if (n >= 4 && (strcasecmp(f + n - 4, ".htm") == 0 ||
	    (n >= 5 && (strcasecmp(f + n - 5, ".html") == 0 ||
	    strcasecmp(f + n - 5, ".shtm") == 0)) ||
	    (n >= 6 && strcasecmp(f + n - 6, ".shtml") == 0)))
		return "text/html";
	/* Util.pm parse_content_type: text/<other> is text/plain */
	if (strncmp(mp->type, "text/", 5) == 0 &&
	    strcmp(mp->type, "text/x-vcard") != 0 &&
	    strcmp(mp->type, "text/calendar") != 0 &&
	    strcmp(mp->type, "text/html") != 0)
		return "text/plain";
	return mp->type;
}

/* is_leaf - has part i no child part? (children follow their parent) */
static int
is_leaf(const struct mime *m, int i)
{
	return i + 1 >= m->nparts || m->part[i + 1].parent != i;
}

/* header_last - the last decoded occurrence of name, or NULL */
static const char *
header_last(const struct msgtext *t, const char *name)
{
	int i;

	for (i = t->nhdr - 1; i >= 0; i--)
		if (strcasecmp(t->hdr[i].name, name) == 0)
			return t->hdr[i].dec;
	return NULL;
}

/* stored_html - the rendering msgtext_parse kept of part i, or NULL */
static const struct html *
stored_html(const struct msgtext *t, int i)
{
	int k;

	for (k = 0; k < t->nhtml; k++)
		if (t->html_part[k] == i)
			return &t->html[k];
	return NULL;
}

/*
 * build_text - the rendered body lines (see the file header) onto out:
 * which MSGTEXT_RENDERED renders the HTML parts and keeps them in t;
 * MSGTEXT_VISIBLE and MSGTEXT_INVISIBLE take the kept renderings and
 * give Message.pm's visible and invisible rendered text arrays (no
 * Subject line in the invisible one; text/plain parts are all visible);
 * keep (t itself at parse time, else NULL) gets the renderings and the
 * truncation flag
 */
static void
build_text(const struct msgtext *t, struct msgtext *keep,
    const struct mime *m, const char *msg, size_t msglen, int which,
    struct msgtext_lines *out)
{
	struct buf text = BUF_INIT, dec = BUF_INIT, u = BUF_INIT, all = BUF_INIT;
	struct html h;
	const struct html *hp;
	const struct mime_part *mp;
	const char *rnd, *subj, *type;
	size_t rlen;
	int i, chars = 0;

	for (i = 0; i < m->nparts; i++) {
		if (!is_leaf(m, i))
			continue;
		mp = &m->part[i];
		if (text.len > 0)
			buf_addc(&text, '\n');
		type = eff_type(mp);
		if (strcmp(type, "text/plain") != 0 &&
		    strcmp(type, "text/html") != 0)
			continue;
		part_decode(m, mp, msg, msglen, &dec);
		buf_reset(&u);
		chars |= normalize(mp->charset, buf_str(&dec), dec.len, &u, 0);
		rnd = buf_str(&u);
		rlen = which == MSGTEXT_INVISIBLE ? 0 : u.len;
		memset(&h, 0, sizeof(h));
		hp = NULL;
		if (dec.len > 0 && strcmp(type, "text/html") == 0) {
			if (keep != NULL) {
				html_render(&h, buf_str(&u), u.len);
				hp = &h;
			} else
				hp = stored_html(t, i);
		}
		if (hp != NULL) {
			rnd = buf_str(&hp->text);
			rlen = hp->text.len;
			/* entities above U+00FF upgrade the Perl string */
			chars |= wide(rnd, rlen);
			if (which == MSGTEXT_VISIBLE) {
				rnd = buf_str(&hp->visible);
				rlen = hp->visible.len;
			} else if (which == MSGTEXT_INVISIBLE) {
				rnd = buf_str(&hp->invisible);
				rlen = hp->invisible.len;
			}
		}
		if (rlen > MSGTEXT_BODY_SCAN && keep != NULL)
			keep->flags |= MSGTEXT_TRUNCATED;
		buf_add(&text, rnd, scan_cut(rnd, rlen, MSGTEXT_BODY_SCAN,
		    "\n "));
		if (hp == &h) {
			/* kept for uri rules and the HTML evals */
			keep->html = xreallocarray(keep->html, keep->nhtml + 1,
			    sizeof(*keep->html));
			keep->html_part = xreallocarray(keep->html_part,
			    keep->nhtml + 1, sizeof(*keep->html_part));
			keep->html[keep->nhtml] = h;
			keep->html_part[keep->nhtml++] = i;
		}
		if (text.len > MSGTEXT_MAX_TEXT) {
			if (keep != NULL)
				keep->flags |= MSGTEXT_TRUNCATED;
			break;
		}
	}
	if (which == MSGTEXT_INVISIBLE)
		;
	else if ((subj = header_last(t, "subject")) != NULL) {
		buf_adds(&all, subj);
		buf_addc(&all, '\n');
	} else
		buf_addc(&all, '\n');
	/* a Perl byte string: entities stay Latin-1 bytes, ASCII \s */
	if (!chars)
		to_latin1(&text);
	squeeze(buf_str(&text), text.len, &all, chars);
	short_lines(buf_str(&all), all.len, out);
	buf_free(&text);
	buf_free(&dec);
	buf_free(&u);
	buf_free(&all);
}

/*
 * msgtext_rendered - Message.pm's visible (MSGTEXT_VISIBLE) or invisible
 * (MSGTEXT_INVISIBLE) rendered body text array of a parsed message onto
 * out (free it with msgtext_lines_free); without HTML parts the visible
 * array is t->body and the invisible one is empty
 */
void
msgtext_rendered(const struct msgtext *t, int which, struct msgtext_lines *out)
{
	memset(out, 0, sizeof(*out));
	build_text(t, NULL, &t->mime, t->src.data, t->src.len, which, out);
}

/* msgtext_lines_free - release lines msgtext_rendered made */
void
msgtext_lines_free(struct msgtext_lines *l)
{
	lines_free(l);
}

/* build_rawbody - the decoded body lines (see the file header) */
static void
build_rawbody(struct msgtext *t, const struct mime *m, const char *msg,
    size_t msglen)
{
	struct buf dec = BUF_INIT;
	const struct mime_part *mp;
	size_t n;
	int i;

	for (i = 0; i < m->nparts; i++) {
		mp = &m->part[i];
		if (!is_leaf(m, i) || strcmp(mp->type, "text/calendar") == 0 ||
		    (strncmp(eff_type(mp), "text/", 5) != 0 &&
		    strncmp(mp->type, "message/", 8) != 0))
			continue;
		part_decode(m, mp, msg, msglen, &dec);
		n = scan_cut(buf_str(&dec), dec.len, MSGTEXT_RAW_SCAN, "\n> ");
		if (n < dec.len)
			t->flags |= MSGTEXT_TRUNCATED;
		short_paragraphs(buf_str(&dec), n, &t->rawbody);
		if (t->rawbody.text.len > MSGTEXT_MAX_TEXT) {
			t->flags |= MSGTEXT_TRUNCATED;
			break;
		}
	}
	buf_free(&dec);
}

/* b64val - value of a base64 digit, or -1 */
static int
b64val(int c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(a, c)) == NULL)
		return -1;
	return p - a;
}

/* word_decode - the B or Q text of an encoded word onto out */
static void
word_decode(int enc, const char *s, size_t n, struct buf *out)
{
	size_t i;
	unsigned acc = 0;
	int bits = 0, v;
	char hex[3] = { 0 };

	for (i = 0; i < n; i++) {
		if (enc == 'b' || enc == 'B') {
			if ((v = b64val((unsigned char)s[i])) < 0)
				continue;
			acc = (acc << 6 | v) & 0xffffff;
			if ((bits += 6) >= 8) {
				bits -= 8;
				buf_addc(out, (acc >> bits) & 0xff);
			}
		} else if (s[i] == '_')
			buf_addc(out, ' ');
		else if (s[i] == '=' && i + 2 < n &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			buf_addc(out, (int)strtoul(hex, NULL, 16));
			i += 2;
		} else
			buf_addc(out, s[i]);
	}
}

/* ew_match - an encoded word =?cs?e?text?= at s (before end)? sets the
 * parts, returns its length or 0 */
static size_t
ew_match(const char *s, const char *end, const char **cs, size_t *cslen,
    int *enc, const char **tx, size_t *txlen)
{
	const char *p = s + 2, *q;

	if (end - s < 7 || s[0] != '=' || s[1] != '?')
		return 0;
	for (q = p; q < end && (strchr("-_*", *q) || (*q >= '0' && *q <= '9')
	    || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) && *q; q++)
		;
	if (q == p || end - q < 5 || q[0] != '?' || !strchr("bqBQ", q[1]) ||
	    q[1] == '\0' || q[2] != '?')
		return 0;
	*cs = p;
	*cslen = q - p;
	*enc = q[1];
	*tx = q + 3;
	q = memchr(*tx, '?', end - *tx);
	if (q == NULL || q + 1 >= end || q[1] != '=')
		return 0;
	*txlen = q - *tx;
	return q + 2 - s;
}

/*
 * decode_header - Node.pm _decode_header: the unfolded, trimmed value
 * v of field name, 8-bit text normalised, encoded words decoded (runs
 * of words in one charset joined first), whitespace between words
 * dropped; returns a new string.
 */
static char *
decode_header(const char *name, const char *v, size_t n)
{
	struct buf a = BUF_INIT, b = BUF_INIT, sect = BUF_INIT;
	const char *s, *end, *cs, *tx, *q;
	char lastcs[80] = "", curcs[80];
	size_t cslen, txlen, w, k;
	int enc, inword = 0;

	for (k = 0; k < n; k++)		/* s/\015?\012//gs */
		if (v[k] == '\n') {
			if (a.len > 0 && a.data[a.len - 1] == '\r')
				a.len--;
		} else
			buf_addc(&a, v[k]);
	if (count8(buf_str(&a), a.len)) {
		(void)normalize("UTF-8", buf_str(&a), a.len, &b, 0);
		buf_reset(&a);
		buf_add(&a, buf_str(&b), b.len);
		buf_reset(&b);
	}
	if (match_ci(RE_NODECODE, name) ||
	    memmem(buf_str(&a), a.len, "=?", 2) == NULL) {
		buf_free(&b);
		return buf_steal(&a);
	}
	s = buf_str(&a);
	end = s + a.len;
	while (s < end) {
		if ((w = ew_match(s, end, &cs, &cslen, &enc, &tx, &txlen))) {
			if (cslen >= sizeof(curcs))
				cslen = sizeof(curcs) - 1;
			memcpy(curcs, cs, cslen);
			curcs[cslen] = '\0';
			if (!inword || strcasecmp(curcs, lastcs) != 0) {
				if (inword)
					(void)normalize(lastcs, buf_str(&sect),
					    sect.len, &b, 1);
				buf_reset(&sect);
				strcpy(lastcs, curcs);
				if ((q = strchr(lastcs, '*')) != NULL)
					lastcs[q - lastcs] = '\0';
			}
			inword = 1;
			word_decode(enc, tx, txlen, &sect);
			s += w;
			/* whitespace before another encoded word goes */
			for (q = s; q < end && ws_len((const unsigned char *)q,
			    (const unsigned char *)end) == 1; q++)
				;
			if (q > s && ew_match(q, end, &cs, &cslen, &enc, &tx,
			    &txlen))
				s = q;
			continue;
		}
		if (inword)
			(void)normalize(lastcs, buf_str(&sect), sect.len, &b, 1);
		inword = 0;
		buf_reset(&sect);
		buf_addc(&b, *s++);
	}
	if (inword)
		(void)normalize(lastcs, buf_str(&sect), sect.len, &b, 1);
	buf_free(&a);
	buf_free(&sect);
	if (b.data == NULL)
		buf_addc(&b, 0), b.len = 0;
	return buf_steal(&b);
}

/* add_header - store field hdr[0..n) (LF lines) as SA's header() does */
static void
add_header(struct msgtext *t, const char *h, size_t n)
{
	const char *colon = memchr(h, ':', n), *v, *e;
	struct msgtext_hdr *x;
	size_t klen, vlen;
	struct buf d = BUF_INIT, sv = BUF_INIT;
	const char *p;

	if (colon == NULL)
		return;
	if (t->nhdr >= MSGTEXT_MAX_HEADERS) {
		t->flags |= MSGTEXT_HDR_TRUNCATED;
		return;
	}
	klen = colon - h;
	while (klen > 0 && (h[klen - 1] == ' ' || h[klen - 1] == '\t'))
		klen--;
	/* the value's CRLFs are squashed, the name's are not (as SA) */
	buf_add(&sv, colon + 1, n - (colon + 1 - h));
	squash_crlf(&sv);
	v = buf_str(&sv);
	vlen = sv.len;
	if (klen > MSGTEXT_HDR_KEY_MAX || vlen > MSGTEXT_HDR_VALUE_MAX) {
		t->flags |= MSGTEXT_HDR_TRUNCATED;
		if (klen > MSGTEXT_HDR_KEY_MAX)
			klen = MSGTEXT_HDR_KEY_MAX;
		if (vlen > MSGTEXT_HDR_VALUE_MAX)
			vlen = MSGTEXT_HDR_VALUE_MAX;
	}
	if (t->nhdr % 64 == 0)
		t->hdr = xreallocarray(t->hdr, t->nhdr + 64, sizeof(*t->hdr));
	x = &t->hdr[t->nhdr++];
	x->name = xstrndup(h, klen);
	x->raw = xstrndup(v, vlen);
	/* s/\n[ \t]+/ /gs; s/\s+$//s; s/^\s+//s */
	for (p = v, e = v + vlen; p < e; p++) {
		if (*p == '\n' && p + 1 < e && (p[1] == ' ' || p[1] == '\t')) {
			buf_addc(&d, ' ');
			while (p + 1 < e && (p[1] == ' ' || p[1] == '\t'))
				p++;
		} else
			buf_addc(&d, *p);
	}
	p = buf_str(&d);
	e = p + d.len;
	while (e > p && ws_len((const unsigned char *)e - 1,
	    (const unsigned char *)e) == 1)
		e--;
	while (p < e && ws_len((const unsigned char *)p,
	    (const unsigned char *)e) == 1)
		p++;
	x->dec = decode_header(x->name, p, e - p);
	buf_free(&d);
	buf_free(&sv);
}

/* parse_headers - the top header block, split into fields as
 * Message.pm does: ends at an empty line or a line starting "--";
 * returns the offset of the body */
static size_t
parse_headers(struct msgtext *t, const char *msg, size_t len)
{
	const char *s = msg, *end = msg + len, *nl;
	struct buf cur = BUF_INIT;
	size_t ll;
	int have = 0, cr;

	while (s < end) {
		nl = memchr(s, '\n', end - s);
		ll = nl ? (size_t)(nl - s) : (size_t)(end - s);
		cr = ll > 0 && s[ll - 1] == '\r';
		if (cr)
			ll--;
		if (ll > 0 && (s[0] == ' ' || s[0] == '\t')) {
			buf_add(&cur, s, ll);
			buf_adds(&cur, cr ? "\r\n" : "\n");
			have = 1;
		} else {
			if (have)
				add_header(t, buf_str(&cur), cur.len);
			buf_reset(&cur);
			have = 0;
			if (ll == 0) {
				s = nl ? nl + 1 : end;
				break;
			}
			if (ll >= 2 && s[0] == '-' && s[1] == '-')
				break;
			buf_add(&cur, s, ll);
			buf_adds(&cur, cr ? "\r\n" : "\n");
			have = 1;
		}
		s = nl ? nl + 1 : end;
	}
	if (have)
		add_header(t, buf_str(&cur), cur.len);
	buf_free(&cur);
	return s - msg;
}

/* blank_line - is s[0..n) whitespace only (Perl /^\s*$/)? */
static int
blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
			return 0;
	return 1;
}

/*
 * cut_blank_runs - Message.pm's "merge multiple blank lines": a run of
 * more than 20 whitespace-only body lines keeps its first line and its
 * last 19 (a run at the start of the body keeps 2 + 19); body[0..n)
 * appended to out.  Linear: a ring holds the last 19 line starts.
 */
static void
cut_blank_runs(const char *body, size_t n, struct buf *out)
{
	const size_t K = 19;
	size_t ring[19], off = 0, ll, run = 0, rstart = 0, second = 0;
	size_t third = 0, tail;
	const char *nl;
	int lead = 1;

	while (off <= n) {
		nl = off < n ? memchr(body + off, '\n', n - off) : NULL;
		ll = off < n ? (nl ? (size_t)(nl - body - off) + 1 : n - off) : 0;
		if (ll > 0 && blank_line(body + off, ll)) {
			if (run == 0)
				rstart = off;
			if (run == 1)
				second = off;
			if (run == 2)
				third = off;
			ring[run % K] = off;
			run++;
			off += ll;
			continue;
		}
		/* the run (if any) ends before off */
		if (run > 0) {
			if ((lead ? run - 1 : run) > 20) {
				tail = ring[(run - K) % K];
				buf_add(out, body + rstart,
				    (lead ? third : second) - rstart);
				buf_add(out, body + tail, off - tail);
			} else
				buf_add(out, body + rstart, off - rstart);
			run = 0;
		}
		lead = 0;
		if (ll == 0)
			break;
		buf_add(out, body + off, ll);
		off += ll;
	}
}

/*
 * build_uris - SA's get_uri_list: the URIs of each rendered body line
 * (the Subject line too, as _process_text_uri_list reads
 * get_decoded_stripped_body_text_array) and of every HTML part, each
 * with the canonical variants uri_list_canonicalize adds
 */
static void
build_uris(struct msgtext *t)
{
	struct uri_list raw;
	int i, k;

	memset(&raw, 0, sizeof(raw));
	for (i = 0; i < t->body.n; i++)
		uri_from_text(t->body.text.data + t->body.off[i],
		    t->body.len[i], &raw);
	for (i = 0; i < t->nhtml; i++)
		for (k = 0; k < t->html[i].nuri; k++)
			uri_list_add(&raw, t->html[i].uri[k].uri,
			    strlen(t->html[i].uri[k].uri), 0);
	for (i = 0; i < raw.n; i++) {
		/* uri_list_canonicalize returns the URI itself too (without
		 * CR/LF, trimmed), even one it skips ("/img.gif", "#x") */
		const char *p = raw.v[i];
		struct buf tr = BUF_INIT;
		size_t a, e;

		for (; *p; p++)
			if (*p != '\n' && *p != '\r')
				buf_addc(&tr, *p);
		for (a = 0; a < tr.len && strchr(" \t\f\v", tr.data[a]); a++)
			;
		for (e = tr.len; e > a && strchr(" \t\f\v", tr.data[e - 1]);
		    e--)
			;
		if (e > a)
			uri_list_add(&t->uris, tr.data + a, e - a, 0);
		buf_free(&tr);
		uri_canonical(raw.v[i], &t->uris);
	}
	if (raw.overflow)
		t->uris.overflow |= raw.overflow;
	uri_list_free(&raw);
}

/* msgtext_parse - build t from the message msg[0..len) */
void
msgtext_parse(struct msgtext *t, const char *msg, size_t len)
{
	struct buf fix = BUF_INIT;
	size_t body;

	memset(t, 0, sizeof(*t));
	body = parse_headers(t, msg, len);
	/* SA reads a header that starts with a continuation line as one
	 * field; lib/mime would take it all for body: give it a name */
	buf_reserve(&fix, len + 3);
	if (len > 0 && (msg[0] == ' ' || msg[0] == '\t'))
		buf_add(&fix, "X:", 2);
	buf_add(&fix, msg, body);
	cut_blank_runs(msg + body, len - body, &fix);
	msg = fix.data;
	len = fix.len;
	memset(&t->mime, 0, sizeof(t->mime));
	mime_parse(&t->mime, msg, len, NULL);
	t->mime_flags = t->mime.flags;
	build_text(t, t, &t->mime, msg, len, MSGTEXT_RENDERED, &t->body);
	build_rawbody(t, &t->mime, msg, len);
	build_uris(t);
	t->src = fix;	/* the offsets of t->mime point into it */
}

/* msgtext_free - release what msgtext_parse built */
void
msgtext_free(struct msgtext *t)
{
	int i;

	lines_free(&t->body);
	lines_free(&t->rawbody);
	for (i = 0; i < t->nhdr; i++) {
		xfree(t->hdr[i].name);
		xfree(t->hdr[i].raw);
		xfree(t->hdr[i].dec);
	}
	xfree(t->hdr);
	for (i = 0; i < t->nhtml; i++)
		html_free(&t->html[i]);
	xfree(t->html);
	xfree(t->html_part);
	uri_list_free(&t->uris);
	mime_free(&t->mime);
	buf_free(&t->src);
	memset(t, 0, sizeof(*t));
}

/* collect - every occurrence of name: decoded + "\n", or raw (raw as
 * stored, or unfolded as get_header(h, 1) when unfold) */
static void
collect(const struct msgtext *t, const char *name, int raw, int unfold,
    struct msgtext_lines *l)
{
	struct buf u = BUF_INIT;
	const char *p;
	int i;

	for (i = 0; i < t->nhdr; i++) {
		if (strcasecmp(t->hdr[i].name, name) != 0)
			continue;
		buf_reset(&u);
		if (!raw) {
			buf_adds(&u, t->hdr[i].dec);
			buf_addc(&u, '\n');
		} else if (!unfold)
			buf_adds(&u, t->hdr[i].raw);
		else	/* s/\015?\012\s+/ /gs */
			for (p = t->hdr[i].raw; *p; p++) {
				if (*p == '\n' && p[1] && ws_len(
				    (const unsigned char *)p + 1,
				    (const unsigned char *)p + 2) == 1) {
					buf_addc(&u, ' ');
					while (p[1] && ws_len(
					    (const unsigned char *)p + 1,
					    (const unsigned char *)p + 2) == 1)
						p++;
				} else
					buf_addc(&u, *p);
			}
		lines_push(l, buf_str(&u), u.len);
	}
	buf_free(&u);
}

/* skip_comment - past a (nested) comment at s, or end */
static const char *
skip_comment(const char *s, const char *end)
{
	int depth = 0;

	for (; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && --depth == 0)
			return s + 1;
	}
	return end;
}

/*
 * first_address - the first mailbox of a raw address list s[0..n): its
 * address (angle-addr, else the bare addr-spec without comments and
 * whitespace) onto addr and its display name (phrase before "<",
 * comments dropped, one level of quotes removed) onto name.
 */
static int
first_address(const char *s, size_t n, struct buf *addr, struct buf *name,
    size_t *used)
{
	const char *end = s + n, *p, *lt = NULL, *stop = end, *q, *s0 = s;
	int inq = 0, ok;

	for (p = s; p < end; p++) {
		if (inq) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				inq = 0;
		} else if (*p == '"')
			inq = 1;
		else if (*p == '(') {
			p = skip_comment(p, end) - 1;
		} else if (*p == '<') {
			lt = p;
			break;
		} else if (*p == ':') {		/* group display name */
			s = p + 1;
		} else if (*p == ',' || *p == ';') {
			stop = p;
			break;
		}
	}
	*used = stop < end ? (size_t)(stop - s0) + 1 : n;
	if (lt != NULL) {
		q = memchr(lt, '>', end - lt);
		/* past the mailbox: the next "," after ">" */
		p = q ? memchr(q, ',', end - q) : NULL;
		*used = p ? (size_t)(p - s0) + 1 : n;
		ok = 1;
		for (p = lt + 1; p < (q ? q : end); p++)
			if (ws_len((const unsigned char *)p,
			    (const unsigned char *)end))
				ok = 0;		/* not an address */
			else
				buf_addc(addr, *p);
		if (!ok)
			buf_reset(addr);
		/* the phrase before "<": comments outside quotes dropped */
		for (p = s, inq = 0; p < lt; p++) {
			if (!inq && *p == '(') {
				p = skip_comment(p, lt) - 1;
				continue;
			}
			if (*p == '"' && (p == s || p[-1] != '\\'))
				inq = !inq;
			buf_addc(name, *p == '\n' || *p == '\r' ||
			    *p == '\t' ? ' ' : *p);
		}
		return 1;
	}
	/* addr-spec (comment): the comment is the name */
	for (p = s, inq = 0; p < stop; p++) {
		if (inq) {
			if (*p == '"')
				inq = 0;
			buf_addc(addr, *p);
		} else if (*p == '"')
			inq = 1, buf_addc(addr, *p);
		else if (*p == '(') {
			q = skip_comment(p, stop);
			if (name->len == 0 && q - p >= 2)
				buf_add(name, p + 1, q - p - (q[-1] == ')' ?
				    2 : 1));
			p = q - 1;
		} else if (!ws_len((const unsigned char *)p,
		    (const unsigned char *)stop))
			buf_addc(addr, *p);
	}
	return addr->len > 0 && memchr(addr->data, '@', addr->len) != NULL;
}

/* trim_name - the phrase cleaned as get(:name) does: quotes of the
 * quoted-strings dropped, whitespace collapsed and trimmed, one pair
 * of single quotes removed */
static void
trim_name(struct buf *b)
{
	struct buf o = BUF_INIT;
	const char *p = buf_str(b), *e = p + b->len;
	int sp = 1;

	for (; p < e; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			if (!sp)
				buf_addc(&o, ' ');
			sp = 1;
			continue;
		}
		if (*p == '"')
			continue;
		sp = 0;
		if (*p == '\\' && p + 1 < e)
			p++;
		buf_addc(&o, *p);
	}
	if (o.len > 0 && o.data[o.len - 1] == ' ')
		buf_trunc(&o, o.len - 1);
	if (o.len >= 2 && o.data[0] == '\'' && o.data[o.len - 1] == '\'') {
		memmove(o.data, o.data + 1, o.len - 2);
		buf_trunc(&o, o.len - 2);
	}
	buf_reset(b);
	buf_add(b, buf_str(&o), o.len);
	buf_free(&o);
}

/*
 * msgtext_header - the value of a header rule's request (PerMsgStatus
 * get in scalar context): "Name" (decoded, occurrences each ending
 * "\n", joined), "Name:raw", ":addr" / ":name" (first address / display
 * name, no "\n"), ":first" / ":last", "ALL", "ALL:raw", "ToCc",
 * "MESSAGEID"; left in out (reset first), or NULL when nothing is found.
 * Unsupported modifiers (:host, :domain, :ip, :revip) are ignored.
 */
static const char *header_get(const struct msgtext *, const char *,
    struct buf *, int);

const char *
msgtext_header(const struct msgtext *t, const char *request, struct buf *out)
{
	return header_get(t, request, out, 0);
}

/*
 * msgtext_header_list - the value a header rule matches: PerMsgStatus
 * get in list context, joined as Check.pm does ("" when the first
 * result ends in "\n", else "\n"): every address of :addr, every name
 * of :name; NULL when nothing is found
 */
const char *
msgtext_header_list(const struct msgtext *t, const char *request,
    struct buf *out)
{
	return header_get(t, request, out, 1);
}

/* header_get - msgtext_header (all: 0) or msgtext_header_list (1) */
static const char *
header_get(const struct msgtext *t, const char *request, struct buf *out,
    int all)
{
	struct msgtext_lines l;
	struct buf a = BUF_INIT, nm = BUF_INIT;
	char name[MSGTEXT_HDR_KEY_MAX + 1];
	const char *c, *mod;
	size_t n, total, pos, used;
	int raw = 0, addr = 0, getname = 0, first = 0, last = 0, i, found;

	memset(&l, 0, sizeof(l));
	buf_reset(out);
	c = strchr(request, ':');
	n = c ? (size_t)(c - request) : strlen(request);
	if (n > MSGTEXT_HDR_KEY_MAX)
		n = MSGTEXT_HDR_KEY_MAX;
	memcpy(name, request, n);
	name[n] = '\0';
	for (mod = c; mod != NULL; mod = strchr(mod + 1, ':')) {
		n = strcspn(mod + 1, ":");
		if (n == 3 && strncmp(mod + 1, "raw", 3) == 0)
			raw = 1;
		else if (n == 4 && strncmp(mod + 1, "addr", 4) == 0)
			addr = 1;
		else if (n == 4 && strncmp(mod + 1, "name", 4) == 0)
			getname = 1;
		else if (n == 5 && strncmp(mod + 1, "first", 5) == 0)
			first = 1;
		else if (n == 4 && strncmp(mod + 1, "last", 4) == 0)
			last = 1;
	}
	if (strcmp(name, "ALL") == 0) {
		/* get_all_headers: "Name: value\n", at most 64 KiB */
		for (i = 0, total = 0; i < t->nhdr; i++) {
			total += strlen(t->hdr[i].name) + 2 +
			    (raw ? strlen(t->hdr[i].raw) : strlen(t->hdr[i].dec)
			    + 1);
			if (!raw && total > MSGTEXT_HDR_ALL_MAX)
				break;
			buf_adds(out, t->hdr[i].name);
			buf_addc(out, ':');
			if (raw)
				buf_adds(out, t->hdr[i].raw);
			else {
				buf_addc(out, ' ');
				buf_adds(out, t->hdr[i].dec);
				buf_addc(out, '\n');
			}
		}
		return t->nhdr ? buf_str(out) : NULL;
	}
	if (strcasecmp(name, "ToCc") == 0) {
		collect(t, "To", raw, 1, &l);
		collect(t, "Cc", raw, 1, &l);
	} else if (strcmp(name, "MESSAGEID") == 0) {
		collect(t, "X-Message-Id", raw, 1, &l);
		collect(t, "Resent-Message-Id", raw, 1, &l);
		collect(t, "X-Original-Message-ID", raw, 1, &l);
		collect(t, "Message-Id", raw, 1, &l);
	} else
		collect(t, name, raw || addr || getname, 0, &l);
	found = 0;
	for (i = 0; i < l.n; i++) {
		if ((first && i > 0) || (last && i != l.n - 1))
			continue;
		if (strcmp(name, "MESSAGEID") == 0 && l.len[i] == 0)
			continue;
		if (!addr && !getname) {
			buf_add(out, l.text.data + l.off[i], l.len[i]);
			found = 1;
			continue;
		}
		/* every mailbox of the line, the first that has one wins
		 * (all: every one) */
		for (pos = 0; (all || !found) && pos < l.len[i];
		    pos += used) {
			buf_reset(&a);
			buf_reset(&nm);
			if (!first_address(l.text.data + l.off[i] + pos,
			    l.len[i] - pos, &a, &nm, &used))
				continue;
			if (addr) {
				if (a.len == 0)
					continue;
				if (found)
					buf_addc(out, '\n');
				buf_add(out, buf_str(&a), a.len);
				found = 1;
				if (all)
					continue;
				break;
			}
			trim_name(&nm);
			if (nm.len == 0)
				continue;
			if (found)
				buf_addc(out, '\n');
			if (!raw) {
				char *d = decode_header("", buf_str(&nm),
				    nm.len);

				buf_reset(&nm);
				buf_adds(&nm, d);
				xfree(d);
				trim_name(&nm);
				buf_add(out, buf_str(&nm), nm.len);
			} else
				buf_add(out, buf_str(&nm), nm.len);
			found = 1;
		}
		if (found && !all)
			break;
	}
	lines_free(&l);
	buf_free(&a);
	buf_free(&nm);
	return found ? buf_str(out) : NULL;
}

/*
 * FreeMail _parse_body edits the body lines in place (its foreach
 * aliases the cached array): URLs holding an address and addresses in
 * <> or followed by "word:" become one space.  Body rules that run
 * after it see the edited lines; msgtext_freemail_strip does the same.
 */
static pcre2_code *fm_url, *fm_mail;
static pthread_once_t fm_once = PTHREAD_ONCE_INIT;

#define FM_LOCAL	"[a-z0-9!#$%&'*+/=?^_`{|}~-]"

/* fm_tld - callout: is the label just matched (group 2) a known TLD? */
static int
fm_tld(pcre2_callout_block *cb, void *arg)
{
	PCRE2_SIZE s = cb->offset_vector[4], e = cb->offset_vector[5];

	(void)arg;
	if (cb->capture_top < 3 || s == PCRE2_UNSET || e <= s)
		return 1;
	return uri_tld_valid((const char *)cb->subject + s, e - s) ? 0 : 1;
}

/* fm_init - compile FreeMail's two patterns (email_regex inside) */
static void
fm_init(void)
{
	int err;
	PCRE2_SIZE off;

	fm_url = pcre2_compile((PCRE2_SPTR)
	    "<?https?://\\S{0,255}(?:@|%40)\\S{0,255}", PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS, &err, &off, NULL);
	fm_mail = pcre2_compile((PCRE2_SPTR)
	    "<?(?<!mailto:)(?=.{0,64}@)(?<!" FM_LOCAL ")(" FM_LOCAL "+(?:\\."
	    FM_LOCAL "+)*@(?:[a-z0-9](?:[a-z0-9-]{0,59}[a-z0-9])?\\.){1,4}"
	    "([a-z][a-z0-9-]{1,62})(?C1))(?:>|\\s{1,10}(?!(?:fa(?:x|csi)|tel|"
	    "phone|e?-?mail))[a-z]{2,11}:)", PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS, &err, &off, NULL);
}

/* fm_subst - every match of re in s[0..n) replaced by " ", onto out */
static void
fm_subst(const pcre2_code *re, pcre2_match_data *md,
    pcre2_match_context *mc, const char *s, size_t n, struct buf *out)
{
	PCRE2_SIZE start = 0, *ov;

	while (start <= n && pcre2_match(re, (PCRE2_SPTR)s, n, start, 0, md,
	    mc) > 0) {
		ov = pcre2_get_ovector_pointer(md);
		buf_add(out, s + start, ov[0] - start);
		buf_addc(out, ' ');
		if (ov[1] == ov[0]) {
			if (ov[0] < n)
				buf_addc(out, s[ov[0]]);
			start = ov[0] + 1;
		} else
			start = ov[1];
	}
	if (start < n)
		buf_add(out, s + start, n - start);
}

/*
 * msgtext_freemail_strip - FreeMail's edit of the body lines (see
 * above), for the evals that read the body as FreeMail _parse_body
 * does: call it where SpamAssassin would parse the body for addresses
 */
void
msgtext_freemail_strip(struct msgtext *t)
{
	struct msgtext_lines nl;
	struct buf a = BUF_INIT, b = BUF_INIT;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int i;

	pthread_once(&fm_once, fm_init);
	if (fm_url == NULL || fm_mail == NULL || t->body.n == 0)
		return;
	md = pcre2_match_data_create(8, NULL);
	mc = pcre2_match_context_create(NULL);
	pcre2_set_callout(mc, fm_tld, NULL);
	pcre2_set_match_limit(mc, 1000000);
	memset(&nl, 0, sizeof(nl));
	for (i = 0; i < t->body.n; i++) {
		buf_reset(&a);
		buf_reset(&b);
		fm_subst(fm_url, md, mc, t->body.text.data + t->body.off[i],
		    t->body.len[i], &a);
		fm_subst(fm_mail, md, mc, buf_str(&a), a.len, &b);
		lines_push(&nl, buf_str(&b), b.len);
	}
	lines_free(&t->body);
	t->body = nl;
	buf_free(&a);
	buf_free(&b);
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
}

/*
 * msgtext_part_headers - the header fields of MIME part i (of t->mime,
 * in t->src) into out->hdr/nhdr, read as the message's own (Node.pm:
 * values unfolded, RFC 2047 decoded); free out with msgtext_free
 */
void
msgtext_part_headers(const struct msgtext *t, int i, struct msgtext *out)
{
	const struct mime_part *mp;

	memset(out, 0, sizeof(*out));
	if (i < 0 || i >= t->mime.nparts)
		return;
	mp = &t->mime.part[i];
	if (mp->hdr_off + mp->hdr_len > t->src.len)
		return;
	(void)parse_headers(out, t->src.data + mp->hdr_off, mp->hdr_len);
}
